/**
 * The portal's Git route (or any handler of it) on a free port, streaming both
 * ways, so the real git client can clone and push against it in a test.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { NextRequest } from "next/server";

export type GitHandler = (req: NextRequest, segments: string[]) => Promise<Response>;

/** Serves `handler` under /git/ on 127.0.0.1 and a free port. */
export async function serveGit(handler: GitHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      const url = `http://${req.headers.host}${req.url}`;
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new NextRequest(url, {
        method: req.method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        duplex: "half",
      } as ConstructorParameters<typeof NextRequest>[1]);
      const segments = new URL(url).pathname
        .replace(/^\/git\//, "")
        .split("/")
        .map(decodeURIComponent);
      const response = await handler(request, segments);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>).pipe(res);
      else res.end();
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
