/**
 * The Kubernetes REST layer of one cluster: authentication, impersonation,
 * authorization, discovery and the generic resource handlers (CRUD, lists,
 * watch, patches, server-side apply, subresources, reviews) over the Store.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import * as jsonPatchModule from "fast-json-patch";
import YAML from "yaml";
import { Identities, withImpliedGroups } from "../auth/identities.js";
import { authorize, forbiddenMessage, rulesReview, type Attributes } from "../auth/rbac.js";
import { badRequest, forbidden, isStatusError, methodNotAllowed, pathNotFound, StatusError, unauthorized, unsupportedMediaType } from "../core/errors.js";
import { labelSelectorToString, parseFieldSelector, parseLabelSelector, validateFieldSelector, type FieldRequirement } from "../core/selectors.js";
import { readJsonPath } from "../core/resources.js";
import type { DeleteOptions, Store, StoreEvent, UserInfo } from "../core/store.js";
import { matchFields, matchLabels } from "../core/selectors.js";
import type { KObject, ResourceType } from "../core/types.js";
import { apiVersionOf, grOf } from "../core/types.js";
import { serverSideApply } from "../patch/fields.js";
import { mergePatch } from "../patch/merge.js";
import { strategicMergePatch } from "../patch/strategic.js";
import { clone, isObj } from "../patch/util.js";
import { apiGroup, apiGroupList, apiVersions, KUBE_VERSION, resourceList } from "./discovery.js";
import type { LogProvider } from "./logs.js";
import type { MetricsProvider } from "./metrics.js";
import { decodeKubernetesProtobuf } from "./protobuf.js";
import { tableOf, type IncludeObject } from "./table.js";

export interface ApiContext {
  store: Store;
  identities: Identities;
  metrics(): MetricsProvider;
  logs(): LogProvider;
  /** Prometheus text for GET /metrics. */
  prometheus?(): string;
  /** host:port, for /api's serverAddressByClientCIDRs. */
  serverAddress(): string;
  /** Interval of watch BOOKMARK events (ms). */
  bookmarkIntervalMs: number;
}

type Obj = Record<string, unknown>;

const PATCH_TYPES = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

// ------------------------------------------------------------------ helpers

// fast-json-patch is CommonJS under Node (named exports on `default`) and ESM under Vite.
const jsonPatch: typeof jsonPatchModule =
  typeof jsonPatchModule.applyPatch === "function" ? jsonPatchModule : (jsonPatchModule as unknown as { default: typeof jsonPatchModule }).default;

export function sendJSON(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache, private" });
  res.end(text);
}

export function sendStatusError(res: ServerResponse, e: StatusError): void {
  sendJSON(res, e.code, e.status);
}

function successStatus(code: number, details?: Obj): Obj {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", ...(details ? { details } : {}), code };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string): unknown {
  if (contentType.includes("protobuf")) return decodeKubernetesProtobuf(body);
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    if (contentType.includes("yaml")) return YAML.parse(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`error decoding ${contentType.includes("yaml") ? "YAML" : "JSON"}: ${(e as Error).message}`);
  }
}

/** What kind of JSON answer the client asked for in Accept. */
type AcceptKind = "json" | "table" | "partial";

function acceptKind(accept: string | undefined): AcceptKind {
  if (!accept) return "json";
  for (const part of accept.split(",")) {
    const params = part.split(";").map((s) => s.trim());
    const media = params[0];
    const as = params.find((p) => p.startsWith("as="))?.slice(3);
    if (media !== "application/json" && media !== "*/*" && media !== "application/vnd.kubernetes.protobuf") continue;
    if (as === "Table") return "table";
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return "partial";
    if (!as && (media === "application/json" || media === "*/*")) return "json";
  }
  return "json";
}

function userAgentManager(req: IncomingMessage): string {
  const ua = String(req.headers["user-agent"] ?? "unknown");
  return ua.split("/")[0].slice(0, 128) || "unknown";
}

/** Continue tokens: base64 JSON of the last key served. */
function encodeContinue(lastKey: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start: lastKey })).toString("base64");
}

function decodeContinue(token: string): string {
  try {
    const d = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as { start?: string };
    if (typeof d.start !== "string") throw new Error("bad");
    return d.start;
  } catch {
    throw badRequest("continue key is not valid: illegal base64 data at input byte 0");
  }
}

const COMMA = Buffer.from(",");
const LIST_TAIL = Buffer.from("]}");

const objKey = (o: KObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === "true" || v === "1";
}

// ------------------------------------------------------------------ request info

interface RequestInfo {
  resourceRequest: boolean;
  path: string;
  verb: string;
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  watch: boolean;
}

