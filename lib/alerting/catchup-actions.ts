"use server";
/** Server actions of the catch-up: thin (parse, call one domain function). */
import { z } from "zod";
import { defineAction } from "@/lib/http/action";
import { requestAlertsCatchUp } from "./catchup";

/** "Catch up now": reads Alertmanager's alerts in the worker without waiting for the minute's run. */
export const catchUpAlertsAction = defineAction("alerting.catch_up", z.object({}), (_input, ctx) => requestAlertsCatchUp(ctx));
