/**
 * Silences, through Alertmanager's v2 API (docs/alerting.md, "## Silences"): created from an alert (its labels as
 * matchers) or an incident (project, service, environment, alertname), previewed first ("mutes N active alerts"),
 * listed per project, expired; audited with before and after, and on the incident's timeline.
 *
 * A silence belongs to one project: whoever may silence project P (`alert.silence`) creates silences that carry
 * the matcher project="P", so nobody silences another project's alerts; only those silences are listed and may be
 * expired from P. Alertmanager down: the action says why (lib/alerting/am.ts's reason) and nothing is stored.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, parseInput } from "@/lib/errors";
import { authorize, type Ctx } from "@/lib/context";
import { can, projectResource } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { amAlerts, amCall, amCreateSilence, amExpireSilence, amSilences, ZAmSilence, type AmResult, type TAmSilence, type TMatcher } from "./am";
import { createRelease, ZCreateRelease } from "@/lib/deploy/releases";
import { incidentChanged, recordIncidentEvent } from "./events";

export { incidentSilenceMatchers, matchersFromLabels } from "./silence-matchers";

export const MATCHER_OPS = ["=", "!=", "=~", "!~"] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];
export const MAX_SILENCE_DAYS = 30;

export const ZSilenceMatcher = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: "A label name: letters, digits and '_', not starting with a digit" }),
    op: z.enum(MATCHER_OPS, { message: "Choose =, !=, =~ or !~" }),
    value: z.string().max(500, { message: "At most 500 characters" }),
  })
  .superRefine((m, c) => {
    if (m.op === "=~" || m.op === "!~") {
      try {
        new RegExp(`^(?:${m.value})$`);
      } catch {
        c.addIssue({ code: "custom", path: ["value"], message: "Not a valid regular expression" });
      }
    }
  });
export type TSilenceMatcher = z.infer<typeof ZSilenceMatcher>;

const ZMatchers = z.array(ZSilenceMatcher).min(1, { message: "Add at least one matcher: a silence without one would mute everything" }).max(20);

export const ZSilencePreview = z.object({ projectId: z.string().min(1), matchers: ZMatchers });

export const ZCreateSilence = z
  .object({
    projectId: z.string().min(1),
    matchers: ZMatchers,
    /** Now when absent. */
    startsAt: z.iso.datetime({ offset: true, message: "Enter when the silence starts" }).optional(),
    endsAt: z.iso.datetime({ offset: true, message: "Enter when the silence ends" }),
    comment: z.string().trim().min(1, { message: "Say why (the comment is shown to everyone who sees the silence)" }).max(500),
    /** The incident it was created from (its timeline gets a "silenced" event). */
    incidentId: z.string().min(1).optional(),
  })
  .superRefine((s, c) => {
    const start = s.startsAt ? Date.parse(s.startsAt) : Date.now();
    const end = Date.parse(s.endsAt);
    if (end <= start) c.addIssue({ code: "custom", path: ["endsAt"], message: "The end must be after the start" });
    else if (end - start > MAX_SILENCE_DAYS * 86_400_000)
      c.addIssue({ code: "custom", path: ["endsAt"], message: `At most ${MAX_SILENCE_DAYS} days: silence again later if needed` });
    if (end <= Date.now()) c.addIssue({ code: "custom", path: ["endsAt"], message: "The end must be in the future" });
  });
export type TCreateSilence = z.infer<typeof ZCreateSilence>;

export const ZExpireSilence = z.object({ projectId: z.string().min(1), silenceId: z.string().min(1) });

/** Alertmanager's matcher from ours. */
export function toAmMatcher(m: TSilenceMatcher): TMatcher {
  return { name: m.name, value: m.value, isRegex: m.op.endsWith("~"), isEqual: !m.op.startsWith("!") };
}

export function fromAmMatcher(m: TMatcher): TSilenceMatcher {
  return { name: m.name, value: m.value, op: m.isEqual ? (m.isRegex ? "=~" : "=") : m.isRegex ? "!~" : "!=" };
}

