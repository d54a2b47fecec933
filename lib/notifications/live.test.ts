/**
 * Live counts pushed to open pages: writes NOTIFY when notifications and
 * the inboxes change (after commit only), the process's one
 * LISTEN connection hands the events to the streams, and each stream sends
 * its own user's counts at once and then on every change that concerns
 * them. Tests wait for the events themselves, never for time to pass.
 */
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { markNotificationsRead, notify } from "./index";
import { requestArchive } from "@/lib/tickets/requests";
import { decideTicket } from "@/lib/tickets/engine";
import { liveHub, parseLiveEvent, subscribeLive, type LiveEvent } from "./live";
import { liveCountsStream, type LiveCounts } from "./stream";

const open: { cancel(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((r) => r.cancel()));
  await liveHub().close();
});

/** The events of a server-sent event stream, one at a time, as a browser's EventSource would parse them. */
function reader(stream: ReadableStream<Uint8Array>) {
  const r = stream.getReader();
  open.push({ cancel: () => r.cancel().catch(() => {}) });
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<{ event: string; data: string } | null> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = frame.split("\n").filter((l) => !l.startsWith(":") && !l.startsWith("retry:"));
          if (!lines.length) continue;
          const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? "";
          return { event: field("event") || "message", data: field("data") };
        }
        const { value, done } = await r.read();
        if (done) return null;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    async counts(): Promise<LiveCounts> {
      const e = await this.next();
      expect(e?.event).toBe("counts");
      return JSON.parse(e!.data) as LiveCounts;
    },
  };
}

function streamFor(ctx: Ctx, reload: () => Promise<Ctx | null> = async () => ctx) {
  return reader(liveCountsStream({ ctx, reload, keepAliveMs: 3_600_000 }));
}

/** The next live event the process hears that matches (`ready` once it listens). */
function nextEvent(match: (e: LiveEvent) => boolean) {
  let resolve!: (e: LiveEvent) => void;
  const heard = new Promise<LiveEvent>((r) => (resolve = r));
  const sub = subscribeLive((e) => {
    if (match(e)) resolve(e);
  });
  return { ready: sub.ready, event: heard.finally(() => sub.close()) };
}

describe("live events", () => {
  it("reads only the payloads the triggers write", () => {
    expect(parseLiveEvent('{"user":"u1"}')).toEqual({ user: "u1" });
    expect(parseLiveEvent('{"inbox":true}')).toEqual({ inbox: true });
    expect(parseLiveEvent("hello")).toBeNull();
    expect(parseLiveEvent('{"user":""}')).toBeNull();
  });

  it("are heard once a notification commits, and never for one rolled back", async () => {
    const [kept, dropped] = [await makeUser(), await makeUser()];
    const heard: LiveEvent[] = [];
    const sub = subscribeLive((e) => heard.push(e));
    await sub.ready;
    await db()
      .$transaction(async (tx) => {
        await notify(tx, { userIds: [dropped.id], title: "never" });
        throw new Error("abort");
      })
      .catch(() => {});
    const keptEvent = nextEvent((e) => "user" in e && e.user === kept.id);
    await db().$transaction((tx) => notify(tx, { userIds: [kept.id], title: "kept" }));
    await keptEvent.event;
    // Notifications of one connection arrive in commit order: the rolled-back one would have come first.
    expect(heard.filter((e) => "user" in e && e.user === dropped.id)).toEqual([]);
    sub.close();
  });
});

describe("the live counts stream", () => {
  it("sends the user's counts at once, then each new notification of theirs, and nothing of anyone else's", async () => {
    const [ana, bob] = [await makeUser("developer", "Ana Live"), await makeUser("developer", "Bob Live")];
    const ctx = await ctxFor(ana);
    await db().notification.create({ data: { userId: ana.id, title: "waiting already" } });
    const stream = streamFor(ctx);
    const first = await stream.counts();
    expect(first.unread).toBe(1);
    expect(first.items.map((n) => n.title)).toEqual(["waiting already"]);

    await db().$transaction((tx) => notify(tx, { userIds: [bob.id], title: "for bob only" }));
    await db().$transaction((tx) => notify(tx, { userIds: [ana.id], title: "#3 was approved" }));
    const second = await stream.counts();
    expect(second.unread).toBe(2);
    expect(second.items.map((n) => n.title)).toEqual(["#3 was approved", "waiting already"]);

    // Read elsewhere (another tab): the count follows.
    await markNotificationsRead(ctx);
    expect((await stream.counts()).unread).toBe(0);
  });

  it("updates an approver's inbox count when a request opens or is decided", async () => {
    const ops = await ctxFor(await makeUser("ops"));
    const requester = await makeUser();
    const stream = streamFor(ops);
    const before = (await stream.counts()).inbox;
    const project = await makeProject({ owner: requester, lifecycle: "active" });
    const { id } = await requestArchive(await ctxFor(requester), { projectId: project.id, reason: "done with it" });
    expect((await stream.counts()).inbox).toBe(before + 1);
    await decideTicket(ops, { ticketId: id, decision: "reject", comment: "still used" });
    expect((await stream.counts()).inbox).toBe(before);
  });

  it("ends when the session ends: nothing more is sent to a signed-out browser", async () => {
    const user = await makeUser();
    const ctx = await ctxFor(user);
    let signedIn = true;
    const stream = streamFor(ctx, async () => (signedIn ? ctx : null));
    await stream.counts();
    signedIn = false;
    await db().$transaction((tx) => notify(tx, { userIds: [user.id], title: "after sign-out" }));
    expect(await stream.next()).toEqual({ event: "end", data: "{}" });
    expect(await stream.next()).toBeNull();
  });

  it("reads the counts again after the database connection came back, since events may have been lost meanwhile", async () => {
    const user = await makeUser();
    const stream = streamFor(await ctxFor(user));
    await stream.counts();
    // A notification whose event is lost (written without one, as if announced while the connection was down)...
    await db().notification.create({ data: { userId: user.id, title: "while away" } });
    // ...is read when the connection comes back.
    const resync = nextEvent((e) => "resync" in e);
    await resync.ready;
    await liveHub().dropConnectionForTest();
    await resync.event;
    const counts = await stream.counts();
    expect(counts.items.map((n) => n.title)).toContain("while away");
  });
});
