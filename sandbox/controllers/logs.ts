/**
 * Container logs for pods/log. Each container instance (pod name +
 * container + restart number) writes a deterministic stream: a startup
 * block, then request lines (method, path, status, latency, trace ids) with
 * occasional WARN/ERROR entries and stack traces, in the flavour of its image
 * (Spring Boot for java/spring/jvm, pino JSON for node/ts/next/express,
 * uvicorn + logging for python/fastapi/django, nginx for nginx-like images,
 * logfmt otherwise). Timestamps derive from the container's start; lines are
 * generated per 10-second bucket with a PRNG seeded by the bucket, so any
 * time range can be produced without replaying the whole history, and the
 * stream grows as time passes. A crashed instance ends with its fatal error.
 *
 * Supports follow, tailLines, sinceSeconds, sinceTime, timestamps,
 * limitBytes and previous, with the kubelet's 400 messages.
 */
import { badRequest } from "../core/errors.js";
import type { Store } from "../core/store.js";
import type { KObject } from "../core/types.js";
import type { LogProvider, LogRequest, LogSink } from "../server/logs.js";
import { type ContainerSpec, containersOf, initContainersOf, isoNano, prng, rec, seedOf, str } from "./kit.js";
import type { ResolvedSimulationOptions } from "./options.js";
import { lineTimes, type ScriptedStep, scriptOf, type StepWindow, windowFromStatus } from "./script.js";
import { containerProfile, containerStatusOf, type FailureMode, type Lang, parseImage } from "./simulation.js";

const BUCKET = 10_000;
/** Older lines are gone (the kubelet rotates container logs). */
const RETAIN_MS = 3 * 3600_000;

interface Line {
  ts: number;
  text: string;
}

interface InstanceCtx {
  seed: number;
  lang: Lang;
  mode: FailureMode;
  pod: string;
  container: string;
  app: string;
  version: string;
  start: number;
  /** ms when the instance ended (terminated ones) */
  end?: number;
  endReason?: string;
  rps: number;
  errorRate: number;
  latencyMedian: number;
  /** min(1, 4 x timeScale): 1 with the dev default (0.25), shorter in tests */
  startupScale: number;
}

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length) % xs.length];
const hexOf = (r: Rng, n: number) => {
  let s = "";
  while (s.length < n)
    s += Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, n);
};

const NOT_APP_WORDS = new Set([
  "java",
  "jvm",
  "spring",
  "springboot",
  "kotlin",
  "openjdk",
  "node",
  "nodejs",
  "ts",
  "next",
  "nextjs",
  "express",
  "nest",
  "python",
  "py",
  "fastapi",
  "django",
  "flask",
  "nginx",
  "service",
  "svc",
  "api",
  "app",
  "server",
  "web",
  "backend",
  "frontend",
]);

