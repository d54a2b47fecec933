/**
 * Live events for open pages, across web instances: the writes that change
 * what the bell or the inbox count show NOTIFY on the channel `wharf_live`
 * in their own transaction, so the event goes out when (and only if) they
 * commit: a notification written or read (./index.ts `notify`,
 * `markNotificationsRead`; payload: whose) and a request opened, decided or
 * cancelled (lib/tickets/engine.ts; payload: every inbox). Each web process keeps
 * one LISTEN connection while anyone listens, and hands every event to its
 * subscribers (the server-sent event streams, ./stream.ts). The connection
 * is re-opened with backoff when it drops; subscribers are then told to
 * resync, since events sent meanwhile were lost.
 *
 * The connection is a plain `pg` client outside Prisma's pool: LISTEN needs a
 * session of its own (with PgBouncer, point DATABASE_URL at a session-mode
 * pool, as for graphile-worker).
 */
import { Client } from "pg";
import { envPart } from "@/lib/env";
import { childLogger } from "@/lib/log";

const log = childLogger("live");

export const LIVE_CHANNEL = "wharf_live";

/** Whose counts changed: one user's notifications, every inbox, or unknown (after a reconnect). */
export type LiveEvent = { user: string } | { inbox: true } | { resync: true };
export type LiveListener = (event: LiveEvent) => void;

/** A payload as the triggers write it; anything else is ignored. */
export function parseLiveEvent(payload: string | undefined): LiveEvent | null {
  try {
    const v = JSON.parse(payload ?? "") as Record<string, unknown>;
    if (typeof v.user === "string" && v.user) return { user: v.user };
    if (v.inbox === true) return { inbox: true };
  } catch {
    // not ours
  }
  return null;
}

const MAX_BACKOFF_MS = 30_000;
/** A process whose last page closed keeps its connection this long (a reload comes back at once). */
const IDLE_CLOSE_MS = 60_000;

/** What a channel's listeners receive: its parsed events, and `resync` after a reconnect (events sent meanwhile were lost). */
export type HubEvent<E> = E | { resync: true };

/**
 * One LISTEN connection on one channel for the whole process, shared by every
 * subscriber (the live counts' streams on `wharf_live`, the CI run pages on `wharf_ci`).
 */
export class ChannelHub<E> {
  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly parse: (payload: string | undefined) => E | null,
  ) {}

  private listeners = new Set<(event: HubEvent<E>) => void>();
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private backoffMs = 1000;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private lostSinceListening = false;

  /** Listens until `close()`. `ready` settles once the LISTEN is active (or failed: it is retried in the background). */
  subscribe(listener: (event: HubEvent<E>) => void): { ready: Promise<void>; close: () => void } {
    this.listeners.add(listener);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const ready = this.ensure().catch(() => {});
    return {
      ready,
      close: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0 && !this.idleTimer) {
          this.idleTimer = setTimeout(() => void this.shutdown(), IDLE_CLOSE_MS);
          this.idleTimer.unref();
        }
      },
    };
  }

  private emit(event: HubEvent<E>) {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        log.warn({ err }, "a live listener failed");
      }
    }
  }

  private ensure(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect() {
    const client = new Client({ connectionString: this.url, application_name: `wharf-live:${this.channel}` });
    const lost = (err?: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      this.lostSinceListening = true;
      log.warn({ err }, "the live events connection dropped; reconnecting");
      client.end().catch(() => {});
      this.scheduleRetry();
    };
    client.on("notification", (msg) => {
      if (msg.channel !== this.channel) return;
      const event = this.parse(msg.payload);
      if (event) this.emit(event);
    });
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      client.end().catch(() => {});
      log.warn({ err }, "could not listen for live events; retrying");
      this.lostSinceListening = true;
      this.scheduleRetry();
      throw err;
    }
    this.client = client;
    this.backoffMs = 1000;
    if (this.lostSinceListening) {
      // Whatever happened while we were not listening is unknown: everyone reads their counts again.
      this.lostSinceListening = false;
      this.emit({ resync: true });
    }
  }

  private scheduleRetry() {
    if (this.retryTimer || this.listeners.size === 0) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.listeners.size) void this.ensure().catch(() => {});
    }, wait);
    this.retryTimer.unref();
  }

  private async shutdown() {
    this.idleTimer = null;
    if (this.listeners.size) return;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  /** Stops listening now, whoever still listens (a process that exits, the end of a test file). */
  async close() {
    this.listeners.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.shutdown();
  }

  /** For tests: drop the connection as a network failure would (the hub reconnects by itself). */
  async dropConnectionForTest() {
    const client = this.client;
    if (!client) return;
    client.emit("error", new Error("connection dropped by a test"));
  }
}

// Kept on globalThis so a hot reload in dev reuses the LISTEN connections instead of opening new ones.
const g = globalThis as typeof globalThis & { wharfHubs?: Map<string, { url: string; hub: ChannelHub<unknown> }> };

/** The process's hub for `channel` (one LISTEN connection per process, channel and database, kept across hot reloads). */
export function channelHub<E>(channel: string, parse: (payload: string | undefined) => E | null): ChannelHub<E> {
  const url = envPart("DATABASE_URL").DATABASE_URL;
  g.wharfHubs ??= new Map();
  const held = g.wharfHubs.get(channel);
  // One module owns each channel and always passes the same parser, so the hub held for it carries its events.
  if (held && held.url === url) return held.hub as ChannelHub<E>;
  const hub = new ChannelHub<E>(url, channel, parse);
  g.wharfHubs.set(channel, { url, hub: hub as ChannelHub<unknown> });
  return hub;
}

/** The hub of the bell and the inbox count (`wharf_live`). */
export function liveHub(): ChannelHub<LiveEvent> {
  return channelHub(LIVE_CHANNEL, parseLiveEvent);
}

export function subscribeLive(listener: LiveListener) {
  return liveHub().subscribe(listener);
}
