/**
 * The config service against Apollo clients nobody here wrote (npm
 * ctrip-apollo, node-apollo, @lvgithub/ctrip-apollo-client), over HTTP, on a
 * real database: reading, long polling woken by a publish (also across
 * instances and after the listener lost its connection), 304 and 404 as
 * Apollo answers them, the access-key signature, a restart while clients
 * poll, and the instances recorded.
 */
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import apollo from "ctrip-apollo";
import nodeApollo from "node-apollo";
import { CtripApolloClient } from "@lvgithub/ctrip-apollo-client";
import { db } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import { ctxFor, makeProject, makeUser } from "@/test/factories";
import { editItems } from "../edit";
import { publishDraft } from "../publish";
import { createNamespace, ensureApplication } from "../namespaces";
import { getWorkingCopy, listConfigInstances } from "../read";
import { createAccessKey, setAccessKeyEnabled } from "../access-keys";
import { startConfigService, type ConfigService } from "./server";
import { signedHeaders } from "./signature";
import { until as waitUntil } from "@/test/worker";

const POLL_MS = 3_000;
let svc: ConfigService;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-apollo-clients-"));
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  svc = await startConfigService({ port: 0, pollTimeoutMs: POLL_MS, instanceFlushMs: 100 });
});

afterAll(async () => {
  for (const c of cleanups) await c();
  await svc?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A project with a service `api` in dev (no cluster: no pod lookups here), its maintainer. */
async function fixture(slug: string) {
  const owner = await makeUser();
  const project = await makeProject({ owner, slug, lifecycle: "active" });
  await db().environment.create({ data: { projectId: project.id, kind: "dev" } });
  const service = await db().service.create({ data: { projectId: project.id, slug: "api", name: "API" } });
  const app = await ensureApplication(service.id);
  const ctx = await ctxFor(owner);
  return {
    project,
    service,
    app,
    ctx,
    appId: `${project.slug}.api`, // the slug a retry gets (test/factories.ts)
    ref: { namespaceId: app.id, serviceId: service.id, environment: "dev" as const, cluster: "default" },
  };
}

type Ref = Awaited<ReturnType<typeof fixture>>["ref"];

/** Edits and publishes (the owner may do both). */
async function publish(ctx: Ctx, ref: Ref, changes: Parameters<typeof editItems>[1]["changes"], comment = "change") {
  const before = await getWorkingCopy(ctx, ref);
  await editItems(ctx, { ...ref, draftVersion: before.draftVersion, changes });
  const wc = await getWorkingCopy(ctx, ref);
  return publishDraft(ctx, { ...ref, draftVersion: wc.draftVersion, baseReleaseId: wc.latestRelease?.id ?? null, comment });
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

/** A ctrip-apollo client of the service, polling again soon after an error (its default waits 10 s more per retry). */
function ctrip(host: string, appId: string, opts: { ip?: string; cachePath?: string } = {}) {
  const app = apollo({ host, appId, ip: opts.ip, cachePath: opts.cachePath, pollingRetryPolicy: () => ({ delay: 100, reset: false }) });
  cleanups.push(() => app.cluster().enableUpdateNotification(false));
  return app;
}

/** The next `change` of a key on a ctrip-apollo namespace. */
function nextChange(ns: NodeJS.EventEmitter, key: string) {
  return new Promise<{ key: string; oldValue: string; newValue: string }>((resolve) => {
    const on = (c: { key: string; oldValue: string; newValue: string }) => {
      if (c.key !== key) return;
      ns.off("change", on);
      resolve(c);
    };
    ns.on("change", on);
  });
}

describe("reading", () => {
  it("node-apollo and ctrip-apollo read a service's configuration", async () => {
    const f = await fixture("cs-read");
    await publish(f.ctx, f.ref, [
      { op: "set", key: "greeting", value: "Hello" },
      { op: "set", key: "timeout.ms", value: "500" },
    ]);
    const dev = `${svc.url}/dev`;
    const cached = await nodeApollo.remoteConfigServiceFromCache({
      configServerUrl: dev,
      appId: f.appId,
      clusterName: "default",
      namespaceName: "application",
      clientIp: "10.1.0.1",
    });
    expect(cached).toEqual({ greeting: "Hello", "timeout.ms": "500" });
    // node-apollo sends `releaseKey=undefined` and, without an IP, `ip=undefined`: both are read as absent.
    const uncached = await nodeApollo.remoteConfigServiceSkipCache({
      configServerUrl: dev,
      appId: f.appId,
      clusterName: "default",
      namespaceName: ["application"],
    });
    expect(uncached).toEqual({ greeting: "Hello", "timeout.ms": "500" });

    const ns = ctrip(dev, f.appId, { ip: "10.1.0.2" }).namespace("application");
    await ns.ready();
    expect(ns.config()).toEqual({ greeting: "Hello", "timeout.ms": "500" });
  });

  it("answers 304 when the client's releaseKey is current, 404 as Apollo for what is unknown, 400 for a bad poll", async () => {
    const f = await fixture("cs-codes");
    await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "1" }]);
    const base = `${svc.url}/dev/configs/${f.appId}/default/application`;
    const first = await get(`${base}?ip=10.2.0.1`);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { appId: string; cluster: string; namespaceName: string; configurations: Record<string, string>; releaseKey: string };
    expect(body).toEqual({
      appId: f.appId,
      cluster: "default",
      namespaceName: "application",
      configurations: { a: "1" },
      releaseKey: expect.stringMatching(/^\d{14}-[0-9a-f]{16}$/),
    });
    expect((await get(`${base}?releaseKey=${body.releaseKey}&ip=10.2.0.1`)).status).toBe(304);
    expect((await get(`${base}?releaseKey=older&ip=10.2.0.1`)).status).toBe(200);
    // `.properties` is the same namespace; a cluster without its own release falls back to default (Apollo's order).
    expect((await get(`${svc.url}/dev/configs/${f.appId}/default/application.properties`)).status).toBe(200);
    expect((await get(`${svc.url}/dev/configs/${f.appId}/elsewhere/application`)).status).toBe(200);

    for (const url of [
      `${svc.url}/dev/configs/nobody.here/default/application`, // unknown app
      `${svc.url}/dev/configs/not-an-app-id/default/application`,
      `${svc.url}/dev/configs/${f.appId}/default/missing`, // unknown namespace
      `${svc.url}/prod/configs/${f.appId}/default/application`, // nothing published in prod
      `${svc.url}/qa/configs/${f.appId}/default/application`, // no such environment
      `${svc.url}/dev/configfiles/json/${f.appId}/default/missing`,
      `${svc.url}/dev/configs/${f.appId}/default`,
    ])
      expect((await get(url)).status, url).toBe(404);
    // A namespace created but never published is unknown to clients, as in Apollo.
    await createNamespace(f.ctx, { serviceId: f.service.id, name: "later" });
    expect((await get(`${svc.url}/dev/configs/${f.appId}/default/later`)).status).toBe(404);

    const poll = `${svc.url}/dev/notifications/v2?appId=${f.appId}&cluster=default&notifications=`;
    expect((await get(`${poll}${encodeURIComponent("not json")}`)).status).toBe(400);
    expect((await get(`${poll}${encodeURIComponent("[]")}`)).status).toBe(400);
    expect((await get(`${svc.url}/dev/notifications/v2?cluster=default&notifications=[]`)).status).toBe(400);
  });

  it("serves /configfiles as properties text, JSON and the raw file", async () => {
    const f = await fixture("cs-files");
    await publish(f.ctx, f.ref, [{ op: "set", key: "url:path", value: " lead\nnext = #1" }]);
    const text = await (await get(`${svc.url}/dev/configfiles/${f.appId}/default/application`)).text();
    // As java.util.Properties escapes it, so a Java client's Properties.load reads the same value.
    expect(text).toBe("url\\:path=\\ lead\\nnext \\= \\#1");
    const yaml = await createNamespace(f.ctx, { serviceId: f.service.id, name: "app.yaml" });
    const ref = { ...f.ref, namespaceId: yaml.id };
    await publish(f.ctx, ref, [{ op: "set", key: "content", value: "server:\n  port: 8080\n" }]);
    const raw = await get(`${svc.url}/dev/configfiles/raw/${f.appId}/default/app.yaml`);
    expect(raw.headers.get("content-type")).toMatch(/^application\/yaml/);
    expect(await raw.text()).toBe("server:\n  port: 8080\n");
    expect(await (await get(`${svc.url}/dev/configfiles/json/${f.appId}/default/app.yaml`)).json()).toEqual({ content: "server:\n  port: 8080\n" });
  });
});

