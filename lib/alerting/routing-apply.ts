/**
 * Writes the Alertmanager configuration generated from the CMDB
 * (lib/alerting/routing.ts) to WHARF_ALERTMANAGER_CONFIG_FILE and reloads the
 * Alertmanager at WHARF_ALERTMANAGER_URL, as the job `alertmanager_config`.
 *
 * When it runs: a Postgres trigger (migration 20261201213000_alerting_routing)
 * queues it in the transaction of every change of a project (created,
 * archived, moved to another team, renamed), a team's slug or a maintenance
 * window, whatever code path made it (onboarding, the catalog, the seed, a
 * script); a cron every minute queues it too, which finds nothing to do unless
 * the file or the loaded configuration differ (an Alertmanager restarted with
 * another file); ops queue it by hand from Admin → Alerting. Every run is in
 * one graphile-worker queue, so two never write at once, and the job key makes
 * a burst of changes one run.
 *
 * A run: generate; when the file and Alertmanager already have it, stop.
 * Otherwise write it under a temporary name beside the file, check it with the
 * real `amtool check-config`, rename it into place (atomic), POST /-/reload,
 * then read /api/v2/status back and compare the loaded routing tree with ours.
 * The outcome is kept (PlatformSetting `alerting.routing`) and audited.
 * A failed reload or read-back fails the job, which graphile-worker retries
 * with backoff; a refused file is final (retrying would write the same).
 */
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { db, type Prisma } from "@/lib/db/client";
import { env, envPart } from "@/lib/env";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { can, platform } from "@/lib/access/policy";
import { AppError } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { defineTask } from "@/lib/jobs/registry";
import { enqueue } from "@/lib/jobs/enqueue";
import { rulesDir, writeRuleFile } from "@/lib/monitoring/rules-files";
import { globalSource } from "@/lib/monitoring/sources";
import { reload as reloadPrometheus } from "@/lib/monitoring/prom";
import { amReload, amStatus } from "./am";
import { alertWebhookToken } from "./token";
import { alertmanagerConfigText, clusterDownRuleText, defaultTimings, routeSignature, type RoutingInput } from "./routing";

/** Debian's amtool (package prometheus-alertmanager), as scripts/lib/monitoring-servers.ts names it. */
export const AMTOOL = "/usr/bin/amtool";
export const ROUTING_SETTING_KEY = "alerting.routing";
export const ROUTING_JOB_KEY = "alertmanager-config";
export const ROUTING_QUEUE = "alertmanager-config";
/** The platform rule file (cluster down) in WHARF_PROMETHEUS_RULES_DIR; "_" keeps it apart from project slugs. */
export const PLATFORM_RULE_SLUG = "_wharf-platform";

/** What the last run did, kept for ops (Admin → Alerting). */
export const ZRoutingState = z.object({
  /** sha256 of the file text last written and confirmed loaded. */
  hash: z.string().default(""),
  writtenAt: z.string().nullable().default(null),
  loadedAt: z.string().nullable().default(null),
  checkedAt: z.string().nullable().default(null),
  lastError: z.string().default(""),
  lastErrorAt: z.string().nullable().default(null),
  teams: z.number().int().default(0),
  projects: z.number().int().default(0),
  windows: z.number().int().default(0),
});
export type TRoutingState = z.infer<typeof ZRoutingState>;

export function routingConfigFile(): string | null {
  return envPart("WHARF_ALERTMANAGER_CONFIG_FILE").WHARF_ALERTMANAGER_CONFIG_FILE ?? null;
}

/** `<public URL>/api/alerts/webhook`: NEXTAUTH_URL, or the dev server's address. */
export function webhookUrl(): string {
  return `${(env().NEXTAUTH_URL ?? "http://localhost:3000").replace(/\/$/, "")}/api/alerts/webhook`;
}

