/**
 * The one schema of Wharf's environment variables, validated with zod once at
 * start-up (instrumentation.ts for the web app, the worker's entry point).
 * A missing or bad variable stops the process with a message naming it.
 * Every variable Wharf reads is declared here; nothing reads process.env
 * directly (the database client and the logger read their part through
 * `envPart`, so scripts that only migrate or seed need no secrets).
 */
import { z } from "zod";
import { ZPrometheusUrl } from "./monitoring/source-url";

const switchValue = z.enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""]).optional();
const isOn = (v: string | undefined) => v === "1" || v === "true" || v === "yes" || v === "on";
const booleanish = switchValue.transform(isOn);
/** As `booleanish`, but on when unset or empty. */
const booleanishOn = switchValue.transform((v) => v === undefined || v === "" || isOn(v));

const ms = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: "must be a number of milliseconds" })
    .int()
    .min(min, { message: `at least ${min}` })
    .max(max, { message: `at most ${max}` })
    .default(fallback);

const base64Key = z
  .string({ error: "required: 32 random bytes, base64-encoded (openssl rand -base64 32)" })
  .refine((v) => Buffer.from(v, "base64").length === 32, {
    message: "must be 32 bytes, base64-encoded (openssl rand -base64 32)",
  });

const RATE_UNITS = { s: 1, m: 60, h: 3600 } as const;

/**
 * A rate limit written as `<requests>/<window>`, e.g. `30/1m`, `10/15m`,
 * `600/1h`; `off` (or `0`) turns it off. Parsed to requests per window in seconds.
 */
const rateLimit = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const text = v.trim().toLowerCase();
      if (text === "off" || text === "0") return null;
      const m = /^(\d+)\s*\/\s*(\d*)\s*(s|m|h)$/.exec(text);
      const points = m ? Number(m[1]) : 0;
      const durationSec = m ? Number(m[2] || "1") * RATE_UNITS[m[3] as keyof typeof RATE_UNITS] : 0;
      if (!m || points < 1 || durationSec < 1 || durationSec > 86_400) {
        ctx.addIssue({ code: "custom", message: `must be <requests>/<window> such as ${fallback} (s, m or h; at most 24h), or off` });
        return z.NEVER;
      }
      return { points, durationSec };
    });