describe("long polling", () => {
  it("ctrip-apollo receives a publish through its long poll", async () => {
    const f = await fixture("cs-poll");
    await publish(f.ctx, f.ref, [{ op: "set", key: "greeting", value: "Hello" }]);
    const ns = ctrip(`${svc.url}/dev`, f.appId, { ip: "10.3.0.1" }).namespace("application");
    await ns.ready();
    expect(ns.get("greeting")).toBe("Hello");
    const changed = nextChange(ns, "greeting");
    await publish(f.ctx, f.ref, [{ op: "set", key: "greeting", value: "Hi" }], "friendlier");
    expect(await changed).toEqual({ key: "greeting", oldValue: "Hello", newValue: "Hi" });
    expect(ns.get("greeting")).toBe("Hi");
  });

  it("answers at once a client that is behind, 304 at the timeout, and past the bound without holding", async () => {
    const f = await fixture("cs-hold");
    await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "1" }]);
    const latest = await db().configMessage.findFirstOrThrow({ where: { key: `dev+${f.appId}+default+application` }, orderBy: { id: "desc" } });
    const url = (id: number) =>
      `${svc.url}/dev/notifications/v2?appId=${f.appId}&cluster=default&notifications=${encodeURIComponent(JSON.stringify([{ namespaceName: "application.properties", notificationId: id }]))}`;
    const behind = await get(url(-1));
    expect(behind.status).toBe(200);
    expect(await behind.json()).toEqual([
      { namespaceName: "application", notificationId: Number(latest.id), messages: { details: { [`${f.appId}+default+application`]: Number(latest.id) } } },
    ]);
    const current = await get(url(Number(latest.id)));
    expect(current.status).toBe(304);

    const small = await startConfigService({ port: 0, pollTimeoutMs: 60_000, maxPolls: 1 });
    try {
      const smallUrl = (id: number) => url(id).replace(svc.url, small.url);
      const held = get(smallUrl(Number(latest.id)));
      await until(() => small.held() === 1);
      // Over the bound: not held, 304 soon (the client polls again), or 200 at once when it is behind.
      expect((await get(smallUrl(Number(latest.id)))).status).toBe(304);
      expect((await get(smallUrl(0))).status).toBe(200);
      await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "2" }]);
      expect((await held).status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it("a publish wakes the polls held by every instance, and one whose listener reconnected misses nothing", async () => {
    const f = await fixture("cs-instances");
    await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "1" }]);
    const other = await startConfigService({ port: 0, pollTimeoutMs: 60_000, listener: { reconnectDelayMs: 3_000 } });
    try {
      const latest = Number((await db().configMessage.findFirstOrThrow({ where: { key: `dev+${f.appId}+default+application` }, orderBy: { id: "desc" } })).id);
      const poll = () =>
        get(
          `${other.url}/dev/notifications/v2?appId=${f.appId}&cluster=default&notifications=${encodeURIComponent(JSON.stringify([{ namespaceName: "application", notificationId: latest }]))}`,
        );
      const woken = poll();
      await until(() => other.held() === 1);
      await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "2" }]);
      const body = (await (await woken).json()) as { notificationId: number }[];
      expect(body[0]!.notificationId).toBeGreaterThan(latest);

      // The listener's connection is ended; a publish lands while it is away; the held poll still gets it.
      const missed = get(
        `${other.url}/dev/notifications/v2?appId=${f.appId}&cluster=default&notifications=${encodeURIComponent(JSON.stringify([{ namespaceName: "application", notificationId: body[0]!.notificationId }]))}`,
      );
      await until(() => other.held() === 1);
      const pid = await other.listener.backendPid();
      let reconnected = false;
      other.listener.once("reconnected", () => (reconnected = true));
      const gone = once(other.listener, "disconnected");
      await db().$queryRaw`select pg_terminate_backend(${pid}::int)`;
      await gone;
      await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "3" }]);
      expect(reconnected).toBe(false); // the publish committed while the listener was away (it waits 3 s to reconnect)
      const answer = await missed;
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { notificationId: number }[])[0]!.notificationId).toBeGreaterThan(body[0]!.notificationId);
    } finally {
      await other.stop();
    }
  });
});

