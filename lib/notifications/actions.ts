"use server";
/** Server actions of notifications. */
import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { markNotificationsRead } from "./index";

export const markNotificationsReadAction = defineAction("notifications.read", z.object({ ids: z.array(z.string()).max(100).optional() }), ({ ids }, ctx) =>
  markNotificationsRead(ctx, ids),
);
