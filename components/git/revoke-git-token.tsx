"use client";

import { useRouter } from "next/navigation";
import { Ban } from "lucide-react";
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
import { revokeGitTokenAction } from "@/lib/git/actions";

export function RevokeGitTokenButton({ id, name, owner }: { id: string; name: string; owner?: string }) {
  const router = useRouter();
  const revoke = useAction(revokeGitTokenAction, { success: `Token ${name} revoked`, onSuccess: () => router.refresh() });
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant="outline" size="sm" className="text-destructive" aria-label={`Revoke ${name}`}>
          <Ban /> Revoke
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Revoke the token “{name}”?</AlertDialogTitle>
          <AlertDialogDescription>
            Git stops accepting it at once{owner ? ` (it is ${owner}'s)` : ""}: a clone or fetch with it is refused with the reason. This cannot be undone; a
            new token can be created any time.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction disabled={revoke.pending} onClick={() => void revoke.run({ id })}>
            Revoke
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
