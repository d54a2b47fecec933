/**
 * The credential Alertmanager sends with every call to Wharf's webhook
 * (`Authorization: Bearer <token>`, from its `http_config.authorization`).
 * WHARF_ALERT_WEBHOOK_TOKEN when set (an Alertmanager Wharf does not
 * configure); otherwise derived from WHARF_ENCRYPTION_KEY, so every web
 * process and the configuration writer agree without storing a secret.
 */
import { createHmac } from "node:crypto";
import { env } from "@/lib/env";
import { secretEquals } from "@/lib/crypto/compare";

export function alertWebhookToken(): string {
  const e = env();
  if (e.WHARF_ALERT_WEBHOOK_TOKEN) return e.WHARF_ALERT_WEBHOOK_TOKEN;
  return createHmac("sha256", Buffer.from(e.WHARF_ENCRYPTION_KEY, "base64")).update("wharf alertmanager webhook v1").digest("base64url");
}

/** True when an Authorization header carries the webhook's token (compared in constant time). */
export function isAlertWebhookCall(authorization: string | null): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  return Boolean(m && secretEquals(m[1].trim(), alertWebhookToken()));
}
