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
/**
 * `ci-deploy` (e2e/ci-deploy.spec.ts, push to deploy): the default GitFlow
 * branch policy (develop deploys to dev, a tag v* opens a production deploy
 * ticket), dev and prod on both clusters, its dev namespace on each; nobody
 * else deploys it, so its releases are the promotions' alone.
 */
export const CI_DEPLOY = "ci-deploy";

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

  if (!(await db().project.findUnique({ where: { slug: CI_DEPLOY } }))) {
    const clusters = await db().cluster.findMany({ where: { name: { in: ["sandbox-east", "sandbox-west"] } }, select: { id: true, name: true } });
    const onBoth = { create: clusters.map((c) => ({ clusterId: c.id })) };
    const project = await db().project.create({
      data: {
        slug: CI_DEPLOY,
        name: CI_DEPLOY,
        teamId: team.id,
        ownerId: lee.id,
        searchText: CI_DEPLOY,
        lifecycle: "active",
        language: "node",
        members: {
          create: [
            { userId: lee.id, role: "owner" },
            { userId: dana.id, role: "developer" },
          ],
        },
        services: { create: [{ slug: "api", name: "API" }] },
        environments: {
          create: [
            { kind: "dev", clusters: onBoth },
            { kind: "prod", clusters: onBoth },
          ],
        },
      },
    });
    const [loaded] = await loadCiInputs({ id: project.id });
    await applyObjects(await connectCluster(cluster.id), generateCi(loaded!.input!).objects);
    for (const c of clusters) {
      await applyObjects(await connectCluster(c.id), [{ apiVersion: "v1", kind: "Namespace", metadata: { name: `${CI_DEPLOY}-dev` } }]);
    }
    await publishProjectRepository({
      slug: CI_DEPLOY,
      files: [{ path: "README.md", content: `# ${CI_DEPLOY}\n` }],
      author: { name: "Lee", email: "lee@wharf.dev" },
      message: "Initial commit",
    });
    say(`CI project ${CI_DEPLOY}: dev and prod on ${clusters.map((c) => c.name).join(" and ")}, pipelines on ${cluster.name}`);
  }

  if (!(await db().ciRun.findFirst({ where: { project: { slug: CI_FAILED } } }))) {
    const actor = await loadActor(dana.id);
    await startRun(
      { actor: actor!, requestId: "e2e-seed" },
      { projectSlug: CI_FAILED, service: "api", branch: "develop", params: { "commit-message": "Break the cart total [fail-tests]" } },
    );
  }
}
