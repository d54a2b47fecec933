import { NoAccess } from "@/components/shell/no-access";

/** The 403 page of deployments (forbidden() in page.tsx, through allowPage or pageRead). */
export default function Forbidden() {
  return <NoAccess what="deployments" />;
}
