/**
 * The HTTP server: a hello endpoint, liveness (/healthz) and readiness
 * (/readyz), an access log, and a graceful shutdown that stops accepting
 * connections, lets in-flight requests finish, then closes what is left.
 */
import http from "node:http";
import type { Config } from "./config.js";
import type { Logger } from "./log.js";

export interface App {
  server: http.Server;
  /** False once shutdown has begun: /readyz answers 503 so no new traffic is routed here. */
  isReady(): boolean;
  /** Stops accepting, drains in-flight requests (at most `shutdownTimeoutMs`), resolves when closed. */
  shutdown(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function createApp(config: Config, log: Logger): App {
  let ready = true;
  let closing: Promise<void> | undefined;

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://localhost");
    res.on("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (url.pathname !== "/healthz" && url.pathname !== "/readyz") {
        log.info("request", { method: req.method, path: url.pathname, status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10 });
      }
    });
    // While draining, ask keep-alive clients to reconnect (to another replica).
    if (closing) res.setHeader("connection", "close");
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, { error: "method not allowed" });

    if (url.pathname === "/healthz") return send(res, 200, { status: "ok" });
    if (url.pathname === "/readyz") return ready ? send(res, 200, { status: "ready" }) : send(res, 503, { status: "shutting down" });
    if (url.pathname === "/") return send(res, 200, { message: `${config.greeting} from ${config.name}!` });
    const hello = /^\/hello\/([^/]{1,64})$/.exec(url.pathname);
    if (hello?.[1]) return send(res, 200, { message: `${config.greeting}, ${decodeURIComponent(hello[1])}!` });
    return send(res, 404, { error: "not found" });
  });
  server.on("clientError", (err, socket) => {
    log.debug("client error", { err });
    socket.destroy();
  });

  function shutdown(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      ready = false;
      log.info("shutting down: no new connections, draining in-flight requests", { timeoutMs: config.shutdownTimeoutMs });
      const timer = setTimeout(() => {
        log.warn("shutdown timeout reached: closing the remaining connections");
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  }

  return { server, isReady: () => ready, shutdown };
}
