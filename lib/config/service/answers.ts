/**
 * The config service's cache of answers (what /configs and /configfiles
 * return for an app, cluster, namespace, data centre, signed or not), as
 * Apollo's config service caches releases: an entry is dropped by the
 * NOTIFY of any of its watch keys, all of them on a reconnect of the
 * listener, and after a minute at most (for changes that publish no message,
 * such as a service deleted). Answers that depend on the instance (an active
 * gray release) are never kept. An answer computed while one of its keys was
 * invalidated is not stored (it may predate the publish).
 */
import type { ClientConfig } from "../resolve";

const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 20_000;

interface Entry {
  config: ClientConfig;
  keys: string[];
  at: number;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly stamps = new Map<string, number>();
  private epoch = 0;

  /** Taken before resolving: `set` keeps the answer only if nothing it watches changed meanwhile. */
  stampOf(keys: readonly string[]): string {
    return `${this.epoch}:${keys.map((k) => this.stamps.get(k) ?? 0).join(",")}`;
  }

  get(cacheKey: string): ClientConfig | undefined {
    const e = this.entries.get(cacheKey);
    if (!e) return undefined;
    if (Date.now() - e.at > MAX_AGE_MS) {
      this.drop(cacheKey);
      return undefined;
    }
    return e.config;
  }

  set(cacheKey: string, config: ClientConfig, keys: string[], stamp: string) {
    if (config.hasGray || this.stampOf(keys) !== stamp) return;
    if (this.entries.size >= MAX_ENTRIES) {
      // Oldest first (a Map keeps insertion order).
      for (const k of [...this.entries.keys()].slice(0, MAX_ENTRIES / 10)) this.drop(k);
    }
    this.drop(cacheKey);
    this.entries.set(cacheKey, { config, keys, at: Date.now() });
    for (const k of keys) {
      let set = this.byKey.get(k);
      if (!set) this.byKey.set(k, (set = new Set()));
      set.add(cacheKey);
    }
  }

  private drop(cacheKey: string) {
    const e = this.entries.get(cacheKey);
    if (!e) return;
    this.entries.delete(cacheKey);
    for (const k of e.keys) {
      const set = this.byKey.get(k);
      set?.delete(cacheKey);
      if (set && !set.size) this.byKey.delete(k);
    }
  }

  /** A message of this key: answers watching it are stale. */
  invalidate(key: string) {
    if (this.stamps.size > 200_000) return this.clear();
    this.stamps.set(key, (this.stamps.get(key) ?? 0) + 1);
    for (const cacheKey of [...(this.byKey.get(key) ?? [])]) this.drop(cacheKey);
  }

  clear() {
    this.epoch++;
    this.entries.clear();
    this.byKey.clear();
    this.stamps.clear();
  }

  get size() {
    return this.entries.size;
  }
}
