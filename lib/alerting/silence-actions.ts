"use server";
/** Server actions of silences: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import {
  createReleaseWithSilence,
  createSilence,
  expireSilence,
  previewSilence,
  ZCreateSilence,
  ZExpireSilence,
  ZReleaseWithSilence,
  ZSilencePreview,
} from "./silences";

export const previewSilenceAction = defineAction("alert.silence.preview", ZSilencePreview, (input, ctx) => previewSilence(ctx, input));

export const createSilenceAction = defineAction("alert.silence", ZCreateSilence, (input, ctx) => createSilence(ctx, input), {
  revalidate: () => ["/incidents/[number]", "/projects/[slug]"],
});

export const expireSilenceAction = defineAction("alert.silence.expire", ZExpireSilence, (input, ctx) => expireSilence(ctx, input), {
  revalidate: () => ["/projects/[slug]"],
});

/** The deploy form with "silence this service's alerts for the release window" checked. */
export const createReleaseWithSilenceAction = defineAction(
  "deploy.create_with_silence",
  ZReleaseWithSilence,
  (input, ctx) => createReleaseWithSilence(ctx, input),
  {
    revalidate: () => ["/projects/[slug]/services/[service]", "/deployments"],
  },
);