/** A matcher as Alertmanager's filter syntax: name="value" (quotes and backslashes escaped). */
export function matcherFilter(m: TSilenceMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

/**
 * The matchers confined to the project: a `project` matcher other than project="<slug>" is refused at its field,
 * and project="<slug>" is added when missing.
 */
export function confineToProject(matchers: TSilenceMatcher[], slug: string): TSilenceMatcher[] {
  const bad = matchers.findIndex((m) => m.name === "project" && !(m.op === "=" && m.value === slug));
  if (bad >= 0) {
    throw new AppError("INVALID_INPUT", `A silence of this project matches project="${slug}" only.`, {
      fieldErrors: { [`matchers.${bad}`]: [`Use project = ${slug}: a silence may only mute this project's alerts`] },
    });
  }
  return matchers.some((m) => m.name === "project") ? matchers : [{ name: "project", op: "=", value: slug }, ...matchers];
}

/** True when a silence in Alertmanager belongs to the project (carries project="<slug>" exactly). */
export function belongsToProject(s: Pick<TAmSilence, "matchers">, slug: string) {
  return s.matchers.some((m) => m.name === "project" && m.isEqual && !m.isRegex && m.value === slug);
}

function unavailable(what: string, r: Extract<AmResult<unknown>, { ok: false }>) {
  if (r.status === 400) return new AppError("INVALID_INPUT", `Alertmanager refused the silence: ${r.reason}`);
  return new AppError("UNAVAILABLE", `${what}: ${r.reason}. Nothing was changed.`);
}

async function projectFor(projectId: string) {
  const project = await db().project.findUnique({ where: { id: projectId }, select: { id: true, slug: true } });
  if (!project) throw new AppError("NOT_FOUND", "This project no longer exists.");
  return project;
}

/** How many alerts firing now (not already silenced or inhibited) the matchers would mute, with a few of their names. */
export async function previewSilence(ctx: Ctx, raw: z.input<typeof ZSilencePreview>) {
  const input = parseInput(ZSilencePreview, raw);
  authorize(ctx, "alert.silence", projectResource(input.projectId));
  const project = await projectFor(input.projectId);
  const matchers = confineToProject(input.matchers, project.slug);
  const r = await amAlerts(matchers.map(matcherFilter), { active: true, silenced: false, inhibited: false });
  if (!r.ok) throw unavailable("Cannot preview the silence", r);
  const names = [...new Set(r.data.map((a) => a.labels.alertname ?? "?"))].sort();
  return { count: r.data.length, alertnames: names.slice(0, 10), matchers };
}

/** Creates the silence in Alertmanager, then audits it (and its incident's timeline); a failed audit expires it again. */
export async function createSilence(ctx: Ctx, raw: z.input<typeof ZCreateSilence>, opts: { auditExtra?: Record<string, unknown> } = {}) {
  const input = parseInput(ZCreateSilence, raw);
  authorize(ctx, "alert.silence", projectResource(input.projectId));
  const project = await projectFor(input.projectId);
  const matchers = confineToProject(input.matchers, project.slug);
  if (input.incidentId) {
    const incident = await db().incident.findUnique({ where: { id: input.incidentId }, select: { projectId: true } });
    if (!incident || incident.projectId !== project.id) throw new AppError("NOT_FOUND", "This incident is not one of the project's.");
  }
  const silence = {
    matchers: matchers.map(toAmMatcher),
    startsAt: input.startsAt ?? new Date().toISOString(),
    endsAt: input.endsAt,
    createdBy: ctx.actor.email,
    comment: input.comment,
  };
  const created = await amCreateSilence(silence);
  if (!created.ok) throw unavailable("Alertmanager could not create the silence", created);
  const id = created.data.silenceID;
  try {
    await db().$transaction(async (tx) => {
      await recordAudit(tx, ctx, {
        action: "alert.silence",
        target: { type: "silence", id, label: matchers.map(matcherFilter).join(", ") },
        projectId: project.id,
        before: null,
        after: { id, ...silence, ...opts.auditExtra },
      });
      if (input.incidentId) {
        await recordIncidentEvent(tx, input.incidentId, "silenced", {
          actorId: ctx.actor.kind === "user" ? ctx.actor.id : null,
          text: `Silenced until ${silence.endsAt.slice(0, 16).replace("T", " ")} UTC: ${input.comment}`,
          data: { silenceId: id, matchers: matchers.map(matcherFilter), endsAt: silence.endsAt },
        });
        await incidentChanged(tx, input.incidentId);
      }
    });
  } catch (e) {
    // Nothing half-done: a silence Wharf could not record is taken back.
    await amExpireSilence(id);
    throw e;
  }
  return { id, matchers, endsAt: silence.endsAt };
}

/** The project's silences in Alertmanager (active and pending first), each with whether the actor may expire it. */
export async function listSilences(ctx: Ctx, projectId: string) {
  authorize(ctx, "alert.read", projectResource(projectId));
  const project = await projectFor(projectId);
  const r = await amSilences([`project=${JSON.stringify(project.slug)}`]);
  if (!r.ok) return { ok: false as const, reason: r.reason, silences: [] };
  const order = { active: 0, pending: 1, expired: 2 } as const;
  const silences = r.data
    .filter((s) => belongsToProject(s, project.slug))
    .sort((a, b) => order[a.status.state] - order[b.status.state] || b.startsAt.localeCompare(a.startsAt))
    .map((s) => ({ ...s, matchers: s.matchers.map(fromAmMatcher) }));
  return { ok: true as const, reason: "", silences, canExpire: can(ctx.actor, "alert.silence", projectResource(projectId)) };
}

/** Expires one of the project's silences; audited with the silence before and after. */
export async function expireSilence(ctx: Ctx, raw: z.input<typeof ZExpireSilence>) {
  const input = parseInput(ZExpireSilence, raw);
  authorize(ctx, "alert.silence", projectResource(input.projectId));
  const project = await projectFor(input.projectId);
  const found = await amCall("GET", `/api/v2/silence/${encodeURIComponent(input.silenceId)}`, ZAmSilence);
  if (!found.ok) {
    if (found.status === 404) throw new AppError("NOT_FOUND", "Alertmanager has no such silence (any more).");
    throw unavailable("Cannot expire the silence", found);
  }
  if (!belongsToProject(found.data, project.slug)) throw new AppError("NOT_FOUND", "This silence is not one of the project's.");
  if (found.data.status.state === "expired") throw new AppError("CONFLICT", "This silence has already expired.");
  const expired = await amExpireSilence(input.silenceId);
  if (!expired.ok) throw unavailable("Alertmanager could not expire the silence", expired);
  await db().$transaction(async (tx) => {
    await recordAudit(tx, ctx, {
      action: "alert.silence.expire",
      target: { type: "silence", id: input.silenceId, label: found.data.matchers.map((m) => matcherFilter(fromAmMatcher(m))).join(", ") },
      projectId: project.id,
      before: found.data,
      after: { ...found.data, status: { state: "expired" }, endsAt: new Date().toISOString() },
    });
    // A silence created from an incident: its timeline says it ended.
    const from = await tx.incidentEvent.findFirst({
      where: { kind: "silenced", data: { path: ["silenceId"], equals: input.silenceId } },
      select: { incidentId: true },
    });
    if (from) {
      await recordIncidentEvent(tx, from.incidentId, "silence_expired", {
        actorId: ctx.actor.kind === "user" ? ctx.actor.id : null,
        text: "Silence expired: its alerts are sent again",
        data: { silenceId: input.silenceId },
      });
    }
  });
  return { id: input.silenceId };
}

export const ZReleaseWithSilence = ZCreateRelease.extend({
  /** Silence the service's alerts in the environment for this many minutes from now (the release window). */
  silenceMinutes: z.coerce
    .number({ message: "Enter the release window in minutes" })
    .int({ message: "Use whole minutes" })
    .min(5, { message: "At least 5 minutes" })
    .max(24 * 60, { message: "At most 1440 minutes (a day)" }),
});

/**
 * The deploy form's "silence this service's alerts for the release window": the silence (project, service,
 * environment) first, then the release; a release refused takes its silence back, so nothing is half-done.
 */
export async function createReleaseWithSilence(ctx: Ctx, raw: z.input<typeof ZReleaseWithSilence>) {
  const { silenceMinutes, ...release } = parseInput(ZReleaseWithSilence, raw);
  const service = await db().service.findUnique({ where: { id: release.serviceId }, select: { slug: true, projectId: true } });
  if (!service) throw new AppError("NOT_FOUND", "This service no longer exists.");
  const silence = await createSilence(
    ctx,
    {
      projectId: service.projectId,
      matchers: [
        { name: "service", op: "=", value: service.slug },
        { name: "environment", op: "=", value: release.environment },
      ],
      endsAt: new Date(Date.now() + silenceMinutes * 60_000).toISOString(),
      comment: `Release window: ${service.slug} ${release.tag} in ${release.environment} (${silenceMinutes} min)`,
    },
    { auditExtra: { releaseWindow: { tag: release.tag, environment: release.environment, minutes: silenceMinutes } } },
  );
  try {
    const created = await createRelease(ctx, release);
    return { ...created, silenceId: silence.id };
  } catch (e) {
    await amExpireSilence(silence.id);
    throw e;
  }
}
