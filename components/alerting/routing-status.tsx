"use client";

/**
 * Admin → Alerting: the state of the Alertmanager configuration Wharf writes
 * (last written, last loaded, last error), the configuration as generated now,
 * and "Write and reload" for those with alerting.routing.apply. While a run is
 * queued the page refreshes itself until it has run.
 */
import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { Loader2, RefreshCw } from "lucide-react";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/forms/use-action";
import { applyRoutingAction } from "@/lib/alerting/routing-actions";

export function RoutingApplyButton({ disabled }: { disabled: boolean }) {
  const router = useRouter();
  const apply = useAction(applyRoutingAction, {
    success: "Queued: Wharf writes the configuration and reloads Alertmanager",
    onSuccess: () => router.refresh(),
  });
  return (
    <Button variant="outline" disabled={disabled || apply.pending} onClick={() => void apply.run({})}>
      {apply.pending ? <Loader2 className="animate-spin" /> : <RefreshCw />} Write and reload
    </Button>
  );
}

/** Refreshes the page every 2 s while a run is queued (its outcome then shows). */
export function RefreshWhileQueued({ queued }: { queued: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!queued) return;
    const t = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(t);
  }, [queued, router]);
  return null;
}
