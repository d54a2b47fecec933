"use server";
/** Server actions of the gray release editor and the config settings tab: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import { abandonGray, mergeGray, startGray, updateGray } from "./gray";
import { setNamespaceSchema } from "./namespaces";
import { ZEndGray, ZSetSchema, ZStartGray, ZUpdateGray } from "./schemas";

const configPages = () => [
  "/projects/[slug]/services/[service]/config",
  "/projects/[slug]/services/[service]/config/gray",
  "/projects/[slug]/services/[service]/config/instances",
];

/** Starts a gray release: its changes reach the instances the rule selects at once. */
export const startGrayAction = defineAction("config.gray.start", ZStartGray, (input, ctx) => startGray(ctx, input), { revalidate: configPages });

/** Widens (or narrows) a gray release: a new rule or new changes, released again. */
export const updateGrayAction = defineAction("config.gray.update", ZUpdateGray, (input, ctx) => updateGray(ctx, input), { revalidate: configPages });

/** Merges a gray release into the main release (production: through a ticket). */
export const mergeGrayAction = defineAction("config.gray.merge", ZEndGray, (input, ctx) => mergeGray(ctx, input), { revalidate: configPages });

/** Abandons a gray release: its instances return to the main release. */
export const abandonGrayAction = defineAction("config.gray.abandon", ZEndGray, (input, ctx) => abandonGray(ctx, input), { revalidate: configPages });

/** Sets or removes a namespace's JSON Schema (refused at its line when it is not one). */
export const setNamespaceSchemaAction = defineAction(
  "config.namespace.schema",
  ZSetSchema,
  async (input, ctx) => {
    const ns = await setNamespaceSchema(ctx, input);
    return { id: ns.id, version: ns.version, hasSchema: ns.jsonSchema !== null };
  },
  { revalidate: () => ["/projects/[slug]/services/[service]/config/settings", "/teams/[slug]"] },
);
