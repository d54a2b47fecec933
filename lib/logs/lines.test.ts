/**
 * Splitting a container's log into lines: chunks cut anywhere (also inside a
 * UTF-8 character), lines over 64 KB cut with their length, and the level a
 * viewer filters on, read from what the sandbox's flavours print (samples
 * below are copied from `kubectl logs --timestamps` of sandbox pods).
 */
import { describe, expect, it } from "vitest";
import { MAX_LINE_BYTES } from "./protocol";
import { dropThrough, LineSplitter, levelOf, positionAfter, splitLog, tsKey } from "./lines";

const enc = (s: string) => Buffer.from(s, "utf8");

/** Every line of `log` pushed in chunks of `size` bytes. */
function splitInChunks(log: Buffer, size: number) {
  const s = new LineSplitter();
  const out = [];
  for (let i = 0; i < log.length; i += size) out.push(...s.push(log.subarray(i, i + size)));
  return [...out, ...s.end()];
}

describe("splitting a container log into lines", () => {
  it("gives the same lines whatever the chunks, also when a chunk ends inside a character", () => {
    const log = enc(
      "2026-11-30T10:00:00.000000001Z Grüße aus Köln 🚢\n2026-11-30T10:00:00.000000002Z 日本語のログ\n2026-11-30T10:00:01Z last, without newline",
    );
    const whole = splitLog(log);
    expect(whole.map((l) => l.text)).toEqual(["Grüße aus Köln 🚢", "日本語のログ", "last, without newline"]);
    expect(whole.map((l) => l.ts)).toEqual(["2026-11-30T10:00:00.000000001Z", "2026-11-30T10:00:00.000000002Z", "2026-11-30T10:00:01Z"]);
    expect(whole[0].ms).toBe(Date.parse("2026-11-30T10:00:00.000Z"));
    for (const size of [1, 2, 3, 5, 7, 64]) expect(splitInChunks(log, size)).toEqual(whole);
  });

  it("cuts a line over 64 KB at 64 KB, says how long it was, and keeps the next line intact", () => {
    const long = "é".repeat(50_000) + "x".repeat(30_001); // 130,001 bytes
    const log = enc(`2026-11-30T10:00:00.000000001Z ${long}\n2026-11-30T10:00:00.000000002Z ERROR next\n`);
    const lines = splitInChunks(log, 4096);
    expect(lines).toHaveLength(2);
    expect(lines[0].cut).toBe(130_001);
    expect(Buffer.byteLength(lines[0].text)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(Buffer.byteLength(lines[0].text)).toBeGreaterThan(MAX_LINE_BYTES - 4);
    expect(lines[0].text).not.toContain("\uFFFD"); // cut at a character boundary
    expect(lines[1]).toMatchObject({ text: "ERROR next", level: "error" });
    expect(lines[1].cut).toBeUndefined();
  });

  it("never holds much more than 64 KB of a line, however long it is", () => {
    const s = new LineSplitter();
    s.push(enc("2026-11-30T10:00:00Z "));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 20; i++) s.push(chunk); // 20 MB without a newline
    const held = s.heldBytes;
    expect(held).toBeLessThan(MAX_LINE_BYTES + 100);
    const [line] = s.push(enc("\n"));
    expect(line.cut).toBe(20 * 1024 * 1024);
  });
});

describe("positions", () => {
  it("orders timestamps to the nanosecond whatever their precision or offset", () => {
    expect(tsKey("2026-11-30T10:00:00.5Z")).toBe("2026-11-30T10:00:00.500000000");
    expect(tsKey("2026-11-30T12:00:00.000000001+02:00")).toBe("2026-11-30T10:00:00.000000001");
    expect(tsKey("2026-11-30T10:00:00.000000002Z") > tsKey("2026-11-30T10:00:00.000000001Z")).toBe(true);
    expect(tsKey("not a time")).toBe("");
  });

  it("drops exactly the lines a reader already has, also among lines of the same timestamp", () => {
    const t = (s: string) => ({ ts: `2026-11-30T10:00:0${s}Z` });
    const read = [t("0.1"), t("1.0"), t("1.0"), t("1.0"), t("2.0")];
    const pos = positionAfter(null, read.slice(0, 3));
    expect(pos).toEqual({ ts: "2026-11-30T10:00:01.0Z", n: 2 });
    expect(dropThrough(read, pos!)).toEqual([read[3], read[4]]);
  });
});

