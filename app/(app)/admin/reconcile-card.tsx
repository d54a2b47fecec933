"use client";

import { useRouter } from "next/navigation";
import { Loader2, ShieldCheck } from "lucide-react";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/forms/use-action";
import { requestReconcileAction } from "@/lib/provisioning/actions";

export function ReconcileButton() {
  const router = useRouter();
  const run = useAction(requestReconcileAction, {
    success: "Reconcile queued: results appear here when it has run",
    onSuccess: () => setTimeout(() => router.refresh(), 3000),
  });
  return (
    <Button variant="outline" disabled={run.pending} onClick={() => void run.run({})}>
      {run.pending ? <Loader2 className="animate-spin" /> : <ShieldCheck />} Reconcile RBAC now
    </Button>
  );
}
