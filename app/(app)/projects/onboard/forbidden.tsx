import { NoAccess } from "@/components/shell/no-access";

/** The 403 page of onboarding projects (forbidden() in page.tsx, through allowPage or pageRead). */
export default function Forbidden() {
  return <NoAccess what="onboarding projects" />;
}
