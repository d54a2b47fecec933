/**
 * The check of a kubeconfig against its cluster: is the API server there,
 * does it accept the credentials, and may their identity do what Wharf
 * needs. Used by "Test connection", at registration, when a kubeconfig is
 * replaced and by the health check every minute.
 *
 * GET /version alone proves little: an API server answers it to anyone
 * without credentials, so a kubeconfig whose token was revoked or mistyped
 * looked healthy and failed only when provisioning began. After it, the
 * identity is asked for (SelfSubjectReview, 1.28 and later) and every
 * permission is reviewed (SelfSubjectAccessReview), each call bounded.
 */
import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  Observable,
  VersionApi,
  type KubeConfig,
  type ObservableMiddleware,
  type RequestContext,
} from "@kubernetes/client-node";
import { describeClusterFailure, timeoutSignal } from "./gateway";
import { describeMissing, permissionChecks, summarizeMissing, type ClusterPermission, type MissingPermission, type PermissionCheck } from "./access";

/**
 * - reachable: the API server answers, accepts the credentials, and they may do everything Wharf needs;
 * - unreachable: no answer (network, TLS, timeout, a server error);
 * - credentials_rejected: the server answers but refuses the credentials (401), or takes them for anonymous;
 * - missing_permissions: the credentials are accepted but lack some of the permissions (see `missing`).
 */
export type ClusterHealth = "reachable" | "unreachable" | "credentials_rejected" | "missing_permissions";

export interface ClusterCheckResult {
  status: ClusterHealth;
  /** Round trip of GET /version. */
  latencyMs: number;
  version: string;
  /** Empty when reachable; otherwise a sentence saying why, naming what is missing. */
  reason: string;
  /** Who the cluster takes the credentials for (SelfSubjectReview), "" when it cannot say. */
  identity: string;
  missing: MissingPermission[];
}

const ANONYMOUS = "system:anonymous";
const ANONYMOUS_REASON = "The cluster does not recognise the credentials: it takes the requests for anonymous (system:anonymous).";

/** Reviews in flight at once: a check of dozens of permissions must not arrive at the API server as one burst of new connections. */
const REVIEWS_AT_ONCE = 6;

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * Per-call options of one check: each request aborted after `timeoutMs`, and
 * all of them over one connection pool. client-node gives every request a
 * connection pool of its own, so a check of dozens of reviews opened as many
 * TLS connections; the first request's pool serves the rest, and is closed
 * with the check.
 */
function checkCalls(timeoutMs: number) {
  let shared: Dispatcher | undefined;
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(timeoutSignal(timeoutMs));
      const own = ctx.getDispatcher();
      if (!shared) shared = own;
      else if (own && own !== shared) {
        // Unused (no connection yet): closed at once.
        void own.close();
        ctx.setDispatcher(shared);
      }
      return new Observable(Promise.resolve(ctx));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return {
    options: { middleware: [middleware], middlewareMergeStrategy: "append" as const },
    close: async () => {
      await shared?.close().catch(() => undefined);
    },
  };
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function rejected(identity: string, detail: string): Pick<ClusterCheckResult, "status" | "reason" | "identity" | "missing"> {
  return { status: "credentials_rejected", reason: detail, identity, missing: [] };
}

/** Who the credentials are, per the cluster; "" when it cannot say (SelfSubjectReview is GA from 1.28). */
async function whoAmI(kc: KubeConfig, calls: ReturnType<typeof checkCalls>): Promise<string> {
  try {
    const review = await kc
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } }, calls.options);
    return review.status?.userInfo?.username ?? "";
  } catch (e) {
    // 404: an older cluster without the API; 403: not allowed to ask. Neither says the credentials are bad.
    if (e instanceof ApiException && (e.code === 404 || e.code === 403)) return "";
    throw e;
  }
}

/** Asks the cluster, for each check, whether the credentials may do it anywhere (all namespaces). */
async function deniedChecks(kc: KubeConfig, checks: readonly PermissionCheck[], calls: ReturnType<typeof checkCalls>): Promise<PermissionCheck[]> {
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const answers = await mapLimited(checks, REVIEWS_AT_ONCE, async (c) => {
    const review = await authz.createSelfSubjectAccessReview(
      {
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: {
            // "pods/log" is the resource pods with the subresource log, as RBAC rules name it and the API server asks.
            resourceAttributes: {
              verb: c.verb,
              group: c.group,
              resource: c.resource.split("/")[0],
              ...(c.resource.includes("/") ? { subresource: c.resource.split("/")[1] } : {}),
              ...(c.name ? { name: c.name } : {}),
            },
          },
        },
      },
      calls.options,
    );
    return review.status?.allowed === true;
  });
  return checks.filter((_c, i) => !answers[i]);
}

