/**
 * The two registries that make provisioning extensible without touching the
 * engine:
 * - step kinds: what a step does (apply manifests, delete a namespace,
 *   publish a repository, ...), keyed by `kind`;
 * - plan contributors: which steps a plan of a given kind (onboarding,
 *   member_sync, quota, archive) contains. Later features (config center, CI,
 *   monitoring) add their contributors and step kinds.
 */
import type { Logger } from "pino";
import type { z } from "zod";
import type { ClusterConnection } from "@/lib/kube/connection";
import type { EnvKind, MemberRole, Tier } from "./manifests";
import type { Quota } from "./quota";

export interface StepRunContext {
  stepId: string;
  runId: string;
  projectId: string | null;
  attempt: number;
  log: Logger;
  /** Present for steps bound to a cluster. */
  cluster?: ClusterConnection;
}

export interface StepKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  /** Shown in the plan and on the ticket, e.g. "Namespace". */
  label: string;
  spec: S;
  needsCluster: boolean;
  /** Runs the step; must be idempotent (it may run again after a crash or a retry). Returns what it did. */
  run(spec: z.output<S>, ctx: StepRunContext): Promise<unknown>;
}

/** Thrown by a step that failed for good (a crash-looping rollout): no retry would change the outcome. */
export class FinalStepError extends Error {
  readonly final = true;
}

const stepKinds = new Map<string, StepKind>();

export function defineStepKind<S extends z.ZodType>(def: StepKind<S>): StepKind<S> {
  stepKinds.set(def.kind, def as unknown as StepKind);
  return def;
}

export function stepKind(kind: string): StepKind {
  const def = stepKinds.get(kind);
  if (!def) throw new Error(`Unknown provisioning step kind "${kind}"`);
  return def;
}

export function allStepKinds(): StepKind[] {
  return [...stepKinds.values()];
}

/** What a plan is computed from. */
export interface PlanInput {
  kind: "onboarding" | "member_sync" | "quota" | "archive";
  project: { id: string; slug: string; name: string; description: string; tier: Tier; templateId: string; owner: { name: string; email: string } };
  team: { slug: string; name: string };
  environments: { kind: EnvKind; clusters: { id: string; name: string }[]; quota: Quota }[];
  members: { email: string; role: MemberRole }[];
  /** Template parameters of an onboarding request. */
  params: Record<string, unknown>;
  services: { slug: string; name: string; kind: string }[];
}

/** A step as a plan describes it, before it is stored; `key` is unique within the plan. */
export interface StepDraft {
  key: string;
  kind: string;
  title: string;
  clusterId?: string;
  clusterName?: string;
  environment?: EnvKind;
  target: string;
  spec: unknown;
  dependsOn?: string[];
  maxAttempts?: number;
}

export interface PlanContributor {
  name: string;
  plans: PlanInput["kind"][];
  contribute(input: PlanInput): StepDraft[];
}

const contributors: PlanContributor[] = [];

export function definePlanContributor(c: PlanContributor): PlanContributor {
  if (!contributors.some((x) => x.name === c.name)) contributors.push(c);
  return c;
}

export function planContributors(kind: PlanInput["kind"]): PlanContributor[] {
  return contributors.filter((c) => c.plans.includes(kind));
}
