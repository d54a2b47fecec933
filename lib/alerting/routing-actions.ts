"use server";
/** Server action of Admin → Alerting: queue a write and reload of Alertmanager's configuration. */

import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { requestRoutingApply } from "./routing-apply";

export const applyRoutingAction = defineAction("alerting.routing.apply", z.object({}), (_input, ctx) => requestRoutingApply(ctx), {
  revalidate: () => ["/admin/alerting"],
});
