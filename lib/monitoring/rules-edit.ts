/**
 * Reading and editing a project's alert rules (the rules page): what is
 * generated, what people changed, what Prometheus says about each rule and
 * alert, and what promtool said when a file was refused. A save is checked
 * by promtool before anything is stored; accepted, it is stored (versioned,
 * audited with before and after) and a `monitoring_rules` run deploys it.
 */
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record";
import { can, projectResource } from "@/lib/access/policy";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { alerts, rules as promRules } from "./prom";
import { globalSource } from "./sources";
import { monitoringStatus, type MonitoringStatus } from "./status";
import { generateRules, ruleFileText, ZRuleSettings, type GeneratedRule, type TRuleSettings } from "./rules";
import { baseUrl, loadRuleProject, projectRules, RULES_RUN_KIND, startRulesRun } from "./rules-deploy";
import { checkRuleText, promtoolAvailable, ruleFileName } from "./rules-files";

export const ZSaveRules = z.object({
  projectId: z.string().min(1),
  /** The settings version the person edited; a save over a newer one is refused. */
  version: z.number().int().min(0),
  settings: ZRuleSettings,
});
export type TSaveRules = z.input<typeof ZSaveRules>;

export async function saveRuleSettings(ctx: Ctx, raw: TSaveRules): Promise<{ version: number; runId: string | null }> {
  const input = parseInput(ZSaveRules, raw);
  authorize(ctx, "monitoring.rules.edit", projectResource(input.projectId));
  const loaded = await loadRuleProject(db(), input.projectId);
  if (!loaded) throw new AppError("NOT_FOUND", "This project does not exist.");
  const next = generateRules(loaded.project, input.settings, { baseUrl: baseUrl() });
  const text = ruleFileText(loaded.project.slug, next, loaded.project.environments);
  // promtool has the last word (the PromQL grammar follows newer Prometheus releases than the one running).
  if (await promtoolAvailable()) {
    const check = await checkRuleText(text, ruleFileName(loaded.project.slug));
    if (!check.ok) {
      await db().$transaction(async (tx) => {
        await tx.alertRuleSettings.upsert({
          where: { projectId: input.projectId },
          create: { projectId: input.projectId, lastError: check.reason, lastErrorAt: new Date() },
          update: { lastError: check.reason, lastErrorAt: new Date() },
        });
        await recordAudit(tx, ctx, {
          action: "monitoring.rules.refused",
          target: { type: "project", id: input.projectId, label: loaded.project.slug },
          projectId: input.projectId,
          before: null,
          after: { lastError: check.reason, proposed: input.settings },
        });
      });
      throw new AppError("INVALID_INPUT", `promtool refused the rules, so nothing was saved or written: ${check.reason}`, {
        fieldErrors: { _form: [`promtool: ${check.reason}`] },
      });
    }
  }
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`select id from "Project" where id = ${input.projectId} for update`;
    const row = await tx.alertRuleSettings.findUnique({ where: { projectId: input.projectId } });
    const current = row?.version ?? 0;
    if (current !== input.version)
      throw new AppError(
        "CONFLICT",
        `Someone saved these rules meanwhile (version ${current}, you edited ${input.version}): reload the page and apply your change again.`,
      );
    const version = current + 1;
    const data = { settings: input.settings, version, updatedById: ctx.actor.kind === "user" ? ctx.actor.id : null };
    await tx.alertRuleSettings.upsert({ where: { projectId: input.projectId }, create: { projectId: input.projectId, ...data }, update: data });
    const run = await startRulesRun(tx, ctx, input.projectId);
    await recordAudit(tx, ctx, {
      action: "monitoring.rules.edit",
      target: { type: "project", id: input.projectId, label: loaded.project.slug },
      projectId: input.projectId,
      before: row ? { version: current, settings: row.settings } : null,
      after: { version, settings: input.settings, runId: run?.runId ?? null },
    });
    return { version, runId: run?.runId ?? null };
  });
}

/** A rule as the page shows it: generated, plus what Prometheus says. */
export interface RuleRow extends GeneratedRule {
  prometheus: { health: string; lastError: string; lastEvaluation: string | null } | null;
  alerts: { state: string; activeAt: string | null; cluster: string | null; value: string | null }[];
}

