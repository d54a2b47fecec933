/**
 * Namespace quotas: three presets per environment (small, medium, large) or
 * custom values, GPUs on top where the template allows them, the limits ops
 * set for custom quotas, and the LimitRange defaults of each project tier.
 * Pure: the wizard and the dialogs import it in the browser; the capacity
 * check against the clusters is ./quota-check.ts, the limits' storage
 * ./quota-limits.ts.
 */
import { z } from "zod";

export const QUOTA_PRESETS = {
  small: { cpu: 4, memoryGi: 8, pods: 20 },
  medium: { cpu: 16, memoryGi: 32, pods: 50 },
  large: { cpu: 48, memoryGi: 96, pods: 150 },
} as const;

export type QuotaPreset = keyof typeof QUOTA_PRESETS;
export const PRESET_NAMES = Object.keys(QUOTA_PRESETS) as QuotaPreset[];
/** What a request may choose: a preset, or its own values. */
export const QUOTA_CHOICES = [...(PRESET_NAMES as ["small", "medium", "large"]), "custom"] as const;
export type QuotaChoiceName = (typeof QUOTA_CHOICES)[number];
/** GPUs an environment may ask for; any GPU needs an admin's approval. */
export const MAX_GPUS = 8;
/** The bounds of any quota value (a cluster's capacity is checked on top). */
export const QUOTA_BOUNDS = { cpu: 512, memoryGi: 2048, pods: 1000, gpu: MAX_GPUS } as const;

const zCount = (what: string, max: number) =>
  z
    .number({ error: `Enter the ${what} as a whole number` })
    .int({ message: `Enter the ${what} as a whole number` })
    .min(1, { message: `At least 1 (${what})` })
    .max(max, { message: `At most ${max} (${what})` });

export const ZGpuCount = z
  .number({ error: "Enter the GPUs as a whole number" })
  .int({ message: "Enter the GPUs as a whole number" })
  .min(0, { message: "GPUs cannot be negative" })
  .max(MAX_GPUS, { message: `At most ${MAX_GPUS} GPUs` });

export const ZQuota = z.object({
  cpu: zCount("CPUs", QUOTA_BOUNDS.cpu),
  memoryGi: zCount("GiB of memory", QUOTA_BOUNDS.memoryGi),
  pods: zCount("pods", QUOTA_BOUNDS.pods),
  gpu: ZGpuCount,
});
export type Quota = z.infer<typeof ZQuota>;

/**
 * The quota fields of a request (the quota dialog, each environment of the
 * wizard): a preset, or `custom` with its CPU, memory and pods; GPUs either way.
 */
export const quotaChoiceShape = {
  preset: z.enum(QUOTA_CHOICES, { error: "Choose small, medium, large or custom" }).default("small"),
  gpu: ZGpuCount.default(0),
  cpu: zCount("CPUs", QUOTA_BOUNDS.cpu).optional(),
  memoryGi: zCount("GiB of memory", QUOTA_BOUNDS.memoryGi).optional(),
  pods: zCount("pods", QUOTA_BOUNDS.pods).optional(),
};
export interface QuotaChoice {
  preset: QuotaChoiceName;
  gpu: number;
  cpu?: number;
  memoryGi?: number;
  pods?: number;
}

/** A custom quota names its CPU, memory and pods (refinement of an object built from `quotaChoiceShape`). */
export function requireCustomValues(value: QuotaChoice, ctx: z.RefinementCtx) {
  if (value.preset !== "custom") return;
  if (value.cpu === undefined) ctx.addIssue({ code: "custom", path: ["cpu"], message: "Enter the CPUs of the custom quota" });
  if (value.memoryGi === undefined) ctx.addIssue({ code: "custom", path: ["memoryGi"], message: "Enter the memory (GiB) of the custom quota" });
  if (value.pods === undefined) ctx.addIssue({ code: "custom", path: ["pods"], message: "Enter the pods of the custom quota" });
}

