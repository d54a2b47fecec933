"use server";

import { defineAction } from "@/lib/http/action";
import { previewOnboarding, submitOnboarding } from "@/lib/tickets/onboarding";
import { ZOnboardingRequest } from "@/lib/tickets/schemas";

export const previewOnboardingAction = defineAction("onboarding.preview", ZOnboardingRequest, (input, ctx) => previewOnboarding(ctx, input));

export const submitOnboardingAction = defineAction("onboarding.submit", ZOnboardingRequest, (input, ctx) => submitOnboarding(ctx, input), {
  revalidate: () => ["/projects", "/tickets"],
});