/** The variables, before the rules that relate them. */
export const ZEnvVariables = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string({ error: "required: the Postgres connection string, e.g. postgresql://wharf:secret@db:5432/wharf" })
    .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: "must start with postgresql://" }),
  /** Encrypts kubeconfigs at rest (AES-256-GCM). */
  WHARF_ENCRYPTION_KEY: base64Key,
  /** Signs session tokens (next-auth). */
  NEXTAUTH_SECRET: z
    .string({ error: "required: a random secret of at least 32 characters (openssl rand -base64 32)" })
    .min(32, { message: "must be at least 32 characters" }),
  NEXTAUTH_URL: z.url({ message: "must be the portal's public URL, e.g. https://wharf.example.com" }).optional(),
  /** Lists the seeded demo users on the sign-in page. Never on unless set. */
  WHARF_DEV_LOGIN: booleanish,
  OIDC_ISSUER: z.url({ message: "must be the issuer URL of your OpenID Connect provider" }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_DISPLAY_NAME: z.string().min(1).default("Single sign-on"),
  /** Comma-separated e-mails that become admins at their first sign-in (bootstrap). */
  WHARF_ADMIN_EMAILS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** When set, /api/metrics requires `Authorization: Bearer <token>`. */
  WHARF_METRICS_TOKEN: z.string().min(16, { message: "must be at least 16 characters" }).optional(),
  /** pino level; unset: info, or error under tests. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  WHARF_CLUSTER_TIMEOUT_MS: ms(100, 60_000, 5_000),
  /** Bound of each cluster read for a page (matrix, rollouts, pods). */
  WHARF_CLUSTER_READ_TIMEOUT_MS: ms(100, 60_000, 1_200),
  /** How long a cluster read for a page is reused. */
  WHARF_CLUSTER_READ_CACHE_MS: ms(0, 600_000, 3_000),
  /** Lines held for one log viewer that does not read (a slow network); past it the oldest are dropped and the viewer is told. */
  WHARF_LOG_VIEWER_MAX_LINES: z.coerce.number({ message: "must be a whole number of lines" }).int().min(10).max(1_000_000).default(10_000),
  /** Bytes of lines held for one log viewer that does not read; past it the oldest are dropped. */
  WHARF_LOG_VIEWER_MAX_BYTES: z.coerce
    .number({ message: "must be a number of bytes" })
    .int()
    .min(1_024)
    .max(512 * 1024 * 1024)
    .default(8 * 1024 * 1024),
  /** The most of one CI step's log Wharf keeps (streamed and archived); the rest is cut off with a note. */
  WHARF_CI_LOG_CAP_BYTES: z.coerce
    .number({ message: "must be a number of bytes" })
    .int()
    .min(1_024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Log center: container log streams one web process keeps open per cluster (past it a tail shows "limit" for that container). */
  WHARF_LOG_UPSTREAMS_PER_CLUSTER: z.coerce.number({ message: "must be a whole number" }).int().min(1).max(100_000).default(200),
  /** Log center: how long a container's log stream stays open after its last viewer left (a reload finds it still there). */
  WHARF_LOG_IDLE_CLOSE_MS: ms(0, 3_600_000, 30_000),
  /** Log center: recent lines kept per open container stream, served to new viewers without asking the cluster again. */
  WHARF_LOG_RING_LINES: z.coerce.number({ message: "must be a whole number" }).int().min(0).max(100_000).default(1_000),
  /** Log center: the most bytes of recent lines kept per open container stream. */
  WHARF_LOG_RING_BYTES: z.coerce
    .number({ message: "must be a number of bytes" })
    .int()
    .min(0)
    .max(256 * 1024 * 1024)
    .default(512 * 1024),
  /** Attempts of a release's steps on a cluster that does not answer. */
  WHARF_RELEASE_APPLY_ATTEMPTS: z.coerce.number({ message: "must be a whole number" }).int().min(1).max(25).default(4),
  WHARF_WORKER_CONCURRENCY: z.coerce.number({ message: "must be a whole number" }).int().min(1).max(64).default(4),
  /** The worker serves Prometheus metrics on this port (0: off). */
  WHARF_WORKER_METRICS_PORT: z.coerce.number({ message: "must be a port number" }).int().min(0).max(65_535).default(0),
  /** A worker silent this long has its jobs released to the others. */
  WHARF_WORKER_DEAD_AFTER_MS: ms(2_000, 3_600_000, 45_000),
  /**
   * Connections each process keeps to Postgres. 20: a process that runs the
   * web app and the worker (dev, one-box installs) keeps room for requests
   * beside the worker's jobs (WHARF_WORKER_CONCURRENCY each).
   */
  WHARF_DB_POOL: z.coerce.number({ message: "must be a whole number" }).int().min(1).max(200).default(20),
  /**
   * How long a transaction waits for a connection before it is answered
   * "busy, try again" (UNAVAILABLE). 20 s: 50 approvals at once on a loaded
   * 2-core machine all get through (npm run bench:provision).
   */
  WHARF_DB_TX_WAIT_MS: ms(100, 120_000, 20_000),
  /**
   * Whether the statements on most requests are prepared once per connection (lib/db/prepared.ts). Turn it off
   * behind a pooler that cannot keep prepared statements: PgBouncer in transaction mode before 1.21.
   */
  WHARF_DB_PREPARE: booleanishOn,
  /** How long one interactive transaction may run. */
  WHARF_DB_TX_TIMEOUT_MS: ms(1_000, 600_000, 15_000),
  /** Prefix of user names in the clusters' RoleBindings, as their OIDC username claim makes them (e.g. "oidc:"). */
  WHARF_K8S_USER_PREFIX: z.string().max(40).default(""),
  /** Extra template folders (one per template) listed beside the built-in ones in templates/. */
  WHARF_TEMPLATES_DIR: z.string().min(1, { message: "must be a directory path, or unset" }).optional(),
  /** The portal's own Git store: one bare repository per project, `<dir>/<slug>.git`. */
  WHARF_REPO_DIR: z.string().min(1, { message: "must be a directory path, or unset for .wharf/repos" }).default(".wharf/repos"),
  /** When set, new project repositories are pushed there instead of the portal's store. */
  WHARF_GIT_REMOTE_URL: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(
      z
        .string()
        .refine((v) => /^(https?|ssh|file):\/\//.test(v), {
          message: "must be a URL template starting with https://, http://, ssh:// or file://, e.g. https://git.example.com/{team}/{project}.git",
        })
        .refine((v) => v.includes("{project}"), {
          message: "must contain {project} (and may contain {team}), e.g. https://git.example.com/{team}/{project}.git",
        })
        .refine((v) => !/^https?:\/\/[^/]*@/.test(v), { message: "must not contain credentials: set WHARF_GIT_USERNAME and WHARF_GIT_TOKEN instead" })
        .optional(),
    ),
  /** Credentials for WHARF_GIT_REMOTE_URL over HTTP(S) (a bot account and its access token). */
  WHARF_GIT_USERNAME: z.string().min(1).optional(),
  WHARF_GIT_TOKEN: z.string().min(1).optional(),
  /** Anyone may clone from the portal's Git store without credentials. For local development only. */
  WHARF_GIT_PUBLIC_READ: booleanish,
  /** How long a Git access token (from /git/token) stays valid. */
  WHARF_GIT_TOKEN_DAYS: z.coerce.number({ message: "must be a number of days" }).int().min(1).max(366).default(90),
  /** Sign-in requests (next-auth's signin and callback routes) per client address. */
  WHARF_RATE_LIMIT_SIGNIN: rateLimit("30/1m"),
  /** Git smart-HTTP requests (/git/*) per client address. */
  WHARF_RATE_LIMIT_GIT: rateLimit("600/1m"),
  /** Failed Git Basic-auth attempts per client address; past it the address gets 429 on /git/* until the window ends. */
  WHARF_RATE_LIMIT_GIT_AUTH_FAILURES: rateLimit("10/15m"),
  /** Requests to public routes without a session (/api/metrics) per client address. /api/health is never limited. */
  WHARF_RATE_LIMIT_PUBLIC: rateLimit("60/1m"),
  /**
   * How many reverse proxies in front of the portal append the client's address to X-Forwarded-For:
   * rate limits key on the entry this many places from the right (1: one load balancer or ingress).
   */
  WHARF_PROXY_HOPS: z.coerce.number({ message: "must be a whole number of proxies" }).int().min(1).max(10).default(1),
  /**
   * The Prometheus (or Thanos, Mimir, VictoriaMetrics: any Prometheus HTTP API) every cluster's metrics are read from,
   * its series labelled `cluster="<registry name>"`. A cluster may name its own instead (its admin page). Unset: no monitoring.
   */
  WHARF_PROMETHEUS_URL: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(ZPrometheusUrl.optional()),
  /** Bound of each Prometheus query for a page, per source. */
  WHARF_PROMETHEUS_TIMEOUT_MS: ms(100, 60_000, 1_500),
  /** The folder of rule files the Prometheus at WHARF_PROMETHEUS_URL loads (its `rule_files` glob); Wharf writes there and reloads it. */
  WHARF_PROMETHEUS_RULES_DIR: z.string().min(1, { message: "must be a directory path, or unset" }).optional(),
  /** The Alertmanager that Prometheus sends alerts to (Wharf reads and silences alerts there). */
  WHARF_ALERTMANAGER_URL: z
    .string()
    .optional()
    .transform((v) => v || undefined)
    .pipe(ZPrometheusUrl.optional()),
  /**
   * The bearer token Alertmanager sends to Wharf's webhook (/api/alerts/webhook). Unset: derived from WHARF_ENCRYPTION_KEY
   * and written into the Alertmanager configuration Wharf generates. Set it when your Alertmanager is configured elsewhere.
   */
  WHARF_ALERT_WEBHOOK_TOKEN: z.string().min(24, { message: "must be at least 24 characters" }).optional(),
  /**
   * Where Wharf writes the Alertmanager configuration it generates from the CMDB (then reloads the Alertmanager at
   * WHARF_ALERTMANAGER_URL). Unset: Wharf does not write Alertmanager's configuration.
   */
  WHARF_ALERTMANAGER_CONFIG_FILE: z.string().min(1, { message: "must be a file path, or unset" }).optional(),
  /** Bound of each call to Alertmanager's API (alerts, silences). */
  WHARF_ALERTMANAGER_TIMEOUT_MS: ms(100, 60_000, 2_000),
  /**
   * group_wait of the Alertmanager configuration Wharf generates: how long the first alert of a group waits for others
   * before it is sent. Unset: 30s in production, 5s otherwise (dev, tests). docs/alerting.md#routing.
   */
  WHARF_ALERTMANAGER_GROUP_WAIT: z
    .string()
    .regex(/^([0-9]+(ms|s|m|h))+$/, { message: "must be a duration such as 5s, 30s or 1m" })
    .optional(),
  /**
   * Slack's Web API (chat.postMessage, chat.update) for teams that connect a Slack app to post incidents and update
   * them in place (lib/alerting/chat.ts). Only tests and air-gapped proxies change it.
   */
  WHARF_SLACK_API_URL: z.url({ message: "must be an http(s) URL such as https://slack.com/api" }).default("https://slack.com/api"),
  /** Bound of each post to a chat service (team webhooks, Slack's Web API). */
  WHARF_CHAT_TIMEOUT_MS: ms(100, 60_000, 10_000),
  /**
   * Minutes before an alert fired within which a release of its service in its environment is taken as its cause
   * (the incident is linked to that release; lib/alerting/link.ts).
   */
  WHARF_INCIDENT_RELEASE_WINDOW: z.coerce
    .number({ message: "must be a number of minutes" })
    .int({ message: "must be a whole number of minutes" })
    .min(1, { message: "at least 1 minute" })
    .max(1440, { message: "at most 1440 minutes (a day)" })
    .default(30),
  /** Days alerts, their history and webhook deliveries are kept (396: 13 months); incidents are kept. */
  WHARF_ALERT_RETENTION_DAYS: z.coerce
    .number({ message: "must be a number of days" })
    .int({ message: "must be a whole number of days" })
    .min(1, { message: "at least 1 day" })
    .max(3660, { message: "at most 3660 days" })
    .default(396),
  /**
   * The catch-up poll resolves an alert Wharf holds as firing once Alertmanager no longer has it and nobody has
   * reported it for this long (an Alertmanager that restarted is given time to hear from Prometheus again).
   */
  WHARF_ALERT_CATCHUP_GRACE_MS: ms(0, 3_600_000, 300_000),
  /** Port of the Apollo config service (`npm run config-service`); clients use `http://<host>:<port>/<env>`. */
  WHARF_CONFIG_SERVICE_PORT: z.coerce.number({ message: "must be a port number" }).int().min(0).max(65_535).default(8090),
  /** The config service's public URL (behind a load balancer), for Apollo's meta-server answer; unset: the Host header of each request. */
  WHARF_CONFIG_SERVICE_URL: z.url({ message: "must be a URL such as https://config.example.com" }).optional(),
  /** How long a long poll (/notifications/v2) is held before 304. Apollo clients time out at 70-90 s: keep it under 60 s. */
  WHARF_CONFIG_POLL_TIMEOUT_MS: ms(100, 85_000, 60_000),
  /** Long polls one config-service process holds at most; past it a poll is answered 304 early (the client polls again). */
  WHARF_CONFIG_MAX_POLLS: z.coerce.number({ message: "must be a whole number" }).int().min(1).max(1_000_000).default(50_000),
  /** How long the config service reuses the pods (IP -> name, labels) it read from a namespace for gray rules by label. */
  WHARF_CONFIG_POD_CACHE_MS: ms(0, 60_000, 5_000),
  /** An instance's "last seen" is written at most once per this period (a new release key is written at once). */
  WHARF_CONFIG_INSTANCE_WRITE_MS: ms(1_000, 3_600_000, 60_000),
});