describe("restarts", () => {
  it("clients keep working from their cache while the config service restarts, and get what was published meanwhile", async () => {
    const f = await fixture("cs-restart");
    await publish(f.ctx, f.ref, [{ op: "set", key: "greeting", value: "before" }]);
    let service = await startConfigService({ port: 0, pollTimeoutMs: POLL_MS });
    const port = service.port;
    const host = `${service.url}/dev`;
    const cachePath = path.join(tmp, "restart");
    try {
      const ns = ctrip(host, f.appId, { ip: "10.4.0.1", cachePath }).namespace("application");
      await ns.ready();
      await until(() => fs.existsSync(cachePath) && fs.readdirSync(cachePath).length > 0);
      await service.stop();
      expect((await get(`${host}/configs/${f.appId}/default/application`).catch((e: unknown) => e)) instanceof Error).toBe(true);
      // Down: the running client still answers, and a client starting now reads its disk cache.
      expect(ns.get("greeting")).toBe("before");
      const late = ctrip(host, f.appId, { ip: "10.4.0.2", cachePath }).namespace("application");
      await late.ready();
      expect(late.get("greeting")).toBe("before");
      const changed = nextChange(ns, "greeting");
      await publish(f.ctx, f.ref, [{ op: "set", key: "greeting", value: "while down" }]);
      service = await startConfigService({ port, pollTimeoutMs: POLL_MS });
      expect(await changed).toMatchObject({ newValue: "while down" });
    } finally {
      await service.stop();
    }
  });
});

