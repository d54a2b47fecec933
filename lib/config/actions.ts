"use server";
/** Server actions of the config center: thin (parse, call one domain function, revalidate); components import them from here. */

import { defineAction } from "@/lib/http/action";
import { createAccessKey, deleteAccessKey, setAccessKeyEnabled, ZCreateAccessKey, ZDeleteAccessKey, ZSetAccessKeyEnabled } from "./access-keys";

const servicePage = () => ["/projects/[slug]/services/[service]"];

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
