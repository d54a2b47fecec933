"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Archive, Gauge, Loader2, UserPlus } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { Input } from "@/components/ui/input";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { requestAccessAction, requestArchiveAction, requestQuotaAction } from "@/lib/tickets/actions";
import { QUOTA_PRESETS, describeQuota, quotaOf, type QuotaPreset } from "@/lib/provisioning/quota";

function FieldError({ errors }: { errors?: string[] }) {
  return errors?.length ? <p className="text-sm text-destructive">{errors.join(" ")}</p> : null;
}

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
            <FieldError errors={req.formError?.fieldErrors?.role} />
          </div>
          <div className="space-y-2">
            <Label htmlFor="access-reason">Why</Label>
            <Textarea id="access-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
            <FieldError errors={req.formError?.fieldErrors?.reason} />
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

export function RequestQuotaDialog({ projectId, environment, currentPreset }: { projectId: string; environment: string; currentPreset: string }) {
  const [open, setOpen] = useState(false);
  const [preset, setPreset] = useState<QuotaPreset>(currentPreset === "small" ? "medium" : currentPreset === "medium" ? "large" : "large");
  const [gpu, setGpu] = useState(0);
  const [reason, setReason] = useState("");
  const req = useRequest(requestQuotaAction, () => setOpen(false));
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="ghost">
          <Gauge /> Quota…
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Quota of {environment}</DialogTitle>
          <DialogDescription>Within the presets ops approve; GPUs need an admin.</DialogDescription>
        </DialogHeader>
        <div className="space-y-4">
          <div className="grid grid-cols-2 gap-4">
            <div className="space-y-2">
              <Label htmlFor="quota-preset">Preset</Label>
              <NativeSelect id="quota-preset" value={preset} onChange={(e) => setPreset(e.target.value as QuotaPreset)}>
                {Object.keys(QUOTA_PRESETS).map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </NativeSelect>
            </div>
            <div className="space-y-2">
              <Label htmlFor="quota-gpu">GPUs</Label>
              <Input id="quota-gpu" type="number" min={0} max={8} value={gpu} onChange={(e) => setGpu(Number(e.target.value))} />
              <FieldError errors={req.formError?.fieldErrors?.gpu} />
            </div>
          </div>
          <p className="text-sm text-muted-foreground">{describeQuota(quotaOf(preset, gpu))}</p>
          <div className="space-y-2">
            <Label htmlFor="quota-reason">Why</Label>
            <Textarea id="quota-reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} />
            <FieldError errors={req.formError?.fieldErrors?.reason} />
          </div>
          <FormError error={req.formError?.fieldErrors ? null : req.formError} />
        </div>
        <DialogFooter>
          <Button disabled={req.pending} onClick={() => void req.run({ projectId, environment: environment as "dev", preset, gpu, reason })}>
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
          <FieldError errors={req.formError?.fieldErrors?.reason} />
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
