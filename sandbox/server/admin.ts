/**
 * The admin endpoint (plain HTTP on loopback): drives the fault API and user
 * creation from another process (the portal's e2e tests, the dev command).
 *   GET  /clusters                     -> [{name, url, region, state, latencyMs, pendingFailures}]
 *   POST /clusters/<name>/stop|start
 *   POST /clusters/<name>/latency      {ms}
 *   POST /clusters/<name>/fail         {count, status, message?}
 *   POST /users                        {name, groups?} -> {name, token, kubeconfigPath}
 *   GET  /kubeconfig                   -> the merged kubeconfig (YAML)
 *   GET  /clusters/<name>/metrics      -> Prometheus text of that cluster's workloads (no TLS, for a local Prometheus)
 *   GET  /healthz                      -> ok
 */
import http from "node:http";
import type { SandboxCluster } from "./cluster.js";

export interface AdminTarget {
  clusters: SandboxCluster[];
  addUser(name: string, groups?: string[]): string;
  kubeconfigPath: string;
  mergedKubeconfig(): string;
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJSON(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) return {};
  const v = JSON.parse(text) as unknown;
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function describe(c: SandboxCluster) {
  return { name: c.name, url: c.server, region: c.region, zones: c.zones, state: c.state, latencyMs: c.latency, pendingFailures: c.pendingFailures };
}

export async function startAdminServer(target: AdminTarget, port: number): Promise<http.Server> {
  const srv = http.createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://admin");
        const parts = url.pathname.split("/").filter(Boolean);
        const method = req.method ?? "GET";
        if (method === "GET" && url.pathname === "/healthz") {
          res.writeHead(200, { "Content-Type": "text/plain" });
          res.end("ok");
          return;
        }
        if (method === "GET" && url.pathname === "/clusters") return send(res, 200, target.clusters.map(describe));
        if (method === "GET" && url.pathname === "/kubeconfig") {
          res.writeHead(200, { "Content-Type": "application/yaml" });
          res.end(target.mergedKubeconfig());
          return;
        }
        if (method === "POST" && url.pathname === "/users") {
          const body = await readJSON(req);
          if (typeof body.name !== "string" || !body.name) return send(res, 400, { error: "name is required" });
          const groups = Array.isArray(body.groups) ? body.groups.map(String) : [];
          const token = target.addUser(body.name, groups);
          return send(res, 200, { name: body.name, groups, token, kubeconfigPath: target.kubeconfigPath });
        }
        if (parts[0] === "clusters" && parts.length >= 2) {
          const c = target.clusters.find((x) => x.name === parts[1]);
          if (!c) return send(res, 404, { error: `no cluster named "${parts[1]}"` });
          if (method === "GET" && parts.length === 2) return send(res, 200, describe(c));
          if (method === "GET" && parts.length === 3 && parts[2] === "metrics") {
            const text = c.prometheusText();
            res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
            res.end(text);
            return;
          }
          if (method === "POST" && parts.length === 3) {
            const body = await readJSON(req);
            switch (parts[2]) {
              case "stop":
                await c.stop();
                return send(res, 200, describe(c));
              case "start":
                await c.start();
                return send(res, 200, describe(c));
              case "latency":
                c.setLatency(Number(body.ms ?? 0));
                return send(res, 200, describe(c));
              case "fail":
                c.failNext(Number(body.count ?? 1), Number(body.status ?? 500), typeof body.message === "string" ? body.message : undefined);
                return send(res, 200, describe(c));
            }
          }
        }
        send(res, 404, { error: `no admin route ${method} ${url.pathname}` });
      } catch (e) {
        send(res, 500, { error: (e as Error).message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve());
  });
  return srv;
}
