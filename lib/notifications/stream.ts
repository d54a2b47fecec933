/**
 * What the header's bell and the sidebar's inbox count show, and the
 * server-sent event stream that keeps them current on an open page
 * (/api/notifications/stream): the counts at once, then again whenever a
 * live event concerns this user (./live.ts), never on a timer.
 *
 * Authorized per user: the stream only ever carries the signed-in person's
 * own notifications and inbox, read with their actor, and that actor is
 * loaded again from the session before every push, so signing out, a
 * disabled account or a changed role take effect on the open stream too
 * (it ends with an `end` event when the session did).
 */
import type { Ctx } from "@/lib/context";
import { childLogger } from "@/lib/log";
import { countInbox } from "@/lib/tickets/query";
import { listNotifications } from "./index";
import { subscribeLive, type LiveEvent } from "./live";

const log = childLogger("live");

export interface LiveCounts {
  items: { id: string; title: string; body: string; link: string; readAt: Date | null; createdAt: Date }[];
  unread: number;
  inbox: number;
}

/** The bell's items and unread count, and the tickets waiting for the actor. */
export async function liveCounts(ctx: Ctx): Promise<LiveCounts> {
  const [notifications, inbox] = await Promise.all([listNotifications(ctx), countInbox(ctx)]);
  return {
    items: notifications.items.map((n) => ({ id: n.id, title: n.title, body: n.body, link: n.link, readAt: n.readAt, createdAt: n.createdAt })),
    unread: notifications.unread,
    inbox,
  };
}

/** Whether an event may change what `userId` sees. */
export function concerns(event: LiveEvent, userId: string): boolean {
  return "user" in event ? event.user === userId : true;
}

export interface LiveStreamOptions {
  /** Who the stream is for (from the request's session). */
  ctx: Ctx;
  /** The actor again, from the same session, before each push; null once the session ended. */
  reload: () => Promise<Ctx | null>;
  /** Aborted when the browser goes away. */
  signal?: AbortSignal;
  /** A comment line this often keeps proxies from closing an idle stream (default 25 s). */
  keepAliveMs?: number;
}

/** `text/event-stream` body: `event: counts` with the JSON of LiveCounts, whenever it changes. */
export function liveCountsStream({ ctx, reload, signal, keepAliveMs = 25_000 }: LiveStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const userId = ctx.actor.id;
  let closed = false;
  let running = false;
  let again = false;
  let last = "";
  let keepAlive: NodeJS.Timeout | undefined;
  let subscription: { close: () => void } | undefined;
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;

  const close = () => {
    if (closed) return;
    closed = true;
    subscription?.close();
    clearInterval(keepAlive);
    try {
      controllerRef?.close();
    } catch {
      // already closed by the other side
    }
  };
  const send = (text: string) => {
    if (closed) return;
    try {
      controllerRef?.enqueue(encoder.encode(text));
    } catch {
      close();
    }
  };
  /** Reads and sends the counts; events during a read make one more read, not one each. */
  const push = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const current = await reload();
        if (!current) {
          send("event: end\ndata: {}\n\n");
          close();
          return;
        }
        const json = JSON.stringify(await liveCounts(current));
        if (json !== last) {
          last = json;
          send(`event: counts\ndata: ${json}\n\n`);
        }
      } while (again && !closed);
    } catch (err) {
      // The next event (or the browser's reconnect) tries again; the page keeps what it has.
      log.warn({ err, userId }, "live counts could not be read");
    } finally {
      running = false;
    }
  };

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      controllerRef = controller;
      if (signal?.aborted) return close();
      signal?.addEventListener("abort", close, { once: true });
      // The browser reconnects after 5 s when the stream breaks.
      send("retry: 5000\n\n");
      const sub = subscribeLive((event) => {
        if (concerns(event, userId)) void push();
      });
      subscription = sub;
      if (closed) return sub.close();
      // Listening before the first read: nothing that commits after it is missed.
      await sub.ready;
      await push();
      keepAlive = setInterval(() => send(": keep-alive\n\n"), keepAliveMs);
      keepAlive.unref?.();
    },
    cancel() {
      close();
    },
  });
}
