/**
 * What the CI run page's browser tests need, seeded by scripts/e2e.ts after
 * the demo data: two small projects whose pipelines are applied on the build
 * cluster (sandbox-east) and whose repositories live on the portal's Git
 * server, with Dana as developer and Sam as viewer.
 * - `ci-live`: Dana pushes a slow commit to `develop` during the test and
 *   watches its run (its branch policy builds and pushes, deploys nowhere).
 * - `ci-failed`: run #1 is started here with the test-failure marker and has
 *   failed at the test step by the time the tests open it.
 * Runs in the harness's process, before the tests; idempotent.
 */
export const CI_LIVE = "ci-live";
export const CI_FAILED = "ci-failed";

export async function seedCiRunPages(say: (line: string) => void) {
  const { db } = await import("../../lib/db/client");
  const { loadActor } = await import("../../lib/access/actor");
  const { loadCiInputs } = await import("../../lib/ci/input");
  const { generateCi } = await import("../../lib/ci/generate");
  const { connectCluster } = await import("../../lib/kube/connection");
  const { applyObjects } = await import("../../lib/kube/apply");
  const { publishProjectRepository } = await import("../../lib/git/store");
  const { startRun } = await import("../../lib/ci/runs");

  const person = (email: string) => db().user.findUniqueOrThrow({ where: { email }, select: { id: true } });
  const [lee, dana, sam] = await Promise.all([person("lee@wharf.dev"), person("dana@wharf.dev"), person("sam@wharf.dev")]);
  const team = await db().team.findUniqueOrThrow({ where: { slug: "payments" }, select: { id: true } });
  const cluster = await db().cluster.findFirstOrThrow({ where: { builds: true }, select: { id: true, name: true } });

  for (const slug of [CI_LIVE, CI_FAILED]) {
    if (await db().project.findUnique({ where: { slug } })) continue;
    const project = await db().project.create({
      data: {
        slug,
        name: slug,
        teamId: team.id,
        ownerId: lee.id,
        searchText: slug,
        lifecycle: "active",
        language: "node",
        members: {
          create: [
            { userId: lee.id, role: "owner" },
            { userId: dana.id, role: "developer" },
            { userId: sam.id, role: "viewer" },
          ],
        },
        services: { create: [{ slug: "api", name: "API" }] },
        environments: { create: [{ kind: "dev", clusters: { create: [{ clusterId: cluster.id }] } }] },
        ciSettings: { create: { settings: { branchPolicy: [{ match: "develop", ref: "branch", build: true, push: true }] } } },
      },
    });
    const [loaded] = await loadCiInputs({ id: project.id });
    await applyObjects(await connectCluster(cluster.id), generateCi(loaded!.input!).objects);
    await publishProjectRepository({
      slug,
      files: [{ path: "README.md", content: `# ${slug}\n` }],
      author: { name: "Lee", email: "lee@wharf.dev" },
      message: "Initial commit",
    });
    say(`CI project ${slug}: pipelines applied on ${cluster.name}, repository on the portal`);
  }

  if (!(await db().ciRun.findFirst({ where: { project: { slug: CI_FAILED } } }))) {
    const actor = await loadActor(dana.id);
    await startRun(
      { actor: actor!, requestId: "e2e-seed" },
      { projectSlug: CI_FAILED, service: "api", branch: "develop", params: { "commit-message": "Break the cart total [fail-tests]" } },
    );
  }
}
