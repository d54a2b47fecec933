"use server";
/** Server actions: thin (parse, call one domain function, revalidate); components import them from here. */

import { defineAction } from "@/lib/http/action";
import { createRelease, restoreOnCluster, rollbackTo, ZCreateRelease, ZRestore, ZRollback } from "@/lib/deploy/releases";
import { killPod, restartService, ZKillPod, ZRestart } from "@/lib/deploy/operations";

export const createReleaseAction = defineAction("deploy.create", ZCreateRelease, (input, ctx) => createRelease(ctx, input), {
  revalidate: () => ["/projects/[slug]/services/[service]", "/deployments"],
});

export const rollbackAction = defineAction("deploy.rollback", ZRollback, (input, ctx) => rollbackTo(ctx, input), {
  revalidate: () => ["/projects/[slug]/services/[service]", "/releases/[id]"],
});

export const restartAction = defineAction("workload.restart", ZRestart, (input, ctx) => restartService(ctx, input));

export const killPodAction = defineAction("workload.chaos", ZKillPod, (input, ctx) => killPod(ctx, input));

export const restoreAction = defineAction("deploy.restore", ZRestore, (input, ctx) => restoreOnCluster(ctx, input), {
  revalidate: () => ["/projects/[slug]/services/[service]", "/releases/[id]", "/deployments"],
});
