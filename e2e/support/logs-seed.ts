/**
 * What the log center's browser tests (e2e/logs.spec.ts) need, seeded by
 * scripts/e2e.ts after the demo data: `logs-center`, a project of its own
 * (nobody else deploys or kills its pods) with one service `api` in dev on
 * both sandbox clusters, `worker` in a crash loop (`v1-crash`), Dana as developer, and release #1 (`v1-errors`: ERROR lines with stack traces in 35-45% of requests) queued so
 * the worker rolls it out while the app starts. Idempotent.
 */
export const LOGS_PROJECT = "logs-center";

export async function seedLogCenter(say: (line: string) => void) {
  const { db } = await import("../../lib/db/client");
  const { loadActor } = await import("../../lib/access/actor");
  const { connectCluster } = await import("../../lib/kube/connection");
  const { applyObjects } = await import("../../lib/kube/apply");
  const { createRelease } = await import("../../lib/deploy/releases");

  if (await db().project.findUnique({ where: { slug: LOGS_PROJECT } })) return;
  const person = (email: string) => db().user.findUniqueOrThrow({ where: { email }, select: { id: true } });
  const [lee, dana] = await Promise.all([person("lee@wharf.dev"), person("dana@wharf.dev")]);
  const team = await db().team.findUniqueOrThrow({ where: { slug: "payments" }, select: { id: true } });
  const clusters = await db().cluster.findMany({ where: { name: { in: ["sandbox-east", "sandbox-west"] } }, select: { id: true, name: true } });
  const project = await db().project.create({
    data: {
      slug: LOGS_PROJECT,
      name: LOGS_PROJECT,
      teamId: team.id,
      ownerId: lee.id,
      searchText: LOGS_PROJECT,
      lifecycle: "active",
      language: "node",
      members: {
        create: [
          { userId: lee.id, role: "owner" },
          { userId: dana.id, role: "developer" },
        ],
      },
      services: {
        create: [
          { slug: "api", name: "API" },
          { slug: "worker", name: "Worker", kind: "worker" },
        ],
      },
      environments: { create: [{ kind: "dev", clusters: { create: clusters.map((c) => ({ clusterId: c.id })) } }] },
    },
    include: { services: { select: { id: true, slug: true } } },
  });
  for (const c of clusters) {
    await applyObjects(await connectCluster(c.id), [{ apiVersion: "v1", kind: "Namespace", metadata: { name: `${LOGS_PROJECT}-dev` } }]);
  }
  const owner = await loadActor(lee.id);
  const ctx = { actor: owner!, requestId: "e2e-seed" };
  const id = (slug: string) => project.services.find((s) => s.slug === slug)!.id;
  await createRelease(ctx, { serviceId: id("api"), environment: "dev", tag: "v1-errors" });
  // A crash loop: each instance ends with its fatal error, which the previous container's log keeps.
  await createRelease(ctx, { serviceId: id("worker"), environment: "dev", tag: "v1-crash" });
  say(`log center project ${LOGS_PROJECT}: api in dev on ${clusters.map((c) => c.name).join(" and ")}, release v1-errors queued; worker crashing (v1-crash)`);
}
