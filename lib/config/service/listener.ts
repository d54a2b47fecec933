/**
 * The one dedicated Postgres connection of a config-service process: LISTEN
 * on CONFIG_CHANNEL (every publish, `<messageId>:<key>`) and
 * CONFIG_ACCESS_CHANNEL (access-key changes). It reconnects with a backoff
 * when the connection drops (or stops answering its heartbeat) and says so
 * with `onReconnect`, after LISTEN is in place again: NOTIFYs sent while it
 * was away are lost, so the caller re-checks what it watches in the
 * database and forgets what it cached. It also emits `disconnected` and
 * `reconnected` (for logs and tests). No periodic scan: between drops,
 * NOTIFY alone wakes the long polls.
 */
import { EventEmitter } from "node:events";
import pg from "pg";
import { childLogger } from "@/lib/log";
import { CONFIG_CHANNEL } from "../store";
import { CONFIG_ACCESS_CHANNEL } from "../access-keys";

const log = childLogger("config-listener");

export interface ListenerHandlers {
  onMessage(id: number, key: string): void;
  onAccessChange(environmentAndAppId: string): void;
  /** LISTEN is in place again after a drop: re-check in the database, forget caches. */
  onReconnect(): void;
  /** The connection dropped: until onReconnect, nothing is heard. */
  onDisconnect?(): void;
}

export interface ListenerOptions {
  /** First delay before reconnecting (doubles up to 5 s). Default 100 ms. */
  reconnectDelayMs?: number;
  /** A heartbeat (`select 1`) every this often; a connection that does not answer within it is replaced. Default 15 s. */
  heartbeatMs?: number;
}

export class ConfigListener extends EventEmitter<{ disconnected: []; reconnected: [] }> {
  private client: pg.Client | undefined;
  private stopped = false;
  private connectedOnce = false;
  private attempt = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** True while LISTEN is in place: what the process heard is complete. */
  listening = false;

  constructor(
    private readonly connectionString: string,
    private readonly handlers: ListenerHandlers,
    private readonly opts: ListenerOptions = {},
  ) {
    super();
  }

  /** Connects (retrying until it succeeds or stop() is called). */
  async start(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      try {
        await this.connect();
        return;
      } catch (e) {
        const delay = this.nextDelay();
        log.warn({ err: e, delay }, "config listener cannot connect to Postgres; retrying");
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** The backend pid of the listening connection (tests end it to prove reconnection). */
  async backendPid(): Promise<number | null> {
    const c = this.client;
    if (!c || !this.listening) return null;
    const r = await c.query<{ pid: number }>("select pg_backend_pid() as pid");
    return r.rows[0]?.pid ?? null;
  }

  private nextDelay() {
    const base = this.opts.reconnectDelayMs ?? 100;
    const delay = Math.min(5_000, base * 2 ** Math.min(this.attempt, 6));
    this.attempt++;
    return delay;
  }

  private async connect() {
    const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true, application_name: "wharf-config-service" });
    client.on("notification", (n) => this.onNotification(n));
    client.on("error", (e) => this.lost(client, e));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${CONFIG_CHANNEL}`);
      await client.query(`listen ${CONFIG_ACCESS_CHANNEL}`);
    } catch (e) {
      client.removeAllListeners("end");
      client.removeAllListeners("error");
      client.on("error", () => {});
      await client.end().catch(() => {});
      throw e;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.listening = true;
    this.attempt = 0;
    this.startHeartbeat(client);
    if (this.connectedOnce) {
      log.info("config listener reconnected: re-checking watched keys");
      this.handlers.onReconnect();
      this.emit("reconnected");
    }
    this.connectedOnce = true;
  }

  private onNotification(n: pg.Notification) {
    const payload = n.payload ?? "";
    if (n.channel === CONFIG_ACCESS_CHANNEL) return this.handlers.onAccessChange(payload);
    const colon = payload.indexOf(":");
    const id = Number(payload.slice(0, colon));
    if (colon < 1 || !Number.isSafeInteger(id)) return log.warn({ payload }, "config listener: a notification it cannot read");
    this.handlers.onMessage(id, payload.slice(colon + 1));
  }

  private startHeartbeat(client: pg.Client) {
    const every = this.opts.heartbeatMs ?? 15_000;
    this.heartbeat = setInterval(() => {
      let answered = false;
      const timer = setTimeout(() => {
        if (!answered) this.lost(client, new Error("the listening connection stopped answering"));
      }, every);
      client
        .query("select 1")
        .then(() => (answered = true))
        .catch((e: unknown) => this.lost(client, e))
        .finally(() => clearTimeout(timer));
    }, every);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client, err?: unknown) {
    if (client !== this.client) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.heartbeat);
    client.removeAllListeners("notification");
    client.on("error", () => {});
    void client.end().catch(() => {});
    if (this.stopped) return;
    log.warn({ err }, "config listener lost its Postgres connection; reconnecting");
    this.handlers.onDisconnect?.();
    this.emit("disconnected");
    const reconnect = () => {
      this.retry = undefined;
      if (this.stopped) return;
      this.connect().catch((e: unknown) => {
        log.warn({ err: e }, "config listener cannot reconnect yet");
        this.retry = setTimeout(reconnect, this.nextDelay());
      });
    };
    this.retry = setTimeout(reconnect, this.nextDelay());
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const c = this.client;
    this.client = undefined;
    this.listening = false;
    if (c) {
      c.removeAllListeners("end");
      c.on("error", () => {});
      await c.end().catch(() => {});
    }
  }
}
