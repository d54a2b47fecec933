/**
 * The one Alertmanager client (API v2, as in Alertmanager 0.25): alerts,
 * silences, status and reload. Every call is bounded
 * (WHARF_ALERTMANAGER_TIMEOUT_MS), answers are parsed with zod, and failures
 * come back as values that say why in words ("Alertmanager at X refused the
 * connection: is it running?"), never as exceptions into a page.
 */
import { z } from "zod";
import { envPart } from "@/lib/env";

export type AmResult<T> = { ok: true; data: T } | { ok: false; reason: string; status?: number };

const ZLabels = z.record(z.string(), z.string());

/** GET /api/v2/alerts: one alert as Alertmanager holds it. */
export const ZAmAlert = z.object({
  fingerprint: z.string(),
  labels: ZLabels,
  annotations: ZLabels.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  updatedAt: z.string().optional(),
  generatorURL: z.string().optional().default(""),
  status: z.object({ state: z.enum(["active", "suppressed", "unprocessed"]), silencedBy: z.array(z.string()), inhibitedBy: z.array(z.string()) }),
  receivers: z.array(z.object({ name: z.string() })).default([]),
});
export type TAmAlert = z.infer<typeof ZAmAlert>;

export const ZMatcher = z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().default(true) });
export type TMatcher = z.infer<typeof ZMatcher>;

/** GET /api/v2/silences: one silence. */
export const ZAmSilence = z.object({
  id: z.string(),
  matchers: z.array(ZMatcher),
  startsAt: z.string(),
  endsAt: z.string(),
  updatedAt: z.string().optional(),
  createdBy: z.string(),
  comment: z.string(),
  status: z.object({ state: z.enum(["active", "pending", "expired"]) }),
});
export type TAmSilence = z.infer<typeof ZAmSilence>;

export const ZAmStatus = z.object({
  cluster: z.object({ status: z.string() }).partial().optional(),
  config: z.object({ original: z.string() }).optional(),
  uptime: z.string().optional(),
  versionInfo: z.record(z.string(), z.string()).optional(),
});

/**
 * The Alertmanager Wharf talks to, or null when WHARF_ALERTMANAGER_URL is unset. Read with envPart, like the
 * Prometheus URL: `npm run dev` sets it after the configuration was first read (it starts Alertmanager beside the
 * sandbox), and the worker in that process must see it.
 */
export function alertmanagerUrl(): string | null {
  return envPart("WHARF_ALERTMANAGER_URL").WHARF_ALERTMANAGER_URL?.replace(/\/$/, "") ?? null;
}

function describe(url: string, e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const who = `Alertmanager at ${url}`;
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `${who} did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
  const code = err?.cause?.code;
  if (code === "ECONNREFUSED") return `${who} refused the connection: is it running?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `${who}: its host name does not resolve`;
  return `${who} could not be reached: ${err?.cause?.message ?? err?.message ?? String(e)}`;
}

/** One bounded call; the JSON answer parsed with `schema` (or none, for calls that answer nothing useful). */
export async function amCall<T>(
  method: "GET" | "POST" | "DELETE",
  path: string,
  schema: z.ZodType<T>,
  opts: { body?: unknown; query?: Record<string, string | string[]>; timeoutMs?: number } = {},
): Promise<AmResult<T>> {
  const base = alertmanagerUrl();
  if (!base) return { ok: false, reason: "No Alertmanager is configured (WHARF_ALERTMANAGER_URL is unset)" };
  const timeoutMs = opts.timeoutMs ?? envPart("WHARF_ALERTMANAGER_TIMEOUT_MS").WHARF_ALERTMANAGER_TIMEOUT_MS;
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(opts.query ?? {})) for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
  try {
    const res = await fetch(url, {
      method,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
      headers: opts.body === undefined ? {} : { "content-type": "application/json" },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    if (!res.ok) {
      // Alertmanager answers 400 with a JSON string or plain text saying what is wrong.
      let reason = text.trim();
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === "string") reason = parsed;
      } catch {
        /* plain text */
      }
      return { ok: false, status: res.status, reason: `Alertmanager answered ${res.status}: ${reason.slice(0, 500) || res.statusText}` };
    }
    const parsed = schema.safeParse(text ? JSON.parse(text) : null);
    if (!parsed.success) return { ok: false, reason: `Alertmanager's answer to ${path} was not understood: ${parsed.error.issues[0]?.message ?? "invalid"}` };
    return { ok: true, data: parsed.data };
  } catch (e) {
    return { ok: false, reason: describe(base, e, timeoutMs) };
  }
}

/** Alerts Alertmanager holds now, optionally filtered by matchers such as `project="shop"`. */
export function amAlerts(filter: string[] = [], opts: { active?: boolean; silenced?: boolean; inhibited?: boolean } = {}) {
  return amCall("GET", "/api/v2/alerts", z.array(ZAmAlert), {
    query: {
      filter,
      active: String(opts.active ?? true),
      silenced: String(opts.silenced ?? true),
      inhibited: String(opts.inhibited ?? true),
    },
  });
}

export function amSilences(filter: string[] = []) {
  return amCall("GET", "/api/v2/silences", z.array(ZAmSilence), { query: { filter } });
}

export function amCreateSilence(silence: { matchers: TMatcher[]; startsAt: string; endsAt: string; createdBy: string; comment: string; id?: string }) {
  return amCall("POST", "/api/v2/silences", z.object({ silenceID: z.string() }), { body: silence });
}

export function amExpireSilence(id: string) {
  return amCall("DELETE", `/api/v2/silence/${encodeURIComponent(id)}`, z.unknown());
}

export function amStatus() {
  return amCall("GET", "/api/v2/status", ZAmStatus);
}

/** Asks Alertmanager to read its configuration file again (POST /-/reload): 200, or the reason it refused. */
export async function amReload(): Promise<AmResult<null>> {
  const base = alertmanagerUrl();
  if (!base) return { ok: false, reason: "No Alertmanager is configured (WHARF_ALERTMANAGER_URL is unset)" };
  const timeoutMs = envPart("WHARF_ALERTMANAGER_TIMEOUT_MS").WHARF_ALERTMANAGER_TIMEOUT_MS;
  try {
    const res = await fetch(`${base}/-/reload`, { method: "POST", redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok)
      return { ok: false, status: res.status, reason: `Alertmanager refused the reload (${res.status}): ${(await res.text()).trim().slice(0, 500)}` };
    return { ok: true, data: null };
  } catch (e) {
    return { ok: false, reason: describe(base, e, timeoutMs) };
  }
}
