/**
 * Recording the clients the config service answers (ConfigInstance: app,
 * cluster, namespace, IP, its pod and labels, the release key it holds, when
 * last seen), so the config page shows which instances hold which release.
 * Cheaply: an instance is written at most once per WHARF_CONFIG_INSTANCE_WRITE_MS
 * unless its release key changed (then at the next flush, so "N of M on the
 * latest release" follows a publish within a second), in batches of up to
 * 500 rows in one upsert, off the request path (the pod is looked up then).
 */
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import type { EnvKind } from "@/lib/catalog/environments";
import { childLogger } from "@/lib/log";
import type { PodDirectory } from "./pods";

const log = childLogger("config-instances");
const BATCH = 500;

export interface SeenInstance {
  environment: EnvKind;
  appId: string;
  cluster: string;
  dataCenter?: string;
  namespace: string;
  ip: string;
  /** Labels the client sent (Apollo's `label`), used when no pod of its IP is known. */
  labels?: Record<string, string>;
  releaseKey: string;
}

const keyOf = (i: SeenInstance) => `${i.environment}|${i.appId}|${i.cluster}|${i.namespace}|${i.ip}`;

export class InstanceRecorder {
  private readonly written = new Map<string, { releaseKey: string; at: number }>();
  private pending = new Map<string, SeenInstance>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pods: PodDirectory,
    private readonly writeEveryMs: number,
    private readonly flushEveryMs = 1_000,
  ) {}

  start() {
    this.timer = setInterval(() => void this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  note(i: SeenInstance) {
    const k = keyOf(i);
    const w = this.written.get(k);
    if (w && w.releaseKey === i.releaseKey && Date.now() - w.at < this.writeEveryMs) return;
    this.pending.set(k, i);
    if (this.pending.size >= BATCH) void this.flush();
  }

  /** Writes what is pending (one flush at a time); resolves when it is written. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((e: unknown) => log.error({ err: e }, "config instances not recorded"));
    return this.flushing;
  }

  private async write() {
    if (!this.pending.size) return;
    const batch = [...this.pending.entries()].slice(0, BATCH);
    for (const [k] of batch) this.pending.delete(k);
    const now = Date.now();
    for (const [k, i] of batch) this.written.set(k, { releaseKey: i.releaseKey, at: now });
    if (this.written.size > 200_000) for (const [k, w] of this.written) if (now - w.at > this.writeEveryMs) this.written.delete(k);
    try {
      const rows = await Promise.all(
        batch.map(async ([, i]) => ({ ...i, identity: await this.pods.identify(i.environment, i.appId, [i.cluster, i.dataCenter], i.ip).catch(() => null) })),
      );
      await db().$executeRaw`
        insert into "ConfigInstance" (id, environment, "appId", cluster, namespace, ip, pod, labels, "releaseKey", "firstSeenAt", "lastSeenAt")
        select id, environment::"EnvironmentKind", app_id, cluster, namespace, ip, pod, labels::jsonb, release_key, now(), now()
        from unnest(
          ${rows.map(() => randomUUID())}::text[], ${rows.map((r) => r.environment)}::text[], ${rows.map((r) => r.appId)}::text[],
          ${rows.map((r) => r.cluster)}::text[], ${rows.map((r) => r.namespace)}::text[], ${rows.map((r) => r.ip)}::text[],
          ${rows.map((r) => r.identity?.pod ?? "")}::text[], ${rows.map((r) => JSON.stringify(r.identity?.labels ?? r.labels ?? {}))}::text[],
          ${rows.map((r) => r.releaseKey)}::text[]
        ) as t(id, environment, app_id, cluster, namespace, ip, pod, labels, release_key)
        on conflict (environment, "appId", cluster, namespace, ip) do update
          set pod = excluded.pod, labels = excluded.labels, "releaseKey" = excluded."releaseKey", "lastSeenAt" = excluded."lastSeenAt"`;
    } catch (e) {
      // Not written: let the next request of these instances try again.
      for (const [k] of batch) this.written.delete(k);
      throw e;
    }
    if (this.pending.size) await this.write();
  }

  async stop() {
    clearInterval(this.timer);
    await this.flush();
  }
}
