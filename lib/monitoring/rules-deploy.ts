/**
 * Deploying a project's alert rules, as provisioning steps of the
 * monitoring module (so each deployment is a run with its steps, retries and
 * record, like every other):
 * - `monitoring-rules-file`: the project's rule file for the Prometheus
 *   Wharf runs, written only when promtool accepts it, then a reload. A
 *   refused file is recorded (on the project's rule settings and in the
 *   audit log) and fails the step for good: no retry would change it.
 * - `monitoring-rules-apply`: the environment's PrometheusRule on one
 *   cluster (server-side apply), for teams on prometheus-operator.
 * Onboarding gets both through the plan contributor; a rule edit starts a
 * `monitoring_rules` run planned the same way. Both steps read the rules as
 * they are when they run (the newest settings and specs).
 */
import { z } from "zod";
import type { KubernetesObject } from "@kubernetes/client-node";
import { recordAudit } from "@/lib/audit/record";
import { systemCtx, type Ctx } from "@/lib/context";
import { db, type Db, type Tx } from "@/lib/db/client";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { byEnvironment } from "@/lib/catalog/environments";
import { ZAppSpec } from "@/lib/deploy/spec";
import { envPart } from "@/lib/env";
import { applyObjects, deleteObject } from "@/lib/kube/apply";
import { namespaceName } from "@/lib/provisioning/manifests";
import { loadPlanInput } from "@/lib/provisioning/plan-input";
import { startRun } from "@/lib/provisioning/start";
import { definePlanContributor, defineRunKind, defineStepKind, FinalStepError, type StepDraft } from "@/lib/provisioning/registry";
import { reload } from "./prom";
import { globalSource } from "./sources";
import { generateRules, prometheusRuleObject, ruleFileText, ZRuleSettings, type GeneratedRule, type RuleProject, type TRuleSettings } from "./rules";
import { removeRuleFile, rulesDir, writeRuleFile } from "./rules-files";

export const RULES_RUN_KIND = "monitoring_rules";

/** The project as rule generation needs it, read through `client` (a transaction sees its own changes). */
export async function loadRuleProject(
  client: Tx | Db,
  projectId: string,
): Promise<{ id: string; project: RuleProject; settings: TRuleSettings; version: number } | null> {
  const p = await client.project.findUnique({
    where: { id: projectId },
    select: {
      id: true,
      slug: true,
      team: { select: { slug: true } },
      environments: { select: { kind: true } },
      services: { select: { id: true, slug: true }, orderBy: { slug: "asc" } },
      alertRules: { select: { settings: true, version: true } },
    },
  });
  if (!p) return null;
  const specs = await client.serviceSpec.findMany({
    where: { serviceId: { in: p.services.map((s) => s.id) } },
    orderBy: { version: "desc" },
    distinct: ["serviceId"],
    select: { serviceId: true, spec: true },
  });
  const specOf = new Map(specs.map((s) => [s.serviceId, ZAppSpec.safeParse(s.spec)]));
  const parsed = ZRuleSettings.safeParse(p.alertRules?.settings ?? {});
  return {
    id: p.id,
    project: {
      slug: p.slug,
      team: p.team.slug,
      environments: byEnvironment(p.environments, (e) => e.kind).map((e) => e.kind),
      services: p.services.map((s) => {
        const spec = specOf.get(s.id);
        return { slug: s.slug, spec: spec?.success ? spec.data : null };
      }),
    },
    // Stored settings are parsed when read; a row that no longer parses (a schema change) falls back to the generated rules.
    settings: parsed.success ? parsed.data : ZRuleSettings.parse({}),
    version: p.alertRules?.version ?? 0,
  };
}

export function baseUrl(): string {
  return envPart("NEXTAUTH_URL").NEXTAUTH_URL ?? "";
}

export function projectRules(loaded: { project: RuleProject; settings: TRuleSettings }): GeneratedRule[] {
  return generateRules(loaded.project, loaded.settings, { baseUrl: baseUrl() });
}

/** The project's rule file as it would be written now, through `client` (null: no such project); equal texts deploy the same rules. */
export async function rulesFingerprint(client: Tx | Db, projectId: string): Promise<string | null> {
  const loaded = await loadRuleProject(client, projectId);
  return loaded ? ruleFileText(loaded.project.slug, projectRules(loaded), loaded.project.environments) : null;
}

/**
 * Starts a `monitoring_rules` run for an active project with environments (in the caller's transaction), or
 * returns null. A PrometheusRule goes in its environment's namespace: where a run of the project still has to
 * create that namespace on a cluster (an onboarding in flight: the demo seed, a new environment, a spec saved
 * meanwhile), this run leaves that cluster out, and the onboarding run's own rules step, which comes after the
 * namespace and reads the rules as they are when it runs, applies them there. Never a 404 retried until the
 * namespace happens to exist.
 */
