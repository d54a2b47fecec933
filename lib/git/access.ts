/**
 * Who may clone a repository of the portal's store. HTTP Basic: the user name
 * is the person's e-mail, the password a Git access token (lib/git/tokens.ts)
 * created at /settings/tokens. The token only says who, and is refused once
 * revoked or expired; `can(actor, "project.repo.read", project)` decides,
 * with roles read from the database on every request. With
 * WHARF_GIT_PUBLIC_READ (local development) anyone may clone.
 */
import { loadActor } from "@/lib/access/actor";
import { can, projectResource, type Actor } from "@/lib/access/policy";
import { db } from "@/lib/db/client";
import { checkGitToken, recordGitTokenUse, type GitTokenCheck } from "./tokens";

export type GitReadDecision = { ok: true; actor: Actor | null } | { ok: false; status: 401 | 403 | 404; message: string };

/** Where people create Git access tokens (a page of the signed-in portal). */
export const GIT_TOKENS_PATH = "/settings/tokens";

function parseBasic(header: string | null): { username: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function howToGetAccess(publicUrl: string): string {
  return (
    `Create a Git access token at ${publicUrl}${GIT_TOKENS_PATH} (signed in to Wharf), then clone with your e-mail address ` +
    `as the user name and the token as the password. Keep it in a credential helper: git config --global credential.helper store`
  );
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** Why a token opens nothing, in words git shows the person (as "remote: ..."). */
function refusal(check: Exclude<GitTokenCheck, { ok: true }>): string {
  switch (check.reason) {
    case "revoked":
      return `Wharf: this Git access token ("${check.name}") was revoked on ${day(check.at)}.`;
    case "expired":
      return `Wharf: this Git access token ("${check.name}") expired on ${day(check.at)}.`;
    case "legacy":
      return "Wharf: this Git access token is of the old kind, which could not be revoked and is no longer accepted.";
    case "unknown":
      return "Wharf: the password is not a valid Git access token.";
  }
}

/**
 * Decides a push to the project `slug`'s repository: always with a Git
 * access token (WHARF_GIT_PUBLIC_READ opens reads only), by someone with
 * `project.repo.write` on the project (its owners, maintainers, developers).
 */
export async function decideGitWrite(authorization: string | null, slug: string, opts: { publicUrl: string; now?: number }): Promise<GitReadDecision> {
  const unauthorized = (why: string): GitReadDecision => ({ ok: false, status: 401, message: `${why} ${howToGetAccess(opts.publicUrl)}` });
  const basic = parseBasic(authorization);
  if (!basic) return unauthorized("Wharf: pushing needs credentials.");
  const check = await checkGitToken(basic.password, opts.now);
  if (!check.ok) return unauthorized(refusal(check));
  const actor = await loadActor(check.userId);
  if (!actor) return unauthorized("Wharf: the account of this token is disabled or was removed.");
  if (actor.email.toLowerCase() !== basic.username.trim().toLowerCase()) {
    return unauthorized(`Wharf: this token belongs to another user; use ${actor.email} as the user name.`);
  }
  await recordGitTokenUse(check, opts.now);
  const project = await db().project.findUnique({ where: { slug }, select: { id: true, owner: { select: { name: true, email: true } } } });
  if (!project) return { ok: false, status: 404, message: `Wharf: there is no project "${slug}".` };
  if (!can(actor, "project.repo.write", projectResource(project.id))) {
    return {
      ok: false,
      status: 403,
      message:
        `Wharf: ${actor.email} may not push to "${slug}": pushing needs the owner, maintainer or developer role in the project. ` +
        `Ask its owner, ${project.owner.name} <${project.owner.email}>.`,
    };
  }
  return { ok: true, actor };
}

/** Decides a read (clone, fetch) of the project `slug`'s repository. */
export async function decideGitRead(
  authorization: string | null,
  slug: string,
  opts: { publicRead: boolean; publicUrl: string; now?: number },
): Promise<GitReadDecision> {
  if (opts.publicRead) return { ok: true, actor: null };
  const unauthorized = (why: string): GitReadDecision => ({ ok: false, status: 401, message: `${why} ${howToGetAccess(opts.publicUrl)}` });

  const basic = parseBasic(authorization);
  if (!basic) return unauthorized("Wharf: this repository needs credentials.");
  const check = await checkGitToken(basic.password, opts.now);
  if (!check.ok) return unauthorized(refusal(check));
  const actor = await loadActor(check.userId);
  if (!actor) return unauthorized("Wharf: the account of this token is disabled or was removed.");
  if (actor.email.toLowerCase() !== basic.username.trim().toLowerCase()) {
    return unauthorized(`Wharf: this token belongs to another user; use ${actor.email} as the user name.`);
  }
  await recordGitTokenUse(check, opts.now);

  const project = await db().project.findUnique({
    where: { slug },
    select: { id: true, owner: { select: { name: true, email: true } } },
  });
  if (!project) return { ok: false, status: 404, message: `Wharf: there is no project "${slug}".` };
  if (!can(actor, "project.repo.read", projectResource(project.id))) {
    return {
      ok: false,
      status: 403,
      message: `Wharf: ${actor.email} is not a member of the project "${slug}". Ask its owner, ${project.owner.name} <${project.owner.email}>, to add you.`,
    };
  }
  return { ok: true, actor };
}
