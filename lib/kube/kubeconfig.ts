/**
 * Parsing and checking of kubeconfigs pasted or uploaded by an admin. Errors
 * are phrased for the person who pasted the file and name what to fix.
 *
 * The pasted text never reaches @kubernetes/client-node's own loader: that
 * loader reads `token-file` from the portal's disk while parsing (and
 * certificate, key and CA paths, auth-provider token files and exec plugins
 * when a request is made), which would send any local file as a bearer token
 * to whatever server the kubeconfig names. We parse the YAML ourselves, refuse
 * every file reference, plugin and plain-http server of the chosen context,
 * and hand client-node only the embedded fields it needs (`loadFromOptions`).
 */
import { X509Certificate, createHash } from "node:crypto";
import { KubeConfig, type Cluster, type Context, type User } from "@kubernetes/client-node";
import { parseDocument } from "yaml";
import { z } from "zod";
import { AppError } from "@/lib/errors";

export interface ParsedKubeconfig {
  /** The kubeconfig reduced to the chosen context, its cluster and user. */
  minimal: string;
  context: string;
  contexts: string[];
  server: string;
  authKind: "token" | "client-certificate" | "basic" | "none";
  /**
   * The certificate authority the server is trusted with, as SHA-256 fingerprints of its
   * certificates ("" when the kubeconfig embeds none): with `server`, what tells API servers apart.
   */
  caFingerprint: string;
}

function invalid(message: string): never {
  throw new AppError("INVALID_INPUT", message, { fieldErrors: { kubeconfig: [message] } });
}

/** A mapping whose keys we inspect (unknown keys are kept so that file references among them are seen). */
const ZMapping = z.record(z.string(), z.unknown());
/** Scalars YAML may type as numbers or booleans (a numeric password) are taken as the text they were written as. */
const ZText = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const ZName = ZText.pipe(z.string().min(1));

const ZRawKubeconfig = z.object({
  kind: z.unknown().optional(),
  clusters: z.array(z.object({ name: ZName, cluster: ZMapping.nullish() })),
  contexts: z.array(z.object({ name: ZName, context: ZMapping.nullish() })),
  users: z.array(z.object({ name: ZName, user: ZMapping.nullish() })),
  "current-context": ZText.nullish(),
});
type RawKubeconfig = z.infer<typeof ZRawKubeconfig>;

/** The embedded fields of a cluster, a user and a context the portal passes on; everything else is dropped. */
const ZClusterFields = z.object({
  server: ZText.optional(),
  "certificate-authority-data": ZText.optional(),
  "insecure-skip-tls-verify": z.boolean().optional(),
  "tls-server-name": ZText.optional(),
  "proxy-url": ZText.optional(),
});
const ZUserFields = z.object({
  token: ZText.optional(),
  "client-certificate-data": ZText.optional(),
  "client-key-data": ZText.optional(),
  username: ZText.optional(),
  password: ZText.optional(),
  as: ZText.optional(),
});
const ZContextFields = z.object({ cluster: ZText.optional(), user: ZText.optional(), namespace: ZText.optional() });

/** Keys only a kubeconfig has: a mapping with none of them is some other document (or text that happens to parse as YAML). */
const KUBECONFIG_KEYS = ["clusters", "contexts", "users", "current-context"];
const PASTE_HINT = "Paste the whole file, e.g. the output of `kubectl config view --minify --flatten`.";

function readDocument(text: string): RawKubeconfig {
  if (!text.trim()) invalid("Paste a kubeconfig or upload the file.");
  if (text.length > 512 * 1024) invalid("This file is larger than 512 KiB; a kubeconfig is usually a few KiB.");
  const doc = parseDocument(text);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : "";
    const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    invalid(`This is not a kubeconfig: it is not valid YAML${where}: ${what}.`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    invalid(`This is not a kubeconfig: its YAML could not be read: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    const what = Array.isArray(raw) ? "a YAML list" : raw === null || raw === undefined ? "empty YAML" : "plain text";
    invalid(`This is not a kubeconfig: it is ${what}, not a mapping with clusters, contexts and users. ${PASTE_HINT}`);
  }
  const obj = raw as Record<string, unknown>;
  if (obj.kind !== undefined && obj.kind !== "Config") invalid(`This is a ${String(obj.kind)}, not a kubeconfig (kind: Config).`);
  if (obj.kind !== "Config" && !KUBECONFIG_KEYS.some((k) => Object.hasOwn(obj, k))) {
    invalid(`This is not a kubeconfig: it has none of a kubeconfig's keys (clusters, contexts, users). ${PASTE_HINT}`);
  }
  for (const key of ["clusters", "contexts", "users"] as const) {
    if (!Array.isArray(obj[key]) || (obj[key] as unknown[]).length === 0) invalid(`The kubeconfig has no ${key}.`);
  }
  const parsed = ZRawKubeconfig.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [list, index, field] = issue.path;
    const where = typeof index === "number" ? `${String(list)}[${index}]` : String(list ?? "the kubeconfig");
    invalid(`The kubeconfig could not be read: ${where}${field ? ` has no valid ${String(field)}` : " is not a mapping with a name"}.`);
  }
  return parsed.data;
}

