/**
 * core/v1 Events as client-go's recorder writes them: named
 * `<object>.<hex nanos>`, deduplicated like the EventCorrelator (same source,
 * object, type, reason and message -> `count` + 1 and a new lastTimestamp on
 * the existing Event), and expired after a TTL like the API server's.
 */
import { isStatusError } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import { isoNow } from "./kit.js";

/** Recording an event never fails the caller (a terminating namespace refuses new ones, as upstream). */
function quietly<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isStatusError(e)) return undefined;
    throw e;
  }
}
import type { Controller } from "./types.js";

export type EventType = "Normal" | "Warning";

interface CacheEntry {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

const MAX_CACHE = 4096;
let seq = 0;

export class EventRecorder {
  private cache = new Map<string, CacheEntry>();

  constructor(
    private readonly store: Store,
    private readonly component: string,
    private readonly enabled = true,
  ) {}

  /** Records an event about `obj` (a Pod, Deployment, Node ...); `host` is the node for kubelet events. */
  event(obj: KObject, type: EventType, reason: string, message: string, opts: { fieldPath?: string; host?: string } = {}): void {
    if (!this.enabled) return;
    const md = obj.metadata;
    const namespace = md.namespace || "default";
    const involved = {
      kind: obj.kind,
      namespace: md.namespace,
      name: md.name,
      uid: md.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: md.resourceVersion,
      ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}),
    };
    const key = [
      this.component,
      opts.host ?? "",
      obj.kind,
      md.namespace ?? "",
      md.name ?? "",
      opts.fieldPath ?? "",
      md.uid ?? "",
      obj.apiVersion,
      type,
      reason,
      message,
    ].join("\u0000");
    const now = isoNow();
    const hit = this.cache.get(key);
    if (hit) {
      hit.count += 1;
      this.cache.delete(key);
      this.cache.set(key, hit);
      const updated = quietly(() => {
        const ev = this.store.get("/events", hit.namespace, hit.name);
        if (!ev) return undefined;
        ev.count = hit.count;
        ev.lastTimestamp = now;
        return this.store.update("/events", ev, { fieldManager: this.component, untracked: true });
      });
      if (updated) return;
    }
    const nanos = BigInt(Date.now()) * 1_000_000n + BigInt(seq++ % 1_000_000);
    const name = `${md.name ?? "unknown"}.${nanos.toString(16)}`;
    const count = hit?.count ?? 1;
    const firstTimestamp = hit?.firstTimestamp ?? now;
    const created = quietly(() =>
      this.store.create(
        "/events",
        {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: involved,
          reason,
          message,
          source: { component: this.component, ...(opts.host ? { host: opts.host } : {}) },
          firstTimestamp,
          lastTimestamp: now,
          count,
          type,
          eventTime: null,
          reportingComponent: this.component,
          reportingInstance: opts.host ?? "",
        },
        { fieldManager: this.component, untracked: true },
      ),
    );
    if (!created) return;
    this.cache.set(key, { name, namespace, count, firstTimestamp });
    if (this.cache.size > MAX_CACHE) this.cache.delete(this.cache.keys().next().value as string);
  }
}

/** Deletes Events whose lastTimestamp is older than the TTL (checked every minute, or TTL/4 when shorter). */
export const eventTTLController: Controller = {
  name: "event-ttl",
  start({ store, options }) {
    const ttl = options.eventTTLMs;
    const sweep = () => {
      const cutoff = Date.now() - ttl;
      const expired = store.listRaw("/events").filter((ev) => {
        const t = Date.parse(String(ev.lastTimestamp ?? ev.metadata.creationTimestamp ?? ""));
        return Number.isFinite(t) && t < cutoff;
      });
      for (const ev of expired) quietly(() => store.delete("/events", ev.metadata.namespace, ev.metadata.name ?? ""));
    };
    const timer = setInterval(sweep, Math.min(60_000, Math.max(1000, ttl / 4)));
    timer.unref();
    return () => clearInterval(timer);
  },
};
