/**
 * A project's dashboard: stored in Wharf, versioned like service specs (the
 * newest version is current; every save is a new version with its author and
 * message, audited with before and after in the same transaction), created
 * at onboarding (dashboards-step.ts) or by a maintainer, regenerated after
 * seeing the diff, a panel's query edited in place; and its panels' data,
 * read through `queryProject` (monitoring.read, the project's namespaces).
 */
import { z } from "zod";
import { db, type Db, type Tx } from "@/lib/db/client";
import { toJson } from "@/lib/db/json";
import { AppError, parseInput } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { can, projectResource } from "@/lib/access/policy";
import { ENVIRONMENTS, byEnvironment, type EnvKind } from "@/lib/catalog/environments";
import { specAtVersion } from "@/lib/deploy/specs";
import { checkPanelQuery, expandQuery, panelsOf, ZDashboardBody, type TDashboardBody } from "./dashboards-model";
import { generateDashboard, regenerate, type DashboardInput, type PanelChange } from "./dashboards-generate";
import { queryProject } from "./project";

/** The project a dashboard belongs to, by slug; NOT_FOUND for a project the actor may not read. */
async function projectBySlug(ctx: Ctx, slug: string) {
  const project = await db().project.findUnique({
    where: { slug },
    select: {
      id: true,
      slug: true,
      name: true,
      environments: { select: { kind: true, clusters: { select: { cluster: { select: { name: true } } } } } },
    },
  });
  if (!project || !can(ctx.actor, "monitoring.read", projectResource(project.id))) throw new AppError("NOT_FOUND", "This project does not exist.");
  return project;
}

/** What the generator needs: environments, services and each service's current spec. Not authorized (callers are). */
export async function unsafeDashboardInput(projectId: string): Promise<DashboardInput> {
  const project = await db().project.findUniqueOrThrow({
    where: { id: projectId },
    select: {
      slug: true,
      name: true,
      templateId: true,
      environments: { select: { kind: true } },
      services: { select: { id: true, slug: true, name: true, kind: true, specs: { select: { version: true }, orderBy: { version: "desc" }, take: 1 } } },
    },
  });
  const services = await Promise.all(
    project.services.map(async (s) => ({ slug: s.slug, name: s.name, kind: s.kind, spec: await specAtVersion(s.id, s.specs[0]?.version ?? 0) })),
  );
  return {
    project: { slug: project.slug, name: project.name, templateId: project.templateId },
    environments: byEnvironment(project.environments, (e) => e.kind).map((e) => e.kind),
    services,
  };
}

async function latestVersion(client: Tx | Db, projectId: string) {
  const dashboard = await client.dashboard.findUnique({
    where: { projectId },
    select: { id: true, versions: { orderBy: { version: "desc" }, take: 1 } },
  });
  if (!dashboard) return null;
  const v = dashboard.versions[0];
  return { dashboardId: dashboard.id, version: v?.version ?? 0, body: v ? ZDashboardBody.parse(v.body) : null };
}

/**
 * Saves `body` as the next version (the first when there is no dashboard),
 * refusing when `baseVersion` is not the current one; audit in the same transaction.
 */
async function saveVersion(
  ctx: Ctx,
  p: { projectId: string; slug: string; baseVersion: number; body: TDashboardBody; message: string; action: string; before: unknown; after: unknown },
) {
  return db().$transaction(async (tx) => {
    await tx.$queryRaw`select id from "Project" where id = ${p.projectId} for update`;
    const current = await latestVersion(tx, p.projectId);
    const currentVersion = current?.version ?? 0;
    if (currentVersion !== p.baseVersion) {
      throw new AppError(
        "CONFLICT",
        currentVersion && !p.baseVersion
          ? "This project has a dashboard already: reload to see it."
          : `Version ${currentVersion} of this dashboard was saved while you were looking at version ${p.baseVersion}. Nothing was saved: reload, then try again.`,
      );
    }
    const dashboardId = current?.dashboardId ?? (await tx.dashboard.create({ data: { projectId: p.projectId }, select: { id: true } })).id;
    const row = await tx.dashboardVersion.create({
      data: {
        dashboardId,
        version: currentVersion + 1,
        body: toJson(p.body),
        message: p.message,
        createdById: ctx.actor.kind === "user" ? ctx.actor.id : null,
      },
      select: { version: true, createdAt: true },
    });
    await recordAudit(tx, ctx, {
      action: p.action,
      target: { type: "dashboard", id: dashboardId, label: p.slug },
      projectId: p.projectId,
      before: { version: currentVersion, ...(p.before as object) },
      after: { version: row.version, ...(p.after as object) },
    });
    return row;
  });
}