/** The generator's input from the CMDB: every team with its projects that are not archived, with their windows. */
export async function loadRoutingInput(): Promise<RoutingInput> {
  const teams = await db().team.findMany({
    select: {
      slug: true,
      projects: {
        where: { lifecycle: { not: "archived" } },
        select: {
          slug: true,
          maintenanceWindows: { select: { id: true, name: true, weekdays: true, startTime: true, endTime: true, location: true, environments: true } },
        },
      },
    },
  });
  const e = env();
  return {
    teams: teams.map((t) => ({ slug: t.slug, projects: t.projects.map((p) => ({ slug: p.slug, windows: p.maintenanceWindows })) })),
    webhookUrl: webhookUrl(),
    webhookToken: alertWebhookToken(),
    timings: defaultTimings({ production: e.NODE_ENV === "production", groupWait: envPart("WHARF_ALERTMANAGER_GROUP_WAIT").WHARF_ALERTMANAGER_GROUP_WAIT }),
  };
}

export async function generateRoutingText(): Promise<{ text: string; input: RoutingInput }> {
  const input = await loadRoutingInput();
  return { text: alertmanagerConfigText(input), input };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** `amtool check-config FILE`: null when valid, else amtool's words (naming the file as `name`). */
export function checkAlertmanagerConfig(file: string, name = path.basename(file)): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(AMTOOL, ["check-config", file], { timeout: 20_000, encoding: "utf8" }, (err, stdout, stderr) => {
      const e = err as NodeJS.ErrnoException | null;
      if (e?.code === "ENOENT")
        return resolve(`amtool is not installed at ${AMTOOL} (Debian package prometheus-alertmanager): the configuration cannot be checked`);
      if (!e) return resolve(null);
      resolve(
        `${stdout}\n${stderr}`
          .split(file)
          .join(name)
          .split("\n")
          // "Checking 'f'  FAILED: <reason>", then "amtool: error: failed to validate 1 file(s)": keep the reason.
          .map((l) => l.replace(/^Checking '[^']*'\s+FAILED:\s*/, ""))
          .filter((l) => l.trim() && !/failed to validate \d+ file/.test(l))
          .join("\n") || `amtool refused ${name}`,
      );
    });
  });
}

export async function readRoutingState(): Promise<TRoutingState> {
  const row = await db().platformSetting.findUnique({ where: { key: ROUTING_SETTING_KEY } });
  const parsed = ZRoutingState.safeParse(row?.value ?? {});
  return parsed.success ? parsed.data : ZRoutingState.parse({});
}

async function saveState(state: TRoutingState, audit: { action: string; before: unknown; after: unknown } | null, requestId: string) {
  await db().$transaction(async (tx) => {
    await tx.platformSetting.upsert({
      where: { key: ROUTING_SETTING_KEY },
      create: { key: ROUTING_SETTING_KEY, value: state as Prisma.InputJsonValue },
      update: { value: state as Prisma.InputJsonValue, version: { increment: 1 } },
    });
    if (audit) await recordAudit(tx, systemCtx(requestId), { ...audit, target: { type: "alertmanager", id: "routing", label: "Alertmanager routing" } });
  });
}

/** Whether the Alertmanager at WHARF_ALERTMANAGER_URL has loaded a routing tree like `text`'s; a reason when not. */
export async function loadedMatches(text: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const status = await amStatus();
  if (!status.ok) return { ok: false, reason: status.reason };
  const original = status.data.config?.original;
  if (!original) return { ok: false, reason: "Alertmanager's status has no configuration" };
  let loaded: unknown;
  try {
    loaded = YAML.parse(original);
  } catch {
    return { ok: false, reason: "Alertmanager's loaded configuration could not be read" };
  }
  if (routeSignature(loaded) !== routeSignature(YAML.parse(text))) {
    return { ok: false, reason: "Alertmanager runs another routing tree than the one written (did it refuse the file? see its log)" };
  }
  return { ok: true };
}

