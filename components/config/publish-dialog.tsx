"use client";

/**
 * Publishing a draft: a comment (required), the diff once more, and in
 * production the ticket it opens. A stale draft or a release published by
 * someone else meanwhile comes back as CONFLICT naming who and when; the
 * dialog keeps the comment and says so.
 */
import { useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { Send, ShieldCheck } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { publishConfigAction } from "@/lib/config/actions";
import type { KeyChange } from "@/lib/config/diff";
import type { TSetRef } from "@/lib/config/schemas";
import { DiffView } from "./diff-view";

export type PublishOutcome = { status: "published"; releaseNumber: number } | { status: "pending_approval"; ticketNumber: number };

interface Props {
  setRef: TSetRef;
  draftVersion: number;
  baseReleaseId: string | null;
  changes: KeyChange[];
  namespace: string;
  production: boolean;
  onPublished: (outcome: PublishOutcome) => void;
}

export function PublishDialog({ setRef, draftVersion, baseReleaseId, changes, namespace, production, onPublished }: Props) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [comment, setComment] = useState("");
  const [commentProblem, setCommentProblem] = useState<string | null>(null);
  const publish = useAction(publishConfigAction);
  const where = `${setRef.environment}${setRef.cluster === "default" ? "" : ` / ${setRef.cluster}`}`;

  async function onPublish() {
    if (!comment.trim()) {
      setCommentProblem("Say what this release changes");
      return;
    }
    setCommentProblem(null);
    const r = await publish.run({ ...setRef, draftVersion, baseReleaseId, comment });
    if (r.ok) {
      setOpen(false);
      setComment("");
      onPublished(
        r.data.status === "pending_approval"
          ? { status: "pending_approval", ticketNumber: r.data.ticketNumber }
          : { status: "published", releaseNumber: r.data.releaseNumber },
      );
      router.refresh();
    } else if (r.error.fieldErrors?.comment) setCommentProblem(r.error.fieldErrors.comment.join(" "));
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) publish.clearFormError();
      }}
    >
      <DialogTrigger asChild>
        <Button disabled={changes.length === 0}>
          <Send /> {production ? "Request publish" : "Publish"}
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90dvh] overflow-y-auto sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>
            Publish {namespace} to {where}
          </DialogTitle>
          <DialogDescription>
            {production
              ? "Production: this opens a ticket with the diff below; ops approve it, and approval publishes exactly this."
              : "Clients of this environment get the new values within a second."}
          </DialogDescription>
        </DialogHeader>
        {production && (
          <Alert>
            <ShieldCheck />
            <AlertTitle>A ticket will be opened</AlertTitle>
            <AlertDescription>Nothing changes for clients until ops approve it. You can follow it under Tickets.</AlertDescription>
          </Alert>
        )}
        <DiffView changes={changes} label="Changes to publish" />
        <div className="grid gap-1.5">
          <Label htmlFor="publish-comment">Comment</Label>
          <Textarea
            id="publish-comment"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="What this release changes, and why"
            aria-invalid={Boolean(commentProblem)}
            aria-describedby={commentProblem ? "publish-comment-problem" : undefined}
          />
          {commentProblem && (
            <p id="publish-comment-problem" className="text-xs text-destructive" role="alert">
              {commentProblem}
            </p>
          )}
        </div>
        <FormError error={publish.formError} />
        {publish.formError?.code === "CONFLICT" && (
          <p className="text-sm text-muted-foreground">
            Your comment is kept.{" "}
            <Link href="" onClick={() => router.refresh()} className="underline">
              Reload the draft
            </Link>{" "}
            to review what changed, then publish again.
          </p>
        )}
        <DialogFooter>
          <Button variant="outline" onClick={() => setOpen(false)}>
            Cancel
          </Button>
          <Button onClick={() => void onPublish()} disabled={publish.pending}>
            <Send /> {production ? "Open the ticket" : `Publish to ${where}`}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
