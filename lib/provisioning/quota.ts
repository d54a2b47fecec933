/**
 * Namespace quotas: three presets per environment (small, medium, large),
 * GPUs on top where the template allows them, and the LimitRange defaults of
 * each project tier.
 */
import { z } from "zod";

export const QUOTA_PRESETS = {
  small: { cpu: 4, memoryGi: 8, pods: 20 },
  medium: { cpu: 16, memoryGi: 32, pods: 50 },
  large: { cpu: 48, memoryGi: 96, pods: 150 },
} as const;

export type QuotaPreset = keyof typeof QUOTA_PRESETS;
export const PRESET_NAMES = Object.keys(QUOTA_PRESETS) as QuotaPreset[];
/** GPUs an environment may ask for; any GPU needs an admin's approval. */
export const MAX_GPUS = 8;

export const ZQuota = z.object({
  cpu: z.number().int().min(1, { message: "At least 1 CPU" }).max(512, { message: "At most 512 CPUs" }),
  memoryGi: z.number().int().min(1, { message: "At least 1 GiB" }).max(2048, { message: "At most 2048 GiB" }),
  pods: z.number().int().min(1).max(1000),
  gpu: z
    .number()
    .int()
    .min(0)
    .max(MAX_GPUS, { message: `At most ${MAX_GPUS} GPUs` }),
});
export type Quota = z.infer<typeof ZQuota>;

export function quotaOf(preset: QuotaPreset, gpu = 0): Quota {
  return { ...QUOTA_PRESETS[preset], gpu };
}

/** Within a preset and without GPUs: ops may approve. Above the largest preset or with GPUs: an admin. */
export function needsAdmin(q: Quota): boolean {
  const top = QUOTA_PRESETS.large;
  return q.gpu > 0 || q.cpu > top.cpu || q.memoryGi > top.memoryGi || q.pods > top.pods;
}

/** Stored on Environment.quota and shown to people. */
export function describeQuota(q: Quota): string {
  return `${q.cpu} CPU, ${q.memoryGi} GiB, ${q.pods} pods${q.gpu ? `, ${q.gpu} GPU` : ""}`;
}

/** Default container requests and limits (LimitRange) by project tier. */
export const LIMIT_DEFAULTS = {
  critical: { request: { cpu: "250m", memory: "512Mi" }, limit: { cpu: "1", memory: "1Gi" } },
  standard: { request: { cpu: "100m", memory: "256Mi" }, limit: { cpu: "500m", memory: "512Mi" } },
  experimental: { request: { cpu: "50m", memory: "128Mi" }, limit: { cpu: "250m", memory: "256Mi" } },
} as const;