export const ZEnv = ZEnvVariables.superRefine((env, ctx) => {
  const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    for (const key of ["OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when any OIDC_* variable is set" });
    }
  }
  if (Boolean(env.WHARF_GIT_USERNAME) !== Boolean(env.WHARF_GIT_TOKEN)) {
    for (const key of ["WHARF_GIT_USERNAME", "WHARF_GIT_TOKEN"] as const) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when the other of WHARF_GIT_USERNAME / WHARF_GIT_TOKEN is set" });
    }
  }
  if (env.WHARF_GIT_TOKEN && !env.WHARF_GIT_REMOTE_URL?.startsWith("http")) {
    ctx.addIssue({
      code: "custom",
      path: ["WHARF_GIT_TOKEN"],
      message: "only used with an http(s) WHARF_GIT_REMOTE_URL; set that too, or unset the credentials",
    });
  }
  if (env.NODE_ENV === "production") {
    if (!env.OIDC_ISSUER) {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_ISSUER"],
        message: "required in production: nobody could sign in (set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET)",
      });
    }
    // Both open the portal to anyone who can reach it: development conveniences, never a production setting.
    if (env.WHARF_DEV_LOGIN) {
      ctx.addIssue({
        code: "custom",
        path: ["WHARF_DEV_LOGIN"],
        message: "must not be set in production: it lets anyone sign in as a demo user. Unset it and use OIDC.",
      });
    }
    if (env.WHARF_GIT_PUBLIC_READ) {
      ctx.addIssue({
        code: "custom",
        path: ["WHARF_GIT_PUBLIC_READ"],
        message: "must not be set in production: it lets anyone clone every project's code. Unset it; people clone with a token from /git/token.",
      });
    }
    if (!env.WHARF_METRICS_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["WHARF_METRICS_TOKEN"],
        message: "required in production: /api/metrics would be open to anyone (set a random token of at least 16 characters and give it to Prometheus)",
      });
    }
  }
});