export function quotaOf(preset: QuotaPreset, gpu = 0): Quota {
  return { ...QUOTA_PRESETS[preset], gpu };
}

/** The quota a choice means (custom values are checked by the schema first; a missing one falls back to small's). */
export function quotaOfChoice(c: QuotaChoice): Quota {
  if (c.preset !== "custom") return quotaOf(c.preset, c.gpu);
  const base = QUOTA_PRESETS.small;
  return { cpu: c.cpu ?? base.cpu, memoryGi: c.memoryGi ?? base.memoryGi, pods: c.pods ?? base.pods, gpu: c.gpu };
}

/**
 * The most a custom quota may hold and still be approved by ops (a platform
 * setting ops and admins edit). Never above the largest preset: above it an
 * admin approves whatever the limits say.
 */
export const ZQuotaLimits = z.object({
  cpu: zCount("CPUs", QUOTA_PRESETS.large.cpu),
  memoryGi: zCount("GiB of memory", QUOTA_PRESETS.large.memoryGi),
  pods: zCount("pods", QUOTA_PRESETS.large.pods),
});
export type QuotaLimits = z.infer<typeof ZQuotaLimits>;
/** Until ops set them: custom quotas up to the largest preset, as for presets. */
export const DEFAULT_QUOTA_LIMITS: QuotaLimits = { ...QUOTA_PRESETS.large };

const RESOURCES = [
  { key: "cpu", unit: "CPU" },
  { key: "memoryGi", unit: "GiB" },
  { key: "pods", unit: "pods" },
] as const;

/**
 * Why a quota needs an admin's approval, one sentence per reason (none: ops
 * may approve): any GPU, anything above the largest preset, and a custom
 * quota above the limits ops set.
 */
export function adminReasons(c: QuotaChoice, limits: QuotaLimits = DEFAULT_QUOTA_LIMITS): string[] {
  const q = quotaOfChoice(c);
  const top = QUOTA_PRESETS.large;
  const reasons: string[] = [];
  if (q.gpu > 0) reasons.push(`${q.gpu} GPU: any GPU needs an admin`);
  for (const r of RESOURCES) {
    if (q[r.key] > top[r.key]) reasons.push(`${q[r.key]} ${r.unit} is above the largest preset (${top[r.key]} ${r.unit})`);
    else if (c.preset === "custom" && q[r.key] > limits[r.key])
      reasons.push(`${q[r.key]} ${r.unit} is above the custom limit ops set (${limits[r.key]} ${r.unit})`);
  }
  return reasons;
}

/** Within the presets (or a custom quota within the limits) and without GPUs: ops may approve. Otherwise an admin. */
export function needsAdmin(c: QuotaChoice, limits: QuotaLimits = DEFAULT_QUOTA_LIMITS): boolean {
  return adminReasons(c, limits).length > 0;
}

/** Stored on Environment.quota and shown to people. */
export function describeQuota(q: Quota): string {
  return `${q.cpu} CPU, ${q.memoryGi} GiB, ${q.pods} pods${q.gpu ? `, ${q.gpu} GPU` : ""}`;
}

/** "custom: 6 CPU, 40 GiB, 30 pods" or "medium: 16 CPU, ...". */
export function describeChoice(c: QuotaChoice): string {
  return `${c.preset}: ${describeQuota(quotaOfChoice(c))}`;
}

/** Default container requests and limits (LimitRange) by project tier. */
export const LIMIT_DEFAULTS = {
  critical: { request: { cpu: "250m", memory: "512Mi" }, limit: { cpu: "1", memory: "1Gi" } },
  standard: { request: { cpu: "100m", memory: "256Mi" }, limit: { cpu: "500m", memory: "512Mi" } },
  experimental: { request: { cpu: "50m", memory: "128Mi" }, limit: { cpu: "250m", memory: "256Mi" } },
} as const;
