"use client";

import { Lock } from "lucide-react";
import { EmptyState } from "@/components/ui/empty-state";

/**
 * The 403 page: what the actor may not see and whom to ask. Rendered by the
 * forbidden.tsx files next to the pages (Next answers HTTP 403 when a page
 * calls forbidden(), see lib/http/page.ts). A client component: Next sends every
 * forbidden boundary above a page in that page's React data, shown or not, and
 * a client component's costs a reference and its `what` instead of its tree.
 */
export function NoAccess({ what = "this page", action }: { what?: string; action?: React.ReactNode }) {
  return (
    <EmptyState
      icon={Lock}
      title="No permission"
      description={`Your role does not give you access to ${what}. If you need it, ask an admin or the project's owner.`}
      action={action}
    />
  );
}
