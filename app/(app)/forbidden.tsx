import { NoAccess } from "@/components/shell/no-access";

/** The 403 page inside the shell, for a page without a forbidden.tsx of its own. */
export default function Forbidden() {
  return <NoAccess />;
}
