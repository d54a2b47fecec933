/**
 * Alertmanager's webhook (payload version 4) into Wharf's alert history: one
 * transaction per delivery; the delivery recorded by the hash of its body, so a
 * replayed call changes nothing; every alert kept as one row per firing episode
 * (fingerprint + startsAt) with an event per change of state; each alert joined
 * to its incident (./incidents.ts). The catch-up poll (./catchup.ts) goes
 * through the same `applyAlerts`.
 */
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { db, type Prisma, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import type { Alert } from "@/lib/db/generated/client";
import { alertsJoinedIncident, alertsLeftIncident, incidentKeyOf } from "./incidents";

const ZLabels = z.record(z.string(), z.string({ message: "must be a string" }), { message: "must be an object of strings" });

/** A time as Alertmanager writes it (RFC 3339, up to nanoseconds); "0001-01-01T00:00:00Z" means "not set". */
const ZAmTime = z.string({ message: "must be an RFC 3339 time" }).refine((v) => !Number.isNaN(Date.parse(v)), { message: "must be an RFC 3339 time" });

/** One alert of a webhook call. */
export const ZWebhookAlert = z.object({
  status: z.enum(["firing", "resolved"], { message: 'must be "firing" or "resolved"' }),
  labels: ZLabels.refine((l) => Boolean(l.alertname), { message: "must carry an alertname" }),
  annotations: ZLabels.default({}),
  startsAt: ZAmTime,
  endsAt: ZAmTime.optional(),
  generatorURL: z.string().default(""),
  fingerprint: z.string({ message: "is required (Alertmanager 0.19 or later sends it)" }).min(1, { message: "must not be empty" }).max(64),
});
export type TWebhookAlert = z.infer<typeof ZWebhookAlert>;

/** Alertmanager's webhook body, version "4" (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const ZWebhookPayload = z.object({
  version: z.literal("4", { message: 'must be "4" (Alertmanager\'s webhook payload version)' }),
  groupKey: z.string({ message: "is required" }),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(["firing", "resolved"], { message: 'must be "firing" or "resolved"' }),
  receiver: z.string({ message: "is required" }),
  groupLabels: ZLabels.default({}),
  commonLabels: ZLabels.default({}),
  commonAnnotations: ZLabels.default({}),
  externalURL: z.string().default(""),
  alerts: z.array(ZWebhookAlert, { message: "must be a list of alerts" }).max(10_000, { message: "at most 10,000 alerts per call" }),
});
export type TWebhookPayload = z.infer<typeof ZWebhookPayload>;

/** An alert as Wharf applies it, from a webhook call or from Alertmanager's API. */
export interface IncomingAlert {
  fingerprint: string;
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  /** When it resolved (a resolved alert); null while firing. */
  endsAt: Date | null;
  generatorUrl: string;
}

export interface ApplyContext {
  source: "webhook" | "poll";
  deliveryId?: string;
  now: Date;
  /** For audit records of incidents (the delivery or the poll). */
  requestId: string;
  /** projectSlug -> project, read once per delivery. */
  projects?: Map<string, { id: string; teamId: string | null } | null>;
}

/** What a call came to. */
export type IngestOutcome =
  { status: "stored"; deliveryId: string; alerts: number; incidents: string[] } | { status: "already received"; deliveryId: string | null; alerts: number };

/** A time Alertmanager means as unset (Go's zero time), or in the future (an alert's expected end while firing). */
function isUnset(v: string | undefined): boolean {
  return !v || v.startsWith("0001-01-01");
}

export function fromWebhook(a: TWebhookAlert, now: Date): IncomingAlert {
  const endsAt = isUnset(a.endsAt) ? null : new Date(a.endsAt!);
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt),
    endsAt: a.status === "resolved" ? (endsAt && endsAt <= now ? endsAt : now) : null,
    generatorUrl: a.generatorURL,
  };
}

/** Parses a webhook body; refused with a 400-shaped AppError saying what is wrong (path: message). */
export function parseWebhookBody(body: Buffer): TWebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new AppError("INVALID_INPUT", "The body is not JSON: Alertmanager's webhook sends a JSON object (payload version 4).");
  }
  const parsed = ZWebhookPayload.safeParse(json);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues.slice(0, 20)) {
      const at = issue.path.join(".") || "_form";
      (fieldErrors[at] ??= []).push(issue.message);
    }
    const first = parsed.error.issues[0]!;
    throw new AppError("INVALID_INPUT", `Not an Alertmanager webhook payload: ${first.path.join(".") || "body"} ${first.message}.`, { fieldErrors });
  }
  return parsed.data;
}

