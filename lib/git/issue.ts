/** Issues a Git access token to the acting user, with an audit event (who got a credential, when). */
import { db } from "@/lib/db/client";
import { recordAudit } from "@/lib/audit/record";
import { AppError } from "@/lib/errors";
import type { Ctx } from "@/lib/context";
import { issueGitToken, type IssuedGitToken } from "./token";

export async function issueGitTokenFor(ctx: Ctx): Promise<IssuedGitToken> {
  if (ctx.actor.kind !== "user") throw new AppError("FORBIDDEN", "Only people get Git access tokens.");
  const issued = issueGitToken(ctx.actor.id);
  await db().$transaction(async (tx) => {
    await recordAudit(tx, ctx, {
      action: "git.token.issue",
      target: { type: "user", id: ctx.actor.id, label: ctx.actor.email },
      after: { expiresAt: issued.expiresAt },
    });
  });
  return issued;
}