function requestInfo(method: string, pathname: string, q: URLSearchParams): RequestInfo {
  const parts = pathname.split("/").filter(Boolean);
  const base: RequestInfo = { resourceRequest: false, path: pathname, verb: method.toLowerCase(), group: "", version: "", resource: "", watch: false };
  let group = "";
  let version = "";
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { ...base, verb: method === "GET" || method === "HEAD" ? "get" : method.toLowerCase() };
  }
  let watch = false;
  if (rest[0] === "watch") {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && (rest[2] === "status" || rest[2] === "finalize"))) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === "namespaces" && rest.length >= 2) {
    namespace = rest[1];
  }
  const [resource, name, subresource] = rest;
  if (q.get("watch") === "true" || q.get("watch") === "1") watch = true;
  let verb: string;
  switch (method) {
    case "GET":
    case "HEAD":
      verb = watch ? "watch" : name ? "get" : "list";
      break;
    case "POST":
      verb = "create";
      break;
    case "PUT":
      verb = "update";
      break;
    case "PATCH":
      verb = "patch";
      break;
    case "DELETE":
      verb = name ? "delete" : "deletecollection";
      break;
    default:
      verb = method.toLowerCase();
  }
  return {
    resourceRequest: true,
    path: pathname,
    verb,
    group,
    version,
    namespace,
    resource: resource ?? "",
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
    watch,
  };
}

// ------------------------------------------------------------------ authentication

const PUBLIC_PATHS = new Set(["/healthz", "/livez", "/readyz", "/version", "/version/"]);

/**
 * The user of a request: undefined when it carries no bearer token (then
 * anonymous, allowed on the public paths only). A bearer token the server
 * does not know is refused outright, on every path, /version and /healthz
 * included, as kube-apiserver does: its bearer-token authenticator turns "not
 * recognised" into an error ("invalid bearer token"), and an authentication
 * error is a 401 before the request is routed, never a fall-back to anonymous.
 */
function authenticate(ctx: ApiContext, req: IncomingMessage): UserInfo | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.*)$/i.exec(h.trim());
  if (!m) return undefined;
  const user = m[1].trim() ? ctx.identities.authenticate(m[1].trim()) : undefined;
  if (!user) throw unauthorized();
  return user;
}

function headerList(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === name) out.push(req.rawHeaders[i + 1]);
  }
  return out;
}

/** Applies Impersonate-* headers after checking the `impersonate` verb. */
function impersonate(ctx: ApiContext, req: IncomingMessage, user: UserInfo): UserInfo {
  const asUser = headerList(req, "impersonate-user")[0];
  const asGroups = headerList(req, "impersonate-group");
  const asUid = headerList(req, "impersonate-uid")[0];
  if (!asUser && asGroups.length === 0 && !asUid) return user;
  if (!asUser) throw badRequest("requested [" + asGroups.map((g) => `{Group  ${g}  }`).join(" ") + "] without impersonating a user");
  const check = (a: Omit<Attributes, "user" | "verb" | "resourceRequest">) => {
    const attrs: Attributes = { user, verb: "impersonate", resourceRequest: true, ...a };
    if (!authorize(ctx.store, attrs).allowed) throw forbidden({ group: a.apiGroup ?? "", plural: a.resource ?? "" }, a.name ?? "", forbiddenMessage(attrs));
  };
  const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(asUser);
  if (sa) check({ apiGroup: "", resource: "serviceaccounts", namespace: sa[1], name: sa[2] });
  else check({ apiGroup: "", resource: "users", name: asUser });
  for (const g of asGroups) check({ apiGroup: "", resource: "groups", name: g });
  if (asUid) check({ apiGroup: "authentication.k8s.io", resource: "uids", name: asUid });
  const extra: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i].toLowerCase();
    if (k.startsWith("impersonate-extra-")) (extra[k.slice("impersonate-extra-".length)] ??= []).push(req.rawHeaders[i + 1]);
  }
  return { name: asUser, groups: withImpliedGroups(asUser, asGroups), ...(asUid ? { uid: asUid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

// ------------------------------------------------------------------ the handler

export async function handleApiRequest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await route(ctx, req, res);
  } catch (e) {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (isStatusError(e)) sendStatusError(res, e);
    else {
      console.error("[sandbox] internal error:", e);
      sendStatusError(res, new StatusError(500, "InternalError", `Internal error occurred: ${(e as Error).message}`));
    }
  }
}

async function route(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "https://sandbox");
  const pathname = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
  const q = url.searchParams;
  const method = req.method ?? "GET";

  let user = authenticate(ctx, req);
  if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(pathname)) {
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    res.end("ok");
    return;
  }
  if (pathname === "/version") {
    sendJSON(res, 200, KUBE_VERSION);
    return;
  }
  if (!user) {
    if (PUBLIC_PATHS.has(pathname)) user = { name: "system:anonymous", groups: ["system:unauthenticated"] };
    else throw unauthorized();
  }
  user = impersonate(ctx, req, user);

  const info = requestInfo(method, pathname, q);
  if (!info.resourceRequest) {
    const attrs: Attributes = { user, verb: info.verb, resourceRequest: false, path: pathname };
    if (!authorize(ctx.store, attrs).allowed) throw new StatusError(403, "Forbidden", `forbidden: ${forbiddenMessage(attrs)}`, {});
    return serveNonResource(ctx, pathname, res);
  }

  const t = ctx.store.registry.lookup(info.group, info.version, info.resource);
  if (!t) throw pathNotFound();
  if (info.namespace !== undefined && !t.namespaced && info.resource !== "namespaces") throw pathNotFound();
  const namespace = t.namespaced ? info.namespace : undefined;
  const { name, subresource, verb } = info;

  const attrs: Attributes = {
    user,
    verb,
    resourceRequest: true,
    apiGroup: t.group,
    resource: t.plural,
    ...(namespace ? { namespace } : {}),
    ...(subresource ? { subresource } : {}),
    ...(name ? { name } : {}),
  };
  if (!authorize(ctx.store, attrs).allowed) throw forbidden(t, name ?? "", forbiddenMessage(attrs));

  const r: Req = { ctx, req, res, q, t, gr: grOf(t), namespace, name, subresource, verb, user, accept: acceptKind(req.headers.accept) };
  if (t.namespaced && !namespace && !(verb === "list" || verb === "watch")) throw pathNotFound();
  if (!t.verbs.includes(verb) && !subresource) throw methodNotAllowed();
  switch (verb) {
    case "get":
      return subresource ? getSubresource(r) : getOne(r);
    case "list":
      return listObjects(r);
    case "watch":
      return watchObjects(r);
    case "create":
      return subresource ? createSubresource(r) : create(r);
    case "update":
      return update(r);
    case "patch":
      return patch(r);
    case "delete":
      if (subresource) throw methodNotAllowed();
      return deleteOne(r);
    case "deletecollection":
      return deleteCollection(r);
    default:
      throw methodNotAllowed();
  }
}