export interface RulesPage {
  project: { id: string; slug: string; name: string };
  canEdit: boolean;
  version: number;
  settings: TRuleSettings;
  environments: string[];
  rules: RuleRow[];
  status: MonitoringStatus;
  /** Why Prometheus' state is missing (down, not configured), when it is. */
  stateProblem: string | null;
  file: { name: string; writtenVersion: number; writtenAt: Date | null; lastError: string; lastErrorAt: Date | null };
  lastRun: { id: string; status: string; createdAt: Date } | null;
}

export async function rulesPage(ctx: Ctx, slug: string): Promise<RulesPage> {
  const p = await db().project.findUnique({ where: { slug }, select: { id: true, slug: true, name: true } });
  if (!p) throw new AppError("NOT_FOUND", `There is no project "${slug}".`);
  authorize(ctx, "monitoring.read", projectResource(p.id));
  const loaded = await loadRuleProject(db(), p.id);
  if (!loaded) throw new AppError("NOT_FOUND", `There is no project "${slug}".`);
  const generated = projectRules(loaded);
  const [row, lastRun, status] = await Promise.all([
    db().alertRuleSettings.findUnique({ where: { projectId: p.id } }),
    db().provisioningRun.findFirst({
      where: { projectId: p.id, kind: { in: [RULES_RUN_KIND, "onboarding"] } },
      orderBy: { createdAt: "desc" },
      select: { id: true, status: true, createdAt: true },
    }),
    monitoringStatus(ctx),
  ]);
  const source = globalSource();
  let stateProblem: string | null = null;
  const byRule = new Map<string, RuleRow["prometheus"]>();
  const byAlert = new Map<string, RuleRow["alerts"]>();
  if (!source) stateProblem = "Monitoring is not set up: Wharf runs no Prometheus, so rule state cannot be shown.";
  else {
    const [r, a] = await Promise.all([promRules(source), alerts(source)]);
    if (!r.ok) stateProblem = `Rule state cannot be read: ${r.reason}`;
    else
      for (const g of r.data.groups) {
        if (!g.file.endsWith(`/${ruleFileName(slug)}`)) continue;
        for (const rule of g.rules)
          byRule.set(`${g.name}|${rule.name}|${rule.labels?.wharf_rule ?? ""}|${rule.labels?.service ?? ""}`, {
            health: rule.health,
            lastError: rule.lastError ?? "",
            lastEvaluation: rule.lastEvaluation && !rule.lastEvaluation.startsWith("0001-") ? rule.lastEvaluation : null,
          });
      }
    if (!a.ok) stateProblem ??= `Alerts cannot be read: ${a.reason}`;
    else
      for (const alert of a.data.alerts) {
        const l = alert.labels;
        if (l.project !== slug) continue;
        const key = `${l.environment}|${l.alertname}|${l.wharf_rule ?? ""}|${l.service ?? ""}`;
        byAlert.set(key, [
          ...(byAlert.get(key) ?? []),
          { state: alert.state, activeAt: alert.activeAt ?? null, cluster: l.cluster ?? null, value: alert.value ?? null },
        ]);
      }
  }
  return {
    project: { id: p.id, slug: p.slug, name: p.name },
    canEdit: can(ctx.actor, "monitoring.rules.edit", projectResource(p.id)),
    version: loaded.version,
    settings: loaded.settings,
    environments: loaded.project.environments,
    rules: generated.map((g) => ({
      ...g,
      prometheus: byRule.get(`wharf:${slug}:${g.environment}|${g.alert}|${g.labels.wharf_rule}|${g.service ?? ""}`) ?? null,
      alerts: byAlert.get(`${g.environment}|${g.alert}|${g.labels.wharf_rule}|${g.service ?? ""}`) ?? [],
    })),
    status,
    stateProblem,
    file: {
      name: ruleFileName(slug),
      writtenVersion: row?.writtenVersion ?? 0,
      writtenAt: row?.writtenAt ?? null,
      lastError: row?.lastError ?? "",
      lastErrorAt: row?.lastErrorAt ?? null,
    },
    lastRun,
  };
}
