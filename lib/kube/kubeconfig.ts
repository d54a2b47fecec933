/**
 * Parsing and checking of kubeconfigs pasted or uploaded by an admin. Errors
 * are phrased for the person who pasted the file and name what to fix.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { parseDocument } from "yaml";
import { AppError } from "@/lib/errors";

export interface ParsedKubeconfig {
  /** The kubeconfig reduced to the chosen context, its cluster and user. */
  minimal: string;
  context: string;
  contexts: string[];
  server: string;
  authKind: "token" | "client-certificate" | "basic" | "none";
}

function invalid(message: string): never {
  throw new AppError("INVALID_INPUT", message, { fieldErrors: { kubeconfig: [message] } });
}

/** Lists the contexts of a kubeconfig (for the context picker), without validating credentials. */
export function listContexts(text: string): { contexts: string[]; current: string } {
  const kc = load(text);
  return { contexts: kc.getContexts().map((c) => c.name), current: kc.getCurrentContext() };
}

function load(text: string): KubeConfig {
  if (!text.trim()) invalid("Paste a kubeconfig or upload the file.");
  if (text.length > 512 * 1024) invalid("This file is larger than 512 KiB; a kubeconfig is usually a few KiB.");
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : "";
    invalid(`This is not valid YAML${where}: ${e.message.split("\n")[0]}`);
  }
  const raw = doc.toJS() as unknown;
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) invalid("This is not a kubeconfig: expected a YAML mapping.");
  const obj = raw as Record<string, unknown>;
  if (obj.kind !== undefined && obj.kind !== "Config") invalid(`This is a ${String(obj.kind)}, not a kubeconfig (kind: Config).`);
  for (const key of ["clusters", "contexts", "users"] as const) {
    if (!Array.isArray(obj[key]) || (obj[key] as unknown[]).length === 0) invalid(`The kubeconfig has no ${key}.`);
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (e) {
    invalid(`The kubeconfig could not be read: ${(e as Error).message}`);
  }
  return kc;
}

export function parseKubeconfig(text: string, contextName?: string): ParsedKubeconfig {
  const kc = load(text);
  const contexts = kc.getContexts().map((c) => c.name);
  const name = contextName || kc.getCurrentContext() || contexts[0];
  const context = kc.getContextObject(name);
  if (!context) {
    throw new AppError("INVALID_INPUT", `Context "${name}" is not in this kubeconfig.`, {
      fieldErrors: { context: [`Choose one of: ${contexts.join(", ")}`] },
    });
  }
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) invalid(`Context "${name}" points to cluster "${context.cluster}", which the kubeconfig does not define.`);
  const user = kc.getUser(context.user);
  if (!user) invalid(`Context "${name}" points to user "${context.user}", which the kubeconfig does not define.`);
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    invalid(`Cluster "${cluster.name}" has no valid server URL (got "${cluster.server ?? ""}").`);
  }
  if (server.protocol !== "https:" && server.protocol !== "http:") invalid(`The server URL must be https:// (got ${server.protocol}).`);
  if (user.exec || user.authProvider) {
    invalid(
      `User "${user.name}" signs in through an ${user.exec ? "exec plugin" : "auth provider"}, which the portal cannot run. ` +
        "Use a service-account token or a client certificate.",
    );
  }
  const authKind: ParsedKubeconfig["authKind"] =
    user.token || user.authProvider ? "token" : user.certData || user.certFile ? "client-certificate" : user.username ? "basic" : "none";
  if (user.certFile || user.keyFile || cluster.caFile) {
    invalid("The kubeconfig refers to files on another machine (certificate, key or token files). Embed them as *-data fields.");
  }
  if (authKind === "none") invalid(`User "${user.name}" has no credentials (token or client certificate).`);

  const minimal = new KubeConfig();
  minimal.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ ...context, name }],
    currentContext: name,
  });
  return { minimal: minimal.exportConfig(), context: name, contexts, server: server.toString().replace(/\/$/, ""), authKind };
}