export async function startRulesRun(tx: Tx, ctx: Ctx, projectId: string) {
  const project = await tx.project.findUnique({ where: { id: projectId }, select: { lifecycle: true, _count: { select: { environments: true } } } });
  if (!project || project.lifecycle !== "active" || project._count.environments === 0) return null;
  const waiting = await tx.provisioningStep.findMany({
    where: { kind: "namespace", status: { not: "succeeded" }, run: { projectId, status: { in: ["pending", "running"] } } },
    select: { environment: true, clusterId: true },
  });
  const later = new Set(waiting.map((s) => `${s.environment}|${s.clusterId}`));
  const input = await loadPlanInput(projectId, RULES_RUN_KIND, {}, tx);
  const environments = input.environments.map((e) => ({ ...e, clusters: e.clusters.filter((c) => !later.has(`${e.kind}|${c.id}`)) }));
  return startRun(tx, ctx, { kind: RULES_RUN_KIND, projectId, input: { ...input, environments } });
}

/** Records what promtool said about the project's file ("" = accepted), and which settings version Prometheus has. */
async function recordFileOutcome(projectId: string, slug: string, version: number, reason: string | null, requestId: string) {
  await db().$transaction(async (tx) => {
    const before = await tx.alertRuleSettings.findUnique({ where: { projectId }, select: { lastError: true, writtenVersion: true } });
    const data = reason ? { lastError: reason, lastErrorAt: new Date() } : { lastError: "", lastErrorAt: null, writtenVersion: version, writtenAt: new Date() };
    // A file written from the generated rules creates the row at version 0: the first save is version 1, and the page says no change was saved.
    await tx.alertRuleSettings.upsert({ where: { projectId }, create: { projectId, version, ...data }, update: data });
    if (reason || before?.lastError)
      await recordAudit(tx, systemCtx(requestId), {
        action: reason ? "monitoring.rules.file.refused" : "monitoring.rules.file.written",
        target: { type: "project", id: projectId, label: slug },
        projectId,
        before: before ? { lastError: before.lastError, writtenVersion: before.writtenVersion } : null,
        after: reason ? { lastError: reason } : { lastError: "", writtenVersion: version },
      });
  });
}

export const rulesFileStep = defineStepKind({
  kind: "monitoring-rules-file",
  label: "Alert rules (Wharf's Prometheus)",
  needsCluster: false,
  spec: z.object({ slug: z.string() }),
  async run(_spec, { projectId, runId }) {
    if (!projectId) throw new FinalStepError("The project of this step no longer exists.");
    const dir = rulesDir();
    const source = globalSource();
    if (!dir || !source) return { skipped: "WHARF_PROMETHEUS_RULES_DIR or WHARF_PROMETHEUS_URL is not set: Wharf runs no Prometheus to give rules to" };
    const loaded = await loadRuleProject(db(), projectId);
    if (!loaded) throw new FinalStepError("The project of this step no longer exists.");
    const rules = projectRules(loaded);
    const text = ruleFileText(loaded.project.slug, rules, loaded.project.environments);
    const written = await writeRuleFile(dir, loaded.project.slug, text);
    if (!written.ok) {
      await recordFileOutcome(projectId, loaded.project.slug, loaded.version, written.reason, `run-${runId}`);
      throw new FinalStepError(`promtool refused the rule file ${loaded.project.slug}.yml; it was not written: ${written.reason}`);
    }
    const reloaded = await reload(source);
    // The file is in place; Prometheus not answering is worth a retry (the step is idempotent).
    if (!reloaded.ok) throw new Error(`The rule file was written, but Prometheus did not reload: ${reloaded.reason}`);
    await recordFileOutcome(projectId, loaded.project.slug, loaded.version, null, `run-${runId}`);
    return { file: written.path, rules: rules.filter((r) => r.enabled).length, version: loaded.version };
  },
});

export const rulesApplyStep = defineStepKind({
  kind: "monitoring-rules-apply",
  label: "Alert rules (PrometheusRule)",
  needsCluster: true,
  spec: z.object({ environment: z.enum(ENVIRONMENTS) }),
  async run({ environment }, { projectId, cluster }) {
    if (!projectId) throw new FinalStepError("The project of this step no longer exists.");
    const loaded = await loadRuleProject(db(), projectId);
    if (!loaded) throw new FinalStepError("The project of this step no longer exists.");
    const rules = projectRules(loaded).filter((r) => r.environment === environment);
    const object = prometheusRuleObject(loaded.project.slug, environment, rules);
    const applied = await applyObjects(cluster!, [object as KubernetesObject]);
    return { applied, rules: object.spec.groups[0]?.rules.length ?? 0 };
  },
});

