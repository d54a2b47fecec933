"use server";
/** Server actions: thin (parse, call one domain function, revalidate); components import them from here. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { ZSaveSpec, previewManifests, saveServiceSpec } from "@/lib/deploy/specs";

/** Saves the edited spec as a new version, refused (CONFLICT) when someone saved since `baseVersion`. */
export const saveSpecAction = defineAction("service.spec.update", ZSaveSpec, (input, ctx) => saveServiceSpec(ctx, input), {
  revalidate: () => ["/projects/[slug]/services/[service]/spec"],
});

const ZPreviewManifests = z.object({
  serviceId: z.string().min(1),
  spec: z.unknown(),
  environment: z.enum(ENVIRONMENTS),
  /** An image tag as registries take it; "latest" when left out. */
  tag: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, { message: "must be an image tag: letters, digits, '_', '.', '-', at most 128" })
    .optional(),
});

/** The objects the (unsaved) spec becomes in an environment, and the clusters they would go to. */
export const previewManifestsAction = defineAction("service.spec.preview", ZPreviewManifests, (input, ctx) =>
  previewManifests(ctx, input.serviceId, input.spec, input.environment, input.tag),
);