/** Lists the contexts of a kubeconfig (for the context picker), without validating credentials. */
export function listContexts(text: string): { contexts: string[]; current: string } {
  const raw = readDocument(text);
  const contexts = raw.contexts.map((c) => c.name);
  return { contexts, current: raw["current-context"] ?? "" };
}

/**
 * kubectl's fields that name a file on the machine that reads the kubeconfig,
 * and the embedded field to use instead.
 */
const FILE_FIELDS: Record<string, string> = {
  "certificate-authority": "certificate-authority-data",
  "client-certificate": "client-certificate-data",
  "client-key": "client-key-data",
  "token-file": "token",
  tokenFile: "token",
};

/** Every key, at any depth, that names a file: kubectl's path fields and anything called *-file / *File. */
function fileKeys(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) fileKeys(v, found);
  } else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (Object.hasOwn(FILE_FIELDS, key) ? v !== null && v !== "" : /file$/i.test(key)) found.add(key);
      fileKeys(v, found);
    }
  }
  return found;
}

/**
 * The refusal of file references. It names the keys and what to embed, never
 * the paths: the answer is the same whether or not a path exists here.
 */
function refuseFiles(what: string, entry: unknown) {
  const keys = [...fileKeys(entry)].sort();
  if (!keys.length) return;
  const instead = [...new Set(keys.map((k) => FILE_FIELDS[k] ?? `the contents of ${k}`))];
  invalid(
    `${what} refers to files on another machine (${keys.join(", ")}). The portal never reads files from its own disk for a kubeconfig: ` +
      `embed their contents instead, as ${instead.join(", ")} (base64 of the file for the *-data fields, the token itself for token).`,
  );
}

function fields<T extends z.ZodType>(schema: T, what: string, entry: unknown): z.infer<T> {
  const parsed = schema.safeParse(entry ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    invalid(`${what} has an invalid ${String(issue.path[0] ?? "value")}: expected ${issue.path[0] === "insecure-skip-tls-verify" ? "true or false" : "text"}.`);
  }
  return parsed.data;
}

interface Reduced {
  cluster: Cluster;
  user: User;
  context: Context;
  contexts: string[];
  server: string;
  authKind: ParsedKubeconfig["authKind"];
}

