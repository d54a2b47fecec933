/**
 * Apollo's access-key signature (apollo-core Signature, the config service's
 * ClientAuthenticationFilter): `Authorization: Apollo <appId>:<signature>`
 * with signature = base64(HmacSHA1(secret, `<timestamp>\n<pathWithQuery>`))
 * and `Timestamp: <ms since epoch>`, valid within 60 s of the server's clock.
 * The path is the one the client requested, with its query, undecoded: with
 * Wharf's environment prefix (`/dev/configs/...`), since clients sign the
 * URL they call.
 */
import { createHmac } from "node:crypto";
import { secretEquals } from "@/lib/crypto/compare";

/** Apollo's default `apollo.access-key.auth-time-diff-tolerance` (seconds), in ms. */
export const SIGNATURE_TOLERANCE_MS = 60_000;

export function apolloSignature(timestamp: string, pathWithQuery: string, secret: string): string {
  return createHmac("sha1", secret).update(`${timestamp}\n${pathWithQuery}`).digest("base64");
}

/** The headers a client sends (for tests and the bench: what the Apollo clients compute). */
export function signedHeaders(appId: string, url: string, secret: string, now = Date.now()): Record<string, string> {
  const u = new URL(url);
  const timestamp = String(now);
  return { Authorization: `Apollo ${appId}:${apolloSignature(timestamp, u.pathname + u.search, secret)}`, Timestamp: timestamp };
}

export type SignatureCheck = "ok" | "RequestTimeTooSkewed" | "Unauthorized";

/** Checks a request's signature against the app's enabled secrets, as Apollo's filter does (the reason words are Apollo's). */
export function checkSignature(req: {
  authorization: string | undefined;
  timestamp: string | undefined;
  pathWithQuery: string;
  secrets: readonly string[];
  now?: number;
}): SignatureCheck {
  const ts = Number(req.timestamp);
  if (!req.timestamp || !/^\d{1,16}$/.test(req.timestamp) || Math.abs((req.now ?? Date.now()) - ts) >= SIGNATURE_TOLERANCE_MS) return "RequestTimeTooSkewed";
  // `Apollo <appId>:<signature>`: Apollo compares what follows the first colon.
  const given = req.authorization?.split(":")[1];
  if (!given) return "Unauthorized";
  let ok = false;
  // Every secret is compared (no early exit), in constant time.
  for (const secret of req.secrets) ok = secretEquals(given, apolloSignature(req.timestamp, req.pathWithQuery, secret)) || ok;
  return ok ? "ok" : "Unauthorized";
}
