/** What the config center's forms, actions and API send, checked at the boundary. */
import { z } from "zod";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { FORMATS, LIMITS, ZConfigKey, ZConfigValue, ZNamespaceName } from "./formats";
import { ZGrayRule } from "./gray-rule";

/** "default", or a registered cluster's name: the data centre whose instances see these values first. */
export const ZConfigCluster = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: "A cluster is `default` or a cluster's name" });

/** Which working copy: a namespace, for a service (its private namespace or its overrides of a public one) or for the public namespace itself (serviceId null). */
export const ZSetRef = z.object({
  namespaceId: z.string().min(1),
  serviceId: z.string().min(1).nullable(),
  environment: z.enum(ENVIRONMENTS),
  cluster: ZConfigCluster.default("default"),
});
export type TSetRef = z.infer<typeof ZSetRef>;

const ZComment = z
  .string()
  .trim()
  .max(LIMITS.commentLength, { message: `At most ${LIMITS.commentLength} characters` })
  .default("");

export const ZItemChange = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("set"),
    key: ZConfigKey,
    value: ZConfigValue,
    comment: ZComment,
    secret: z.boolean().default(false),
    /** For a secret already stored: keep its value (the editor never receives it). */
    keepValue: z.boolean().default(false),
  }),
  z.object({ op: z.literal("delete"), key: ZConfigKey }),
]);
export type TItemChange = z.infer<typeof ZItemChange>;

export const ZEditItems = ZSetRef.extend({
  /** The draft version the edit was made on: a newer one means someone else edited meanwhile. */
  draftVersion: z.number().int().min(0),
  changes: z.array(ZItemChange).min(1, { message: "Nothing to change" }).max(LIMITS.items),
});

export const ZEditText = ZSetRef.extend({
  draftVersion: z.number().int().min(0),
  text: z.string().max(LIMITS.fileBytes * 2),
});

export const ZPublish = ZSetRef.extend({
  draftVersion: z.number().int().min(0),
  /** The release the draft's diff was read against: another publish since then refuses this one. */
  baseReleaseId: z.string().min(1).nullable(),
  comment: z.string().trim().min(1, { message: "Say what this release changes" }).max(LIMITS.commentLength),
});

export const ZRestore = z.object({
  releaseId: z.string().min(1),
  comment: z.string().trim().max(LIMITS.commentLength).default(""),
});

export const ZCreateNamespace = z.object({
  serviceId: z.string().min(1),
  name: ZNamespaceName,
  comment: ZComment,
});

export const ZCreatePublicNamespace = z.object({
  teamId: z.string().min(1),
  /** Becomes `<team>.<name>`, what clients ask for. */
  name: ZNamespaceName,
  comment: ZComment,
});

export const ZLinkNamespace = z.object({ serviceId: z.string().min(1), namespaceId: z.string().min(1) });

export const ZSetSchema = z.object({
  namespaceId: z.string().min(1),
  version: z.number().int().positive(),
  /** A JSON Schema (draft 2020-12 or 07) as text; empty removes it. */
  schema: z
    .string()
    .max(64 * 1024)
    .default(""),
});

export const ZGrayChanges = z.object({
  set: z
    .array(z.object({ key: ZConfigKey, value: ZConfigValue, comment: ZComment, secret: z.boolean().default(false) }))
    .max(LIMITS.items)
    .default([]),
  delete: z.array(ZConfigKey).max(LIMITS.items).default([]),
});
export type TGrayChanges = z.infer<typeof ZGrayChanges>;

export const ZStartGray = ZSetRef.extend({
  rule: ZGrayRule,
  changes: ZGrayChanges,
  comment: z.string().trim().min(1, { message: "Say what the gray release tries" }).max(LIMITS.commentLength),
});

export const ZUpdateGray = z.object({
  grayId: z.string().min(1),
  version: z.number().int().positive(),
  rule: ZGrayRule.optional(),
  changes: ZGrayChanges.optional(),
  comment: z.string().trim().max(LIMITS.commentLength).default(""),
});

export const ZEndGray = z.object({
  grayId: z.string().min(1),
  version: z.number().int().positive(),
  comment: z.string().trim().max(LIMITS.commentLength).default(""),
});

export const ZFormat = z.enum(FORMATS);
