/**
 * Follows a container's log into a writable stream. client-node's `Log.log`
 * pipes the response into the stream without an error handler, so aborting
 * it (or a connection reset) throws an uncaught AbortError and takes the
 * process down; this is the same request with the response's errors caught.
 */
import { Readable, type Writable } from "node:stream";
import { ApiException, HttpMethod, RequestContext, type KubeConfig } from "@kubernetes/client-node";

export interface PodLogOptions {
  follow?: boolean;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
  sinceTime?: string;
  tailLines?: number;
  limitBytes?: number;
}

/** Options of the request itself (not sent to the API server). */
interface RequestOptions {
  end?: boolean;
  /** Aborts the request, also while waiting for the answer (a cluster that does not answer). */
  signal?: AbortSignal;
}

export interface PodLogStream {
  /** Ends the request; the sink is not ended (the caller decides). */
  abort(): void;
  /** Settles when the log ends (the container stopped, or abort): never rejects. */
  done: Promise<{ error?: Error }>;
}

/**
 * Opens the log of one container and pipes it into `sink` (which is not ended
 * when the log ends: `{ end }` decides). Rejects with an ApiException when the
 * cluster refuses (the container is not there yet, 400/404).
 */
export async function followPodLog(
  kc: KubeConfig,
  ref: { namespace: string; pod: string; container: string },
  sink: Writable,
  opts: PodLogOptions & RequestOptions = {},
): Promise<PodLogStream> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster");
  const url = new URL(`${cluster.server}/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.pod)}/log`);
  url.searchParams.set("container", ref.container);
  for (const [k, v] of Object.entries(opts)) if (k !== "end" && k !== "signal" && v !== undefined && v !== false) url.searchParams.set(k, String(v));
  const ctx = new RequestContext(url.toString(), HttpMethod.GET);
  await kc.applySecurityAuthentication(ctx);
  const controller = new AbortController();
  if (opts.signal?.aborted) controller.abort();
  opts.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const response = await fetch(url, {
    method: "GET",
    headers: ctx.getHeaders(),
    // undici's dispatcher (client-node's TLS settings): a Node extension of fetch's options.
    ...({ dispatcher: ctx.getDispatcher() } as object),
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body) {
    const text = await response.text().catch(() => "");
    let message = text || `HTTP ${response.status}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not a Status object
    }
    throw new ApiException(response.status, message, text, {});
  }
  const body = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  // pipe (not pipeline): an abort must not destroy the sink, whose owner ends it and keeps what arrived.
  const done = new Promise<{ error?: Error }>((resolve) => {
    body.once("end", () => resolve({}));
    body.once("error", (error) => {
      body.unpipe(sink);
      resolve({ error });
    });
  });
  body.pipe(sink, { end: opts.end ?? true });
  return { abort: () => controller.abort(), done };
}
