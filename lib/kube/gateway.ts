/**
 * The one gateway to clusters. Everything that talks to a Kubernetes API
 * goes through here: it builds clients from a stored (decrypted) kubeconfig,
 * bounds every call with a timeout, and turns failures into ClusterErrors
 * that carry the cluster's name and a reason a person can act on.
 */
import {
  ApiException,
  type KubeConfig,
  Observable,
  ServerConfiguration,
  createConfiguration,
  type Configuration,
  type ObservableMiddleware,
} from "@kubernetes/client-node";
import { decryptSecret } from "@/lib/crypto/secret-box";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { loadKubeconfig } from "./kubeconfig";

/**
 * A cluster could not be reached or refused a call: an AppError
 * (CLUSTER_UNAVAILABLE, 502) whose message names the cluster and says why,
 * so actions, routes and steps show it as it is without mapping it.
 */
export class ClusterError extends AppError {
  constructor(
    readonly cluster: string,
    readonly reason: string,
    /** The API server's HTTP status, when it answered. */
    readonly apiStatus?: number,
    opts: { cause?: unknown } = {},
  ) {
    super("CLUSTER_UNAVAILABLE", `${cluster}: ${reason}`, { cause: opts.cause });
    this.name = "ClusterError";
  }
}

/**
 * A client-node config of a kubeconfig's current context. Goes through the
 * same checks as a pasted kubeconfig (lib/kube/kubeconfig.ts): client-node's
 * own loader would read `token-file` and other file references from this
 * machine's disk.
 */
export function kubeConfigFromYaml(yaml: string): KubeConfig {
  return loadKubeconfig(yaml);
}

/** A kubeconfig sealed in the database, opened for one use. */
export function openKubeconfig(sealed: string, clusterName: string): KubeConfig {
  return kubeConfigFromYaml(decryptSecret(sealed, env().WHARF_ENCRYPTION_KEY, sealAad(clusterName)));
}

/** The reason a request is aborted with when its cluster took too long. */
export class RequestTimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * A signal that aborts after `ms`, as AbortSignal.timeout does, but with a
 * plain Error as its reason. fetch rejects with the reason, and client-node
 * 2.0.1 prefixes the message of an error from a kind's discovery
 * (KubernetesObjectApi.resource); AbortSignal.timeout's DOMException has a
 * read-only message, so that prefixing threw a TypeError ("Cannot set
 * property message …") and the timeout was reported as "Could not reach".
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  // unref: like AbortSignal.timeout, a pending timeout does not keep the process alive.
  setTimeout(() => controller.abort(new RequestTimeoutError(`No answer within ${ms} ms`)), ms).unref();
  return controller.signal;
}

/** A middleware that aborts every request it sees after `ms`. */
function timeoutMiddleware(ms: number): ObservableMiddleware {
  return {
    pre: (ctx) => {
      ctx.setSignal(timeoutSignal(ms));
      return new Observable(Promise.resolve(ctx));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
}

/**
 * A client-node API client whose every request is bounded by `timeoutMs`
 * (as kc.makeApiClient, plus the timeout). Typed APIs and KubernetesObjectApi alike.
 */
export function makeClient<T>(kc: KubeConfig, Api: new (config: Configuration) => T, timeoutMs: number): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("The kubeconfig has no current cluster");
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    middleware: [timeoutMiddleware(timeoutMs)],
  });
  // Wharf always names the namespace of what it applies, so the client's default namespace is never used.
  return new Api(config);
}

/** Per-call options for client-node APIs: abort the request after `ms`. */
export function withTimeout(ms: number) {
  // The object-parameter APIs hand options to the observable layer, hence an observable middleware.
  const timeout: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(timeoutSignal(ms));
      return new Observable(Promise.resolve(ctx));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [timeout], middlewareMergeStrategy: "append" as const };
}

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The `message` of a Kubernetes Status body; client-node hands some bodies over parsed and others as their JSON text. */
function statusMessage(body: unknown): string {
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return "";
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : "";
}

/** Turns whatever a client-node call threw into a sentence about the cluster. */
export function describeClusterFailure(cluster: string, server: string, e: unknown, timeoutMs: number): ClusterError {
  if (e instanceof ClusterError) return e;
  if (e instanceof ApiException) {
    const status = e.code;
    const detail = statusMessage(e.body);
    const reason =
      status === 401
        ? "The cluster rejected the credentials (401 Unauthorized): the token or client certificate is wrong, expired or revoked."
        : status === 403
          ? `The credentials are not allowed to do this (403 Forbidden)${detail ? `: ${detail}` : "."}`
          : `The API server answered ${status}${detail ? `: ${detail}` : ""}.`;
    return new ClusterError(cluster, reason, status, { cause: e });
  }
  const name = (e as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    // Some callers know neither the server (a CI run's cluster by name) nor the bound (0): the sentence still reads.
    const within = timeoutMs > 0 ? `within ${timeoutMs / 1000} s` : "in time";
    return new ClusterError(cluster, `No answer from ${server || "the API server"} ${within}.`, undefined, { cause: e });
  }
  const code = errorCode(e);
  const host = (() => {
    try {
      return new URL(server).host;
    } catch {
      return server;
    }
  })();
  const reasons: Record<string, string> = {
    ECONNREFUSED: `Connection refused by ${host}: is the API server running and the port right?`,
    ENOTFOUND: `The host name in ${server} could not be resolved (DNS).`,
    EAI_AGAIN: `The host name in ${server} could not be resolved right now (DNS).`,
    ECONNRESET: `The connection to ${host} was reset.`,
    EHOSTUNREACH: `No route to ${host}.`,
    ETIMEDOUT: `Connecting to ${host} timed out.`,
    UND_ERR_CONNECT_TIMEOUT: `Connecting to ${host} timed out.`,
    DEPTH_ZERO_SELF_SIGNED_CERT: `The server's certificate is self-signed and not in the kubeconfig's certificate-authority-data.`,
    SELF_SIGNED_CERT_IN_CHAIN: `The server's certificate chain is not trusted by the kubeconfig's certificate-authority-data.`,
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: `The server's certificate is not trusted by the kubeconfig's certificate-authority-data.`,
    ERR_TLS_CERT_ALTNAME_INVALID: `The server's certificate does not match the host ${host}.`,
    CERT_HAS_EXPIRED: `The server's certificate has expired.`,
  };
  const deepest = (() => {
    let cur: unknown = e;
    while ((cur as { cause?: unknown })?.cause) cur = (cur as { cause?: unknown }).cause;
    return (cur as Error)?.message ?? String(cur);
  })();
  const reason =
    (code && reasons[code]) ??
    (deepest === "bad port"
      ? `The port of ${server} is one HTTP clients refuse to use (an unsafe port); the API server must listen elsewhere.`
      : `Could not reach ${server}: ${deepest}`);
  return new ClusterError(cluster, reason, undefined, { cause: e });
}

/** Binds a sealed kubeconfig to its cluster's (immutable) name, so it cannot be swapped onto another row. */
export function sealAad(clusterName: string) {
  return `cluster:${clusterName}`;
}
