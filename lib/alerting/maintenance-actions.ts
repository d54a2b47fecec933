"use server";
/** Server actions of maintenance windows: thin (parse, call one domain function, revalidate). */

import { defineAction } from "@/lib/http/action";
import { addMaintenanceWindow, removeMaintenanceWindow, ZAddMaintenanceWindow, ZRemoveMaintenanceWindow } from "./maintenance";

export const addMaintenanceWindowAction = defineAction("alerting.maintenance.add", ZAddMaintenanceWindow, (input, ctx) => addMaintenanceWindow(ctx, input), {
  revalidate: () => ["/projects/[slug]/maintenance"],
});

export const removeMaintenanceWindowAction = defineAction(
  "alerting.maintenance.remove",
  ZRemoveMaintenanceWindow,
  (input, ctx) => removeMaintenanceWindow(ctx, input),
  { revalidate: () => ["/projects/[slug]/maintenance"] },
);
