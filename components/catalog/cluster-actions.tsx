"use client";

import { useRouter } from "next/navigation";
import { toast } from "sonner";
import { Loader2, RefreshCw, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { useAction } from "@/components/forms/use-action";
import { checkClusterAction, deleteClusterAction } from "@/lib/catalog/cluster-actions";

const CHECK_TITLES = { unreachable: "Unreachable", credentials_rejected: "Credentials rejected", missing_permissions: "Missing permissions" } as const;

export function CheckNowButton({ id }: { id: string }) {
  const router = useRouter();
  const check = useAction(checkClusterAction, {
    onSuccess: (r) => {
      if (r.status === "reachable") toast.success(`Reachable: ${r.version} in ${r.latencyMs} ms`);
      // The page lists what is missing; the toast only says so.
      else if (r.status === "missing_permissions") toast.warning(`${CHECK_TITLES[r.status]}: ${r.missing.length} to grant, listed on this page`);
      else toast.error(`${CHECK_TITLES[r.status]}: ${r.reason}`);
      router.refresh();
    },
  });
  return (
    <Button variant="outline" disabled={check.pending} onClick={() => void check.run({ id })}>
      {check.pending ? <Loader2 className="animate-spin" /> : <RefreshCw />} Check now
    </Button>
  );
}

export function DeleteClusterButton({ id, name }: { id: string; name: string }) {
  const router = useRouter();
  const del = useAction(deleteClusterAction, { success: `${name} removed from the registry`, onSuccess: () => router.push("/clusters") });
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="outline" className="text-destructive">
          <Trash2 /> Remove
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Remove {name} from Wharf?</AlertDialogTitle>
          <AlertDialogDescription>
            Wharf forgets the cluster and its kubeconfig. Nothing on the cluster is touched. A cluster that still runs environments cannot be removed.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction disabled={del.pending} onClick={() => void del.run({ id })}>
            Remove
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