/** The chosen context, its cluster and user, checked, as client-node objects holding embedded fields only. */
function reduce(text: string, contextName?: string): Reduced {
  const raw = readDocument(text);
  const contexts = raw.contexts.map((c) => c.name);
  const name = contextName || raw["current-context"] || contexts[0]!;
  const rawContext = raw.contexts.find((c) => c.name === name);
  if (!rawContext) {
    throw new AppError("INVALID_INPUT", `Context "${name}" is not in this kubeconfig.`, {
      fieldErrors: { context: [`Choose one of: ${contexts.join(", ")}`] },
    });
  }
  const ctx = fields(ZContextFields, `Context "${name}"`, rawContext.context);
  if (!ctx.cluster) invalid(`Context "${name}" names no cluster.`);
  const rawCluster = raw.clusters.find((c) => c.name === ctx.cluster);
  if (!rawCluster) invalid(`Context "${name}" points to cluster "${ctx.cluster}", which the kubeconfig does not define.`);
  const rawUser = raw.users.find((u) => u.name === ctx.user);
  if (!rawUser) invalid(`Context "${name}" points to user "${ctx.user ?? ""}", which the kubeconfig does not define.`);

  const userEntry = rawUser.user ?? {};
  if (userEntry.exec != null || userEntry["auth-provider"] != null) {
    invalid(
      `User "${rawUser.name}" signs in through an ${userEntry.exec != null ? "exec plugin" : "auth provider"}, which the portal cannot run. ` +
        "Use a service-account token or a client certificate.",
    );
  }
  refuseFiles(`Cluster "${rawCluster.name}"`, rawCluster.cluster);
  refuseFiles(`User "${rawUser.name}"`, userEntry);

  const c = fields(ZClusterFields, `Cluster "${rawCluster.name}"`, rawCluster.cluster);
  let server: URL;
  try {
    server = new URL(c.server ?? "");
  } catch {
    invalid(`Cluster "${rawCluster.name}" has no valid server URL (got "${c.server ?? ""}").`);
  }
  if (server.protocol !== "https:") {
    invalid(
      `The server URL of cluster "${rawCluster.name}" must be https:// (got ${server.protocol}//): ` +
        "over plain http the credentials would cross the network unencrypted. Use the API server's https address.",
    );
  }
  if (c["proxy-url"] !== undefined) {
    try {
      new URL(c["proxy-url"]);
    } catch {
      invalid(`Cluster "${rawCluster.name}" has a proxy-url that is not a URL.`);
    }
  }
  const u = fields(ZUserFields, `User "${rawUser.name}"`, userEntry);
  const redacted = [c["certificate-authority-data"], u.token, u["client-certificate-data"], u["client-key-data"], u.password].some(
    (v) => v === "REDACTED" || v === "DATA+OMITTED",
  );
  if (redacted) {
    invalid(
      "This kubeconfig's secrets were left out (REDACTED, DATA+OMITTED): kubectl config view hides them. " +
        "Copy it with `kubectl config view --minify --flatten`, or upload the file itself.",
    );
  }
  const authKind: ParsedKubeconfig["authKind"] = u.token ? "token" : u["client-certificate-data"] ? "client-certificate" : u.username ? "basic" : "none";
  if (authKind === "none") invalid(`User "${rawUser.name}" has no credentials (token or client certificate).`);

  const cluster: Cluster = {
    name: rawCluster.name,
    server: c.server!.replace(/\/$/, ""),
    caData: c["certificate-authority-data"],
    skipTLSVerify: c["insecure-skip-tls-verify"] === true,
    tlsServerName: c["tls-server-name"],
    proxyUrl: c["proxy-url"],
  };
  const user: User = {
    name: rawUser.name,
    token: u.token,
    certData: u["client-certificate-data"],
    keyData: u["client-key-data"],
    username: u.username,
    password: u.password,
    impersonateUser: u.as,
  };
  const context: Context = { name, cluster: cluster.name, user: user.name, namespace: ctx.namespace };
  return { cluster, user, context, contexts, server: server.toString().replace(/\/$/, ""), authKind };
}

function toKubeConfig(r: Reduced): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [r.cluster], users: [r.user], contexts: [r.context], currentContext: r.context.name });
  return kc;
}

/** SHA-256 fingerprints of the certificates in certificate-authority-data (base64 of PEM), sorted; the decoded text's hash when it holds none. */
function caFingerprint(caData: string | undefined): string {
  if (!caData) return "";
  const pem = Buffer.from(caData, "base64").toString("utf8");
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const prints: string[] = [];
  for (const block of blocks) {
    try {
      prints.push(new X509Certificate(block).fingerprint256);
    } catch {
      prints.push(createHash("sha256").update(block.replace(/\s+/g, "")).digest("hex"));
    }
  }
  return prints.length ? [...new Set(prints)].sort().join(",") : createHash("sha256").update(pem.trim()).digest("hex");
}

export function parseKubeconfig(text: string, contextName?: string): ParsedKubeconfig {
  const r = reduce(text, contextName);
  return {
    minimal: toKubeConfig(r).exportConfig(),
    context: r.context.name,
    contexts: r.contexts,
    server: r.server,
    authKind: r.authKind,
    caFingerprint: caFingerprint(r.cluster.caData),
  };
}

/**
 * A client-node KubeConfig of a kubeconfig's current context, built from its
 * embedded fields only (the same checks as a pasted one). Every kubeconfig the
 * portal loads goes through here, never through client-node's loadFromString.
 */
export function loadKubeconfig(text: string): KubeConfig {
  return toKubeConfig(reduce(text));
}