describe("start-up", () => {
  it("refuses a taken port and leaves no listening connection behind", async () => {
    const listeners = async () =>
      Number((await db().$queryRaw<{ n: bigint }[]>`select count(*) as n from pg_stat_activity where application_name = 'wharf-config-service'`)[0]!.n);
    const before = await listeners();
    await expect(startConfigService({ port: svc.port })).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(await listeners()).toBe(before);
  });
});

describe("access keys", () => {
  it("a signed client gets secret items; unsigned, wrongly signed or stale requests get 401", async () => {
    const f = await fixture("cs-signed");
    await publish(f.ctx, f.ref, [
      { op: "set", key: "db.user", value: "app" },
      { op: "set", key: "db.password", value: "s3cr3t", secret: true },
    ]);
    const base = `${svc.url}/dev/configs/${f.appId}/default/application`;
    // No key: served unsigned, without secret items.
    expect(((await (await get(base)).json()) as { configurations: object }).configurations).toEqual({ "db.user": "app" });

    const key = await createAccessKey(f.ctx, { serviceId: f.service.id, environment: "dev" });
    expect(key.secret).toMatch(/^[0-9a-f]{32}$/);
    // Unsigned clients are refused once the service hears of the key (NOTIFY), on every instance.
    await until(async () => (await get(base)).status === 401, "unsigned requests refused");
    expect((await get(base, signedHeaders(f.appId, base, "not-the-secret"))).status).toBe(401);
    expect((await get(base, signedHeaders(f.appId, base, key.secret, Date.now() - 61_000))).status).toBe(401);
    expect((await get(`${base}?ip=1.2.3.4`, signedHeaders(f.appId, base, key.secret))).status).toBe(401); // signed another URL
    const poll = `${svc.url}/dev/notifications/v2?appId=${f.appId}&cluster=default&notifications=${encodeURIComponent('[{"namespaceName":"application","notificationId":-1}]')}`;
    expect((await get(poll)).status).toBe(401);
    expect((await get(poll, signedHeaders(f.appId, poll, key.secret))).status).toBe(200);

    const client = new CtripApolloClient({
      configServerUrl: `${svc.url}/dev`,
      appId: f.appId,
      clusterName: "default",
      namespaceList: ["application"],
      accessKey: key.secret,
      configPath: path.join(tmp, "signed", "apollo.json"),
    });
    cleanups.push(() => client.stop());
    await client.ready();
    expect(client.getValue("db.password")).toBe("s3cr3t");
    expect(client.getValue("db.user")).toBe("app");

    const wrong = new CtripApolloClient({
      configServerUrl: `${svc.url}/dev`,
      appId: f.appId,
      clusterName: "default",
      accessKey: "wrong",
      configPath: path.join(tmp, "wrong", "apollo.json"),
    });
    cleanups.push(() => wrong.stop());
    await expect(wrong.ready()).rejects.toThrow(/401/);

    // Disabled again: unsigned clients are served (without secrets) at once, on every instance.
    await setAccessKeyEnabled(f.ctx, { id: key.id, enabled: false });
    await until(async () => (await get(base)).status === 200);
  });
});

