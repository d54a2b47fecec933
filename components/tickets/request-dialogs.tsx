"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { Archive, Gauge, Loader2, UserPlus } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { FormError } from "@/components/forms/form-error";
import { FieldErrors } from "@/components/forms/field-errors";
import { useAction } from "@/components/forms/use-action";
import { checkQuotaRequestAction, requestAccessAction, requestArchiveAction, requestQuotaAction } from "@/lib/tickets/actions";
import type { QuotaChoice, QuotaChoiceName } from "@/lib/provisioning/quota";
import type { TQuotaCheck } from "@/lib/tickets/schemas";
import type { ErrorBody } from "@/lib/errors";
import { QuotaFields } from "./quota-fields";

function useRequest<I>(action: Parameters<typeof useAction<I, { number: number }>>[0], close: () => void) {
  const router = useRouter();
  return useAction(action, {
    success: (d) => `Request #${d.number} opened`,
    onSuccess: (d) => {
      close();
      router.push(`/tickets/${d.number}`);
    },
  });
}

export function RequestAccessDialog({ projectId, projectName, currentRole }: { projectId: string; projectName: string; currentRole: string | null }) {
  const [open, setOpen] = useState(false);
  const [role, setRole] = useState(currentRole === "viewer" ? "developer" : "viewer");
  const [reason, setReason] = useState("");
  const req = useRequest(requestAccessAction, () => setOpen(false));
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline">
          <UserPlus /> {currentRole ? "Request another role" : "Request access"}
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Access to {projectName}</DialogTitle>
          <DialogDescription>The project&apos;s owner or ops approve it; your access on the clusters follows within a minute.</DialogDescription>
        </DialogHeader>
        <div className="space-y-4">
          <div className="space-y-2">
            <Label htmlFor="access-role">Role</Label>
            <NativeSelect id="access-role" value={role} onChange={(e) => setRole(e.target.value)}>
              <option value="viewer">viewer: read, logs</option>
              <option value="developer">developer: change and deploy outside production</option>
              <option value="maintainer">maintainer: everything but members</option>
              <option value="owner">owner</option>
            </NativeSelect>
            <FieldErrors errors={req.formError?.fieldErrors?.role} label="Role" />
          </div>
          <div className="space-y-2">
            <Label htmlFor="access-reason">Why</Label>
            <Textarea id="access-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
            <FieldErrors errors={req.formError?.fieldErrors?.reason} label="Why" />
          </div>
          <FormError error={req.formError?.fieldErrors ? null : req.formError} />
        </div>
        <DialogFooter>
          <Button disabled={req.pending} onClick={() => void req.run({ projectId, role: role as "viewer", reason })}>
            {req.pending && <Loader2 className="animate-spin" />} Send request
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

type QuotaVerdict = Extract<Awaited<ReturnType<typeof checkQuotaRequestAction>>, { ok: true }>["data"];

/**
 * The server's check of a quota while it is chosen (capacity of the
 * environment's clusters, who approves), asked a moment after the values
 * stop changing. `checking` until the answer for the current values is in.
 */
function useQuotaCheck(enabled: boolean, input: TQuotaCheck) {
  const key = JSON.stringify(input);
  const [answer, setAnswer] = useState<{ key: string; verdict?: QuotaVerdict; error?: ErrorBody } | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let current = true;
    const timer = setTimeout(async () => {
      const r = await checkQuotaRequestAction(JSON.parse(key) as TQuotaCheck).catch((): Awaited<ReturnType<typeof checkQuotaRequestAction>> => ({
        ok: false,
        error: { code: "UNAVAILABLE", message: "Wharf could not be reached to check the quota. Check your connection." },
      }));
      if (current) setAnswer(r.ok ? { key, verdict: r.data } : { key, error: r.error });
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [enabled, key]);
  const fresh = answer?.key === key ? answer : null;
  return { checking: enabled && !fresh, verdict: fresh?.verdict, error: fresh?.error };
}

function nextPreset(current: string): QuotaChoiceName {
  return current === "small" ? "medium" : "large";
}

export function RequestQuotaDialog({ projectId, environment, currentPreset }: { projectId: string; environment: string; currentPreset: string }) {
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<QuotaChoice>({ preset: nextPreset(currentPreset), gpu: 0 });
  const [reason, setReason] = useState("");
  const req = useRequest(requestQuotaAction, () => setOpen(false));
  const env = environment as TQuotaCheck["environment"];
  const check = useQuotaCheck(open, { projectId, environment: env, ...choice });
  // The check's problems (capacity, bounds) and the submission's, at their fields.
  const errors: Record<string, string[]> = {
    ...(check.error?.fieldErrors ?? {}),
    ...(check.verdict?.fieldErrors ?? {}),
    ...(req.formError?.fieldErrors ?? {}),
  };
  const blocked = Boolean(check.error?.fieldErrors) || Object.keys(check.verdict?.fieldErrors ?? {}).length > 0;
  const otherError = req.formError && !req.formError.fieldErrors ? req.formError : check.error && !check.error.fieldErrors ? check.error : null;
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost">
          <Gauge /> Quota…
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90dvh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>Quota of {environment}</DialogTitle>
          <DialogDescription>
            A preset or your own values, checked against the environment&apos;s clusters as you choose. Ops approve presets and custom quotas within their
            limits; GPUs, or more than the largest preset, need an admin.
          </DialogDescription>
        </DialogHeader>
        <div className="space-y-4">
          <QuotaFields id="quota" value={choice} onChange={setChoice} allowGpu errors={errors} checking={check.checking} />
          {choice.preset === "custom" && check.verdict && (
            <p className="text-xs text-muted-foreground" data-testid="quota-limits-note">
              Ops approve custom quotas up to {check.verdict.limits.cpu} CPU, {check.verdict.limits.memoryGi} GiB and {check.verdict.limits.pods} pods.
            </p>
          )}
          {check.verdict && !blocked && (
            <div className="text-sm" data-testid="quota-approver">
              {check.verdict.requiresAdmin ? (
                <>
                  <p>An admin approves it:</p>
                  <ul className="list-disc pl-5 text-muted-foreground">
                    {check.verdict.adminReasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                </>
              ) : (
                <p className="text-muted-foreground">Ops approve it.</p>
              )}
            </div>
          )}
          {check.verdict?.warnings.map((w) => (
            <Alert key={w}>
              <AlertDescription>{w}</AlertDescription>
            </Alert>
          ))}
          <div className="space-y-2">
            <Label htmlFor="quota-reason">Why</Label>
            <Textarea id="quota-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
            <FieldErrors errors={req.formError?.fieldErrors?.reason} label="Why" />
          </div>
          <FormError error={otherError} />
        </div>
        <DialogFooter>
          <Button disabled={req.pending || check.checking || blocked} onClick={() => void req.run({ projectId, environment: env, ...choice, reason })}>
            {req.pending && <Loader2 className="animate-spin" />} Send request
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function RequestArchiveDialog({ projectId, projectName }: { projectId: string; projectName: string }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const req = useRequest(requestArchiveAction, () => setOpen(false));
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" className="text-destructive">
          <Archive /> Archive…
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Archive {projectName}?</DialogTitle>
          <DialogDescription>Once ops approve, its namespaces are deleted on every cluster. Its history stays in Wharf.</DialogDescription>
        </DialogHeader>
        <div className="space-y-2">
          <Label htmlFor="archive-reason">Why</Label>
          <Textarea id="archive-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
          <FieldErrors errors={req.formError?.fieldErrors?.reason} label="Why" />
          <FormError error={req.formError?.fieldErrors ? null : req.formError} />
        </div>
        <DialogFooter>
          <Button variant="destructive" disabled={req.pending} onClick={() => void req.run({ projectId, reason })}>
            {req.pending && <Loader2 className="animate-spin" />} Request archiving
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
