/**
 * Git access tokens: what a person types as the password when cloning from
 * the portal's store (the user name is their e-mail). A token is `wgt_` and
 * 32 random bytes (base64url). Wharf keeps its SHA-256 only, so the database
 * cannot give tokens away; the token is shown once, when it is created.
 * A token proves who is asking; what they may read is decided on every
 * request from their current roles (lib/git/access.ts). Tokens expire, and
 * their owner (or an admin) can revoke them; both are refused at once.
 *
 * Tokens of the first kind (`wgt_<payload>.<signature>`, signed and stored
 * nowhere) cannot be revoked, so they are no longer accepted: git gets a 401
 * saying so, and the person creates a new one.
 */
import { createHash, randomBytes } from "node:crypto";
import type { z } from "zod";
import { platform, can } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError, parseInput } from "@/lib/errors";
import { childLogger } from "@/lib/log";
import { ZCreateGitToken, ZListGitTokens, ZRevokeGitToken } from "./schemas";

const log = childLogger("git-tokens");

const PREFIX = "wgt_";
const SHAPE = /^wgt_[A-Za-z0-9_-]{43}$/;
/** The signed, unstored tokens issued before tokens were kept: `wgt_<payload>.<signature>`. */
const LEGACY_SHAPE = /^wgt_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Active tokens one person may hold: enough for every machine, not a store of credentials. */
export const MAX_ACTIVE_GIT_TOKENS = 50;
/** A clone makes several requests: the last use is written when the one recorded is older than this. */
export const LAST_USED_GRANULARITY_MS = 5 * 60_000;

export function hashGitToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** What lists show of a token: its first characters after the prefix. */
function hintOf(token: string): string {
  return token.slice(0, PREFIX.length + 4);
}

export interface CreatedGitToken {
  id: string;
  name: string;
  expiresAt: Date;
  /** The token itself: shown to its owner once, never stored. */
  token: string;
}

/** Creates a token for the acting person (POST only: a server action), audited. */
export async function createGitToken(ctx: Ctx, raw: z.input<typeof ZCreateGitToken>): Promise<CreatedGitToken> {
  authorize(ctx, "git.token.create", platform);
  if (ctx.actor.kind !== "user") throw new AppError("FORBIDDEN", "Only people get Git access tokens.");
  const input = parseInput(ZCreateGitToken, raw);
  const maxDays = env().WHARF_GIT_TOKEN_DAYS;
  if (input.days > maxDays) {
    throw new AppError("INVALID_INPUT", "Some fields need attention.", { fieldErrors: { days: [`At most ${maxDays} days here`] } });
  }
  const token = `${PREFIX}${randomBytes(32).toString("base64url")}`;
  const now = new Date();
  const expiresAt = new Date(now.getTime() + input.days * 86_400_000);
  const actor = ctx.actor;
  return db().$transaction(async (tx) => {
    const active = await tx.gitToken.count({ where: { userId: actor.id, revokedAt: null, expiresAt: { gt: now } } });
    if (active >= MAX_ACTIVE_GIT_TOKENS) {
      throw new AppError("PRECONDITION_FAILED", `You have ${active} active Git access tokens: revoke those you no longer use first.`);
    }
    const created = await tx.gitToken.create({
      data: { userId: actor.id, name: input.name, hash: hashGitToken(token), hint: hintOf(token), createdAt: now, expiresAt },
      select: { id: true, name: true, hint: true, expiresAt: true },
    });
    await recordAudit(tx, ctx, {
      action: "git.token.create",
      target: { type: "git_token", id: created.id, label: `${created.name} (${actor.email})` },
      after: { name: created.name, owner: actor.email, hint: created.hint, expiresAt: created.expiresAt },
    });
    return { id: created.id, name: created.name, expiresAt: created.expiresAt, token };
  });
}

