"use server";
/** Server actions of project dashboards: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import {
  createGeneratedDashboard,
  editPanelQuery,
  planDashboardRegeneration,
  regenerateDashboard,
  ZEditPanelQuery,
  ZProjectRef,
  ZRegenerate,
} from "./dashboards";

const PAGE = ["/projects/[slug]/monitoring"];

export const createDashboardAction = defineAction("monitoring.dashboard.create", ZProjectRef, async (input, ctx) => createGeneratedDashboard(ctx, input), {
  revalidate: () => PAGE,
});

export const planDashboardRegenerationAction = defineAction("monitoring.dashboard.plan", ZProjectRef, async (input, ctx) =>
  planDashboardRegeneration(ctx, input),
);

export const regenerateDashboardAction = defineAction("monitoring.dashboard.regenerate", ZRegenerate, async (input, ctx) => regenerateDashboard(ctx, input), {
  revalidate: () => PAGE,
});

export const editPanelQueryAction = defineAction("monitoring.dashboard.edit", ZEditPanelQuery, async (input, ctx) => editPanelQuery(ctx, input), {
  revalidate: () => PAGE,
});
