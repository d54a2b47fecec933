import { Lock } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";

/** Shown instead of a page the actor may not open (the 403 of a page). */
export function NoAccess({ what = "this page" }: { what?: string }) {
  return (
    <EmptyState
      icon={Lock}
      title="No permission"
      description={`Your role does not give you access to ${what}. If you need it, ask an admin or the project's owner.`}
    />
  );
}
