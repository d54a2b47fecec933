import { UnauthorizedPage } from "@/components/shell/boundaries";

/** unauthorized() anywhere: a sign-in prompt. Also keeps Next's default 401 page out of every page's React data. */
export default function Unauthorized() {
  return <UnauthorizedPage />;
}
