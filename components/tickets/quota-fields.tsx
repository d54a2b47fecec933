"use client";

/**
 * The quota of one environment as a person chooses it: a preset or custom
 * CPU, memory and pods, GPUs on top where allowed. Used by the quota dialog
 * and by each environment of the onboarding wizard; the problems the server
 * finds (capacity of the clusters, bounds) are shown at their fields, one
 * item each.
 */
import { Loader2 } from "lucide-react";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FieldErrors } from "@/components/forms/field-errors";
import { cn } from "@/lib/utils";
import { MAX_GPUS, QUOTA_BOUNDS, QUOTA_CHOICES, describeQuota, quotaOfChoice, type QuotaChoice, type QuotaChoiceName } from "@/lib/provisioning/quota";

export type QuotaField = "preset" | "cpu" | "memoryGi" | "pods" | "gpu" | "quota";

const CUSTOM = [
  { key: "cpu", label: "CPU", max: QUOTA_BOUNDS.cpu },
  { key: "memoryGi", label: "Memory (GiB)", max: QUOTA_BOUNDS.memoryGi },
  { key: "pods", label: "Pods", max: QUOTA_BOUNDS.pods },
] as const;

/** An empty box is "not entered" (the schema says so at the field), not 0. */
function numberOf(raw: string): number | undefined {
  return raw.trim() === "" ? undefined : Number(raw);
}

export function QuotaFields({
  id,
  value,
  onChange,
  allowGpu,
  errors,
  checking = false,
  label = "Quota",
  className,
}: {
  /** Prefix of the controls' ids (unique on the page). */
  id: string;
  value: QuotaChoice;
  onChange: (next: QuotaChoice) => void;
  allowGpu: boolean;
  errors: Partial<Record<QuotaField, string[]>>;
  checking?: boolean;
  label?: string;
  className?: string;
}) {
  const custom = value.preset === "custom";
  function choose(preset: QuotaChoiceName) {
    // Custom starts from the values chosen so far, so a person edits from there.
    if (preset === "custom" && !custom) {
      const q = quotaOfChoice(value);
      onChange({ preset, gpu: value.gpu, cpu: q.cpu, memoryGi: q.memoryGi, pods: q.pods });
    } else onChange({ ...value, preset });
  }
  const complete = !custom || (value.cpu !== undefined && value.memoryGi !== undefined && value.pods !== undefined);
  return (
    <div className={cn("space-y-2", className)}>
      <div className={cn("grid gap-3", allowGpu ? "grid-cols-2" : "grid-cols-1")}>
        <div className="space-y-1">
          <Label htmlFor={`${id}-preset`}>{label}</Label>
          <NativeSelect
            id={`${id}-preset`}
            value={value.preset}
            onChange={(e) => choose(e.target.value as QuotaChoiceName)}
            aria-invalid={Boolean(errors.preset?.length || errors.quota?.length)}
          >
            {QUOTA_CHOICES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </NativeSelect>
          <FieldErrors errors={errors.preset} label={label} />
        </div>
        {allowGpu && (
          <div className="space-y-1">
            <Label htmlFor={`${id}-gpu`}>GPUs</Label>
            <Input
              id={`${id}-gpu`}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_GPUS}
              value={value.gpu}
              onChange={(e) => onChange({ ...value, gpu: numberOf(e.target.value) ?? 0 })}
              aria-invalid={Boolean(errors.gpu?.length)}
            />
            <FieldErrors errors={errors.gpu} label="GPUs" />
          </div>
        )}
      </div>
      {custom && (
        <div className="grid grid-cols-3 gap-3">
          {CUSTOM.map((f) => (
            <div key={f.key} className="space-y-1">
              {/* Two lines' height, so the boxes line up when "Memory (GiB)" wraps on a phone. */}
              <Label htmlFor={`${id}-${f.key}`} className="min-h-8 items-end">
                {f.label}
              </Label>
              <Input
                id={`${id}-${f.key}`}
                type="number"
                inputMode="numeric"
                min={1}
                max={f.max}
                value={value[f.key] ?? ""}
                onChange={(e) => onChange({ ...value, [f.key]: numberOf(e.target.value) })}
                aria-invalid={Boolean(errors[f.key]?.length)}
              />
              <FieldErrors errors={errors[f.key]} label={f.label} />
            </div>
          ))}
        </div>
      )}
      <p className="flex items-center gap-1.5 text-xs text-muted-foreground" data-testid="quota-summary">
        {complete ? describeQuota(quotaOfChoice(value)) : "Enter CPU, memory and pods"}
        {checking && (
          <>
            <Loader2 className="size-3 animate-spin" aria-hidden /> <span>checking the clusters…</span>
          </>
        )}
      </p>
      <FieldErrors errors={errors.quota} label={label} />
    </div>
  );
}
