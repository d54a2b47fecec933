/** Where each project's environments run (the catalog's view; live workload state comes from the clusters). */
import { db } from "@/lib/db/client";
import { authorize, type Ctx } from "@/lib/context";
import { platform } from "@/lib/access/policy";

export async function listPlacements(ctx: Ctx, opts: { mine: boolean }) {
  authorize(ctx, "deployment.read", platform);
  const projects = await db().project.findMany({
    where: { lifecycle: { not: "archived" }, ...(opts.mine ? { members: { some: { userId: ctx.actor.id } } } : {}), environments: { some: {} } },
    orderBy: { name: "asc" },
    take: 200,
    select: {
      id: true,
      slug: true,
      name: true,
      services: { select: { slug: true, kind: true }, orderBy: { slug: "asc" } },
      environments: {
        select: { kind: true, clusters: { select: { cluster: { select: { name: true, status: true } } } } },
      },
    },
  });
  const clusters = await db().cluster.findMany({ orderBy: { name: "asc" }, select: { name: true, status: true, region: true } });
  return { projects, clusters };
}