/** Lines as the sandbox prints them (timestamp prefix removed), and the level a viewer expects. */
const SAMPLES: Record<string, [string, string][]> = {
  "Spring Boot (java)": [
    ["  .   ____          _            __ _ _", "other"],
    ["2026-11-30T19:33:28.180Z  INFO 1 --- [java] [           main] c.e.java.JavaApplication                 : Starting JavaApplication v1.4.2", "info"],
    [
      "2026-11-30T19:33:30.074Z  WARN 1 --- [java] [           main] c.e.java.service.JavaService             : [java,b608,b608] slow query detected|table=orders",
      "warn",
    ],
    ["2026-11-30T19:33:35.000Z ERROR 1 --- [javacrash] [           main] o.s.boot.SpringApplication               : Application run failed", "error"],
    ["org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'entityManagerFactory'", "error"],
    ["\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:335)", "error"],
    ["Caused by: org.postgresql.util.PSQLException: Connection to postgres:5432 refused.", "error"],
    ["\t... 42 common frames omitted", "error"],
    ['Exception in thread "nio-8080-exec-4" java.lang.OutOfMemoryError: Java heap space', "error"],
  ],
  "pino JSON (node)": [
    ['{"level":30,"time":1796067208016,"pid":1,"hostname":"node","msg":"node v1.4.2 starting"}', "info"],
    ['{"level":40,"time":1796067208016,"pid":1,"hostname":"node","msg":"slow query detected"}', "warn"],
    ['{"level":50,"time":1796067215000,"pid":1,"hostname":"nodecrash","msg":"failed to connect to postgres at postgres:5432"}', "error"],
    ['{"level":20,"time":1796067215000,"msg":"cache hit"}', "debug"],
    ['{"level":60,"time":1796067215000,"msg":"giving up"}', "fatal"],
    ["Error: connect ECONNREFUSED 10.96.44.12:5432", "error"],
    ["    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {", "error"],
    ["FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", "fatal"],
  ],
  "uvicorn + logging (python)": [
    ["INFO:     Started server process [1]", "info"],
    ['INFO:     10.244.2.180:48803 - "GET /api/v1/products/73436 HTTP/1.1" 200 OK', "info"],
    ["2026-11-30 19:33:32,092 ERROR [python.services] [trace_id=74dd] request failed: could not serialize access", "error"],
    ["2026-11-30 19:33:32,092 WARNING [python.services] retrying upstream request|attempt=2", "warn"],
    ["Traceback (most recent call last):", "error"],
    ["httpx.HTTPStatusError: could not serialize access due to concurrent update", "error"],
    ["ERROR:    Traceback (most recent call last):", "error"],
    ["sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server failed", "error"],
  ],
  nginx: [
    ['10.244.2.112 - - [30/Nov/2026:19:33:28 +0000] "GET /api/v1/carts?page=4&size=20 HTTP/1.1" 200 8057 "-" "curl/8.5.0" "-" rt=0.009', "other"],
    ["2026/11/30 19:33:30 [warn] 29#29: request body larger than expected|bytes=1048576", "warn"],
    ["2026/11/30 19:33:30 [error] 29#29: upstream timed out", "error"],
    ["2026/11/30 19:33:30 [notice] 1#1: start worker processes", "info"],
    ['2026/11/30 19:33:35 [emerg] 1#1: host not found in upstream "backend:8080"', "fatal"],
  ],
  "logfmt (go)": [
    ['time=2026-11-30T19:33:28.005Z level=info msg="starting worker" version=1.4.2', "info"],
    ['time=2026-11-30T19:33:28.005Z level=warn msg="cache miss rate high" ratio=0.42', "warn"],
    ['time=2026-11-30T19:33:35.000Z level=error msg="failed to load configuration"', "error"],
    ["panic: runtime error: invalid memory address or nil pointer dereference", "fatal"],
    ["goroutine 1 [running]:", "error"],
  ],
  "other shapes": [
    ['{"severity":"WARNING","message":"disk almost full"}', "warn"],
    ['{"LVL":"Error","msg":"x"}', "error"],
    ['{"msg":"no level here"}', "other"],
    ["DEBUG connecting", "debug"],
    ["TRACE entering", "debug"],
    ["CRITICAL meltdown", "fatal"],
    ["hello world", "other"],
  ],
};

describe("the level of a line", () => {
  for (const [flavour, samples] of Object.entries(SAMPLES)) {
    it(`reads ${flavour}`, () => {
      expect(samples.map(([text]) => [text, levelOf(text)])).toEqual(samples);
    });
  }

  it("counts the indented lines after an error (a traceback's source lines) as part of it", () => {
    const log = [
      "2026-11-30T19:33:32.092185570Z 2026-11-30 19:33:32,092 ERROR [python.services] request failed",
      "2026-11-30T19:33:32.093995189Z Traceback (most recent call last):",
      '2026-11-30T19:33:32.094317856Z   File "/app/python/api/routes.py", line 31, in create',
      "2026-11-30T19:33:32.095129475Z     result = await service.place(payload)",
      "2026-11-30T19:33:32.098053284Z httpx.HTTPStatusError: could not serialize access",
      '2026-11-30T19:33:32.126739970Z INFO:     10.244.2.119:44731 - "GET /api/v1/sessions HTTP/1.1" 200 OK',
      "2026-11-30T19:33:32.200000000Z   indented, after an info line",
    ].join("\n");
    expect(splitLog(enc(log)).map((l) => l.level)).toEqual(["error", "error", "error", "error", "error", "info", "other"]);
  });
});