/** The reason of a check that found permissions missing: who, how many, which (what each is for is in `missing`). */
export function missingReason(identity: string, missing: readonly MissingPermission[]) {
  const lines = missing.map(describeMissing);
  return (
    `The credentials${identity ? ` (${identity})` : ""} are accepted but may not do everything Wharf needs; missing cluster-wide: ` + `${lines.join("; ")}.`
  );
}

/**
 * Checks a kubeconfig: reachability and version (GET /version), then the
 * identity and each of `permissions`. Never throws for the cluster's sake:
 * whatever goes wrong is the result's status and reason.
 */
export async function checkKubeConfig(name: string, kc: KubeConfig, timeoutMs: number, permissions: readonly ClusterPermission[]): Promise<ClusterCheckResult> {
  const calls = checkCalls(timeoutMs);
  try {
    return await check(name, kc, timeoutMs, permissions, calls);
  } finally {
    await calls.close();
  }
}

async function check(
  name: string,
  kc: KubeConfig,
  timeoutMs: number,
  permissions: readonly ClusterPermission[],
  calls: ReturnType<typeof checkCalls>,
): Promise<ClusterCheckResult> {
  const server = kc.getCurrentCluster()?.server ?? "";
  const started = performance.now();
  let version: string;
  try {
    version = (await kc.makeApiClient(VersionApi).getCode({}, calls.options)).gitVersion;
  } catch (e) {
    const err = describeClusterFailure(name, server, e, timeoutMs);
    const latencyMs = Math.round(performance.now() - started);
    if (err.apiStatus === 401) return { ...rejected("", err.reason), latencyMs, version: "" };
    return { status: "unreachable", latencyMs, version: "", reason: err.reason, identity: "", missing: [] };
  }
  const latencyMs = Math.round(performance.now() - started);
  const base = { latencyMs, version };
  try {
    // The identity and the reviews are asked together, the reviews a few at a time over the check's connections.
    const [who, reviews] = await Promise.allSettled([whoAmI(kc, calls), deniedChecks(kc, permissionChecks(permissions), calls)]);
    // Taken for anonymous, the reviews are refused too: the identity says why.
    if (who.status === "fulfilled" && who.value === ANONYMOUS) return { ...base, ...rejected(ANONYMOUS, ANONYMOUS_REASON) };
    if (who.status === "rejected") throw who.reason;
    if (reviews.status === "rejected") throw reviews.reason;
    const [identity, denied] = [who.value, reviews.value];
    if (denied.length === 0) return { ...base, status: "reachable", reason: "", identity, missing: [] };
    const missing = summarizeMissing(denied);
    return { ...base, status: "missing_permissions", reason: missingReason(identity, missing), identity, missing };
  } catch (e) {
    const err = describeClusterFailure(name, server, e, timeoutMs);
    if (err.apiStatus === 401) return { ...base, ...rejected("", err.reason) };
    if (err.apiStatus === 403 && err.reason.includes(`"${ANONYMOUS}"`)) return { ...base, ...rejected(ANONYMOUS, ANONYMOUS_REASON) };
    if (err.apiStatus === 403) {
      // Every authenticated user may review itself (system:basic-user); an identity that may not cannot be checked.
      return {
        ...base,
        status: "missing_permissions",
        reason: `The credentials may not review their own permissions (create selfsubjectaccessreviews.authorization.k8s.io), so Wharf cannot tell whether they may do what it needs: ${err.reason}`,
        identity: "",
        missing: [
          {
            group: "authorization.k8s.io",
            resource: "selfsubjectaccessreviews",
            verbs: ["create"],
            names: [],
            neededFor: ["checking the other permissions (every authenticated user may, through the ClusterRole system:basic-user)"],
          },
        ],
      };
    }
    return { ...base, status: "unreachable", reason: err.reason, identity: "", missing: [] };
  }
}
