/** Test data through the real database: users, teams, projects, and the actors that act for them. */
import { randomBytes } from "node:crypto";
import { TestRunner } from "vitest";
import { db } from "@/lib/db/client";
import { loadActor } from "@/lib/access/actor";
import type { Ctx } from "@/lib/context";
import type { PlatformRole, ProjectRole } from "@/lib/access/policy";

const uid = () => randomBytes(3).toString("hex");

/**
 * A unique value a test chose (a slug, a name), as it is on the test's first attempt. On a retry (vitest.config's
 * CI retry) the first attempt's rows are still there, so the retry's get a suffix instead of a unique-key failure.
 */
function onThisAttempt(value: string) {
  const retry = TestRunner.getCurrentTest()?.result?.retryCount ?? 0;
  return retry ? `${value}-r${retry}` : value;
}

export async function makeUser(platformRole: PlatformRole = "developer", name = `${platformRole} ${uid()}`) {
  return db().user.create({ data: { email: `${onThisAttempt(name.replace(/\s+/g, ".").toLowerCase())}@test.wharf`, name, platformRole } });
}

export async function ctxFor(user: { id: string }): Promise<Ctx> {
  const actor = await loadActor(user.id);
  if (!actor) throw new Error("no such user");
  return { actor, requestId: `test-${uid()}` };
}

export async function makeTeam(chosen?: string) {
  const slug = chosen ? onThisAttempt(chosen) : `team-${uid()}`;
  return db().team.create({ data: { slug, name: slug } });
}

/** A project, `requested` unless said otherwise: nothing is provisioned on its own until a plan runs. */
export async function makeProject(opts: {
  owner: { id: string };
  teamId?: string;
  slug?: string;
  members?: [{ id: string }, ProjectRole][];
  lifecycle?: "requested" | "active";
}) {
  const teamId = opts.teamId ?? (await makeTeam()).id;
  const slug = opts.slug ? onThisAttempt(opts.slug) : `proj-${uid()}`;
  return db().project.create({
    data: {
      slug,
      name: slug,
      teamId,
      ownerId: opts.owner.id,
      searchText: slug,
      lifecycle: opts.lifecycle ?? "requested",
      members: {
        create: [{ userId: opts.owner.id, role: "owner" }, ...(opts.members ?? []).map(([u, role]) => ({ userId: u.id, role }))],
      },
    },
  });
}

/** A kubeconfig for a cluster that is not there (nothing listens on its port). */
export function unreachableKubeconfig(name = "nowhere", port = 59123) {
  return `apiVersion: v1
kind: Config
clusters:
- name: ${name}
  cluster:
    server: https://127.0.0.1:${port}
    insecure-skip-tls-verify: true
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}-admin
current-context: ${name}
users:
- name: ${name}-admin
  user:
    token: not-a-real-token
`;
}
