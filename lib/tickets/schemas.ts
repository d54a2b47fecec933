/** Requests that need an approval, as the forms and actions send them. */
import { z } from "zod";
import { TIERS, ZProjectSlug, zName } from "@/lib/catalog/schemas";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { PROJECT_ROLES } from "@/lib/access/roles";
import { quotaChoiceShape, requireCustomValues } from "@/lib/provisioning/quota";

export const TICKET_STATUSES = ["open", "approved", "rejected", "cancelled", "provisioning", "done", "failed"] as const;
export const REQUESTABLE_ROLES = PROJECT_ROLES;

/** An environment of the onboarding wizard: its clusters and its quota (a preset or custom values, GPUs on top). */
export const ZEnvironmentRequest = z
  .object({
    kind: z.enum(ENVIRONMENTS),
    clusterIds: z.array(z.string().min(1)).min(1, { message: "Choose at least one cluster for this environment" }),
    ...quotaChoiceShape,
  })
  .superRefine(requireCustomValues);
export type TEnvironmentRequest = z.infer<typeof ZEnvironmentRequest>;

const ZOnboardingEnvironments = z
  .array(ZEnvironmentRequest)
  .min(1, { message: "Choose at least one environment" })
  .refine((envs) => new Set(envs.map((e) => e.kind)).size === envs.length, { message: "Each environment once" });

export const ZOnboardingRequest = z.object({
  templateId: z.string().min(1, { message: "Choose a template" }),
  params: z.record(z.string(), z.unknown()).default({}),
  project: z.object({
    slug: ZProjectSlug,
    name: zName(80),
    description: z.string().trim().max(2000).default(""),
    teamId: z.string().min(1, { message: "Choose a team" }),
    ownerId: z.string().min(1, { message: "Choose an owner" }),
    tier: z.enum(TIERS).default("standard"),
  }),
  environments: ZOnboardingEnvironments,
  members: z
    .array(z.object({ userId: z.string().min(1), role: z.enum(["maintainer", "developer", "viewer"]) }))
    .max(50)
    .default([]),
});
export type TOnboardingRequest = z.infer<typeof ZOnboardingRequest>;

export const ZPermissionRequest = z.object({
  projectId: z.string().min(1),
  role: z.enum(REQUESTABLE_ROLES),
  reason: z.string().trim().min(3, { message: "Say why you need access" }).max(2000),
});
export type TPermissionRequest = z.infer<typeof ZPermissionRequest>;

const quotaRequestShape = {
  projectId: z.string().min(1),
  environment: z.enum(ENVIRONMENTS, { error: "Choose one of the project's environments" }),
  ...quotaChoiceShape,
};

/** A new quota for one environment of an active project: a preset or custom values, GPUs on top. */
export const ZQuotaRequest = z
  .object({ ...quotaRequestShape, reason: z.string().trim().min(3, { message: "Say why the project needs it" }).max(2000) })
  .superRefine(requireCustomValues);
export type TQuotaRequest = z.infer<typeof ZQuotaRequest>;

/** The quota dialog's check while a person chooses (no reason yet). */
export const ZQuotaCheck = z.object(quotaRequestShape).superRefine(requireCustomValues);
export type TQuotaCheck = z.infer<typeof ZQuotaCheck>;

/** The wizard's check of its environments step: clusters, quotas and GPUs, before moving on. */
export const ZEnvironmentsCheck = z.object({
  templateId: z.string().min(1, { message: "Choose a template" }),
  environments: ZOnboardingEnvironments,
});

export const ZArchiveRequest = z.object({
  projectId: z.string().min(1),
  reason: z.string().trim().min(3, { message: "Say why the project can go" }).max(2000),
});
export type TArchiveRequest = z.infer<typeof ZArchiveRequest>;

export const ZDecision = z
  .object({
    ticketId: z.string().min(1),
    decision: z.enum(["approve", "reject"]),
    comment: z.string().trim().max(5000).default(""),
  })
  .refine((d) => d.decision === "approve" || d.comment.length >= 3, { message: "Say why you reject it", path: ["comment"] });
export type TDecision = z.infer<typeof ZDecision>;

export const ZComment = z.object({
  ticketId: z.string().min(1),
  body: z.string().trim().min(1, { message: "Write a comment" }).max(5000, { message: "At most 5000 characters" }),
});

export const ZTicketListQuery = z.object({
  view: z.enum(["inbox", "mine", "all"]).optional().catch(undefined),
  /** A registered ticket type (checked against the registry where the list is read). */
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .max(40)
    .optional()
    .catch(undefined),
  status: z
    .enum([...TICKET_STATUSES, "active"])
    .optional()
    .catch(undefined),
  /** Older than n days. */
  age: z.coerce.number().int().min(1).max(365).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});
export type TTicketListQuery = z.infer<typeof ZTicketListQuery>;