function serveNonResource(ctx: ApiContext, pathname: string, res: ServerResponse): void {
  const reg = ctx.store.registry;
  if (pathname === "/api") return sendJSON(res, 200, apiVersions(ctx.serverAddress()));
  if (pathname === "/apis") return sendJSON(res, 200, apiGroupList(reg));
  if (pathname === "/api/v1") {
    const doc = resourceList(reg, "", "v1");
    return sendJSON(res, 200, doc);
  }
  const g = /^\/apis\/([^/]+)$/.exec(pathname);
  if (g) {
    const doc = apiGroup(reg, g[1]);
    if (!doc) throw pathNotFound();
    return sendJSON(res, 200, doc);
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (gv) {
    const doc = resourceList(reg, gv[1], gv[2]);
    if (!doc) throw pathNotFound();
    return sendJSON(res, 200, doc);
  }
  if (pathname === "/metrics") {
    const text = ctx.prometheus?.() ?? "";
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (pathname === "/openapi/v2") {
    // kubectl accepts an empty protobuf document; it then falls back to its built-in schemas
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": 0 });
    res.end();
    return;
  }
  throw pathNotFound();
}

interface Req {
  ctx: ApiContext;
  req: IncomingMessage;
  res: ServerResponse;
  q: URLSearchParams;
  t: ResourceType;
  gr: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  verb: string;
  user: UserInfo;
  accept: AcceptKind;
}

/** Objects are stored once; CRD kinds are served under each version. */
function served(t: ResourceType, o: KObject): KObject {
  if (t.crd) o.apiVersion = apiVersionOf(t);
  return o;
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}

function sendObject(r: Req, code: number, o: KObject): void {
  const obj = served(r.t, o);
  if (r.accept === "table") return sendJSON(r.res, code, tableOf(r.t, [obj], { resourceVersion: obj.metadata.resourceVersion }, includeObject(r.q)));
  if (r.accept === "partial") return sendJSON(r.res, code, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata });
  sendJSON(r.res, code, obj);
}

function listOpts(r: Req): { labels: ReturnType<typeof parseLabelSelector>; fields: FieldRequirement[] } {
  const labelSel = r.q.get("labelSelector") ?? "";
  const labels = parseLabelSelector(labelSel);
  const fields = parseFieldSelector(r.q.get("fieldSelector"));
  if (!r.t.virtual) validateFieldSelector(r.gr, fields, `${r.t.group}/${r.t.version}, Resource=${r.t.plural}`, labelSel);
  return { labels, fields };
}

// ------------------------------------------------------------------ reads

function getOne(r: Req): void {
  if (r.t.group === "metrics.k8s.io") {
    const items = metricsItems(r).filter((o) => o.metadata.name === r.name);
    if (items.length === 0)
      throw new StatusError(404, "NotFound", `${r.t.plural}.metrics.k8s.io "${r.name ?? ""}" not found`, {
        name: r.name,
        group: "metrics.k8s.io",
        kind: r.t.plural,
      });
    return sendObject(r, 200, items[0]);
  }
  if (r.t.virtual) throw methodNotAllowed();
  sendObject(r, 200, r.ctx.store.mustGet(r.gr, r.namespace, r.name ?? ""));
}

function metricsItems(r: Req): KObject[] {
  const provider = r.ctx.metrics();
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  if (r.t.plural === "pods") {
    return provider.podMetrics(r.ctx.store, r.namespace).map((p) => {
      const pod = r.ctx.store.get("/pods", p.namespace, p.name);
      return {
        kind: "PodMetrics",
        apiVersion: "metrics.k8s.io/v1beta1",
        metadata: { name: p.name, namespace: p.namespace, creationTimestamp: now, ...(pod?.metadata.labels ? { labels: pod.metadata.labels } : {}) },
        timestamp: p.timestamp ?? now,
        window: p.window ?? "30s",
        containers: p.containers,
      };
    });
  }
  return provider.nodeMetrics(r.ctx.store).map((n) => {
    const node = r.ctx.store.get("/nodes", undefined, n.name);
    return {
      kind: "NodeMetrics",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: { name: n.name, creationTimestamp: now, ...(node?.metadata.labels ? { labels: node.metadata.labels } : {}) },
      timestamp: n.timestamp ?? now,
      window: n.window ?? "30s",
      usage: n.usage,
    };
  });
}

function listObjects(r: Req): void {
  const { labels, fields } = listOpts(r);
  // stored objects, read-only: cloned below only where they get changed (CRD versions)
  let items: readonly KObject[];
  if (r.t.group === "metrics.k8s.io") {
    items = metricsItems(r).filter((o) => matchLabels(labels, o.metadata.labels) && matchFields(fields, o));
  } else {
    if (r.t.virtual) throw methodNotAllowed();
    items = r.ctx.store.listRaw(r.gr, { ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), labels, fields });
  }
  const rv = r.ctx.store.resourceVersion;
  const cont = r.q.get("continue");
  if (cont) {
    const start = decodeContinue(cont);
    items = items.filter((o) => objKey(o) > start);
  }
  const limit = Number(r.q.get("limit") ?? "0");
  const meta: Obj = { resourceVersion: String(rv) };
  if (limit > 0 && items.length > limit) {
    const page = items.slice(0, limit);
    meta.continue = encodeContinue(objKey(page[page.length - 1]), rv);
    meta.remainingItemCount = items.length - limit;
    items = page;
  }
  if (r.accept === "json" && !r.t.crd && r.t.group !== "metrics.k8s.io") {
    // the hot path: cached JSON of each stored object, concatenated
    // the hot path: the cached JSON bytes of each stored object (as a list item: no kind/apiVersion,
    // like the API server) written as they are (corked into
    // large writev calls), so a 5,000-pod list allocates next to nothing and triggers no GC
    const head = Buffer.from(
      `{"kind":${JSON.stringify(`${r.t.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(r.t))},"metadata":${JSON.stringify(meta)},"items":[`,
    );
    const bufs = items.map((o) => r.ctx.store.jsonItemBufferOf(o));
    const length = head.length + 2 + bufs.reduce((n, b) => n + b.length, 0) + Math.max(0, bufs.length - 1);
    r.res.writeHead(200, { "Content-Type": "application/json", "Content-Length": length, "Cache-Control": "no-cache, private" });
    const res = r.res;
    res.cork();
    res.write(head);
    bufs.forEach((b, i) => {
      if (i > 0) res.write(COMMA);
      res.write(b);
      // let the socket drain every ~512 KiB
      if (i % 256 === 255) {
        res.uncork();
        res.cork();
      }
    });
    res.end(LIST_TAIL);
    res.uncork();
    return;
  }
  items = r.t.crd ? items.map((o) => served(r.t, clone(o))) : items;
  if (r.accept === "table") return sendJSON(r.res, 200, tableOf(r.t, items as KObject[], meta, includeObject(r.q)));
  if (r.accept === "partial") {
    return sendJSON(r.res, 200, {
      kind: "PartialObjectMetadataList",
      apiVersion: "meta.k8s.io/v1",
      metadata: meta,
      items: items.map((o) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata })),
    });
  }
  sendJSON(r.res, 200, { kind: `${r.t.kind}List`, apiVersion: apiVersionOf(r.t), metadata: meta, items });
}

function watchObjects(r: Req): void {
  if (r.t.virtual) throw methodNotAllowed();
  const { labels, fields } = listOpts(r);
  if (r.name) fields.push({ field: "metadata.name", op: "=", value: r.name });
  const store = r.ctx.store;
  const rvParam = r.q.get("resourceVersion");
  const include = includeObject(r.q);
  const matches = (o: KObject) =>
    (r.namespace === undefined || (o.metadata.namespace ?? "") === r.namespace) && matchLabels(labels, o.metadata.labels) && matchFields(fields, o);
  const res = r.res;
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  res.flushHeaders();
  let open = true;
  const send = (type: string, object: unknown) => {
    if (!open) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const sendObj = (type: string, o: KObject) => {
    if (r.accept === "json" && !r.t.crd) {
      // event objects are shared by every watcher: serialised once
      if (open) res.write(`{"type":"${type}","object":${store.jsonOf(o)}}\n`);
      return;
    }
    const obj = served(r.t, r.t.crd ? clone(o) : o);
    send(type, r.accept === "table" ? tableOf(r.t, [obj], { resourceVersion: obj.metadata.resourceVersion }, include) : obj);
  };
  const bookmark = (annotations?: Record<string, string>) =>
    send("BOOKMARK", {
      kind: r.t.kind,
      apiVersion: apiVersionOf(r.t),
      metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
    });

  const onEvent = (ev: StoreEvent) => {
    if (ev.gr !== r.gr) return;
    const now = ev.type !== "DELETED" && matches(ev.object);
    const before = ev.old ? matches(ev.old) : false;
    if (ev.type === "DELETED") {
      if (before || matches(ev.object)) sendObj("DELETED", ev.object);
    } else if (ev.type === "ADDED") {
      if (now) sendObj("ADDED", ev.object);
    } else if (now && before) sendObj("MODIFIED", ev.object);
    else if (now) sendObj("ADDED", ev.object);
    else if (before) sendObj("DELETED", ev.object);
  };

  let unsubscribe: () => void = () => undefined;
  const timers: NodeJS.Timeout[] = [];
  const close = () => {
    if (!open) return;
    open = false;
    unsubscribe();
    for (const tm of timers) clearTimeout(tm);
    res.end();
  };
  r.req.on("close", close);
  res.on("close", close);

  const allowBookmarks = boolParam(r.q, "allowWatchBookmarks");
  if (!rvParam || rvParam === "0") {
    for (const o of store.listRaw(r.gr, { ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), labels, fields })) sendObj("ADDED", o);
    if (allowBookmarks && boolParam(r.q, "sendInitialEvents")) bookmark({ "k8s.io/initial-events-end": "true" });
    unsubscribe = store.watch(undefined, onEvent);
  } else {
    const since = Number(rvParam);
    if (!Number.isFinite(since)) {
      send("ERROR", badRequest(`invalid resource version: ${rvParam}`).status);
      close();
      return;
    }
    try {
      unsubscribe = store.watch(since, onEvent);
    } catch (e) {
      if (isStatusError(e)) {
        send("ERROR", e.status);
        close();
        return;
      }
      throw e;
    }
  }
  if (allowBookmarks) {
    const tick = () => {
      bookmark();
      timers[0] = setTimeout(tick, r.ctx.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, r.ctx.bookmarkIntervalMs);
  }
  const timeout = Number(r.q.get("timeoutSeconds") ?? "0");
  timers[1] = setTimeout(close, (timeout > 0 ? timeout : 1800) * 1000);
}

// ------------------------------------------------------------------ subresource reads

function scaleOf(t: ResourceType, o: KObject): KObject {
  const sc = t.scale;
  if (!sc) throw pathNotFound();
  const sel = sc.labelSelectorPath ? readJsonPath(o, sc.labelSelectorPath) : undefined;
  const selector = isObj(sel) ? labelSelectorToString(sel as Parameters<typeof labelSelectorToString>[0]) : typeof sel === "string" ? sel : undefined;
  const status: Obj = { replicas: Number(readJsonPath(o, sc.statusReplicasPath) ?? 0) };
  if (selector !== undefined) status.selector = selector;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: Number(readJsonPath(o, sc.specReplicasPath) ?? 0) },
    status,
  };
}

function setPath(o: Obj, path: string, v: unknown): void {
  const segs = path.replace(/^\./, "").split(".");
  let cur = o;
  for (const s of segs.slice(0, -1)) {
    if (!isObj(cur[s])) cur[s] = {};
    cur = cur[s] as Obj;
  }
  cur[segs[segs.length - 1]] = v;
}

async function getSubresource(r: Req): Promise<void> {
  const store = r.ctx.store;
  const o = store.mustGet(r.gr, r.namespace, r.name ?? "");
  switch (r.subresource) {
    case "status":
      if (!r.t.status) throw pathNotFound();
      return sendObject(r, 200, o);
    case "scale":
      return sendJSON(r.res, 200, scaleOf(r.t, o));
    case "log":
      if (r.gr !== "/pods") throw pathNotFound();
      return streamLog(r, o);
    default:
      throw pathNotFound();
  }
}

async function streamLog(r: Req, pod: KObject): Promise<void> {
  const containers = ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
  const initContainers = ((pod.spec as { initContainers?: { name: string }[] } | undefined)?.initContainers ?? []).map((c) => c.name);
  let container = r.q.get("container") ?? "";
  // client-node sends the string "undefined" when no container is given
  if (container === "undefined") container = "";
  const podName = pod.metadata.name ?? "";
  if (!container) {
    if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.join(" ")}]`);
    container = containers[0];
  } else if (!containers.includes(container) && !initContainers.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${podName}`);
  }
  const num = (k: string) => (r.q.get(k) !== null ? Number(r.q.get(k)) : undefined);
  const ac = new AbortController();
  r.req.on("close", () => ac.abort());
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    r.res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked", "Cache-Control": "no-cache, private" });
    r.res.flushHeaders();
  };
  await r.ctx.logs().stream(
    {
      pod,
      container,
      follow: boolParam(r.q, "follow"),
      previous: boolParam(r.q, "previous"),
      timestamps: boolParam(r.q, "timestamps"),
      ...(num("tailLines") !== undefined ? { tailLines: num("tailLines") } : {}),
      ...(num("sinceSeconds") !== undefined ? { sinceSeconds: num("sinceSeconds") } : {}),
      ...(r.q.get("sinceTime") ? { sinceTime: r.q.get("sinceTime") as string } : {}),
      ...(num("limitBytes") !== undefined ? { limitBytes: num("limitBytes") } : {}),
    },
    {
      write: (chunk) => {
        start();
        r.res.write(chunk);
      },
      end: () => {
        start();
        r.res.end();
      },
      signal: ac.signal,
    },
  );
}

// ------------------------------------------------------------------ writes

function writeOpts(r: Req) {
  const dryRun = r.q.getAll("dryRun").includes("All");
  const fieldManager = r.q.get("fieldManager") ?? userAgentManager(r.req);
  return { dryRun, fieldManager, user: r.user };
}

function checkBodyIdentity(r: Req, body: unknown, requireName: boolean): KObject {
  if (!isObj(body)) throw badRequest("Object 'Kind' is missing in '" + JSON.stringify(body ?? "") + "'");
  const o = body as KObject;
  o.metadata = isObj(o.metadata) ? o.metadata : {};
  if (o.kind && o.kind !== r.t.kind) throw badRequest(`the kind of the object (${o.kind}) does not match the kind on the URL (${r.t.kind})`);
  if (o.apiVersion && o.apiVersion !== apiVersionOf(r.t) && !(r.t.crd && o.apiVersion.startsWith(`${r.t.group}/`))) {
    throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersionOf(r.t)})`);
  }
  o.apiVersion = apiVersionOf(r.t);
  o.kind = r.t.kind;
  if (r.t.namespaced) {
    if (o.metadata.namespace && r.namespace && o.metadata.namespace !== r.namespace)
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
    o.metadata.namespace = r.namespace;
  }
  if (requireName && r.name && o.metadata.name && o.metadata.name !== r.name)
    throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${r.name})`);
  if (requireName && r.name) o.metadata.name = r.name;
  return o;
}

async function create(r: Req): Promise<void> {
  const body = parseBody(await readBody(r.req), String(r.req.headers["content-type"] ?? "application/json"));
  if (r.t.virtual) return review(r, body);
  const o = checkBodyIdentity(r, body, false);
  const created = r.ctx.store.create(r.gr, o, writeOpts(r));
  sendObject(r, 201, created);
}

async function update(r: Req): Promise<void> {
  const body = parseBody(await readBody(r.req), String(r.req.headers["content-type"] ?? "application/json"));
  const store = r.ctx.store;
  if (r.subresource === "scale") {
    const live = store.mustGet(r.gr, r.namespace, r.name ?? "");
    const scale = body as KObject;
    return writeScale(r, live, scale);
  }
  const o = checkBodyIdentity(r, body, true);
  if (r.subresource === "finalize" && r.gr === "/namespaces") {
    const live = store.mustGet(r.gr, undefined, r.name ?? "");
    live.spec = { ...(live.spec as Obj), finalizers: (o.spec as Obj | undefined)?.finalizers ?? [] };
    if (o.metadata.resourceVersion) live.metadata.resourceVersion = o.metadata.resourceVersion;
    return sendObject(r, 200, store.update(r.gr, live, writeOpts(r)));
  }
  if (r.subresource && r.subresource !== "status") throw pathNotFound();
  if (r.subresource === "status" && !r.t.status) throw pathNotFound();
  const updated = store.update(r.gr, o, { ...writeOpts(r), ...(r.subresource ? { subresource: r.subresource } : {}) });
  sendObject(r, 200, updated);
}

function writeScale(r: Req, live: KObject, scale: KObject): void {
  const sc = r.t.scale;
  if (!sc) throw pathNotFound();
  const spec = (scale.spec ?? {}) as { replicas?: number };
  if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== live.metadata.resourceVersion) {
    live.metadata.resourceVersion = scale.metadata.resourceVersion;
  }
  const replicas = spec.replicas ?? 0;
  if (typeof replicas !== "number" || replicas < 0) {
    throw new StatusError(
      422,
      "Invalid",
      `Scale.autoscaling "${r.name ?? ""}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
      {
        name: r.name,
        group: "autoscaling",
        kind: "Scale",
        causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${replicas}: must be greater than or equal to 0`, field: "spec.replicas" }],
      },
    );
  }
  setPath(live as Obj, sc.specReplicasPath, replicas);
  const updated = r.ctx.store.update(r.gr, live, writeOpts(r));
  sendJSON(r.res, 200, scaleOf(r.t, updated));
}

/**
 * An apply patch that creates its object is a create as well: kube-apiserver
 * authorizes the request as `patch` and then, before creating, asks the
 * authorizer again for `create` (the patch handler's create validation), so
 * `patch` alone cannot make objects appear.
 */
function authorizeCreateOnPatch(r: Req): void {
  const attrs: Attributes = {
    user: r.user,
    verb: "create",
    resourceRequest: true,
    apiGroup: r.t.group,
    resource: r.t.plural,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    ...(r.name ? { name: r.name } : {}),
  };
  if (!authorize(r.ctx.store, attrs).allowed) throw forbidden(r.t, r.name ?? "", forbiddenMessage(attrs));
}

async function patch(r: Req): Promise<void> {
  const contentType = String(r.req.headers["content-type"] ?? "")
    .split(";")[0]
    .trim();
  const accepted =
    r.t.strategicMerge === false
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.strategic, PATCH_TYPES.apply];
  if (!accepted.includes(contentType)) throw unsupportedMediaType(contentType, accepted);
  if (r.subresource && !["status", "scale"].includes(r.subresource)) throw pathNotFound();
  if (r.subresource === "status" && !r.t.status) throw pathNotFound();
  const text = await readBody(r.req);
  const store = r.ctx.store;
  const opts = writeOpts(r);

  if (contentType === PATCH_TYPES.apply) {
    if (!r.q.get("fieldManager")) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const cfg = parseBody(text, "application/yaml");
    if (r.subresource === "scale")
      throw unsupportedMediaType(
        contentType,
        accepted.filter((a) => a !== PATCH_TYPES.apply),
      );
    const config = checkBodyIdentity(r, cfg, true);
    const live = store.get(r.gr, r.namespace, r.name ?? "");
    const result = serverSideApply(live, config, opts.fieldManager, boolParam(r.q, "force"), r.subresource, r.t.strategicMerge !== false);
    if (!live) {
      if (r.subresource) store.mustGet(r.gr, r.namespace, r.name ?? "");
      authorizeCreateOnPatch(r);
      const created = store.create(r.gr, result.object, { ...opts, preserveManagedFields: true });
      return sendObject(r, 201, created);
    }
    if (!result.changed) return sendObject(r, 200, live);
    const updated = store.update(r.gr, result.object, { ...opts, preserveManagedFields: true, ...(r.subresource ? { subresource: r.subresource } : {}) });
    return sendObject(r, 200, updated);
  }

  const patchDoc = parseBody(text, "application/json");
  if (patchDoc === undefined) throw badRequest("the body of the request was empty");
  const live = store.mustGet(r.gr, r.namespace, r.name ?? "");
  const target: Obj = r.subresource === "scale" ? scaleOf(r.t, live) : clone(live);
  let patched: unknown;
  if (contentType === PATCH_TYPES.json) {
    if (!Array.isArray(patchDoc)) throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    try {
      patched = jsonPatch.applyPatch(target, patchDoc as jsonPatchModule.Operation[], true, false).newDocument;
    } catch (e) {
      throw new StatusError(422, "Invalid", `the server rejected our request due to an error in our request: ${(e as Error).message.split("\n")[0]}`, {});
    }
  } else if (contentType === PATCH_TYPES.merge) {
    patched = mergePatch(target, patchDoc);
  } else {
    patched = strategicMergePatch(target, patchDoc);
  }
  if (!isObj(patched)) throw badRequest("patch produced a non-object");
  if (r.subresource === "scale") return writeScale(r, live, patched as KObject);
  const o = patched as KObject;
  o.metadata = isObj(o.metadata) ? o.metadata : {};
  if (o.metadata.name !== live.metadata.name || (o.metadata.namespace ?? "") !== (live.metadata.namespace ?? "")) {
    throw new StatusError(
      422,
      "Invalid",
      `${r.t.kind} "${live.metadata.name ?? ""}" is invalid: metadata.name: Invalid value: ${JSON.stringify(o.metadata.name)}: field is immutable`,
      {
        name: live.metadata.name,
        kind: r.t.kind,
        causes: [{ reason: "FieldValueInvalid", message: "field is immutable", field: "metadata.name" }],
      },
    );
  }
  const updated = store.update(r.gr, o, { ...opts, ...(r.subresource ? { subresource: r.subresource } : {}) });
  sendObject(r, 200, updated);
}

async function deleteOptions(r: Req): Promise<DeleteOptions & { dryRun: boolean }> {
  const text = await readBody(r.req);
  const body = (parseBody(text, "application/json") ?? {}) as Obj;
  const q = r.q;
  let policy = (q.get("propagationPolicy") ?? body.propagationPolicy) as DeleteOptions["propagationPolicy"] | undefined;
  const orphan = q.get("orphanDependents") ?? body.orphanDependents;
  if (!policy && (orphan === "true" || orphan === true)) policy = "Orphan";
  if (policy && !["Orphan", "Background", "Foreground"].includes(policy)) {
    throw new StatusError(
      422,
      "Invalid",
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
      {
        kind: "DeleteOptions",
        group: "meta.k8s.io",
        causes: [
          {
            reason: "FieldValueNotSupported",
            message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan", "nil"`,
            field: "propagationPolicy",
          },
        ],
      },
    );
  }
  const grace = q.get("gracePeriodSeconds") ?? body.gracePeriodSeconds;
  const dryRun = q.getAll("dryRun").includes("All") || (Array.isArray(body.dryRun) && body.dryRun.includes("All"));
  return {
    dryRun,
    user: r.user,
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    ...(isObj(body.preconditions) ? { preconditions: body.preconditions as DeleteOptions["preconditions"] } : {}),
  };
}

