/**
 * The webhook trigger: push events from GitHub, GitLab and Gitea at
 * /api/ci/webhooks/<provider>/<project>, verified with the project's webhook
 * secret (GitHub: X-Hub-Signature-256, HMAC-SHA256 of the body; Gitea:
 * X-Gitea-Signature, the same HMAC in hex; GitLab: X-Gitlab-Token, the
 * secret itself). The secret is sealed at rest (WHARF_ENCRYPTION_KEY, bound
 * to the project) and shown once when created. A request that does not
 * verify is refused (401) before its payload is read: nothing runs.
 */
import { createHmac, randomBytes } from "node:crypto";
import { z } from "zod";
import { projectResource } from "@/lib/access/policy";
import { recordAudit } from "@/lib/audit/record";
import { ZProjectSlug } from "@/lib/catalog/schemas";
import { authorize, systemCtx, type Ctx } from "@/lib/context";
import { decryptSecret, encryptSecret } from "@/lib/crypto/secret-box";
import { secretEquals } from "@/lib/crypto/compare";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError, parseInput } from "@/lib/errors";
import { parseRef } from "./push";
import { startRunsForRef } from "./runs";

export const WEBHOOK_PROVIDERS = ["github", "gitlab", "gitea"] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

const aad = (projectId: string) => `ci-webhook:${projectId}`;

/** Creates (or replaces) a project's webhook secret (`ci.settings.edit`); the secret is returned this once. */
export async function rotateWebhookSecret(ctx: Ctx, raw: { projectSlug: string }): Promise<{ secret: string }> {
  const { projectSlug } = parseInput(z.object({ projectSlug: ZProjectSlug }).strict(), raw);
  const project = await db().project.findUnique({ where: { slug: projectSlug }, select: { id: true, slug: true } });
  if (!project) throw new AppError("NOT_FOUND", `There is no project "${projectSlug}".`);
  authorize(ctx, "ci.settings.edit", projectResource(project.id));
  const secret = randomBytes(32).toString("hex");
  const secretSealed = encryptSecret(secret, env().WHARF_ENCRYPTION_KEY, aad(project.id));
  await db().$transaction(async (tx) => {
    const before = await tx.ciWebhookSecret.findUnique({ where: { projectId: project.id }, select: { createdAt: true } });
    await tx.ciWebhookSecret.upsert({
      where: { projectId: project.id },
      create: { projectId: project.id, secretSealed },
      update: { secretSealed, createdAt: new Date() },
    });
    await recordAudit(tx, ctx, {
      action: "ci.webhook.rotate",
      target: { type: "project", id: project.id, label: project.slug },
      projectId: project.id,
      before: before ? { webhookSecretCreatedAt: before.createdAt } : undefined,
      after: { webhookSecret: "[new]" },
    });
  });
  return { secret };
}

function hmacHex(secret: string, body: Buffer) {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** Does the request carry the project's secret, as its provider signs? */
export function verifyWebhook(provider: WebhookProvider, headers: Headers, body: Buffer, secret: string): boolean {
  switch (provider) {
    case "github":
      return secretEquals(headers.get("x-hub-signature-256"), `sha256=${hmacHex(secret, body)}`);
    case "gitea":
      return secretEquals((headers.get("x-gitea-signature") ?? "").toLowerCase(), hmacHex(secret, body));
    case "gitlab":
      return secretEquals(headers.get("x-gitlab-token"), secret);
  }
}

const ZPerson = z.looseObject({ name: z.string().optional(), email: z.string().optional(), username: z.string().optional() });
const ZCommit = z.looseObject({ id: z.string(), message: z.string().default(""), author: ZPerson.optional() });
/** The push payload fields Wharf reads; the three providers share these names. */
const ZPushPayload = z.looseObject({
  ref: z.string().min(1),
  after: z.string().regex(/^[0-9a-f]{40}$/),
  checkout_sha: z.string().nullish(),
  head_commit: ZCommit.nullish(),
  commits: z.array(ZCommit).default([]),
});

/** Is this request a push event (others, such as GitHub's ping, are answered and ignored)? */
function isPushEvent(provider: WebhookProvider, headers: Headers) {
  if (provider === "github") return headers.get("x-github-event") === "push";
  if (provider === "gitea") return headers.get("x-gitea-event") === "push";
  return ["Push Hook", "Tag Push Hook"].includes(headers.get("x-gitlab-event") ?? "");
}

export type WebhookOutcome = { started: string[]; ignored?: string };

/** Verifies and handles one webhook request. Throws UNAUTHENTICATED (401) when it does not verify. */
export async function receiveWebhook(provider: string, projectSlug: string, headers: Headers, body: Buffer): Promise<WebhookOutcome> {
  const unauthenticated = () => new AppError("UNAUTHENTICATED", "The webhook's signature or token does not match this project's webhook secret.");
  const p = z.enum(WEBHOOK_PROVIDERS).safeParse(provider);
  if (!p.success) throw new AppError("NOT_FOUND", `Wharf takes webhooks from ${WEBHOOK_PROVIDERS.join(", ")}.`);
  if (!ZProjectSlug.safeParse(projectSlug).success) throw unauthenticated();
  const project = await db().project.findUnique({ where: { slug: projectSlug }, select: { id: true, ciWebhook: { select: { secretSealed: true } } } });
  // An unknown project and a wrong signature look the same: the caller learns nothing about which projects exist.
  if (!project?.ciWebhook) throw unauthenticated();
  const secret = decryptSecret(project.ciWebhook.secretSealed, env().WHARF_ENCRYPTION_KEY, aad(project.id));
  if (!verifyWebhook(p.data, headers, body, secret)) throw unauthenticated();

  if (!isPushEvent(p.data, headers)) return { started: [], ignored: "not a push event" };
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new AppError("INVALID_INPUT", "The webhook's body is not JSON.");
  }
  const payload = parseInput(ZPushPayload, json);
  const ref = parseRef(payload.ref);
  if (!ref) return { started: [], ignored: `ref ${payload.ref} is not a branch or tag` };
  if (/^0+$/.test(payload.after)) return { started: [], ignored: "the ref was deleted" };
  const sha = payload.checkout_sha && /^[0-9a-f]{40}$/.test(payload.checkout_sha) ? payload.checkout_sha : payload.after;
  const head = payload.head_commit ?? payload.commits.find((c) => c.id === sha) ?? payload.commits.at(-1);
  const author = head?.author ? `${head.author.name ?? head.author.username ?? ""}${head.author.email ? ` <${head.author.email}>` : ""}`.trim() : "";
  const runs = await startRunsForRef(
    systemCtx(`webhook-${p.data}`),
    project.id,
    { ...ref, commit: sha, message: head?.message.trim() ?? "", author },
    "webhook",
  );
  return { started: runs.map((r) => r.id) };
}
