"use client";

/** Ops and admins set the custom-quota limits: the most a custom quota may hold and still be approved by ops. */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { Gauge, Loader2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormError } from "@/components/forms/form-error";
import { FieldErrors } from "@/components/forms/field-errors";
import { useAction } from "@/components/forms/use-action";
import { setQuotaLimitsAction } from "@/lib/provisioning/quota-actions";
import { QUOTA_PRESETS, type QuotaLimits } from "@/lib/provisioning/quota";

const FIELDS = [
  { key: "cpu", label: "CPU", unit: "CPU" },
  { key: "memoryGi", label: "Memory (GiB)", unit: "GiB" },
  { key: "pods", label: "Pods", unit: "pods" },
] as const;

export function QuotaLimitsDialog({ limits }: { limits: QuotaLimits & { version: number } }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<keyof QuotaLimits, string>>({
    cpu: String(limits.cpu),
    memoryGi: String(limits.memoryGi),
    pods: String(limits.pods),
  });
  const save = useAction(setQuotaLimitsAction, {
    success: "Custom quota limits saved",
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  const num = (v: string) => (v.trim() === "" ? Number.NaN : Number(v));
  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (o) {
          save.clearFormError();
          setValues({ cpu: String(limits.cpu), memoryGi: String(limits.memoryGi), pods: String(limits.pods) });
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline">
          <Gauge /> Quota limits
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Custom quota limits</DialogTitle>
          <DialogDescription>
            The most a custom quota may hold and still be approved by ops; above them an admin approves. Presets are not affected, and above the largest preset
            ({QUOTA_PRESETS.large.cpu} CPU, {QUOTA_PRESETS.large.memoryGi} GiB, {QUOTA_PRESETS.large.pods} pods) or with a GPU an admin approves whatever the
            limits say.
          </DialogDescription>
        </DialogHeader>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
          {FIELDS.map((f) => (
            <div key={f.key} className="space-y-1">
              <Label htmlFor={`limit-${f.key}`}>{f.label}</Label>
              <Input
                id={`limit-${f.key}`}
                type="number"
                inputMode="numeric"
                min={1}
                max={QUOTA_PRESETS.large[f.key]}
                value={values[f.key]}
                onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
                aria-invalid={Boolean(save.formError?.fieldErrors?.[f.key])}
              />
              <FieldErrors errors={save.formError?.fieldErrors?.[f.key]} label={f.label} />
            </div>
          ))}
        </div>
        <FormError error={save.formError?.fieldErrors ? null : save.formError} />
        <DialogFooter>
          <Button
            disabled={save.pending}
            onClick={() => void save.run({ cpu: num(values.cpu), memoryGi: num(values.memoryGi), pods: num(values.pods), version: limits.version })}
          >
            {save.pending && <Loader2 className="animate-spin" />} Save limits
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