async function deleteOne(r: Req): Promise<void> {
  const opts = await deleteOptions(r);
  const result = r.ctx.store.delete(r.gr, r.namespace, r.name ?? "", opts);
  sendObject(r, result.deleted ? 200 : 202, result.object);
}

async function deleteCollection(r: Req): Promise<void> {
  if (r.t.virtual) throw methodNotAllowed();
  const opts = await deleteOptions(r);
  const { labels, fields } = listOpts(r);
  const items = r.ctx.store.list(r.gr, { ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), labels, fields });
  const out: KObject[] = [];
  for (const o of items) {
    try {
      out.push(r.ctx.store.delete(r.gr, o.metadata.namespace, o.metadata.name ?? "", opts).object);
    } catch (e) {
      if (!(isStatusError(e) && e.code === 404)) throw e;
    }
  }
  sendJSON(r.res, 200, {
    kind: `${r.t.kind}List`,
    apiVersion: apiVersionOf(r.t),
    metadata: { resourceVersion: String(r.ctx.store.resourceVersion) },
    items: out.map((o) => served(r.t, o)),
  });
}

async function createSubresource(r: Req): Promise<void> {
  const body = (parseBody(await readBody(r.req), String(r.req.headers["content-type"] ?? "application/json")) ?? {}) as Obj;
  const store = r.ctx.store;
  if (r.gr === "/pods" && r.subresource === "eviction") {
    const pod = store.mustGet("/pods", r.namespace, r.name ?? "");
    store.admit({
      operation: "CREATE",
      type: r.t,
      gr: "/pods",
      namespace: r.namespace,
      name: r.name ?? "",
      subresource: "eviction",
      object: body as KObject,
      oldObject: pod,
      dryRun: writeOpts(r).dryRun,
      user: r.user,
      store,
    });
    const opts = (isObj(body.deleteOptions) ? body.deleteOptions : {}) as DeleteOptions;
    if (!writeOpts(r).dryRun) store.delete("/pods", r.namespace, r.name ?? "", { ...opts, user: r.user });
    return sendJSON(r.res, 201, successStatus(201));
  }
  if (r.gr === "/pods" && r.subresource === "binding") {
    const pod = store.mustGet("/pods", r.namespace, r.name ?? "");
    const target = (isObj(body.target) ? body.target : {}) as { name?: string };
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName)
      throw new StatusError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on pods/binding "${r.name ?? ""}": pod ${r.name ?? ""} is already assigned to node "${spec.nodeName}"`,
        { name: r.name, kind: "pods/binding" },
      );
    pod.spec = { ...spec, nodeName: target.name };
    store.update("/pods", pod, { ...writeOpts(r), fieldManager: writeOpts(r).fieldManager });
    return sendJSON(r.res, 201, successStatus(201));
  }
  throw methodNotAllowed();
}

// ------------------------------------------------------------------ reviews

function review(r: Req, body: unknown): void {
  if (!isObj(body)) throw badRequest("review body must be an object");
  const spec = (isObj(body.spec) ? body.spec : {}) as Obj;
  const kind = r.t.kind;
  const out = { apiVersion: apiVersionOf(r.t), kind, metadata: { creationTimestamp: null, ...(isObj(body.metadata) ? body.metadata : {}) }, spec } as Obj;
  const store = r.ctx.store;
  if (kind === "SelfSubjectReview") {
    const u = r.user;
    out.status = { userInfo: { username: u.name, groups: u.groups, ...(u.uid ? { uid: u.uid } : {}), ...(u.extra ? { extra: u.extra } : {}) } };
    delete out.spec;
    return sendJSON(r.res, 201, out);
  }
  if (kind === "SelfSubjectRulesReview") {
    const ns = String(spec.namespace ?? "");
    out.status = rulesReview(store, r.user, ns);
    return sendJSON(r.res, 201, out);
  }
  let subject: UserInfo = r.user;
  if (kind === "SubjectAccessReview" || kind === "LocalSubjectAccessReview") {
    subject = {
      name: String(spec.user ?? ""),
      groups: Array.isArray(spec.groups) ? (spec.groups as string[]) : [],
      ...(spec.uid ? { uid: String(spec.uid) } : {}),
    };
  } else {
    out.spec = { ...spec };
  }
  const ra = isObj(spec.resourceAttributes) ? (spec.resourceAttributes as Obj) : undefined;
  const nra = isObj(spec.nonResourceAttributes) ? (spec.nonResourceAttributes as Obj) : undefined;
  if (kind === "LocalSubjectAccessReview" && ra && ra.namespace !== r.namespace) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${r.namespace ?? ""}`);
  }
  if (!ra && !nra) {
    throw new StatusError(
      422,
      "Invalid",
      `${kind}.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      {
        group: "authorization.k8s.io",
        kind,
        causes: [
          {
            reason: "FieldValueInvalid",
            message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
            field: "spec.resourceAttributes",
          },
        ],
      },
    );
  }
  const attrs: Attributes = ra
    ? {
        user: subject,
        verb: String(ra.verb ?? ""),
        resourceRequest: true,
        apiGroup: String(ra.group ?? ""),
        resource: String(ra.resource ?? ""),
        ...(ra.subresource ? { subresource: String(ra.subresource) } : {}),
        ...(ra.name ? { name: String(ra.name) } : {}),
        ...(ra.namespace ? { namespace: String(ra.namespace) } : {}),
      }
    : { user: subject, verb: String(nra?.verb ?? ""), resourceRequest: false, path: String(nra?.path ?? "") };
  const d = authorize(store, attrs);
  out.status = { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
  sendJSON(r.res, 201, out);
}