export type DashboardView = Awaited<ReturnType<typeof getProjectDashboard>>;

/** The project, its current dashboard (null when none), the last versions, and what the actor may do. */
export async function getProjectDashboard(ctx: Ctx, slug: string) {
  const project = await projectBySlug(ctx, slug);
  const dashboard = await db().dashboard.findUnique({
    where: { projectId: project.id },
    select: {
      versions: {
        orderBy: { version: "desc" },
        take: 20,
        select: { version: true, body: true, message: true, createdAt: true, createdById: true },
      },
    },
  });
  const [latest] = dashboard?.versions ?? [];
  const authors = await db().user.findMany({
    where: { id: { in: (dashboard?.versions ?? []).map((v) => v.createdById).filter((x): x is string => !!x) } },
    select: { id: true, name: true },
  });
  const environments = byEnvironment(project.environments, (e) => e.kind);
  return {
    project: {
      id: project.id,
      slug: project.slug,
      name: project.name,
      environments: environments.map((e) => ({ kind: e.kind, clusters: e.clusters.map((c) => c.cluster.name).sort() })),
    },
    dashboard: latest ? { version: latest.version, body: ZDashboardBody.parse(latest.body) } : null,
    versions: (dashboard?.versions ?? []).map((v) => ({
      version: v.version,
      message: v.message,
      createdAt: v.createdAt,
      author: authors.find((a) => a.id === v.createdById)?.name ?? "Wharf",
    })),
    canEdit: can(ctx.actor, "monitoring.dashboard.edit", projectResource(project.id)),
  };
}

export const ZProjectRef = z.object({ projectId: z.string().min(1, { message: "Which project?" }) });

/** A maintainer gives a project without one its generated dashboard (version 1). */
export async function createGeneratedDashboard(ctx: Ctx, raw: z.input<typeof ZProjectRef>) {
  const { projectId } = parseInput(ZProjectRef, raw);
  authorize(ctx, "monitoring.dashboard.edit", projectResource(projectId));
  const input = await unsafeDashboardInput(projectId);
  const body = generateDashboard(input);
  return saveVersion(ctx, {
    projectId,
    slug: input.project.slug,
    baseVersion: 0,
    body,
    message: "Generated from the project's services",
    action: "monitoring.dashboard.create",
    before: {},
    after: { panels: panelsOf(body).length, services: body.generatedFrom.services },
  });
}

/**
 * At onboarding (and by the same step on a retry): the generated dashboard,
 * unless the project has one already. Written by the system actor, audited.
 */
export async function ensureGeneratedDashboard(ctx: Ctx, projectId: string): Promise<{ created: boolean; version: number; panels: number }> {
  const existing = await latestVersion(db(), projectId);
  if (existing?.body) return { created: false, version: existing.version, panels: panelsOf(existing.body).length };
  const input = await unsafeDashboardInput(projectId);
  const body = generateDashboard(input);
  try {
    const row = await saveVersion(ctx, {
      projectId,
      slug: input.project.slug,
      baseVersion: 0,
      body,
      message: "Generated at onboarding",
      action: "monitoring.dashboard.create",
      before: {},
      after: { panels: panelsOf(body).length, services: body.generatedFrom.services },
    });
    return { created: true, version: row.version, panels: panelsOf(body).length };
  } catch (e) {
    // Someone (a maintainer, a parallel retry) created it meanwhile: that one stays.
    if (e instanceof AppError && e.code === "CONFLICT") return { created: false, version: (await latestVersion(db(), projectId))?.version ?? 1, panels: 0 };
    throw e;
  }
}

