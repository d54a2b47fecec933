/**
 * What modules give the provisioning engine, without the engine naming any
 * of them:
 * - run kinds: a kind of run (onboarding, member_sync, release, ...), how
 *   its plan's input is loaded when it is planned from the catalog, and what
 *   its end means (activate a project, finish a release, ...);
 * - plan contributors: which steps a run kind's plan contains (a module adds
 *   its own steps to onboarding, say);
 * - step kinds: what a step does (apply manifests, publish a repository).
 * Each module lists its own in its parts (lib/<domain>/module.ts); lookups
 * go through the module registry.
 */
import type { Logger } from "pino";
import type { z } from "zod";
import type { ClusterConnection } from "@/lib/kube/connection";
import type { Db, Tx } from "@/lib/db/client";
import type { EnvKind } from "@/lib/catalog/environments";
import type { ProjectRole } from "@/lib/access/roles";
import { registry } from "@/lib/modules";
import type { Tier } from "./manifests";
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

/** Declares a step kind (a typed value; its module lists it). */
export function defineStepKind<S extends z.ZodType>(def: StepKind<S>): StepKind<S> {
  return def;
}

export function stepKind(kind: string): StepKind {
  const def = registry().stepKinds.get(kind);
  if (!def) throw new Error(`Unknown provisioning step kind "${kind}"`);
  return def;
}

export function allStepKinds(): StepKind[] {
  return [...registry().stepKinds.values()];
}

/**
 * What the plan of a project-wide run is computed from: the project as the
 * catalog has it (or as a ticket asked for it), its environments with their
 * clusters and quota, its members, template parameters and services.
 */
export interface ProjectPlanInput {
  kind: string;
  project: { id: string; slug: string; name: string; description: string; tier: Tier; templateId: string; owner: { name: string; email: string } };
  team: { slug: string; name: string };
  environments: { kind: EnvKind; clusters: { id: string; name: string }[]; quota: Quota }[];
  members: { email: string; role: ProjectRole }[];
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
  /**
   * A project-wide step whose result depends on the project's environments (the rule file for
   * Wharf's Prometheus holds every environment's rules): a run for one environment includes it too.
   */
  followsEnvironments?: boolean;
}

/** The steps of a plan that a run for one environment (adding it, changing its clusters or quota) carries out. */
export function stepsForEnvironment(drafts: StepDraft[], environment: string): StepDraft[] {
  return drafts.filter((d) => d.environment === environment || d.followsEnvironments);
}

export interface PlanContributor {
  name: string;
  /** The run kinds whose plans this contributor adds steps to. */
  runKinds: string[];
  contribute(input: ProjectPlanInput): StepDraft[];
}

export function definePlanContributor(c: PlanContributor): PlanContributor {
  return c;
}

export function planContributors(kind: string): PlanContributor[] {
  return registry().planContributors.filter((c) => c.runKinds.includes(kind));
}

export type RunOutcome = "succeeded" | "failed";
export interface RunRecord {
  id: string;
  kind: string;
  projectId: string | null;
  ticketId: string | null;
}
/** What happens when a run ends (or, `onResumed`, when a failed run is retried by hand), in the transaction that ends it. */
export type RunFinisher = (tx: Tx, run: RunRecord, outcome: RunOutcome) => Promise<void>;

export interface RunKind {
  /** The kind stored on the run; "*" declares what the end of every run means (a module that follows all runs). */
  kind: string;
  label: string;
  /** For runs planned from the catalog: loads the plan's input through `client` (a transaction sees its own changes). */
  loadInput?: (client: Tx | Db, projectId: string, opts: { params?: Record<string, unknown> }) => Promise<ProjectPlanInput>;
  onFinished?: RunFinisher;
  onResumed?: RunFinisher;
}

export function defineRunKind(r: RunKind): RunKind {
  return r;
}

export function runKind(kind: string): RunKind {
  const def = registry().runKinds.get(kind);
  if (!def || kind === "*") throw new Error(`Unknown run kind "${kind}"`);
  return def;
}

/** The kind's own finisher first, then those that follow every run. */
export function runFinishers(kind: string, which: "onFinished" | "onResumed"): RunFinisher[] {
  return [registry().runKinds.get(kind)?.[which], registry().runKinds.get("*")?.[which]].filter((f): f is RunFinisher => Boolean(f));
}
