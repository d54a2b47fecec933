/**
 * Preloaded into the bench's server (`node --import`; unless BENCH_TIMELINE=0): the timeline of each request that had
 * the server to itself, appended as one JSON line to the file in WHARF_BENCH_TIMELINE. For each: when each statement
 * was sent to Postgres and when its answer was handed back, when the response finished, and the process's CPU time
 * in between (every thread: the main one, the garbage collector's, libuv's). The benchmark (scripts/bench/catalog.ts)
 * reads them to say where one request's time goes at 1 connection: before its first statement, waiting for the
 * session, for the page's statements, and rendering after the last one.
 *
 * Requests are told apart by time, not by async context (an AsyncLocalStorage would add its own cost to every promise
 * the server makes): a request that overlapped another is left out, so only the 1-connection bursts yield records.
 * Bench tooling only, never loaded by the product.
 */
import diagnostics from "node:diagnostics_channel";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";

const file = process.env.WHARF_BENCH_TIMELINE;
if (file) {
  const out = fs.createWriteStream(file, { flags: "a" });
  /** The request in flight, while it is the only one. */
  let current = null;
  let inFlight = 0;

  diagnostics.subscribe("http.server.request.start", ({ request, response }) => {
    inFlight++;
    const record = { url: request.url, t0: performance.now(), cpu0: process.cpuUsage(), statements: [], alone: inFlight === 1, finish: undefined };
    // Another request already in flight: neither is alone.
    if (current) current.alone = false;
    current = record;
    response.once("finish", () => (record.finish = performance.now() - record.t0));
    // "close" comes for every response, finished or cut off (only a finished one is written).
    response.once("close", () => {
      inFlight--;
      if (current === record) current = null;
      if (!record.alone || record.finish === undefined) return;
      const cpu = process.cpuUsage(record.cpu0);
      out.write(JSON.stringify({ url: record.url, finish: record.finish, cpuMs: (cpu.user + cpu.system) / 1000, statements: record.statements }) + "\n");
    });
  });

  // pg, as the server resolves it (a server external, so one copy): every statement, by its first words.
  const pg = createRequire(path.join(process.cwd(), "package.json"))("pg");
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function timedQuery(config, ...rest) {
    const record = current;
    if (!record) return query.call(this, config, ...rest);
    const sent = performance.now() - record.t0;
    const text = (typeof config === "string" ? config : (config?.text ?? "")).replace(/\s+/g, " ").trim().slice(0, 48);
    const done = () => record.statements.push({ text, sent, answered: performance.now() - record.t0 });
    // pg's pool passes a callback as the last argument (or in the config); a direct call gets a promise back.
    const answered = (callback) =>
      function (...args) {
        done();
        return callback.apply(this, args);
      };
    const last = rest.length - 1;
    if (typeof rest[last] === "function") rest[last] = answered(rest[last]);
    else if (typeof config?.callback === "function") config.callback = answered(config.callback);
    const result = query.call(this, config, ...rest);
    if (result && typeof result.then === "function") result.then(done, () => undefined);
    return result;
  };
}
