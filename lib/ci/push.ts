/**
 * The push trigger: each branch or tag a push to the portal's Git server
 * created or moved becomes a run of each of the project's services for that
 * commit (when the branch policy has a rule for it), in the pusher's name.
 * Deleted refs and other refs (notes, ...) start nothing.
 */
import { randomUUID } from "node:crypto";
import { projectResource } from "@/lib/access/policy";
import { authorize } from "@/lib/context";
import { db } from "@/lib/db/client";
import { runGit } from "@/lib/git/cli";
import { ZERO_SHA, type GitPush } from "@/lib/git/smart-http";
import { startRunsForRef } from "./runs";

/** Splits `refs/heads/x` and `refs/tags/x`; null for anything else. */
export function parseRef(ref: string): { kind: "branch" | "tag"; name: string } | null {
  if (ref.startsWith("refs/heads/")) return { kind: "branch", name: ref.slice("refs/heads/".length) };
  if (ref.startsWith("refs/tags/")) return { kind: "tag", name: ref.slice("refs/tags/".length) };
  return null;
}

async function commitOf(gitDir: string, sha: string) {
  // An annotated tag points at a tag object: the run builds the commit it tags.
  const r = await runGit(["--git-dir", gitDir, "log", "-1", "--format=%H%x00%an <%ae>%x00%B", `${sha}^{commit}`, "--"]);
  const [commit = "", author = "", ...message] = r.stdout.split("\u0000");
  return { commit: commit.trim(), author, message: message.join("\u0000").trim() };
}

export async function startRunsForPush(push: GitPush): Promise<{ id: string }[]> {
  const project = await db().project.findUnique({ where: { slug: push.slug }, select: { id: true } });
  if (!project) return [];
  const ctx = { actor: push.actor, requestId: `git-push-${randomUUID()}` };
  authorize(ctx, "ci.run.start", projectResource(project.id));
  const started: { id: string }[] = [];
  for (const u of push.updates) {
    const ref = parseRef(u.ref);
    if (!ref || u.after === ZERO_SHA) continue;
    const c = await commitOf(push.gitDir, u.after);
    started.push(...(await startRunsForRef(ctx, project.id, { ...ref, ...c }, "push")));
  }
  return started;
}
