"use server";

import { defineAction } from "@/lib/http/action";
import { checkOnboardingEnvironments, previewOnboarding, submitOnboarding } from "./onboarding";
import { ZEnvironmentsCheck, ZOnboardingRequest } from "./schemas";

/** The wizard's environments step, checked before Next moves on (clusters, GPUs, capacity). */
export const checkOnboardingEnvironmentsAction = defineAction("onboarding.environments.check", ZEnvironmentsCheck, (input, ctx) =>
  checkOnboardingEnvironments(ctx, input),
);

export const previewOnboardingAction = defineAction("onboarding.preview", ZOnboardingRequest, (input, ctx) => previewOnboarding(ctx, input));

export const submitOnboardingAction = defineAction("onboarding.submit", ZOnboardingRequest, (input, ctx) => submitOnboarding(ctx, input), {
  revalidate: () => ["/projects", "/tickets"],
});