/** Archive: the project's rule file goes, and Prometheus forgets its rules. */
export const rulesRemoveFileStep = defineStepKind({
  kind: "monitoring-rules-remove-file",
  label: "Remove alert rules (Wharf's Prometheus)",
  needsCluster: false,
  spec: z.object({ slug: z.string() }),
  async run({ slug }) {
    const dir = rulesDir();
    const source = globalSource();
    if (!dir || !source) return { skipped: "WHARF_PROMETHEUS_RULES_DIR or WHARF_PROMETHEUS_URL is not set: Wharf runs no Prometheus" };
    const removed = await removeRuleFile(dir, slug);
    const reloaded = await reload(source);
    if (!reloaded.ok) throw new Error(`The rule file was removed, but Prometheus did not reload: ${reloaded.reason}`);
    return { file: `${slug}.yml`, outcome: removed ? "removed" : "absent" };
  },
});

/** Archive: the environment's PrometheusRule on one cluster (gone already with its namespace counts as deleted). */
export const rulesDeleteStep = defineStepKind({
  kind: "monitoring-rules-delete",
  label: "Delete alert rules (PrometheusRule)",
  needsCluster: true,
  spec: z.object({ slug: z.string(), environment: z.enum(ENVIRONMENTS) }),
  async run({ slug, environment }, { cluster }) {
    const ref = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: `wharf-${slug}`, namespace: namespaceName(slug, environment) },
    };
    return { outcome: await deleteObject(cluster!, ref) };
  },
});

export const rulesRun = defineRunKind({
  kind: RULES_RUN_KIND,
  label: "Alert rules",
  loadInput: (client, projectId, opts) => loadPlanInput(projectId, RULES_RUN_KIND, opts.params ?? {}, client),
});

export const rulesContributor = definePlanContributor({
  name: "monitoring-rules",
  runKinds: ["onboarding", RULES_RUN_KIND],
  contribute: (input) => {
    if (!input.environments.length) return [];
    const slug = input.project.slug;
    const drafts: StepDraft[] = [
      {
        key: "monitoring-rules-file",
        kind: rulesFileStep.kind,
        title: `Alert rules of ${slug} for Wharf's Prometheus`,
        target: `rule file ${slug}.yml`,
        spec: { slug },
        maxAttempts: 5,
        // The file holds every environment's rules: an environment added later is written into it.
        followsEnvironments: true,
      },
    ];
    for (const env of input.environments)
      for (const c of env.clusters)
        drafts.push({
          key: `monitoring-rules:${env.kind}:${c.name}`,
          kind: rulesApplyStep.kind,
          title: `Alert rules of ${slug}-${env.kind} on ${c.name}`,
          clusterId: c.id,
          clusterName: c.name,
          environment: env.kind,
          target: `PrometheusRule ${slug}-${env.kind}/wharf-${slug}`,
          spec: { environment: env.kind },
          // At onboarding the namespace comes first (the builtin contributor's step).
          dependsOn: input.kind === "onboarding" ? [`namespace:${env.kind}:${c.name}`] : [],
          maxAttempts: 5,
        });
    return drafts;
  },
});

/**
 * Archiving a project takes its rules away: the rule file (Prometheus stops evaluating them) and each
 * environment's PrometheusRule on each cluster, before the archive deletes the namespaces.
 */
export const rulesArchiveContributor = definePlanContributor({
  name: "monitoring-rules-archive",
  runKinds: ["archive"],
  contribute: (input) => {
    const slug = input.project.slug;
    const drafts: StepDraft[] = [
      {
        key: "monitoring-rules-remove-file",
        kind: rulesRemoveFileStep.kind,
        title: `Remove the alert rules of ${slug} from Wharf's Prometheus`,
        target: `rule file ${slug}.yml`,
        spec: { slug },
        maxAttempts: 5,
        // The file holds every environment's rules: an environment added later is written into it.
        followsEnvironments: true,
      },
    ];
    for (const env of input.environments)
      for (const c of env.clusters)
        drafts.push({
          key: `monitoring-rules-delete:${env.kind}:${c.name}`,
          kind: rulesDeleteStep.kind,
          title: `Delete the alert rules of ${slug}-${env.kind} on ${c.name}`,
          clusterId: c.id,
          clusterName: c.name,
          environment: env.kind,
          target: `PrometheusRule ${slug}-${env.kind}/wharf-${slug}`,
          spec: { slug, environment: env.kind },
          maxAttempts: 5,
        });
    return drafts;
  },
});
