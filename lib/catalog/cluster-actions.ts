"use server";
/** Server actions: thin (parse, call one domain function, revalidate); components import them from here. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { checkCluster, deleteCluster, registerCluster, testKubeconfig, updateCluster } from "@/lib/catalog/clusters";
import { ZRegisterCluster, ZUpdateCluster } from "@/lib/catalog/schemas";

export const testKubeconfigAction = defineAction(
  "cluster.test",
  z.object({ kubeconfig: z.string().max(512 * 1024), context: z.string().max(253).default(""), name: z.string().max(63).default("") }),
  async (input, ctx) => testKubeconfig(ctx, input),
);

export const registerClusterAction = defineAction(
  "cluster.register",
  ZRegisterCluster,
  async (input, ctx) => {
    const c = await registerCluster(ctx, input);
    return { name: c.name, status: c.status, reason: c.statusReason, version: c.kubernetesVersion, latencyMs: c.latencyMs };
  },
  { revalidate: () => ["/clusters"] },
);

export const updateClusterAction = defineAction(
  "cluster.update",
  ZUpdateCluster,
  async (input, ctx) => {
    const c = await updateCluster(ctx, input);
    return { name: c.name, version: c.version };
  },
  { revalidate: (_i, d) => ["/clusters", `/clusters/${d.name}`] },
);

export const deleteClusterAction = defineAction(
  "cluster.delete",
  z.object({ id: z.string().min(1) }),
  async ({ id }, ctx) => {
    await deleteCluster(ctx, id);
    return {};
  },
  { revalidate: () => ["/clusters"] },
);

export const checkClusterAction = defineAction("cluster.check", z.object({ id: z.string().min(1) }), async ({ id }, ctx) => checkCluster(ctx, id), {
  revalidate: () => ["/clusters", "/clusters/[name]"],
});