/** The tokens of the acting person, or (`git.token.manage`) of another person by e-mail; newest first. */
export async function listGitTokens(ctx: Ctx, raw: z.input<typeof ZListGitTokens> = {}) {
  const input = parseInput(ZListGitTokens, raw);
  let owner: { id: string; name: string; email: string } = { id: ctx.actor.id, name: ctx.actor.name, email: ctx.actor.email };
  if (input.userEmail && input.userEmail !== ctx.actor.email.toLowerCase()) {
    authorize(ctx, "git.token.manage", platform);
    const found = await db().user.findUnique({ where: { email: input.userEmail }, select: { id: true, name: true, email: true } });
    if (!found) throw new AppError("NOT_FOUND", `There is no user ${input.userEmail}.`);
    owner = found;
  }
  const tokens = await db().gitToken.findMany({
    where: { userId: owner.id },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: {
      id: true,
      name: true,
      hint: true,
      createdAt: true,
      expiresAt: true,
      lastUsedAt: true,
      revokedAt: true,
      revokedBy: { select: { name: true, email: true } },
    },
  });
  return { owner, tokens };
}
export type GitTokenRow = Awaited<ReturnType<typeof listGitTokens>>["tokens"][number];

/** Revokes a token: one's own, or anyone's with `git.token.manage`. Revoking a revoked token changes nothing. */
export async function revokeGitToken(ctx: Ctx, raw: z.input<typeof ZRevokeGitToken>): Promise<{ id: string; revokedAt: Date }> {
  const input = parseInput(ZRevokeGitToken, raw);
  return db().$transaction(async (tx) => {
    const token = await tx.gitToken.findUnique({
      where: { id: input.id },
      select: { id: true, userId: true, name: true, hint: true, revokedAt: true, user: { select: { email: true } } },
    });
    // Someone else's token is "not found" to whoever may not manage tokens: its existence is not theirs to learn.
    if (!token || (token.userId !== ctx.actor.id && !can(ctx.actor, "git.token.manage", platform))) {
      throw new AppError("NOT_FOUND", "This Git access token does not exist.");
    }
    if (token.revokedAt) return { id: token.id, revokedAt: token.revokedAt };
    const now = new Date();
    const revokedById = ctx.actor.kind === "user" ? ctx.actor.id : null;
    await tx.gitToken.update({ where: { id: token.id }, data: { revokedAt: now, revokedById } });
    await recordAudit(tx, ctx, {
      action: "git.token.revoke",
      target: { type: "git_token", id: token.id, label: `${token.name} (${token.user.email})` },
      before: { name: token.name, owner: token.user.email, hint: token.hint, revokedAt: null },
      after: { name: token.name, owner: token.user.email, hint: token.hint, revokedAt: now },
    });
    return { id: token.id, revokedAt: now };
  });
}

export type GitTokenCheck =
  | { ok: true; id: string; userId: string; lastUsedAt: Date | null }
  | { ok: false; reason: "unknown" | "legacy" }
  | { ok: false; reason: "revoked" | "expired"; name: string; at: Date };

/** Who a token belongs to, or why it opens nothing. */
export async function checkGitToken(token: string, now: number = Date.now()): Promise<GitTokenCheck> {
  if (LEGACY_SHAPE.test(token)) return { ok: false, reason: "legacy" };
  if (!SHAPE.test(token)) return { ok: false, reason: "unknown" };
  const found = await db().gitToken.findUnique({
    where: { hash: hashGitToken(token) },
    select: { id: true, userId: true, name: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  if (!found) return { ok: false, reason: "unknown" };
  if (found.revokedAt) return { ok: false, reason: "revoked", name: found.name, at: found.revokedAt };
  if (found.expiresAt.getTime() <= now) return { ok: false, reason: "expired", name: found.name, at: found.expiresAt };
  return { ok: true, id: found.id, userId: found.userId, lastUsedAt: found.lastUsedAt };
}

/**
 * Records that a token was used, cheaply: nothing when the recorded time is
 * recent, else one conditional UPDATE by primary key. Not audited (it changes
 * no right), and a failure is logged, never a failed clone.
 */
export async function recordGitTokenUse(token: { id: string; lastUsedAt: Date | null }, now: number = Date.now()): Promise<void> {
  const staleBefore = new Date(now - LAST_USED_GRANULARITY_MS);
  if (token.lastUsedAt && token.lastUsedAt > staleBefore) return;
  try {
    await db().gitToken.updateMany({
      where: { id: token.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: staleBefore } }] },
      data: { lastUsedAt: new Date(now) },
    });
  } catch (err) {
    log.warn({ err, tokenId: token.id }, "could not record a Git access token's last use");
  }
}
