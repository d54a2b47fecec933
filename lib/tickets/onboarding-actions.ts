"use server";

import { defineAction } from "@/lib/http/action";
import { previewOnboarding, submitOnboarding } from "./onboarding";
import { ZOnboardingRequest } from "./schemas";

export const previewOnboardingAction = defineAction("onboarding.preview", ZOnboardingRequest, (input, ctx) => previewOnboarding(ctx, input));

export const submitOnboardingAction = defineAction("onboarding.submit", ZOnboardingRequest, (input, ctx) => submitOnboarding(ctx, input), {
  revalidate: () => ["/projects", "/tickets"],
});
