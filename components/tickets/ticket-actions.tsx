"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Check, Loader2, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/textarea";
import { Label } from "@/components/ui/label";
import { FormError } from "@/components/forms/form-error";
import { FieldErrors } from "@/components/forms/field-errors";
import { useAction } from "@/components/forms/use-action";
import { CommentBox } from "@/components/forms/comment-box";
import { cancelTicketAction, commentTicketAction, decideTicketAction } from "@/lib/tickets/actions";

export function DecisionPanel({ ticketId }: { ticketId: string }) {
  const router = useRouter();
  const [comment, setComment] = useState("");
  const decide = useAction(decideTicketAction, {
    success: (d) => (d.status === "rejected" ? "Rejected" : "Approved: provisioning starts"),
    onSuccess: () => router.refresh(),
  });
  const commentErrors = decide.formError?.fieldErrors?.comment;
  return (
    <div className="space-y-3">
      <Label htmlFor="decision-comment">Comment</Label>
      <Textarea
        id="decision-comment"
        rows={3}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        placeholder="Optional when approving; say why when rejecting."
        aria-invalid={Boolean(commentErrors?.length)}
      />
      <FieldErrors errors={commentErrors} label="Comment" />
      <FormError error={decide.formError?.fieldErrors ? null : decide.formError} />
      <div className="flex gap-2">
        <Button disabled={decide.pending} onClick={() => void decide.run({ ticketId, decision: "approve", comment })}>
          {decide.pending ? <Loader2 className="animate-spin" /> : <Check />} Approve
        </Button>
        <Button
          variant="outline"
          className="text-destructive"
          disabled={decide.pending}
          onClick={() => void decide.run({ ticketId, decision: "reject", comment })}
        >
          <X /> Reject
        </Button>
      </div>
    </div>
  );
}

export function CommentForm({ ticketId }: { ticketId: string }) {
  return <CommentBox id="comment" hideLabel placeholder="Write a comment" action={commentTicketAction} input={(body) => ({ ticketId, body })} />;
}

export function CancelButton({ ticketId }: { ticketId: string }) {
  const router = useRouter();
  const cancel = useAction(cancelTicketAction, { success: "Request cancelled", onSuccess: () => router.refresh() });
  return (
    <Button variant="outline" disabled={cancel.pending} onClick={() => void cancel.run({ ticketId })}>
      Cancel request
    </Button>
  );
}