export type Env = z.infer<typeof ZEnv>;

export class EnvError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      "Wharf cannot start: the configuration is incomplete.\n" +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join("\n") +
        "\nSee README.md, section Configuration.",
    );
    this.name = "EnvError";
  }
}

/** Parses an environment; throws an EnvError naming every bad variable. */
export function loadEnv(env: Record<string, string | undefined> = process.env): Env {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    throw new EnvError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "environment"),
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

let cached: Env | undefined;

/** The process's configuration (validated once, then cached). */
export function env(): Env {
  cached ??= loadEnv();
  return cached;
}

const partCache = new Map<string, { raw: string; value: unknown }>();

/**
 * Some variables of the same schema, for code that runs before (or without)
 * the whole configuration: the database client in migration scripts, the
 * logger. Re-read when the variables change (tests give each file its own
 * database).
 */
export function envPart<K extends keyof Env & string>(...keys: K[]): Pick<Env, K> {
  const id = keys.join(",");
  const raw = JSON.stringify(keys.map((k) => process.env[k]));
  const hit = partCache.get(id);
  if (hit && hit.raw === raw) return hit.value as Pick<Env, K>;
  // zod cannot type a pick by a runtime list of keys; the keys are checked against Env above.
  const schema = (ZEnvVariables as unknown as z.ZodObject).pick(Object.fromEntries(keys.map((k) => [k, true])) as Record<string, true> & Record<number, never>);
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    throw new EnvError(parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? "environment"), message: issue.message })));
  }
  partCache.set(id, { raw, value: parsed.data });
  return parsed.data as unknown as Pick<Env, K>;
}

/** True when the generic OIDC provider is configured. */
export function oidcEnabled(c: Env = env()): boolean {
  return Boolean(c.OIDC_ISSUER && c.OIDC_CLIENT_ID && c.OIDC_CLIENT_SECRET);
}