/** What regenerating would do: the diff against the current version (nothing is saved). */
export async function planDashboardRegeneration(ctx: Ctx, raw: z.input<typeof ZProjectRef>): Promise<{ baseVersion: number; changes: PanelChange[] }> {
  const { projectId } = parseInput(ZProjectRef, raw);
  authorize(ctx, "monitoring.dashboard.edit", projectResource(projectId));
  const current = await latestVersion(db(), projectId);
  if (!current?.body) throw new AppError("PRECONDITION_FAILED", "This project has no dashboard yet: generate it first.");
  const { changes } = regenerate(current.body, generateDashboard(await unsafeDashboardInput(projectId)));
  return { baseVersion: current.version, changes };
}

export const ZRegenerate = ZProjectRef.extend({ baseVersion: z.number().int().min(1) });

/** Regenerates (a new version): hand-edited queries are kept, panels of removed services go (the plan said so). */
export async function regenerateDashboard(ctx: Ctx, raw: z.input<typeof ZRegenerate>) {
  const { projectId, baseVersion } = parseInput(ZRegenerate, raw);
  authorize(ctx, "monitoring.dashboard.edit", projectResource(projectId));
  const current = await latestVersion(db(), projectId);
  if (!current?.body) throw new AppError("PRECONDITION_FAILED", "This project has no dashboard yet: generate it first.");
  const input = await unsafeDashboardInput(projectId);
  const { body, changes } = regenerate(current.body, generateDashboard(input));
  return saveVersion(ctx, {
    projectId,
    slug: input.project.slug,
    baseVersion,
    body,
    message: `Regenerated: ${changes.filter((c) => c.kind !== "kept").length} panel changes`,
    action: "monitoring.dashboard.regenerate",
    before: { services: current.body.generatedFrom.services, panels: panelsOf(current.body).map((p) => p.panel.id) },
    after: { services: body.generatedFrom.services, panels: panelsOf(body).map((p) => p.panel.id), changes },
  });
}

export const ZEditPanelQuery = ZProjectRef.extend({
  baseVersion: z.number().int().min(1),
  panelId: z.string().min(1),
  ref: z.string().regex(/^[A-Z]$/, { message: "A query's ref is one capital letter" }),
  promql: z.string(),
});

/** A maintainer's edit of one panel query: checked as PromQL (the error at its position), saved as a new version. */
export async function editPanelQuery(ctx: Ctx, raw: z.input<typeof ZEditPanelQuery>) {
  const input = parseInput(ZEditPanelQuery, raw);
  authorize(ctx, "monitoring.dashboard.edit", projectResource(input.projectId));
  const check = checkPanelQuery(input.promql);
  if (!check.ok) {
    throw new AppError("INVALID_INPUT", `The query does not parse: ${check.message}`, {
      fieldErrors: { promql: [check.message], position: [`${check.position.offset}:${check.position.line}:${check.position.column}`] },
    });
  }
  const current = await latestVersion(db(), input.projectId);
  if (!current?.body) throw new AppError("PRECONDITION_FAILED", "This project has no dashboard yet: generate it first.");
  const found = panelsOf(current.body).find((p) => p.panel.id === input.panelId);
  const query = found?.panel.queries.find((q) => q.ref === input.ref);
  if (!found || !query) throw new AppError("NOT_FOUND", "This panel (or its query) is not on the current dashboard: reload.");
  const body = ZDashboardBody.parse({
    ...current.body,
    rows: current.body.rows.map((r) => ({
      ...r,
      panels: r.panels.map((p) =>
        p.id === input.panelId ? { ...p, queries: p.queries.map((q) => (q.ref === input.ref ? { ...q, promql: input.promql } : q)) } : p,
      ),
    })),
  });
  const slug = (await db().project.findUniqueOrThrow({ where: { id: input.projectId }, select: { slug: true } })).slug;
  return saveVersion(ctx, {
    projectId: input.projectId,
    slug,
    baseVersion: input.baseVersion,
    body,
    message: `Edited the query ${input.ref} of ${found.row.title} · ${found.panel.title}`,
    action: "monitoring.dashboard.edit",
    before: { panel: input.panelId, ref: input.ref, promql: query.promql },
    after: { panel: input.panelId, ref: input.ref, promql: input.promql },
  });
}