export type ApplyOutcome =
  | { outcome: "skipped"; reason: string }
  | { outcome: "unchanged" }
  | { outcome: "applied"; hash: string; reloaded: boolean }
  | { outcome: "refused"; reason: string }
  | { outcome: "failed"; reason: string };

/** Writes the platform rule file (cluster down) when it differs, and reloads Prometheus; a reason when it could not. */
async function ensurePlatformRules(): Promise<string | null> {
  const dir = rulesDir();
  const source = globalSource();
  if (!dir || !source) return null;
  const text = clusterDownRuleText();
  const current = await fs.readFile(path.join(dir, `${PLATFORM_RULE_SLUG}.yml`), "utf8").catch(() => "");
  if (current === text) return null;
  const written = await writeRuleFile(dir, PLATFORM_RULE_SLUG, text);
  if (!written.ok) return `promtool refused the cluster-down rule: ${written.reason}`;
  const reloaded = await reloadPrometheus(source);
  return reloaded.ok ? null : `the cluster-down rule was written, but Prometheus did not reload: ${reloaded.reason}`;
}

/**
 * One run of the writer (the job's body). `force` writes and reloads even when nothing changed (ops' button).
 * Throws, after recording the state, when a retry may help (Alertmanager not answering).
 */
export async function applyRouting(opts: { force?: boolean; requestId?: string } = {}): Promise<ApplyOutcome> {
  const file = routingConfigFile();
  if (!file) return { outcome: "skipped", reason: "WHARF_ALERTMANAGER_CONFIG_FILE is not set: Wharf does not write Alertmanager's configuration" };
  const requestId = opts.requestId ?? `job-${randomUUID()}`;
  const before = await readRoutingState();
  const { text, input } = await generateRoutingText();
  const hash = sha256(text);
  const now = new Date().toISOString();
  const counts = {
    teams: input.teams.length,
    projects: input.teams.reduce((n, t) => n + t.projects.length, 0),
    windows: input.teams.reduce((n, t) => n + t.projects.reduce((k, p) => k + p.windows.length, 0), 0),
  };
  const platformProblem = await ensurePlatformRules();

  // The file is named by configuration, not traced into the build: turbopackIgnore keeps the build from tracing the whole project.
  const current = await fs.readFile(/* turbopackIgnore: true */ file, "utf8").catch(() => null);
  if (!opts.force && current === text && before.hash === hash && !before.lastError) {
    const loaded = await loadedMatches(text);
    if (loaded.ok && !platformProblem) {
      await saveState({ ...before, checkedAt: now }, null, requestId);
      return { outcome: "unchanged" };
    }
  }

  let written = false;
  if (current !== text || opts.force) {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, text, { mode: 0o600 });
    try {
      const refused = await checkAlertmanagerConfig(tmp, path.basename(file));
      if (refused) {
        const state = {
          ...before,
          ...counts,
          checkedAt: now,
          lastError: `amtool refused the generated configuration; it was not written: ${refused}`,
          lastErrorAt: now,
        };
        await saveState(state, { action: "alerting.routing.refused", before: { hash: before.hash }, after: { hash, reason: refused } }, requestId);
        return { outcome: "refused", reason: refused };
      }
      await fs.rename(tmp, file);
      written = true;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  const fail = async (reason: string): Promise<never> => {
    const state: TRoutingState = { ...before, ...counts, ...(written ? { writtenAt: now } : {}), checkedAt: now, lastError: reason, lastErrorAt: now };
    await saveState(
      state,
      written ? { action: "alerting.routing.written", before: { hash: before.hash }, after: { hash, loaded: false, reason } } : null,
      requestId,
    );
    throw new Error(reason);
  };
  const reloaded = await amReload();
  if (!reloaded.ok) return fail(`The configuration was written to ${file}, but Alertmanager did not reload it: ${reloaded.reason}`);
  const loaded = await loadedMatches(text);
  if (!loaded.ok) return fail(`The configuration was written to ${file} and reloaded, but it is not what Alertmanager runs: ${loaded.reason}`);
  if (platformProblem) return fail(platformProblem);
  const state: TRoutingState = {
    hash,
    ...counts,
    writtenAt: written ? now : (before.writtenAt ?? now),
    loadedAt: now,
    checkedAt: now,
    lastError: "",
    lastErrorAt: before.lastErrorAt,
  };
  await saveState(
    state,
    { action: "alerting.routing.applied", before: { hash: before.hash, projects: before.projects }, after: { hash, ...counts, written } },
    requestId,
  );
  return { outcome: "applied", hash, reloaded: true };
}

export const routingTask = defineTask({
  name: "alertmanager_config",
  description: "Writes the Alertmanager configuration generated from the CMDB and reloads Alertmanager",
  payload: z.object({ force: z.boolean().default(false) }),
  async run({ force }, ctx) {
    const r = await applyRouting({ force, requestId: `job-${ctx.jobId}` });
    if (r.outcome === "refused") ctx.log.error({ reason: r.reason }, "amtool refused the generated Alertmanager configuration");
  },
});

/** Queues a run (a Tx: it exists exactly when the change that asks for it commits). */
export async function queueRoutingApply(opts: { force?: boolean } = {}, tx?: Parameters<typeof enqueue>[3]) {
  return enqueue(routingTask, { force: opts.force ?? false }, { jobKey: ROUTING_JOB_KEY, queue: ROUTING_QUEUE, maxAttempts: 10 }, tx);
}

export interface RoutingStatus {
  configured: boolean;
  file: string | null;
  alertmanagerUrl: string | null;
  webhookUrl: string;
  state: TRoutingState;
  /** The configuration as generated now, the webhook's token hidden. */
  text: string;
  /** Whether what is generated now differs from what was last loaded (a run is due). */
  pending: boolean;
  /** A run waiting in the queue (or running). */
  queued: boolean;
  canApply: boolean;
}

/** For Admin → Alerting (alerting.routing.read). */
export async function getRoutingStatus(ctx: Ctx): Promise<RoutingStatus> {
  authorize(ctx, "alerting.routing.read", platform);
  const [state, { text }, jobs] = await Promise.all([
    readRoutingState(),
    generateRoutingText(),
    db().$queryRaw<{ n: bigint }[]>`select count(*) as n from graphile_worker.jobs where task_identifier = ${routingTask.name} and attempts < max_attempts`,
  ]);
  return {
    configured: Boolean(routingConfigFile()),
    file: routingConfigFile(),
    alertmanagerUrl: envPart("WHARF_ALERTMANAGER_URL").WHARF_ALERTMANAGER_URL ?? null,
    webhookUrl: webhookUrl(),
    state,
    text: text.replace(/(credentials:\s*).+/g, "$1<hidden: WHARF_ALERT_WEBHOOK_TOKEN or derived from WHARF_ENCRYPTION_KEY>"),
    pending: state.hash !== sha256(text),
    queued: Number(jobs[0]?.n ?? 0) > 0,
    canApply: can(ctx.actor, "alerting.routing.apply", platform),
  };
}

/** Ops' "write and reload": queues a forced run, audited. */
export async function requestRoutingApply(ctx: Ctx): Promise<{ queued: true }> {
  authorize(ctx, "alerting.routing.apply", platform);
  if (!routingConfigFile())
    throw new AppError("PRECONDITION_FAILED", "WHARF_ALERTMANAGER_CONFIG_FILE is not set: Wharf does not write Alertmanager's configuration here.");
  await db().$transaction(async (tx) => {
    await queueRoutingApply({ force: true }, tx);
    await recordAudit(tx, ctx, { action: "alerting.routing.apply", target: { type: "alertmanager", id: "routing", label: "Alertmanager routing" } });
  });
  return { queued: true };
}
