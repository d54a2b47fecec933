import { NoAccess } from "@/components/shell/no-access";

/** The 403 page of user management (forbidden() in page.tsx, through allowPage or pageRead). */
export default function Forbidden() {
  return <NoAccess what="user management" />;
}
