/**
 * Held long polls (/notifications/v2), indexed by watch key, and what the
 * process knows of the latest message of each key. A poll is registered
 * before its check in the database (as Apollo's NotificationControllerV2
 * does), so a publish that commits in between wakes it through NOTIFY
 * instead of being missed. The latest id per key is learnt from the database
 * once and then kept by NOTIFY while the listener is connected, so 10,000
 * polls on one namespace cost one query, not 10,000; it is forgotten on a
 * reconnect, when NOTIFYs may have been lost.
 */
import { db } from "@/lib/db/client";

export interface PollNamespace {
  /** As answered to the client: the name it sent, `.properties` stripped (Apollo's answer). */
  name: string;
  /** The client's notificationId for it (-1 or 0 when it has none). */
  clientId: number;
  keys: string[];
}

/** Apollo's ApolloConfigNotification as JSON. */
export interface ApolloNotification {
  namespaceName: string;
  notificationId: number;
  messages: { details: Record<string, number> };
}

/** `null` answers 304. */
export type Respond = (body: string | null) => void;

export interface HeldPoll {
  namespaces: PollNamespace[];
  respond: Respond;
  done: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** Apollo's message key (`appId+cluster+namespace`) of a Wharf key (`env+appId+cluster+namespace`): clients echo it, never parse it. */
function apolloKey(key: string) {
  return key.slice(key.indexOf("+") + 1);
}

export interface PollHubOptions {
  timeoutMs: number;
  maxPolls: number;
  /** Whether the listener is connected (what the hub heard is complete). */
  listening: () => boolean;
}

export class PollHub {
  private readonly byKey = new Map<string, Set<HeldPoll>>();
  private readonly latest = new Map<string, number>();
  private readonly inflight = new Map<string, Promise<number>>();
  /** Bumped when what was heard may be incomplete: answers of queries started before it are not kept. */
  private era = 0;
  held = 0;
  /** The last publish's dispatch: how many polls it answered and how long that took in this process. */
  lastDispatch = { polls: 0, ms: 0 };

  constructor(private readonly opts: PollHubOptions) {}

  /** The latest message id of each key (0: none), from what NOTIFY said or the database. */
  async latestIds(keys: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const missing: string[] = [];
    const trust = this.opts.listening();
    for (const k of keys) {
      const known = trust ? this.latest.get(k) : undefined;
      if (known !== undefined) out.set(k, known);
      else missing.push(k);
    }
    if (missing.length) {
      const ids = await Promise.all(missing.map((k) => this.queryLatest(k)));
      missing.forEach((k, i) => out.set(k, Math.max(ids[i]!, this.latest.get(k) ?? 0)));
    }
    return out;
  }

