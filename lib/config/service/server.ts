/**
 * The Apollo config service: what Apollo clients call, unchanged, served for
 * every environment under a path prefix (a client's config-service URL is
 * `http://<host>:<port>/<env>`):
 *
 *   GET /{env}/configs/{appId}/{cluster}/{namespace}?releaseKey&ip&label&dataCenter
 *       Apollo's JSON, or 304 when releaseKey is current; 404 when nothing is published
 *   GET /{env}/configfiles/json/{appId}/{cluster}/{namespace}   the configurations object
 *   GET /{env}/configfiles/{appId}/{cluster}/{namespace}        properties text (a file namespace: the file)
 *   GET /{env}/configfiles/raw/{appId}/{cluster}/{namespace}    the same, typed by the namespace's format
 *   GET /{env}/notifications/v2?appId&cluster&notifications     long polling
 *   GET /{env}/services/config                                  Apollo's meta-server answer (Java clients' apollo.meta)
 *   GET /health                                                 200 while the database answers
 *
 * No Next.js, no state but caches: several instances behind one URL each
 * LISTEN to Postgres, so a publish wakes the polls held by all of them.
 */
import http from "node:http";
import os from "node:os";
import { isIP, type AddressInfo } from "node:net";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { childLogger } from "@/lib/log";
import { isEnvKind, type EnvKind } from "@/lib/catalog/environments";
import { asPropertiesText, findServiceByAppId, namespaceKey, resolveClientConfig, watchKeys, type ClientConfig } from "../resolve";
import type { InstanceIdentity } from "../gray-rule";
import { enabledAccessSecrets } from "../access-keys";
import { ConfigListener, type ListenerOptions } from "./listener";
import { PollHub, type PollNamespace } from "./polls";
import { AnswerCache } from "./answers";
import { PodDirectory } from "./pods";
import { InstanceRecorder } from "./instances";
import { checkSignature } from "./signature";

const log = childLogger("config-service");

export interface ConfigServiceOptions {
  /** 0: a free port. Default WHARF_CONFIG_SERVICE_PORT. */
  port?: number;
  host?: string;
  pollTimeoutMs?: number;
  maxPolls?: number;
  podCacheMs?: number;
  instanceWriteMs?: number;
  /** How often recorded instances are written (default 1 s). */
  instanceFlushMs?: number;
  listener?: ListenerOptions;
}

export interface ConfigService {
  /** `http://<host>:<port>`; a client of environment dev uses `${url}/dev`. */
  url: string;
  port: number;
  /** Long polls held now. */
  held(): number;
  listener: ConfigListener;
  /** Writes the instances seen so far (tests, shutdown). */
  flushInstances(): Promise<void>;
  stop(): Promise<void>;
}

/** Apollo's name rule for clusters and namespaces (InputValidator): letters, digits, `_ . -`. */
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const ZNotifications = z.array(z.object({ namespaceName: z.string().max(200).nullish(), notificationId: z.number().int().default(-1) }).loose()).max(200);
/** Apollo's `label` as `key=value[,key=value]`: used when the IP is no known pod. */
const ZLabel = z
  .string()
  .max(500)
  .regex(/^[\w./-]+=[\w.-]*(,[\w./-]+=[\w.-]*)*$/);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Access keys per environment and app: the opened secrets of enabled keys (none: unsigned clients are served). */
class AccessKeys {
  private readonly cache = new Map<string, { at: number; value: Promise<string[]> }>();