/** The time ranges the page offers, and the step of each (about 60 to 340 points). */
export const RANGES = { "15m": 15, "1h": 30, "6h": 90, "24h": 300, "7d": 1800 } as const;
export type RangeKey = keyof typeof RANGES;
const RANGE_SECONDS: Record<RangeKey, number> = { "15m": 900, "1h": 3600, "6h": 21_600, "24h": 86_400, "7d": 604_800 };

export const ZDashboardDataQuery = z.object({
  slug: z.string().min(1),
  environment: z.enum(ENVIRONMENTS, { message: `The environment is one of ${ENVIRONMENTS.join(", ")}` }).optional(),
  range: z.enum(Object.keys(RANGES) as [RangeKey, ...RangeKey[]], { message: `The range is one of ${Object.keys(RANGES).join(", ")}` }).default("1h"),
  /** Only these clusters (comma-separated in a URL); absent: every cluster of the environment. */
  clusters: z.array(z.string()).optional(),
  /** The end of the range (ms since the epoch); default now. */
  end: z.number().int().positive().optional(),
});

export interface PanelSeries {
  cluster: string;
  ref: string;
  legend: string;
  /** [unix seconds, value or null for NaN/Inf gaps]. */
  points: [number, number | null][];
}
export interface PanelData {
  id: string;
  series: PanelSeries[];
  /** Clusters whose source failed: which source, and why. */
  failures: { cluster: string; source: string; reason: string }[];
  /** No series, or only gaps: say `empty` of the panel, not zeros. */
  empty: boolean;
}

const num = (v: string): number | null => {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/** Every panel's series for one environment and range, all panels and queries in parallel. */
export async function readDashboardData(ctx: Ctx, raw: unknown) {
  const input = parseInput(ZDashboardDataQuery, raw);
  const project = await projectBySlug(ctx, input.slug);
  const envs = byEnvironment(project.environments, (e) => e.kind);
  const environment: EnvKind | undefined = input.environment ?? envs[0]?.kind;
  const env = envs.find((e) => e.kind === environment);
  const dashboard = await latestVersion(db(), project.id);
  const end = new Date(input.end ?? Date.now());
  const start = new Date(end.getTime() - RANGE_SECONDS[input.range] * 1000);
  const wanted = (c: string) => !input.clusters?.length || input.clusters.includes(c);
  const clusters = (env?.clusters.map((c) => c.cluster.name) ?? []).filter(wanted).sort();
  if (!dashboard?.body || !env) return { environment: environment ?? null, range: input.range, start, end, clusters, panels: [] as PanelData[] };
  const panels = await Promise.all(
    panelsOf(dashboard.body).map(async ({ row, panel }): Promise<PanelData> => {
      const results = await Promise.all(
        panel.queries.map(async (q) => ({
          q,
          r: await queryProject(ctx, {
            projectId: project.id,
            promql: expandQuery(q.promql, row.service),
            environments: [env.kind],
            range: { start, end, stepSeconds: RANGES[input.range] },
          }),
        })),
      );
      const series: PanelSeries[] = [];
      const failures = new Map<string, PanelData["failures"][number]>();
      for (const { q, r } of results)
        for (const c of r.clusters) {
          if (!wanted(c.cluster)) continue;
          if (!c.ok) {
            failures.set(c.cluster, { cluster: c.cluster, source: c.source, reason: c.reason });
            continue;
          }
          for (const s of c.series) series.push({ cluster: c.cluster, ref: q.ref, legend: q.legend, points: s.values.map(([t, v]) => [t, num(v)]) });
        }
      const empty = !failures.size && !series.some((s) => s.points.some(([, v]) => v !== null));
      return { id: panel.id, series, failures: [...failures.values()], empty };
    }),
  );
  return { environment: env.kind, range: input.range, start, end, clusters, panels };
}
export type DashboardData = Awaited<ReturnType<typeof readDashboardData>>;