describe("instances", () => {
  it("records which instance holds which release, once per instance", async () => {
    const f = await fixture("cs-seen");
    await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "1" }]);
    for (let i = 0; i < 3; i++) await get(`${svc.url}/dev/configs/${f.appId}/default/application?ip=10.5.0.1`);
    await get(`${svc.url}/dev/configfiles/json/${f.appId}/default/application?ip=10.5.0.2`);
    await svc.flushInstances();
    const seen = await listConfigInstances(f.ctx, f.ref);
    expect(seen.instances.map((i) => [i.ip, i.release?.number, i.latest]).sort()).toEqual([
      ["10.5.0.1", 1, true],
      ["10.5.0.2", 1, true],
    ]);
    // Asked again with the same release: not written again within WHARF_CONFIG_INSTANCE_WRITE_MS.
    const row = () => db().configInstance.findFirstOrThrow({ where: { appId: f.appId, ip: "10.5.0.1" } });
    const written = (await row()).lastSeenAt;
    for (let i = 0; i < 3; i++) await get(`${svc.url}/dev/configs/${f.appId}/default/application?ip=10.5.0.1`);
    await svc.flushInstances();
    expect((await row()).lastSeenAt).toEqual(written);
    await publish(f.ctx, f.ref, [{ op: "set", key: "a", value: "2" }]);
    // The service hears of the publish through NOTIFY: until then it may still answer with release 1.
    await until(async () => {
      const res = await get(`${svc.url}/dev/configs/${f.appId}/default/application?ip=10.5.0.1`);
      return ((await res.json()) as { configurations: Record<string, string> }).configurations.a === "2";
    });
    await svc.flushInstances();
    expect((await row()).lastSeenAt.getTime()).toBeGreaterThan(written.getTime());
    const after = await listConfigInstances(f.ctx, f.ref);
    expect([after.onLatest, after.total, after.latestNumber]).toEqual([1, 2, 2]);
  });
});

/** Waits for a condition that has no event to wait for (the project's helper asks every 100 ms). */
const until = (fn: () => boolean | Promise<boolean>, what = "condition") => waitUntil(async () => fn(), 10_000, what);
