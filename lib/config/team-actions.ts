"use server";
/**
 * Server actions of the team page's public namespaces: thin (parse, call one
 * domain function, revalidate the team page). The domain functions authorize
 * with the team's actions (config.public.manage / edit / publish).
 */

import { defineAction } from "@/lib/http/action";
import { editItems } from "./edit";
import { createPublicNamespace } from "./namespaces";
import { publishDraft } from "./publish";
import { ZCreatePublicNamespace, ZEditItems, ZPublish } from "./schemas";

const teamPage = () => ["/teams/[slug]"];

/** A new public namespace of a team, named `<team>.<name>`. */
export const createPublicNamespaceAction = defineAction(
  "config.public.create",
  ZCreatePublicNamespace,
  async (input, ctx) => {
    const ns = await createPublicNamespace(ctx, input);
    return { id: ns.id, name: ns.name };
  },
  { revalidate: teamPage },
);

/** Changes the shared values of a public namespace's draft (serviceId null). */
export const editPublicItemsAction = defineAction("config.public.edit", ZEditItems, (input, ctx) => editItems(ctx, input), { revalidate: teamPage });

/** Publishes a public namespace's shared values (production through a ticket). */
export const publishPublicAction = defineAction("config.public.publish", ZPublish, (input, ctx) => publishDraft(ctx, input), { revalidate: teamPage });
