import { ForbiddenPage } from "@/components/shell/boundaries";

/** The 403 page outside the signed-in shell (forbidden() anywhere else). */
export default function Forbidden() {
  return <ForbiddenPage />;
}
