"use server";
/** Server actions of the CI settings page that lib/ci/actions.ts does not have: the webhook secret. */

import { z } from "zod";
import { ZProjectSlug } from "@/lib/catalog/schemas";
import { defineAction } from "@/lib/http/action";
import { rotateWebhookSecret } from "./webhooks";

/** Makes a new webhook secret for a project (the old one stops verifying at once); returns it this once. */
export const rotateWebhookSecretAction = defineAction(
  "ci.webhook.rotate",
  z.object({ projectSlug: ZProjectSlug }).strict(),
  async (input, ctx) => rotateWebhookSecret(ctx, input),
  { revalidate: () => ["/projects/[slug]/builds/settings"] },
);
