"use client";

/**
 * What a responder does on an incident's page: acknowledge (after a
 * confirmation, which a chat message's "ack" link opens at once with its
 * button focused), assign to a project member, resolve (with a note),
 * reopen, comment. Shown only to those who hold `incident.respond`; the
 * server refuses the rest anyway.
 */
import { useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { Check, Eye, Loader2, Undo2 } from "lucide-react";
import { FieldErrors } from "@/components/forms/field-errors";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { CommentBox } from "@/components/forms/comment-box";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import {
  acknowledgeIncidentAction,
  assignIncidentAction,
  commentIncidentAction,
  reopenIncidentAction,
  resolveIncidentAction,
} from "@/lib/alerting/respond-actions";

export interface IncidentRef {
  id: string;
  number: number;
  status: string;
  version: number;
  assigneeId: string | null;
}

export function IncidentActions({ incident, autoAck }: { incident: IncidentRef; autoAck: boolean }) {
  const resolved = incident.status === "resolved";
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="incident-actions">
      {(incident.status === "open" || incident.status === "pending") && <AcknowledgeButton incident={incident} autoOpen={autoAck} />}
      {!resolved && <ResolveButton incident={incident} />}
      {resolved && <ReopenButton incident={incident} />}
    </div>
  );
}

function AcknowledgeButton({ incident, autoOpen }: { incident: IncidentRef; autoOpen: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(autoOpen);
  const confirm = useRef<HTMLButtonElement>(null);
  const ack = useAction(acknowledgeIncidentAction, {
    success: `INC-${incident.number} acknowledged`,
    onSuccess: () => {
      setOpen(false);
      // Drop ?action=ack so a reload does not ask again.
      router.replace(`/incidents/${incident.number}`);
      router.refresh();
    },
  });
  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button>
          <Eye /> Acknowledge
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent
        onOpenAutoFocus={(e) => {
          // The confirmation is the point of the dialog (a chat link lands here): focus it, not Cancel.
          e.preventDefault();
          confirm.current?.focus();
        }}
      >
        <AlertDialogHeader>
          <AlertDialogTitle>Acknowledge INC-{incident.number}?</AlertDialogTitle>
          <AlertDialogDescription>
            You are on it: escalation to the next person on call stops, the team&apos;s chat message says you acknowledged it, and it is assigned to you if
            nobody has it yet.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <FormError error={ack.formError} />
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button ref={confirm} disabled={ack.pending} onClick={() => void ack.run({ incidentId: incident.id, version: incident.version })}>
            {ack.pending ? <Loader2 className="animate-spin" /> : <Check />} Acknowledge
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function ResolveButton({ incident }: { incident: IncidentRef }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const resolve = useAction(resolveIncidentAction, {
    success: `INC-${incident.number} resolved`,
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  return (
    <AlertDialog open={open} onOpenChange={setOpen}>
      <AlertDialogTrigger asChild>
        <Button variant="outline">
          <Check /> Resolve
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Resolve INC-{incident.number}?</AlertDialogTitle>
          <AlertDialogDescription>Its alerts may still be firing: if one fires again after this, a new incident opens.</AlertDialogDescription>
        </AlertDialogHeader>
        <div className="space-y-2">
          <Label htmlFor="resolve-note">What fixed it (optional)</Label>
          <Textarea id="resolve-note" rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
          <FieldErrors errors={resolve.formError?.fieldErrors?.note} label="Note" />
        </div>
        <FormError error={resolve.formError?.fieldErrors ? null : resolve.formError} />
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button disabled={resolve.pending} onClick={() => void resolve.run({ incidentId: incident.id, version: incident.version, note })}>
            {resolve.pending ? <Loader2 className="animate-spin" /> : <Check />} Resolve
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

function ReopenButton({ incident }: { incident: IncidentRef }) {
  const router = useRouter();
  const reopen = useAction(reopenIncidentAction, { success: `INC-${incident.number} reopened`, onSuccess: () => router.refresh() });
  return (
    <div className="space-y-2">
      <Button variant="outline" disabled={reopen.pending} onClick={() => void reopen.run({ incidentId: incident.id, version: incident.version })}>
        <Undo2 /> Reopen
      </Button>
      <FormError error={reopen.formError} />
    </div>
  );
}

/** Assign to a member of the incident's project (or nobody). */
export function AssignForm({ incident, members }: { incident: IncidentRef; members: { id: string; name: string; role: string }[] }) {
  const router = useRouter();
  const [assigneeId, setAssigneeId] = useState(incident.assigneeId ?? "");
  const assign = useAction(assignIncidentAction, { success: "Assignment saved", onSuccess: () => router.refresh() });
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        void assign.run({ incidentId: incident.id, version: incident.version, assigneeId: assigneeId || null });
      }}
    >
      <Label htmlFor="assignee">Assignee</Label>
      <div className="flex flex-wrap gap-2">
        <NativeSelect id="assignee" value={assigneeId} onChange={(e) => setAssigneeId(e.target.value)} className="min-w-0 flex-1">
          <option value="">Nobody</option>
          {members.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name} ({m.role})
            </option>
          ))}
        </NativeSelect>
        <Button type="submit" variant="outline" disabled={assign.pending || assigneeId === (incident.assigneeId ?? "")}>
          Assign
        </Button>
      </div>
      <FieldErrors errors={assign.formError?.fieldErrors?.assigneeId} label="Assignee" />
      <FormError error={assign.formError?.fieldErrors ? null : assign.formError} />
    </form>
  );
}

export function IncidentCommentForm({ incidentId }: { incidentId: string }) {
  return (
    <CommentBox id="incident-comment" placeholder="What you found, what you tried" action={commentIncidentAction} input={(body) => ({ incidentId, body })} />
  );
}