  private queryLatest(key: string): Promise<number> {
    const running = this.inflight.get(key);
    if (running) return running;
    const era = this.era;
    const listening = this.opts.listening();
    const p = db().$queryRaw<{ id: bigint | null }[]>`select max(id) as id from "ConfigMessage" where key = ${key}`
      .then((rows) => {
        const id = Number(rows[0]?.id ?? 0);
        // Kept only when LISTEN was in place before the query began: later messages then arrive by NOTIFY.
        if (listening && era === this.era) {
          if (this.latest.size > 200_000) this.latest.clear();
          this.latest.set(key, Math.max(id, this.latest.get(key) ?? 0));
        }
        return id;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** The namespaces of a poll that have a newer message than the client's, as Apollo answers them. */
  private newer(namespaces: readonly PollNamespace[], latest: Map<string, number>): ApolloNotification[] {
    const out: ApolloNotification[] = [];
    for (const ns of namespaces) {
      let id = -1;
      const details: Record<string, number> = {};
      for (const k of ns.keys) {
        const v = latest.get(k) ?? 0;
        if (v > 0) details[apolloKey(k)] = v;
        if (v > id) id = v;
      }
      if (id > 0 && id > ns.clientId) out.push({ namespaceName: ns.name, notificationId: id, messages: { details } });
    }
    return out;
  }

  /**
   * Holds a poll until a namespace of it has a newer message (200) or the
   * timeout (304). Over the process's bound it is not held: it is answered
   * from the database at once, else 304 after a short pause (so clients that
   * poll again at once do not spin; behind a load balancer they may land on
   * another instance).
   */
  async open(namespaces: PollNamespace[], respond: Respond): Promise<HeldPoll> {
    const poll: HeldPoll = { namespaces, respond, done: false, timer: undefined };
    const keys = [...new Set(namespaces.flatMap((n) => n.keys))];
    if (this.held >= this.opts.maxPolls) {
      const now = this.newer(namespaces, await this.latestIds(keys));
      poll.done = true;
      if (now.length) respond(JSON.stringify(now));
      else {
        poll.timer = setTimeout(() => respond(null), 500 + Math.floor(Math.random() * 1000));
        poll.timer.unref();
      }
      return poll;
    }
    for (const k of keys) {
      let set = this.byKey.get(k);
      if (!set) this.byKey.set(k, (set = new Set()));
      set.add(poll);
    }
    this.held++;
    poll.timer = setTimeout(() => this.finish(poll, null), this.opts.timeoutMs);
    try {
      const now = this.newer(namespaces, await this.latestIds(keys));
      if (now.length) this.finish(poll, JSON.stringify(now));
    } catch (e) {
      this.cancel(poll);
      throw e;
    }
    return poll;
  }

  /** Forgets a poll without answering it (its client went away). */
  cancel(poll: HeldPoll) {
    if (poll.done) {
      clearTimeout(poll.timer);
      return;
    }
    poll.done = true;
    clearTimeout(poll.timer);
    this.held--;
    for (const ns of poll.namespaces)
      for (const k of ns.keys) {
        const set = this.byKey.get(k);
        if (!set) continue;
        set.delete(poll);
        if (!set.size) this.byKey.delete(k);
      }
  }

  private finish(poll: HeldPoll, body: string | null) {
    if (poll.done) return;
    this.cancel(poll);
    poll.respond(body);
  }

  /** A publish: every poll watching the key is answered (one body per namespace name, shared). */
  onMessage(id: number, key: string) {
    if (this.opts.listening()) this.latest.set(key, Math.max(id, this.latest.get(key) ?? 0));
    const polls = this.byKey.get(key);
    if (!polls) return;
    const started = performance.now();
    let answered = 0;
    const bodies = new Map<string, string>();
    for (const poll of [...polls]) {
      const ns = poll.namespaces.find((n) => n.keys.includes(key));
      if (!ns) continue;
      let body = bodies.get(ns.name);
      if (!body) {
        body = JSON.stringify([{ namespaceName: ns.name, notificationId: id, messages: { details: { [apolloKey(key)]: id } } }]);
        bodies.set(ns.name, body);
      }
      this.finish(poll, body);
      answered++;
    }
    this.lastDispatch = { polls: answered, ms: performance.now() - started };
  }

  /** After a reconnect: forget what NOTIFY said and check every held poll in the database. */
  async recheck() {
    this.era++;
    this.latest.clear();
    const polls = new Set<HeldPoll>();
    for (const set of this.byKey.values()) for (const p of set) polls.add(p);
    const keys = [...this.byKey.keys()];
    const latest = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const rows = await db().$queryRaw<{ key: string; id: bigint }[]>`
        select key, max(id) as id from "ConfigMessage" where key = any(${batch}::text[]) group by key`;
      for (const r of rows) latest.set(r.key, Number(r.id));
    }
    for (const poll of polls) {
      const now = this.newer(poll.namespaces, latest);
      if (now.length) this.finish(poll, JSON.stringify(now));
    }
  }

  /** Forget what was heard (the listener dropped: until it is back, ask the database). */
  forget() {
    this.era++;
    this.latest.clear();
  }

  /** Answers every held poll 304 (shutdown: clients poll again, elsewhere or after the restart). */
  closeAll() {
    const polls = new Set<HeldPoll>();
    for (const set of this.byKey.values()) for (const p of set) polls.add(p);
    for (const p of polls) this.finish(p, null);
  }
}