  secretsFor(environment: EnvKind, appId: string): Promise<string[]> {
    const key = `${environment}+${appId}`;
    const hit = this.cache.get(key);
    // Dropped by the access channel's NOTIFY; a minute at most in case one was missed.
    if (hit && Date.now() - hit.at < 60_000) return hit.value;
    const value = findServiceByAppId(appId).then((s) => (s ? enabledAccessSecrets(s.id, environment) : []));
    value.catch(() => this.cache.delete(key));
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  forget(key?: string) {
    if (key === undefined) this.cache.clear();
    else this.cache.delete(key);
  }
}

function clientIp(req: http.IncomingMessage, reported: string | null): string {
  // node:net's check rather than zod's: this runs on every request, and zod builds an error object for each absent IP.
  if (reported && isIP(reported)) return reported;
  // Behind a load balancer, the entry the nearest trusted proxy wrote (WHARF_PROXY_HOPS from the right).
  const xff = String(req.headers["x-forwarded-for"] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const forwarded = xff.length ? xff[Math.max(0, xff.length - env().WHARF_PROXY_HOPS)] : undefined;
  const addr = forwarded ?? req.socket.remoteAddress ?? "";
  return addr.replace(/^::ffff:/, "");
}

function labelsOf(label: string | null): Record<string, string> | undefined {
  if (!label) return undefined;
  const parsed = ZLabel.safeParse(label);
  if (!parsed.success) return undefined;
  return Object.fromEntries(parsed.data.split(",").map((kv) => kv.split("=") as [string, string]));
}

function send(res: http.ServerResponse, status: number, body?: string, type = "application/json;charset=UTF-8") {
  if (res.writableEnded || res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startConfigService(opts: ConfigServiceOptions = {}): Promise<ConfigService> {
  const cfg = env();
  const pollTimeoutMs = opts.pollTimeoutMs ?? cfg.WHARF_CONFIG_POLL_TIMEOUT_MS;
  const cache = new AnswerCache();
  const keys = new AccessKeys();
  const pods = new PodDirectory(opts.podCacheMs ?? cfg.WHARF_CONFIG_POD_CACHE_MS);
  const recorder = new InstanceRecorder(pods, opts.instanceWriteMs ?? cfg.WHARF_CONFIG_INSTANCE_WRITE_MS, opts.instanceFlushMs);
  // The hub asks the listener (declared below) whether what it heard is complete.
  const hub = new PollHub({ timeoutMs: pollTimeoutMs, maxPolls: opts.maxPolls ?? cfg.WHARF_CONFIG_MAX_POLLS, listening: () => listener.listening });
  const listener = new ConfigListener(
    cfg.DATABASE_URL,
    {
      onMessage(id, key) {
        // Caches first: a woken client's next /configs must not get the old answer from this process.
        cache.invalidate(key);
        hub.onMessage(id, key);
      },
      onAccessChange: (key) => keys.forget(key),
      onDisconnect() {
        hub.forget();
        cache.clear();
      },
      onReconnect() {
        cache.clear();
        keys.forget();
        hub.recheck().catch((e: unknown) => log.error({ err: e }, "re-checking the held polls after a reconnect failed"));
      },
    },
    opts.listener,
  );
  await listener.start();
  recorder.start();

  interface Ask {
    environment: EnvKind;
    appId: string;
    cluster: string;
    namespace: string;
    dataCenter?: string;
    ip: string;
    labels?: Record<string, string>;
    authenticated: boolean;
  }

  /** The answer for a client: from the cache unless `fresh`; an active gray makes it depend on the client's pod. */
  async function answer(a: Ask, fresh = false): Promise<{ config: ClientConfig | null; cached: boolean }> {
    const cacheKey = [a.environment, a.appId, a.cluster, a.namespace, a.dataCenter ?? "", a.authenticated ? "1" : "0"].join("|");
    if (!fresh && !a.labels) {
      const hit = cache.get(cacheKey);
      if (hit) return { config: hit, cached: true };
    }
    const watched = watchKeys(a.environment, a.appId, a.cluster, a.namespace, a.dataCenter);
    const stamp = cache.stampOf(watched);
    const ask = (instance: InstanceIdentity) =>
      resolveClientConfig({
        environment: a.environment,
        appId: a.appId,
        cluster: a.cluster,
        dataCenter: a.dataCenter,
        namespace: a.namespace,
        instance,
        authenticated: a.authenticated,
      });
    let config = await ask({ ip: a.ip, labels: a.labels });
    if (config?.hasGray) {
      // Only now is the pod worth reading: most namespaces have no active gray.
      const pod = await pods.identify(a.environment, a.appId, [a.cluster, a.dataCenter], a.ip).catch(() => null);
      if (pod) config = await ask({ ip: a.ip, pod: pod.pod, labels: pod.labels });
    } else if (config && !a.labels) cache.set(cacheKey, config, watched, stamp);
    return { config, cached: false };
  }

  async function authenticate(req: http.IncomingMessage, environment: EnvKind, appId: string): Promise<boolean> {
    const secrets = await keys.secretsFor(environment, appId);
    if (!secrets.length) return false;
    const check = checkSignature({
      authorization: req.headers.authorization,
      timestamp: typeof req.headers.timestamp === "string" ? req.headers.timestamp : undefined,
      pathWithQuery: req.url ?? "/",
      secrets,
    });
    if (check !== "ok") throw new HttpError(401, check);
    return true;
  }

  async function serveConfig(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    environment: EnvKind,
    output: "configs" | "json" | "properties" | "raw",
    [appId, cluster, namespace]: string[],
    query: URLSearchParams,
  ) {
    if (!appId || !cluster || !namespace || !NAME.test(cluster) || !NAME.test(namespace) || appId.length > 200) throw new HttpError(404, "Not found");
    const authenticated = await authenticate(req, environment, appId);
    const dataCenter = query.get("dataCenter");
    const ask: Ask = {
      environment,
      appId,
      cluster,
      namespace,
      dataCenter: dataCenter && NAME.test(dataCenter) ? dataCenter : undefined,
      ip: clientIp(req, query.get("ip")),
      labels: labelsOf(query.get("label")),
      authenticated,
    };
    const first = await answer(ask);
    let config = first.config;
    if (!config) throw new HttpError(404, `Could not load configurations with appId: ${appId}, clusterName: ${cluster}, namespace: ${namespace}`);
    const releaseKey = output === "configs" ? query.get("releaseKey") : null;
    if (releaseKey !== null && releaseKey === config.releaseKey && first.cached) {
      // A client that asks with the key it holds was usually just woken by a publish, perhaps by another
      // instance whose NOTIFY this one has not handled yet: confirm from the database, never from the cache.
      ({ config } = await answer(ask, true));
      if (!config) throw new HttpError(404, "Not found");
    }
    recorder.note({ environment, appId, cluster, dataCenter: ask.dataCenter, namespace, ip: ask.ip, labels: ask.labels, releaseKey: config.releaseKey });
    if (output === "configs") {
      if (releaseKey === config.releaseKey) return send(res, 304);
      const { appId: a, cluster: c, namespaceName, configurations } = config;
      return send(res, 200, JSON.stringify({ appId: a, cluster: c, namespaceName, configurations, releaseKey: config.releaseKey }));
    }
    if (output === "json") return send(res, 200, JSON.stringify(config.configurations));
    const type =
      output === "raw" && config.format === "json"
        ? "application/json;charset=UTF-8"
        : output === "raw" && config.format === "yaml"
          ? "application/yaml;charset=UTF-8"
          : "text/plain;charset=UTF-8";
    return send(res, 200, asPropertiesText(config), type);
  }

  async function servePoll(req: http.IncomingMessage, res: http.ServerResponse, environment: EnvKind, query: URLSearchParams) {
    const appId = query.get("appId") ?? "";
    if (!appId || appId.length > 200) throw new HttpError(400, "InvalidAppId");
    await authenticate(req, environment, appId);
    const cluster = query.get("cluster") || "default";
    const dataCenter = query.get("dataCenter");
    if (!NAME.test(cluster)) throw new HttpError(400, "invalid cluster");
    let parsed: z.infer<typeof ZNotifications> | null = null;
    try {
      const r = ZNotifications.safeParse(JSON.parse(query.get("notifications") ?? ""));
      if (r.success) parsed = r.data;
    } catch {
      parsed = null;
    }
    // As Apollo: `.properties` stripped; a namespace sent twice keeps the lower id (it then learns the newer one).
    const byName = new Map<string, number>();
    for (const n of parsed ?? []) {
      if (!n.namespaceName || !NAME.test(n.namespaceName)) continue;
      const name = namespaceKey(n.namespaceName);
      const prev = byName.get(name);
      if (prev === undefined || n.notificationId < prev) byName.set(name, n.notificationId);
    }
    if (!byName.size) throw new HttpError(400, `invalid notifications format: ${query.get("notifications") ?? ""}`.slice(0, 300));
    const namespaces: PollNamespace[] = [...byName].map(([name, clientId]) => ({
      name,
      clientId,
      keys: watchKeys(environment, appId, cluster, name, dataCenter && NAME.test(dataCenter) ? dataCenter : undefined),
    }));
    const poll = await hub.open(namespaces, (body) => (body === null ? send(res, 304) : send(res, 200, body)));
    // The client went away (or timed out on its side): forget its poll.
    if (res.destroyed) hub.cancel(poll);
    else res.on("close", () => hub.cancel(poll));
  }

  function serveMeta(req: http.IncomingMessage, res: http.ServerResponse, environment: EnvKind) {
    const base = cfg.WHARF_CONFIG_SERVICE_URL?.replace(/\/$/, "") ?? `http://${req.headers.host ?? `localhost:${port}`}`;
    send(
      res,
      200,
      JSON.stringify([
        { appName: "APOLLO-CONFIGSERVICE", instanceId: `${os.hostname()}:wharf-config-service:${port}`, homepageUrl: `${base}/${environment}/` },
      ]),
    );
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
    let parts: string[];
    try {
      parts = (q < 0 ? raw : raw.slice(0, q)).split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new HttpError(400, "Bad path");
    }
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "Only GET");
    if (parts.length === 1 && parts[0] === "health") {
      await db().$queryRaw`select 1`;
      const { rss, heapUsed } = process.memoryUsage();
      return send(res, 200, JSON.stringify({ status: "ok", held: hub.held, listening: listener.listening, rss, heapUsed, lastDispatch: hub.lastDispatch }));
    }
    const [envName, kind, ...rest] = parts;
    if (!envName || !isEnvKind(envName))
      throw new HttpError(404, "Wharf's config service: use http://<this host>/<environment> (dev, test, staging or prod) as the Apollo config-service URL.");
    if (kind === "configs" && rest.length === 3) return serveConfig(req, res, envName, "configs", rest, query);
    if (kind === "configfiles" && rest[0] === "json" && rest.length === 4) return serveConfig(req, res, envName, "json", rest.slice(1), query);
    if (kind === "configfiles" && rest[0] === "raw" && rest.length === 4) return serveConfig(req, res, envName, "raw", rest.slice(1), query);
    if (kind === "configfiles" && rest.length === 3) return serveConfig(req, res, envName, "properties", rest, query);
    if (kind === "notifications" && rest[0] === "v2" && rest.length === 1) return servePoll(req, res, envName, query);
    if (kind === "services" && rest[0] === "config" && rest.length === 1) return serveMeta(req, res, envName);
    throw new HttpError(404, "Not found");
  }

  const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return send(res, e.status, JSON.stringify({ status: e.status, message: e.message }));
      log.error({ err: e, url: req.url }, "config service request failed");
      send(res, 500, JSON.stringify({ status: 500, message: "Internal error" }));
    });
  });
  // Long polls are held up to a minute: no request timeout shorter than that.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  server.maxRequestsPerSocket = 0;

  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: opts.port ?? cfg.WHARF_CONFIG_SERVICE_PORT, host: opts.host, backlog: 4096 }, () => resolve((server.address() as AddressInfo).port));
  }).catch(async (e: unknown) => {
    // The port is taken (or refused): leave nothing behind.
    await recorder.stop();
    await listener.stop();
    throw e;
  });
  const host = opts.host && opts.host !== "0.0.0.0" && opts.host !== "::" ? opts.host : "localhost";
  log.info({ port, pollTimeoutMs }, "config service listening");

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    held: () => hub.held,
    listener,
    flushInstances: () => recorder.flush(),
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Held polls are answered 304: their clients poll again (another instance, or this one once it is back).
        hub.closeAll();
        await new Promise((r) => setImmediate(r));
        server.closeAllConnections();
        await closed;
        await recorder.stop();
        await listener.stop();
      })();
      return stopping;
    },
  };
}
