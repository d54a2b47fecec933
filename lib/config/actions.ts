"use server";
/** Server actions of the config center: thin (parse, call one domain function, revalidate); components import them from here. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { createAccessKey, deleteAccessKey, setAccessKeyEnabled, ZCreateAccessKey, ZDeleteAccessKey, ZSetAccessKeyEnabled } from "./access-keys";
import { editItems, editText } from "./edit";
import { publishDraft, restoreRelease } from "./publish";
import { diffConfigReleases } from "./read";
import { createNamespace, linkPublicNamespace } from "./namespaces";
import { ZCreateNamespace, ZEditItems, ZEditText, ZLinkNamespace, ZPublish, ZRestore } from "./schemas";

/** Two releases of one namespace to compare (a "use server" file exports only actions, so the schema stays here). */
const ZCompareReleases = z.object({ fromId: z.string().min(1, { message: "Choose a release" }), toId: z.string().min(1, { message: "Choose a release" }) });

const servicePage = () => ["/projects/[slug]/services/[service]"];
/** The config pages (items, history and the other tabs) and the ticket a production publish opens. */
const configPages = () => ["/projects/[slug]/services/[service]/config", "/projects/[slug]/services/[service]/config/history", "/tickets/[number]"];

/** Creates an access key; the result carries its secret, shown once. */
export const createAccessKeyAction = defineAction("config.access_key.create", ZCreateAccessKey, (input, ctx) => createAccessKey(ctx, input), {
  revalidate: servicePage,
});

export const setAccessKeyEnabledAction = defineAction("config.access_key.enable", ZSetAccessKeyEnabled, (input, ctx) => setAccessKeyEnabled(ctx, input), {
  revalidate: servicePage,
});

export const deleteAccessKeyAction = defineAction("config.access_key.delete", ZDeleteAccessKey, (input, ctx) => deleteAccessKey(ctx, input), {
  revalidate: servicePage,
});

/** Changes items of a draft (set, delete); problems come back at `items.<key>`. */
export const editConfigItemsAction = defineAction("config.edit.items", ZEditItems, (input, ctx) => editItems(ctx, input), { revalidate: configPages });

/** Replaces a draft from its text; problems come back at `text` as "line N: message". */
export const editConfigTextAction = defineAction("config.edit.text", ZEditText, (input, ctx) => editText(ctx, input), { revalidate: configPages });

/** Publishes the draft; in production the result is `{ status: "pending_approval", ticketNumber }`. */
export const publishConfigAction = defineAction("config.publish", ZPublish, (input, ctx) => publishDraft(ctx, input), { revalidate: configPages });

/** Publishes an earlier release's values as a new release (production through a ticket). */
export const restoreConfigReleaseAction = defineAction("config.restore", ZRestore, (input, ctx) => restoreRelease(ctx, input), {
  revalidate: configPages,
});

/** What restoring a release would change: the latest release against it, key by key (read only, for the confirm dialog). */
export const previewConfigRestoreAction = defineAction("config.restore.preview", ZCompareReleases, (input, ctx) =>
  diffConfigReleases(ctx, input.fromId, input.toId),
);

/** A new private namespace; its format comes from its name (`app.yaml` is YAML). */
export const createConfigNamespaceAction = defineAction("config.namespace.create", ZCreateNamespace, (input, ctx) => createNamespace(ctx, input), {
  revalidate: configPages,
});

/** The service starts using one of its team's public namespaces. */
export const linkConfigNamespaceAction = defineAction("config.namespace.link", ZLinkNamespace, (input, ctx) => linkPublicNamespace(ctx, input), {
  revalidate: configPages,
});