export const bodyHashOf = (body: Buffer) => createHash("sha256").update(body).digest("hex");

/**
 * Stores one webhook call in one transaction. A body already received (same hash) is not applied again.
 * Alerts are applied in the order of their incident keys (applyAlerts), so two deliveries take the keys' locks in one order.
 */
export async function ingestWebhook(body: Buffer, now: Date = new Date()): Promise<IngestOutcome> {
  const payload = parseWebhookBody(body);
  const bodyHash = bodyHashOf(body);
  const deliveryId = randomUUID();
  const alerts = payload.alerts.map((a) => fromWebhook(a, now));
  return db().$transaction(
    async (tx): Promise<IngestOutcome> => {
      const created = await tx.alertDelivery.createMany({
        data: [
          {
            id: deliveryId,
            bodyHash,
            receiver: payload.receiver,
            groupKey: payload.groupKey,
            status: payload.status,
            alertCount: alerts.length,
            receivedAt: now,
          },
        ],
        skipDuplicates: true,
      });
      if (created.count === 0) {
        const earlier = await tx.alertDelivery.findUnique({ where: { bodyHash }, select: { id: true } });
        return { status: "already received", deliveryId: earlier?.id ?? null, alerts: alerts.length };
      }
      const ctx: ApplyContext = { source: "webhook", deliveryId, now, requestId: `alert-delivery-${deliveryId}`, projects: new Map() };
      const { incidents } = await applyAlerts(tx, alerts, ctx);
      return { status: "stored", deliveryId, alerts: alerts.length, incidents };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

async function projectOf(tx: Tx, slug: string, ctx: ApplyContext) {
  if (!slug) return null;
  const cache = (ctx.projects ??= new Map());
  if (!cache.has(slug)) cache.set(slug, await tx.project.findUnique({ where: { slug }, select: { id: true, teamId: true } }));
  return cache.get(slug) ?? null;
}

const json = (v: Record<string, string>) => v as Prisma.InputJsonValue;
const identity = (fingerprint: string, startsAt: Date) => `${fingerprint}@${startsAt.getTime()}`;

/** What applying a batch came to: the alerts that changed state and the incidents they touched. */
export interface ApplyResult {
  changed: number;
  incidents: string[];
}

/**
 * Applies a batch of alerts (one delivery, or a page of the catch-up): a new firing episode becomes a row and joins
 * its incident, a change of state adds an event (and may resolve its incident), the same state again only marks it
 * seen. A resolved episode is never made firing again by a late or replayed "firing" (Alertmanager starts a new
 * episode, with a new startsAt, when it fires again). Alerts are handled per incident key, in key order: one lock,
 * one incident update, one timeline line and one chat update per key and batch, however many alerts a storm brings.
 */
export async function applyAlerts(tx: Tx, batch: IncomingAlert[], ctx: ApplyContext): Promise<ApplyResult> {
  if (batch.length === 0) return { changed: 0, incidents: [] };
  // The same episode twice in one batch: the last word counts.
  const incoming = new Map<string, IncomingAlert>();
  for (const a of batch) incoming.set(identity(a.fingerprint, a.startsAt), a);
  const existing = await tx.alert.findMany({
    where: { fingerprint: { in: [...new Set([...incoming.values()].map((a) => a.fingerprint))] } },
    select: { id: true, fingerprint: true, startsAt: true, status: true, incidentId: true, alertname: true, cluster: true },
  });
  const known = new Map(existing.filter((e) => incoming.has(identity(e.fingerprint, e.startsAt))).map((e) => [identity(e.fingerprint, e.startsAt), e]));

  const fresh: IncomingAlert[] = [];
  const resolving: { row: (typeof existing)[number]; endsAt: Date }[] = [];
  const seen: string[] = [];
  for (const [id, a] of incoming) {
    const row = known.get(id);
    if (!row) fresh.push(a);
    else if (row.status === "firing" && a.status === "resolved") resolving.push({ row, endsAt: a.endsAt ?? ctx.now });
    else seen.push(row.id);
  }
  if (seen.length) await tx.alert.updateMany({ where: { id: { in: seen } }, data: { lastSeenAt: ctx.now } });
  const source = { source: ctx.source, deliveryId: ctx.deliveryId ?? null };
  const touched = new Set<string>();

  // New episodes: stored, then joined to their incidents key by key.
  const candidates: (Alert & { resolvedAt: Date | null })[] = [];
  for (const a of fresh) {
    const l = a.labels;
    const project = await projectOf(tx, l.project ?? "", ctx);
    candidates.push({
      id: randomUUID(),
      fingerprint: a.fingerprint,
      startsAt: a.startsAt,
      status: a.status,
      endsAt: a.endsAt,
      alertname: l.alertname ?? "",
      severity: l.severity ?? "",
      teamSlug: l.team ?? "",
      projectSlug: l.project ?? "",
      serviceSlug: l.service ?? "",
      environment: l.environment ?? "",
      cluster: l.cluster ?? "",
      labels: a.labels,
      annotations: a.annotations,
      generatorUrl: a.generatorUrl,
      projectId: project?.id ?? null,
      incidentId: null,
      firstSeenAt: ctx.now,
      lastSeenAt: ctx.now,
      resolvedAt: a.status === "resolved" ? (a.endsAt ?? ctx.now) : null,
    });
  }
  // Another delivery storing the same episode at the same moment (Alertmanager in HA sends each its own call):
  // the row it stored wins, this one skips it rather than failing the whole call.
  const inserted = candidates.length
    ? new Set(
        (
          await tx.alert.createManyAndReturn({
            data: candidates.map(({ resolvedAt: _resolvedAt, labels, annotations, ...row }) => ({
              ...row,
              labels: json(labels as Record<string, string>),
              annotations: json(annotations as Record<string, string>),
            })),
            skipDuplicates: true,
            select: { id: true },
          })
        ).map((r) => r.id),
      )
    : new Set<string>();
  const created = candidates.filter((a) => inserted.has(a.id));
  if (created.length) {
    // Alerts Wharf first hears of as resolved (they fired and ended while Wharf was not listening) still count.
    await tx.alertEvent.createMany({
      data: created.flatMap((a) => [
        { alertId: a.id, status: "firing" as const, at: a.startsAt, ...source },
        ...(a.resolvedAt ? [{ alertId: a.id, status: "resolved" as const, at: a.resolvedAt, ...source }] : []),
      ]),
    });
    const byKey = groupBy(created, (a) => incidentKeyOf(a.labels as Record<string, string>));
    for (const key of [...byKey.keys()].sort()) {
      const group = byKey.get(key)!;
      const project = group[0]!.projectSlug ? await projectOf(tx, group[0]!.projectSlug, ctx) : null;
      const incidentId = await alertsJoinedIncident(tx, key, group, { now: ctx.now, requestId: ctx.requestId, teamId: project?.teamId ?? null });
      touched.add(incidentId);
      const ended = group.filter((a) => a.resolvedAt);
      if (ended.length) {
        await alertsLeftIncident(
          tx,
          incidentId,
          ended.map((a) => ({ ...a, endsAt: a.resolvedAt })),
          { now: ctx.now, requestId: ctx.requestId },
        );
      }
    }
  }

  // Resolutions: each episode ends at its own time; incidents resolve when none of their alerts fire.
  if (resolving.length) {
    for (const r of resolving) await tx.alert.update({ where: { id: r.row.id }, data: { status: "resolved", endsAt: r.endsAt, lastSeenAt: ctx.now } });
    await tx.alertEvent.createMany({ data: resolving.map((r) => ({ alertId: r.row.id, status: "resolved" as const, at: r.endsAt, ...source })) });
    const byIncident = groupBy(
      resolving.filter((r) => r.row.incidentId),
      (r) => r.row.incidentId!,
    );
    const keys = new Map(
      (await tx.incident.findMany({ where: { id: { in: [...byIncident.keys()] } }, select: { id: true, key: true } })).map((i) => [i.id, i.key]),
    );
    for (const incidentId of [...byIncident.keys()].sort((a, b) => (keys.get(a) ?? "").localeCompare(keys.get(b) ?? ""))) {
      await alertsLeftIncident(
        tx,
        incidentId,
        byIncident.get(incidentId)!.map((r) => ({ ...r.row, endsAt: r.endsAt })),
        { now: ctx.now, requestId: ctx.requestId },
      );
      touched.add(incidentId);
    }
  }
  return { changed: created.length + resolving.length, incidents: [...touched] };
}

function groupBy<T>(items: T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = keyOf(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}
