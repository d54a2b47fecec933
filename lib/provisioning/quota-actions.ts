"use server";
/** Server actions of quotas: the custom-quota limits ops and admins set. */
import { defineAction } from "@/lib/http/action";
import { setQuotaLimits, ZSetQuotaLimits } from "./quota-limits";

export const setQuotaLimitsAction = defineAction("quota.limits.set", ZSetQuotaLimits, (input, ctx) => setQuotaLimits(ctx, input), {
  revalidate: () => ["/tickets"],
});
