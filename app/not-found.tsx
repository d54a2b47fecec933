import { NotFoundPage } from "@/components/shell/boundaries";

export default function NotFound() {
  return <NotFoundPage />;
}