/** A short application name from the image ("ghcr.io/acme/orders-java" -> "orders"), else from the pod. */
function appName(image: string, pod: string): string {
  const last = (parseImage(image).repo.split("/").pop() ?? "").toLowerCase();
  const words = last.split(/[-_.]+/).filter((w) => w && !NOT_APP_WORDS.has(w) && /^[a-z][a-z0-9]*$/.test(w));
  if (words.length) return words.join("-");
  const fromPod = (pod.split("-")[0] ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
  return /^[a-z]/.test(fromPod) ? fromPod : "app";
}
/** Java package segment of an app name. */
const pkg = (app: string) => app.replace(/[^a-z0-9]/g, "");
const pascal = (s: string) =>
  s
    .split(/[-_]/)
    .map((x) => x.charAt(0).toUpperCase() + x.slice(1))
    .join("");

const RESOURCES = ["orders", "items", "users", "carts", "payments", "invoices", "products", "sessions"];
function requestShape(r: Rng, app: string): { method: string; path: string } {
  const res = r() < 0.5 ? pick(r, RESOURCES) : app.endsWith("s") ? app : `${app}s`;
  const x = r();
  if (x < 0.06) return { method: "GET", path: "/healthz" };
  if (x < 0.55) return { method: "GET", path: `/api/v1/${res}/${1000 + Math.floor(r() * 90000)}` };
  if (x < 0.75) return { method: "GET", path: `/api/v1/${res}?page=${1 + Math.floor(r() * 5)}&size=20` };
  if (x < 0.9) return { method: "POST", path: `/api/v1/${res}` };
  if (x < 0.96) return { method: "PUT", path: `/api/v1/${res}/${1000 + Math.floor(r() * 90000)}` };
  return { method: "DELETE", path: `/api/v1/${res}/${1000 + Math.floor(r() * 90000)}` };
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  404: "Not Found",
  409: "Conflict",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

// ------------------------------------------------------------------ per-language formatting

interface Fmt {
  startup(c: InstanceCtx, r: Rng): string[];
  /** How long startup takes, ms. */
  startupMs(r: Rng): number;
  request(
    c: InstanceCtx,
    r: Rng,
    ts: number,
    req: { method: string; path: string; status: number; ms: number; trace: string; span: string; client: string },
  ): string;
  log(c: InstanceCtx, ts: number, level: "INFO" | "WARN" | "ERROR" | "DEBUG", msg: string, trace?: string, thread?: string, logger?: string): string;
  stack(c: InstanceCtx, r: Rng, err: string): string[];
  fatal(c: InstanceCtx, r: Rng, ts: number, oom: boolean): string[];
}

const isoMs = (ts: number) => new Date(ts).toISOString();
const pyTime = (ts: number) => new Date(ts).toISOString().replace("T", " ").replace("Z", "").replace(".", ",");
const ngTime = (ts: number) => {
  const d = new Date(ts);
  const mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};
const ngErrTime = (ts: number) => new Date(ts).toISOString().slice(0, 19).replace("T", " ").replace(/-/g, "/");

const java: Fmt = {
  startupMs: (r) => 2500 + r() * 3500,
  startup(c, r) {
    const A = pascal(c.app);
    const secs = (2.5 + r() * 3.5).toFixed(3);
    return [
      "",
      "  .   ____          _            __ _ _",
      " /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\",
      "( ( )\\___ | '_ | '_| | '_ \\/ _` | \\ \\ \\ \\",
      " \\\\/  ___)| |_)| | | | | || (_| |  ) ) ) )",
      "  '  |____| .__|_| |_|_| |_\\__, | / / / /",
      " =========|_|==============|___/=/_/_/_/",
      "",
      " :: Spring Boot ::                (v3.3.5)",
      "",
      `@INFO main|c.e.${pkg(c.app)}.${A}Application|Starting ${A}Application v${c.version} using Java 21.0.5 with PID 1 (/app/app.jar started by app in /app)`,
      `@INFO main|c.e.${pkg(c.app)}.${A}Application|No active profile set, falling back to 1 default profile: "default"`,
      `@INFO main|o.s.b.w.embedded.tomcat.TomcatWebServer|Tomcat initialized with port 8080 (http)`,
      `@INFO main|o.apache.catalina.core.StandardService|Starting service [Tomcat]`,
      `@INFO main|o.apache.catalina.core.StandardEngine|Starting Servlet engine: [Apache Tomcat/10.1.31]`,
      `@INFO main|com.zaxxer.hikari.HikariDataSource|HikariPool-1 - Starting...`,
      `@INFO main|com.zaxxer.hikari.pool.HikariPool|HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@${hexOf(r, 8)}`,
      `@INFO main|com.zaxxer.hikari.HikariDataSource|HikariPool-1 - Start completed.`,
      `@INFO main|o.s.b.a.e.web.EndpointLinksResolver|Exposing 3 endpoints beneath base path '/actuator'`,
      `@INFO main|o.s.b.w.embedded.tomcat.TomcatWebServer|Tomcat started on port 8080 (http) with context path '/'`,
      `@INFO main|c.e.${pkg(c.app)}.${A}Application|Started ${A}Application in ${secs} seconds (process running for ${(Number(secs) + 0.6).toFixed(3)})`,
    ];
  },
  request(c, r, ts, q) {
    const thread = `nio-8080-exec-${1 + Math.floor(r() * 10)}`;
    return this.log(
      c,
      ts,
      q.status >= 500 ? "ERROR" : "INFO",
      `${q.method} ${q.path} -> ${q.status} (${q.ms} ms)`,
      q.trace,
      thread,
      `c.e.${pkg(c.app)}.web.RequestLoggingFilter`,
    );
  },
  log(c, ts, level, msg, trace?: string, thread = "main", logger?: string) {
    const lg = (logger ?? `c.e.${pkg(c.app)}.service.${pascal(c.app)}Service`).slice(-40).padEnd(40);
    const t = trace ? `[${c.app},${trace},${trace.slice(0, 16)}] ` : "";
    return `${isoMs(ts)} ${level.padStart(5)} 1 --- [${c.app}] [${thread.padStart(15)}] ${lg} : ${t}${msg}`;
  },
  stack(c, r, err) {
    const A = pascal(c.app);
    return [
      `java.lang.IllegalStateException: ${err}`,
      `\tat com.example.${pkg(c.app)}.client.InventoryClient.reserve(InventoryClient.java:${80 + Math.floor(r() * 40)})`,
      `\tat com.example.${pkg(c.app)}.service.${A}Service.place(${A}Service.java:${40 + Math.floor(r() * 60)})`,
      `\tat com.example.${pkg(c.app)}.web.${A}Controller.create(${A}Controller.java:${30 + Math.floor(r() * 30)})`,
      "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)",
      "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
      "\tat org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run(TaskThread.java:63)",
      "\tat java.base/java.lang.Thread.run(Thread.java:1583)",
    ];
  },
  fatal(c, r, ts, oom) {
    if (oom) {
      return [
        this.log(
          c,
          ts - 800,
          "WARN",
          "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=1m2s).",
          undefined,
          "HikariPool-1 housekeeper",
          "com.zaxxer.hikari.pool.HikariPool",
        ),
        'Exception in thread "nio-8080-exec-4" java.lang.OutOfMemoryError: Java heap space',
        `\tat com.example.${pkg(c.app)}.service.ReportService.buildSnapshot(ReportService.java:${100 + Math.floor(r() * 50)})`,
        "\tat java.base/java.util.ArrayList.grow(ArrayList.java:237)",
      ];
    }
    return [
      this.log(
        c,
        ts,
        "WARN",
        "Exception encountered during context initialization - cancelling refresh attempt: org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'entityManagerFactory'",
        undefined,
        "main",
        "ConfigServletWebServerApplicationContext",
      ),
      this.log(c, ts, "INFO", "Stopping service [Tomcat]", undefined, "main", "o.apache.catalina.core.StandardService"),
      this.log(c, ts, "ERROR", "Application run failed", undefined, "main", "o.s.boot.SpringApplication"),
      "org.springframework.beans.factory.BeanCreationException: Error creating bean with name 'entityManagerFactory' defined in class path resource [org/springframework/boot/autoconfigure/orm/jpa/HibernateJpaConfiguration.class]: Unable to open JDBC Connection for DDL execution",
      "\tat org.springframework.beans.factory.support.AbstractAutowireCapableBeanFactory.initializeBean(AbstractAutowireCapableBeanFactory.java:1806)",
      "\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:335)",
      `\tat com.example.${pkg(c.app)}.${pascal(c.app)}Application.main(${pascal(c.app)}Application.java:12)`,
      "Caused by: org.postgresql.util.PSQLException: Connection to postgres:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.",
      "\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)",
      "\t... 42 common frames omitted",
      "Caused by: java.net.ConnectException: Connection refused",
      "\tat java.base/sun.nio.ch.Net.pollConnect(Native Method)",
    ];
  },
};

const PINO = { DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50 } as const;
const node: Fmt = {
  startupMs: (r) => 300 + r() * 900,
  startup(c) {
    return [
      `@INFO ${c.app} v${c.version} starting (node v20.18.0, NODE_ENV=production)`,
      "@INFO connected to postgres at postgres:5432",
      "@INFO connected to redis at redis:6379",
      "@INFO Server listening at http://0.0.0.0:3000",
    ];
  },
  request(c, r, ts, q) {
    const line = {
      level: q.status >= 500 ? 50 : 30,
      time: ts,
      pid: 1,
      hostname: c.pod,
      reqId: `req-${hexOf(r, 4)}`,
      traceId: q.trace,
      req: { method: q.method, url: q.path, remoteAddress: q.client },
      res: { statusCode: q.status },
      responseTime: q.ms + Math.round(r() * 100) / 100,
      msg: "request completed",
    };
    return JSON.stringify(line);
  },
  log(c, ts, level, msg, trace) {
    return JSON.stringify({ level: PINO[level], time: ts, pid: 1, hostname: c.pod, ...(trace ? { traceId: trace } : {}), msg });
  },
  stack(_c, r, err) {
    return [
      `Error: ${err}`,
      `    at InventoryClient.reserve (/app/dist/clients/inventory.js:${40 + Math.floor(r() * 40)}:15)`,
      "    at async OrdersService.place (/app/dist/services/orders.js:88:5)",
      "    at async Object.<anonymous> (/app/dist/routes/orders.js:31:18)",
    ];
  },
  fatal(c, r, ts, oom) {
    if (oom) {
      return [
        "",
        "<--- Last few GCs --->",
        "",
        `[1:0x${hexOf(r, 12)}]   ${Math.floor((ts % 100000) / 10)} ms: Mark-Compact 251.9 (258.6) -> 250.7 (259.1) MB, 412.33 / 0.00 ms  (average mu = 0.178, current mu = 0.021) allocation failure; scavenge might not succeed`,
        "",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "----- Native stack trace -----",
      ];
    }
    return [
      this.log(c, ts, "ERROR", "failed to connect to postgres at postgres:5432"),
      "/app/dist/db.js:42",
      "      throw new Error(`connect ECONNREFUSED ${addr}`);",
      "      ^",
      "",
      "Error: connect ECONNREFUSED 10.96.44.12:5432",
      "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {",
      "  errno: -111,",
      "  code: 'ECONNREFUSED',",
      "  syscall: 'connect',",
      "  address: '10.96.44.12',",
      "  port: 5432",
      "}",
      "",
      "Node.js v20.18.0",
    ];
  },
};

const python: Fmt = {
  startupMs: (r) => 500 + r() * 1200,
  startup() {
    return [
      "INFO:     Started server process [1]",
      "INFO:     Waiting for application startup.",
      "INFO:     Application startup complete.",
      "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
    ];
  },
  request(_c, _r, _ts, q) {
    return `INFO:     ${q.client}:${40000 + (parseInt(q.span.slice(0, 4), 16) % 20000)} - "${q.method} ${q.path} HTTP/1.1" ${q.status} ${STATUS_TEXT[q.status] ?? ""}`;
  },
  log(c, ts, level, msg, trace) {
    const lvl = level === "WARN" ? "WARNING" : level;
    return `${pyTime(ts)} ${lvl} [${c.app}.services] ${trace ? `[trace_id=${trace}] ` : ""}${msg}`;
  },
  stack(c, r, err) {
    return [
      "Traceback (most recent call last):",
      `  File "/app/${c.app}/api/routes.py", line ${30 + Math.floor(r() * 40)}, in create`,
      `    result = await service.place(payload)`,
      `  File "/app/${c.app}/services/inventory.py", line ${50 + Math.floor(r() * 40)}, in reserve`,
      "    resp.raise_for_status()",
      `httpx.HTTPStatusError: ${err}`,
    ];
  },
  fatal(c, _r, ts, oom) {
    if (oom) return [this.log(c, ts - 1500, "WARN", "memory usage at 97% of limit, dropping cache")];
    return [
      "ERROR:    Traceback (most recent call last):",
      '  File "/usr/local/lib/python3.12/site-packages/starlette/routing.py", line 693, in lifespan',
      "    async with self.lifespan_context(app) as maybe_state:",
      `  File "/app/${c.app}/main.py", line 24, in lifespan`,
      "    await database.connect()",
      '  File "/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py", line 145, in __init__',
      "    self._dbapi_connection = engine.raw_connection()",
      'sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at "postgres" (10.96.44.12), port 5432 failed: Connection refused',
      "\tIs the server running on that host and accepting TCP/IP connections?",
      "",
      "ERROR:    Application startup failed. Exiting.",
    ];
  },
};

const nginx: Fmt = {
  startupMs: (r) => 50 + r() * 150,
  startup(_c, r) {
    return [
      "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
      "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
      "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
      "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
      "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
      "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
      "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
      "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
      "/docker-entrypoint.sh: Configuration complete; ready for start up",
      '@NOTICE using the "epoll" event method',
      "@NOTICE nginx/1.27.3",
      "@NOTICE built by gcc 12.2.0 (Debian 12.2.0-14)",
      "@NOTICE OS: Linux 6.1.0-sandbox",
      "@NOTICE getrlimit(RLIMIT_NOFILE): 1048576:1048576",
      "@NOTICE start worker processes",
      ...Array.from({ length: 2 + Math.floor(r() * 3) }, (_, i) => `@NOTICE start worker process ${29 + i}`),
    ];
  },
  request(_c, r, ts, q) {
    const bytes = q.status === 204 ? 0 : q.status >= 400 ? 153 + Math.floor(r() * 400) : 400 + Math.floor(r() * 9000);
    const ua =
      q.path === "/healthz"
        ? "kube-probe/1.33"
        : pick(r, [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "curl/8.5.0",
            "Go-http-client/1.1",
            "okhttp/4.12.0",
          ]);
    return `${q.client} - - [${ngTime(ts)}] "${q.method} ${q.path} HTTP/1.1" ${q.status} ${bytes} "-" "${ua}" "-" rt=${(q.ms / 1000).toFixed(3)} trace=${q.trace}`;
  },
  log(_c, ts, level, msg) {
    const lvl = level === "WARN" ? "warn" : level === "ERROR" ? "error" : "notice";
    return `${ngErrTime(ts)} [${lvl}] 29#29: ${msg}`;
  },
  stack() {
    return [];
  },
  fatal(_c, _r, ts) {
    return [
      `${ngErrTime(ts)} [emerg] 1#1: host not found in upstream "backend:8080" in /etc/nginx/conf.d/default.conf:14`,
      'nginx: [emerg] host not found in upstream "backend:8080" in /etc/nginx/conf.d/default.conf:14',
    ];
  },
};

const generic: Fmt = {
  startupMs: (r) => 100 + r() * 700,
  startup(c) {
    return [
      `@INFO starting ${c.app}|version=${c.version} go=go1.23.4`,
      "@INFO loaded configuration|path=/etc/app/config.yaml",
      "@INFO connected to database|host=postgres:5432 pool=10",
      "@INFO listening|addr=:8080",
    ];
  },
  request(_c, _r, ts, q) {
    return `time=${isoMs(ts)} level=${q.status >= 500 ? "error" : "info"} msg="request handled" method=${q.method} path=${q.path} status=${q.status} duration=${q.ms}ms remote=${q.client} trace_id=${q.trace}`;
  },
  log(_c, ts, level, msg, trace) {
    const [m, kv] = msg.split("|");
    return `time=${isoMs(ts)} level=${level === "WARN" ? "warn" : level.toLowerCase()} msg=${JSON.stringify(m)}${kv ? ` ${kv}` : ""}${trace ? ` trace_id=${trace}` : ""}`;
  },
  stack(_c, r, err) {
    return [`    error="${err}"`, `    caller=inventory/client.go:${60 + Math.floor(r() * 60)}`];
  },
  fatal(c, r, ts, oom) {
    if (oom) return [this.log(c, ts - 2000, "WARN", "heap usage high|heap_alloc=498MiB gc_cpu_fraction=0.41")];
    return [
      this.log(c, ts, "ERROR", 'failed to load configuration|error="open /etc/app/secrets/db-password: no such file or directory"'),
      "panic: runtime error: invalid memory address or nil pointer dereference",
      `[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x${hexOf(r, 6)}]`,
      "",
      "goroutine 1 [running]:",
      `main.mustConnect(0x0)`,
      `\t/src/cmd/${c.app}/main.go:57 +0x1a`,
      "main.main()",
      `\t/src/cmd/${c.app}/main.go:31 +0x85`,
    ];
  },
};

const FORMATS: Record<Lang, Fmt> = { java, node, python, nginx, generic };

const WARNINGS = [
  "slow query detected|table=orders duration_ms=1840",
  "retrying upstream request|attempt=2 upstream=inventory",
  "cache miss rate high|ratio=0.42",
  "connection pool near capacity|active=9 max=10",
  "request body larger than expected|bytes=1048576",
];
const ERRORS = [
  "upstream inventory returned 503 Service Unavailable",
  "timeout after 5000ms calling payments",
  "could not serialize access due to concurrent update",
  "deadline exceeded while reading from redis",
];

/** Expands a startup template line (`@LEVEL thread|logger|msg` or `@LEVEL msg|kv`) into the flavour's format. */
function startupLine(f: Fmt, c: InstanceCtx, ts: number, raw: string): string {
  if (!raw.startsWith("@")) return raw;
  const sp = raw.indexOf(" ");
  const level = raw.slice(1, sp);
  const rest = raw.slice(sp + 1);
  if (f === java) {
    const [thread, logger, msg] = rest.split("|");
    return java.log(c, ts, level as "INFO", msg, undefined, thread, logger);
  }
  if (f === nginx) return `${ngErrTime(ts)} [notice] 1#1: ${rest}`;
  return f.log(c, ts, (level === "NOTICE" ? "INFO" : level) as "INFO", rest);
}

function bucketLines(c: InstanceCtx, b: number): Line[] {
  const f = FORMATS[c.lang];
  const r = prng(seedOf(c.seed, b));
  const out: Line[] = [];
  const bStart = c.start + b * BUCKET;
  // startup lines spread over the app's start time, shortened like the other simulated durations
  let upMs = f.startupMs(prng(seedOf(c.seed, "startup"))) * c.startupScale;
  // an instance that died while starting (crash, oom) still logged its startup: squeeze it into its life
  if (c.end !== undefined && c.end - c.start < upMs * 1.2) upMs = Math.max(0, (c.end - c.start) * 0.8);
  if (b === 0) {
    const lines = f.startup(c, prng(seedOf(c.seed, "startup-lines")));
    lines.forEach((raw, i) => {
      const ts = c.start + Math.floor((upMs * (i + 1)) / (lines.length + 1));
      out.push({ ts, text: startupLine(f, c, ts, raw) });
    });
  }
  const from = Math.max(bStart, c.start + upMs);
  const to = bStart + BUCKET;
  if (from >= to) return out;
  const span = (to - from) / 1000;
  const client = () => `10.244.${Math.floor(r() * 4)}.${2 + Math.floor(r() * 250)}`;
  if (c.mode === "unready") {
    for (let t = from + r() * 3000; t < to; t += 10_000 * (0.8 + r() * 0.4)) {
      const ts = Math.floor(t);
      out.push({
        ts,
        text: f.request(c, r, ts, {
          method: "GET",
          path: "/ready",
          status: 503,
          ms: 2 + Math.floor(r() * 5),
          trace: hexOf(r, 32),
          span: hexOf(r, 16),
          client: client(),
        }),
      });
      out.push({ ts: ts + 1, text: f.log(c, ts + 1, "WARN", 'readiness check failed: dependency "postgres" unreachable|check=database') });
    }
    return out;
  }
  const rate = Math.min(3, Math.max(0.2, c.rps * 0.25));
  const n = Math.round(rate * span * (0.6 + r() * 0.8));
  const times = Array.from({ length: n }, () => Math.floor(from + r() * (to - from))).sort((a, b) => a - b);
  for (const ts of times) {
    const trace = hexOf(r, 32);
    const x = r();
    if (x < c.errorRate * 0.5) {
      const err = pick(r, ERRORS);
      out.push({ ts, text: f.log(c, ts, "ERROR", `request failed: ${err}`, trace) });
      f.stack(c, r, err).forEach((s, i) => out.push({ ts: ts + i + 1, text: s }));
      continue;
    }
    if (x < c.errorRate * 0.5 + 0.02) {
      out.push({ ts, text: f.log(c, ts, "WARN", pick(r, WARNINGS), trace) });
      continue;
    }
    const { method, path } = requestShape(r, c.app);
    let status = method === "POST" ? 201 : method === "DELETE" ? 204 : 200;
    const y = r();
    if (y < c.errorRate) status = r() < 0.7 ? 500 : 503;
    else if (y < c.errorRate + 0.015) status = 404;
    const ms = Math.max(1, Math.round(c.latencyMedian * 1000 * Math.exp((r() - 0.5) * 1.6)));
    out.push({ ts, text: f.request(c, r, ts, { method, path, status, ms, trace, span: hexOf(r, 16), client: client() }) });
  }
  return out;
}

function fatalLines(c: InstanceCtx): Line[] {
  if (c.end === undefined || !c.endReason || c.endReason === "Completed") return [];
  const f = FORMATS[c.lang];
  const at = Math.max(c.start, c.end - 5);
  return f.fatal(c, prng(seedOf(c.seed, "fatal")), at, c.endReason === "OOMKilled").map((text) => ({ ts: at, text }));
}

/**
 * Lines of the instance with from <= ts < to; an ended instance includes
 * its end (status times have second precision) and closes with its fatal
 * block, which `forceFatal` keeps even before `from` (follow mode).
 */
function linesBetween(c: InstanceCtx, from: number, to: number, forceFatal = false): Line[] {
  const ended = c.end !== undefined && c.end < to;
  const fatal = ended ? fatalLines(c) : [];
  const hi = fatal.length ? fatal[0].ts : ended ? (c.end as number) + 1 : to;
  const out: Line[] = [];
  if (hi > from) {
    const b0 = Math.max(0, Math.floor((from - c.start) / BUCKET));
    const b1 = Math.floor((hi - 1 - c.start) / BUCKET);
    for (let b = b0; b <= b1; b++) for (const l of bucketLines(c, b)) if (l.ts >= from && l.ts < hi) out.push(l);
  }
  for (const l of fatal) if (forceFatal || l.ts >= from) out.push(l);
  return out;
}

function instanceCtx(
  pod: KObject,
  spec: ContainerSpec,
  store: Store,
  timeScale: number,
  restart: number,
  start: number,
  end?: number,
  endReason?: string,
): InstanceCtx {
  const prof = containerProfile(pod, spec, store);
  return {
    seed: seedOf(pod.metadata.name ?? "", spec.name, restart),
    lang: prof.lang,
    mode: prof.mode,
    pod: pod.metadata.name ?? "",
    container: spec.name,
    app: appName(spec.image, pod.metadata.name ?? ""),
    version: /^\d/.test(parseImage(spec.image).tag) ? parseImage(spec.image).tag.replace(/-.*$/, "") : "1.4.2",
    start,
    ...(end !== undefined ? { end } : {}),
    ...(endReason ? { endReason } : {}),
    rps: prof.rps,
    errorRate: Math.min(prof.errorRate, 0.5),
    latencyMedian: prof.latencyMedian,
    startupScale: Math.min(1, 4 * timeScale),
  };
}

/** Which instance a log request reads, or the kubelet's error. */
function resolveInstance(pod: KObject, container: string, previous: boolean): { restart: number; start: number; end?: number; endReason?: string } | undefined {
  const podName = pod.metadata.name ?? "";
  const cs = containerStatusOf(pod, container);
  if (!cs) throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
  const state = rec(cs.state);
  const last = rec(rec(cs.lastState).terminated);
  const restart = Number(cs.restartCount ?? 0);
  const t = (x: Record<string, unknown>) => ({ start: Date.parse(str(x.startedAt)), end: Date.parse(str(x.finishedAt)) });
  if (previous) {
    if (!last.containerID && !last.finishedAt) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    const { start, end } = t(last);
    // in CrashLoopBackOff the last instance is the current restartCount; once restarted it is the one before
    return { restart: Math.max(0, restart - (state.waiting ? 0 : 1)), start, end, endReason: str(last.reason, "Error") };
  }
  if (state.running) return { restart, start: Date.parse(str(rec(state.running).startedAt)) };
  if (state.terminated) {
    const { start, end } = t(rec(state.terminated));
    return { restart, start, end, endReason: str(rec(state.terminated).reason) };
  }
  if (last.finishedAt) {
    const { start, end } = t(last);
    return { restart, start, end, endReason: str(last.reason, "Error") };
  }
  const reason = str(rec(state.waiting).reason, "ContainerCreating");
  if (reason === "ErrImagePull") throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
  if (reason === "ImagePullBackOff") throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
}

/** How often a follower of a scripted container's log looks for new lines (steps last a few hundred ms). */
const SCRIPT_FOLLOW_MS = 40;

/**
 * The log of a scripted container (a Tekton step): its lines as they are
 * printed over its window; nothing before its step starts, nothing when skipped.
 */
async function streamScripted(
  store: Store,
  req: LogRequest,
  sink: LogSink,
  script: ScriptedStep[],
  step: ScriptedStep,
  windowOf: (pod: KObject) => StepWindow | undefined,
): Promise<void> {
  const pod = req.pod;
  const podName = pod.metadata.name ?? "";
  if (req.previous) throw badRequest(`previous terminated container "${req.container}" in pod "${podName}" not found`);
  resolveInstance(pod, req.container, false); // the kubelet's 400 while the container waits to start
  const seed = seedOf(podName, req.container);
  let budget = req.limitBytes !== undefined && req.limitBytes > 0 ? req.limitBytes : Infinity;
  const fmt = (ts: number, text: string, i: number) => `${req.timestamps ? `${isoNano(ts, (seedOf(seed, ts, i) % 999_000) + (i % 1000))} ` : ""}${text}\n`;
  let sent = 0;
  let tailSkip = 0;
  /** Writes the lines printed by `now`; false once everything (or the byte budget) is out. */
  const flush = (w: StepWindow | undefined, now: number, first: boolean): boolean => {
    if (!w) return true;
    const times = lineTimes(step, w);
    let upto = sent;
    while (upto < times.length && times[upto] <= now) upto++;
    if (first) {
      let from = 0;
      if (req.sinceSeconds !== undefined && req.sinceSeconds >= 0) from = now - req.sinceSeconds * 1000;
      else if (req.sinceTime && Number.isFinite(Date.parse(req.sinceTime))) from = Date.parse(req.sinceTime);
      while (tailSkip < upto && times[tailSkip] < from) tailSkip++;
      if (req.tailLines !== undefined && req.tailLines >= 0) tailSkip = Math.max(tailSkip, upto - req.tailLines);
      sent = tailSkip;
    }
    let chunk = "";
    for (let i = sent; i < upto; i++) {
      const line = fmt(times[i], step.lines[i], i);
      const bytes = Buffer.byteLength(line);
      if (bytes > budget) {
        chunk += Buffer.from(line).subarray(0, budget).toString("utf8");
        budget = 0;
        break;
      }
      budget -= bytes;
      chunk += line;
    }
    sent = upto;
    if (chunk) sink.write(chunk);
    return budget > 0 && (sent < times.length || now < w.end);
  };
  const running = (p: KObject | undefined) =>
    !!p && p.metadata.uid === pod.metadata.uid && rec(rec(containerStatusOf(p, req.container))?.state).running !== undefined;
  let open = flush(windowOf(pod), Date.now(), true);
  if (!req.follow || !open || !running(pod)) {
    sink.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const finish = () => {
      clearInterval(timer);
      sink.signal.removeEventListener("abort", finish);
      if (!sink.signal.aborted) sink.end();
      resolve();
    };
    const timer = setInterval(() => {
      if (sink.signal.aborted) return finish();
      const cur = store.get("/pods", pod.metadata.namespace, podName);
      const w = windowOf(cur && cur.metadata.uid === pod.metadata.uid ? cur : pod);
      if (!running(cur)) {
        // the step ended (or the pod went): the rest of what it printed closes the stream
        flush(w, w ? w.end : Date.now(), false);
        return finish();
      }
      open = flush(w, Date.now(), false);
      if (!open) finish();
    }, SCRIPT_FOLLOW_MS);
    timer.unref?.();
    sink.signal.addEventListener("abort", finish);
  });
}

export function createLogProvider(
  store: Store,
  options: ResolvedSimulationOptions,
  scriptWindow: (pod: KObject, container: string) => StepWindow | undefined = () => undefined,
): LogProvider {
  return {
    async stream(req: LogRequest, sink: LogSink) {
      const pod = req.pod;
      if (!str(rec(pod.spec).nodeName)) {
        sink.end();
        return;
      }
      const spec = [...containersOf(pod), ...initContainersOf(pod)].find((c) => c.name === req.container);
      if (!spec) throw badRequest(`container ${req.container} is not valid for pod ${pod.metadata.name ?? ""}`);
      const script = scriptOf(pod);
      const step = script?.find((s) => s.container === req.container);
      if (script && step) {
        const windowOf = (p: KObject) => scriptWindow(p, req.container) ?? windowFromStatus(p, script, req.container);
        return streamScripted(store, req, sink, script, step, windowOf);
      }
      const inst = resolveInstance(pod, req.container, req.previous);
      if (!inst) {
        sink.end();
        return;
      }
      const ctx = instanceCtx(pod, spec, store, options.timeScale, inst.restart, inst.start, inst.end, inst.endReason);
      const now = Date.now();
      let from = Math.max(inst.start, (inst.end ?? now) - RETAIN_MS);
      if (req.sinceSeconds !== undefined && req.sinceSeconds >= 0) from = Math.max(from, now - req.sinceSeconds * 1000);
      else if (req.sinceTime) {
        const t = Date.parse(req.sinceTime);
        if (Number.isFinite(t)) from = Math.max(from, t);
      }
      let budget = req.limitBytes !== undefined && req.limitBytes > 0 ? req.limitBytes : Infinity;
      // sub-millisecond digits as a runtime would record them: fixed per line (its place among the lines of
      // its millisecond), so every read of the log (tail, since, follow) gives a line the same timestamp
      const fmt = (l: Line, k: number) => `${req.timestamps ? `${isoNano(l.ts, (seedOf(ctx.seed, l.ts) % 998_000) + (k % 1000))} ` : ""}${l.text}\n`;
      /** Each line's place among the lines of its millisecond (counted before a tail cuts the list). */
      const ordinals = (ls: Line[]) => {
        const ks: number[] = [];
        ls.forEach((l, i) => ks.push(i > 0 && ls[i - 1].ts === l.ts ? ks[i - 1] + 1 : 0));
        return ks;
      };
      /** Writes lines within the byte budget; false when the budget is spent. */
      const emit = (lines: Line[], ks = ordinals(lines)): boolean => {
        let chunk = "";
        for (let i = 0; i < lines.length; i++) {
          const s = fmt(lines[i], ks[i]);
          const bytes = Buffer.byteLength(s);
          if (bytes > budget) {
            chunk += Buffer.from(s).subarray(0, budget).toString("utf8");
            budget = 0;
            break;
          }
          budget -= bytes;
          chunk += s;
        }
        if (chunk) sink.write(chunk);
        return budget > 0;
      };
      let lines = linesBetween(ctx, from, now + 1);
      let ks = ordinals(lines);
      if (req.tailLines !== undefined && req.tailLines >= 0) {
        lines = req.tailLines === 0 ? [] : lines.slice(-req.tailLines);
        ks = req.tailLines === 0 ? [] : ks.slice(-req.tailLines);
      }
      let open = emit(lines, ks);
      if (!req.follow || !open || inst.end !== undefined) {
        sink.end();
        return;
      }
      // follow: stream new lines as time passes until the client goes or the instance ends
      let cursor = now + 1;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          try {
            step();
          } catch (e) {
            console.error("[sandbox] log follow failed:", e);
            finish();
          }
        }, 250);
        const step = () => {
          if (sink.signal.aborted) return finish();
          const t = Date.now();
          const cur = store.get("/pods", pod.metadata.namespace, pod.metadata.name ?? "");
          const cs = cur && cur.metadata.uid === pod.metadata.uid ? containerStatusOf(cur, req.container) : undefined;
          const stillRunning = !!cs && rec(cs.state).running !== undefined && Number(cs.restartCount ?? 0) === inst.restart;
          if (!stillRunning) {
            // the instance ended: its last lines (the fatal error of a crash) close the stream
            const term = cs ? (Number(cs.restartCount ?? 0) === inst.restart ? rec(rec(cs.state).terminated) : rec(rec(cs.lastState).terminated)) : {};
            const end = Date.parse(str(term.finishedAt));
            if (Number.isFinite(end)) {
              ctx.end = end;
              ctx.endReason = str(term.reason, "Error");
            } else ctx.end = t;
            open = emit(linesBetween(ctx, cursor, Math.max(ctx.end, cursor) + 1, true));
            return finish();
          }
          open = emit(linesBetween(ctx, cursor, t + 1));
          cursor = t + 1;
          if (!open) finish();
        };
        timer.unref?.();
        const finish = () => {
          clearInterval(timer);
          sink.signal.removeEventListener("abort", finish);
          if (!sink.signal.aborted) sink.end();
          resolve();
        };
        sink.signal.addEventListener("abort", finish);
      });
    },
  };
}
