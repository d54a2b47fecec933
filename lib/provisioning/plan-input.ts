/** Builds a plan's input from what the catalog holds about a project. */
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { byEnvironment } from "@/lib/catalog/environments";
import type { ProjectPlanInput } from "./registry";
import { ZQuota, quotaOf, type Quota } from "./quota";

export function quotaFromJson(value: unknown): Quota {
  const parsed = ZQuota.safeParse(value);
  return parsed.success ? parsed.data : quotaOf("small");
}

/** Reads through `client` (a transaction sees its own uncommitted changes). */
export async function loadPlanInput(
  projectId: string,
  kind: string,
  params: Record<string, unknown> = {},
  client: Tx | ReturnType<typeof db> = db(),
): Promise<ProjectPlanInput> {
  const p = await client.project.findUnique({
    where: { id: projectId },
    include: {
      team: { select: { slug: true, name: true } },
      owner: { select: { name: true, email: true } },
      services: { select: { slug: true, name: true, kind: true }, orderBy: { slug: "asc" } },
      environments: { include: { clusters: { include: { cluster: { select: { id: true, name: true } } } } } },
      members: { include: { user: { select: { email: true, disabled: true } } } },
    },
  });
  if (!p) throw new AppError("NOT_FOUND", "This project no longer exists.");
  return {
    kind,
    project: { id: p.id, slug: p.slug, name: p.name, description: p.description, tier: p.tier, templateId: p.templateId, owner: p.owner },
    team: p.team,
    environments: byEnvironment(p.environments, (e) => e.kind).map((e) => ({
      kind: e.kind,
      clusters: e.clusters.map((c) => c.cluster).sort((a, b) => a.name.localeCompare(b.name)),
      quota: quotaFromJson(e.quota),
    })),
    // Disabled users lose their access on the clusters too.
    members: p.members.filter((m) => !m.user.disabled).map((m) => ({ email: m.user.email, role: m.role })),
    params,
    services: p.services,
  };
}
