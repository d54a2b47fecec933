/**
 * Production deploys wait for an approved ticket: its type, as the deploy
 * module declares it. The approver sees what approving changes: per cluster,
 * what runs there now (read live, bounded), the image and the objects before
 * and after, drift from the last release, and for a rollback what it goes
 * back from and to; the plan lists the release's steps.
 */
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { badge, defineTicketType, link, list, row, section, text, type ViewField, type ViewValue } from "@/lib/tickets/types";
import { releaseDrafts, startRelease } from "./releases";
import { previewRelease, type ClusterPreview } from "./preview";
import { tagOfImage } from "./image";
import { builtBy } from "@/lib/ci/built-by";

export const ZDeployPayload = z.object({
  releaseId: z.string().min(1),
  service: z.string(),
  environment: z.enum(ENVIRONMENTS),
  image: z.string(),
  specVersion: z.number().int().min(0),
  strategy: z.enum(["all_at_once", "one_cluster_first"]),
  rollbackOf: z.string().nullable(),
  /** A restore of a drifted cluster: the release it re-applies (tickets from before restores have none). */
  restoreOf: z.string().nullable().default(null),
});

/** One cluster's part of the view: what runs, what changes. */
function clusterSection(p: ClusterPreview, releaseNumber: number): ViewField {
  const title = `On ${p.cluster}`;
  if (!p.ok) return { label: p.cluster, value: section(title, [{ label: "Now", value: row([badge("did not answer", "danger"), text(p.error ?? "")]) }]) };
  const fields: ViewField[] = [];
  fields.push({
    label: "Runs now",
    value: p.runs
      ? link(`release #${p.runs.number} (${p.runs.tag}, ${p.runs.status.replace("_", " ")})`, `/releases/${p.runs.id}`)
      : text(p.image?.now ? "a Deployment Wharf did not release" : "nothing yet: the first release here"),
  });
  if (p.drift?.length) {
    fields.push({
      label: "Drift",
      value: list([badge("changed outside Wharf", "warning"), ...p.drift.map((d) => text(d, true))]),
    });
  }
  const now = p.image?.now;
  const next = p.image!.next;
  fields.push({
    label: "Image",
    value: !now
      ? row([text("(none)"), text("→"), text(next, true)])
      : now === next
        ? row([text(next, true), badge("unchanged")])
        : row([text(now, true), text("→"), text(next, true)]),
  });
  fields.push({
    label: "Changes",
    value: p.changes?.length
      ? list(p.changes.map((c) => text(c, true)))
      : text(p.diff!.changed ? "Nothing besides the image and the release's annotations." : "Nothing."),
  });
  if (p.prunes?.length) fields.push({ label: "Deletes", value: list(p.prunes.map((x) => text(x, true))) });
  fields.push({
    label: "Objects",
    value: p.diff!.changed
      ? { kind: "diff", title: `release #${releaseNumber}`, before: p.diff!.before, after: p.diff!.after, language: "yaml" }
      : text("No change to the objects."),
  });
  return { label: p.cluster, value: section(title, fields) };
}

export const deployTicket = defineTicketType({
  type: "deploy",
  label: "Production deploy",
  payload: ZDeployPayload,
  decide: "ticket.deploy.decide",
  whoDecides: "Ops or an admin approve production deploys.",
  news: { done: "is done: the release rolled out", failed: "failed: the release did not roll out" },
  async approve(tx, ctx, ticket) {
    const release = await tx.release.findUnique({ where: { id: ticket.payload.releaseId }, select: { status: true } });
    if (!release) throw new AppError("PRECONDITION_FAILED", "The release of this ticket no longer exists.");
    if (release.status !== "pending_approval")
      throw new AppError("PRECONDITION_FAILED", `The release of this ticket is ${release.status.replace("_", " ")}, not waiting for approval.`);
    return { runId: await startRelease(tx, ctx, ticket.payload.releaseId) };
  },
  async withdraw(tx, _ctx, ticket, how, reason) {
    await tx.release.updateMany({
      where: { id: ticket.payload.releaseId, status: "pending_approval" },
      data: { status: how, reason, finishedAt: new Date() },
    });
  },
  /** The release's steps: apply then rollout, per cluster. */
  async plan(_ctx, ticket) {
    const release = await db().release.findUnique({ where: { id: ticket.payload.releaseId } });
    if (!release) throw new AppError("PRECONDITION_FAILED", "The release of this ticket no longer exists.");
    return releaseDrafts(release);
  },
  async view(_ctx, ticket) {
    const p = ticket.payload;
    const release = await db().release.findUnique({ where: { id: p.releaseId } });
    const [rollbackOf, restoreOf, previous] = await Promise.all([
      p.rollbackOf ? db().release.findUnique({ where: { id: p.rollbackOf }, select: { number: true, tag: true, specVersion: true } }) : null,
      p.restoreOf ? db().release.findUnique({ where: { id: p.restoreOf }, select: { number: true, tag: true } }) : null,
      // What a rollback goes back from: the newest release before it that reached the clusters.
      release && p.rollbackOf
        ? db().release.findFirst({
            where: {
              serviceId: release.serviceId,
              environment: release.environment,
              number: { lt: release.number },
              status: { in: ["succeeded", "failed", "rolled_back"] },
            },
            orderBy: { number: "desc" },
            select: { id: true, number: true, tag: true, status: true },
          })
        : null,
    ]);
    const fields: ViewField[] = [
      { label: "Service", value: text(p.service) },
      { label: "Environment", value: badge(p.environment, "warning") },
      { label: "Image", value: text(p.image, true) },
      { label: "Spec version", value: text(String(p.specVersion)) },
      { label: "Strategy", value: text(p.strategy === "one_cluster_first" ? "one cluster first" : "all clusters at once") },
      {
        label: "Release",
        value: release ? link(`#${release.number} (${release.status.replace("_", " ")})`, `/releases/${p.releaseId}`) : text("(deleted)"),
      },
    ];
    const built = await builtBy(release?.ciRunId);
    if (built) {
      fields.push({
        label: "Built by",
        value: link(`run #${built.number} from ${built.commit.slice(0, 7) || "(no commit)"} on ${built.ref}`, built.path),
      });
    }
    if (rollbackOf) {
      if (previous)
        fields.push({
          label: "Rolls back from",
          value: link(`release #${previous.number} (${previous.tag}, ${previous.status.replace("_", " ")})`, `/releases/${previous.id}`),
        });
      fields.push({
        label: "Rolls back to",
        value: link(`release #${rollbackOf.number} (${rollbackOf.tag}, spec v${rollbackOf.specVersion})`, `/releases/${p.rollbackOf}`),
      });
    }
    if (restoreOf) fields.push({ label: "Restores", value: link(`release #${restoreOf.number} (${restoreOf.tag})`, `/releases/${p.restoreOf}`) });
    if (!release) return { fields };
    if (release.status !== "pending_approval") {
      // Decided: the clusters run (or ran) it already; the release's page tells its rollout.
      const notes: ViewValue[] = [link("The release's rollout, per cluster", `/releases/${release.id}`)];
      return { fields, notes };
    }
    const clusters = await previewRelease(release);
    fields.push(...clusters.map((c) => clusterSection(c, release.number)));
    return { fields, notes: [text(`Read from the clusters just now: what approving changes on each, for the tag ${tagOfImage(p.image)}.`)] };
  },
});
