/**
 * The zod schemas of the catalog, shared by forms (client-side checks),
 * server actions (the boundary) and the API. `Z*` schemas, `T*` types.
 */
import { ZClusterPrometheusUrl } from "@/lib/monitoring/source-url";
import { z } from "zod";
import { ENVIRONMENTS } from "./environments";
import { PROJECT_ROLES } from "@/lib/access/roles";

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label with messages that say what to fix. */
export function zSlug(max: number, what = "slug") {
  return z
    .string({ error: `Enter a ${what}` })
    .trim()
    .min(1, { message: `Enter a ${what}` })
    .max(max, { message: `At most ${max} characters` })
    .refine((v) => v === v.toLowerCase(), { message: "Use lowercase letters only" })
    .refine((v) => /^[a-z0-9-]*$/.test(v.toLowerCase()), { message: "Use only letters, digits and '-'" })
    .refine((v) => DNS1123_LABEL.test(v), { message: "Start and end with a letter or digit" });
}

/** Project slugs become namespace names `<slug>-<env>` (at most 63), so they stop at 40. */
export const ZProjectSlug = zSlug(40);
export const ZTeamSlug = zSlug(40);
export const ZServiceSlug = zSlug(40);
export const ZClusterName = zSlug(63, "cluster name");

export const TIERS = ["critical", "standard", "experimental"] as const;
export const LIFECYCLES = ["requested", "active", "archived"] as const;
export const SERVICE_KINDS = ["api", "web", "worker", "job"] as const;
export { ENVIRONMENTS } from "./environments";
export const CLUSTER_TIERS = ["dev", "test", "staging", "prod", "shared"] as const;
export { PROJECT_ROLES } from "@/lib/access/roles";

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Labels as Kubernetes has them: `{ key: value }`, keys with an optional DNS prefix, values up to 63 characters. */
export const ZLabels = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  const entries = Object.entries(labels);
  if (entries.length > 20) ctx.addIssue({ code: "custom", message: "At most 20 labels" });
  for (const [k, v] of entries) {
    if (k.length > 63 + 254 || !LABEL_KEY.test(k))
      ctx.addIssue({ code: "custom", message: `Label key "${k}" is not valid (letters, digits, '-', '_', '.', optional prefix/)` });
    if (v.length > 63 || !LABEL_VALUE.test(v))
      ctx.addIssue({ code: "custom", message: `Label value "${v}" of "${k}" is not valid (at most 63 letters, digits, '-', '_', '.')` });
  }
});

/** "team=payments, pci=true" <-> { team: "payments", pci: "true" } (the form's text field). */
export function parseLabelText(text: string): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (const part of text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) return { error: `"${part}" is not key=value` };
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/**
 * Characters no name may hold: C0 controls (NUL, tab, line feed, carriage
 * return, ...), DEL, C1 controls, the Unicode line and paragraph separators,
 * and the bidirectional overrides and isolates (U+202A-U+202E,
 * U+2066-U+2069) that make text display in another order than it is stored.
 * A name is printed in generated files (Jenkinsfile, YAML, README): a line
 * break there would start a new statement.
 */
export const NAME_FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** What a person calls a character they cannot see. */
export function describeControlChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  if (ch === "\n" || ch === "\r" || ch === "\u2028" || ch === "\u2029") return `line break (${hex})`;
  if (ch === "\t") return "tab";
  if (code === 0) return "NUL character";
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return `text-direction control (${hex})`;
  return `control character ${hex}`;
}

/** The first forbidden character of a name and its 1-based position, or null when the name is clean. */
export function findForbiddenNameChar(value: string): { char: string; position: number; description: string } | null {
  const m = NAME_FORBIDDEN_CHARS.exec(value);
  if (!m) return null;
  return { char: m[0], position: [...value.slice(0, m.index)].length + 1, description: describeControlChar(m[0]) };
}

/**
 * A display name (project, team, service, cluster): trimmed, one line of
 * visible characters, at most `max` long. Messages say what to fix, e.g.
 * "Remove the line break (U+000A) at character 8: a name is one line of
 * visible characters". `allowEmpty` for optional names (a cluster's display
 * name), which then default to "".
 */
export function zName(max = 80, opts: { what?: string; allowEmpty?: boolean } = {}) {
  const what = opts.what ?? "name";
  return z
    .string({ error: `Enter a ${what}` })
    .trim()
    .min(opts.allowEmpty ? 0 : 1, { message: `Enter a ${what}` })
    .max(max, { message: `At most ${max} characters` })
    .superRefine((value, ctx) => {
      const bad = findForbiddenNameChar(value);
      if (bad) {
        ctx.addIssue({
          code: "custom",
          message: `Remove the ${bad.description} at character ${bad.position}: a ${what} is one line of visible characters`,
        });
      }
    });
}

/** A required display name of at most 80 characters (projects, teams, services). */
export const ZName = zName(80);
const ZDescription = z.string().trim().max(2000, { message: "At most 2000 characters" }).default("");
const ZRepositoryUrl = z
  .string()
  .trim()
  .max(500)
  .refine((v) => v === "" || /^(https?:\/\/|ssh:\/\/|git@)[^\s]+$/.test(v), {
    message: "Use an https://, ssh:// or git@ address",
  })
  .default("");

export const ZCreateTeam = z.object({
  slug: ZTeamSlug,
  name: ZName,
  description: ZDescription,
});
export type TCreateTeam = z.infer<typeof ZCreateTeam>;

export const WEBHOOK_KINDS = ["slack", "feishu", "dingtalk", "wecom"] as const;

export const ZUpdateTeam = z
  .object({
    id: z.string().min(1),
    version: z.number().int().positive(),
    name: ZName,
    description: ZDescription,
    webhookKind: z.enum(WEBHOOK_KINDS).nullable().default(null),
    webhookUrl: z
      .string()
      .trim()
      .max(500)
      .refine((v) => v === "" || /^https?:\/\/[^\s]+$/.test(v), { message: "Use the https:// address of the chat's incoming webhook" })
      .default(""),
  })
  .refine((t) => !t.webhookUrl || t.webhookKind, { message: "Choose which chat the webhook belongs to", path: ["webhookKind"] });
export type TUpdateTeam = z.infer<typeof ZUpdateTeam>;

export const ZTeamMember = z.object({
  teamId: z.string().min(1),
  userId: z.string().min(1, { message: "Choose a user" }),
  role: z.enum(["lead", "member"]).default("member"),
});

export const ZCreateProject = z.object({
  slug: ZProjectSlug,
  name: ZName,
  description: ZDescription,
  teamId: z.string().min(1, { message: "Choose a team" }),
  ownerId: z.string().min(1, { message: "Choose an owner" }),
  tier: z.enum(TIERS).default("standard"),
  language: z.string().trim().max(40).default(""),
  framework: z.string().trim().max(40).default(""),
  repositoryUrl: ZRepositoryUrl,
  labels: ZLabels.default({}),
});
export type TCreateProject = z.infer<typeof ZCreateProject>;

export const ZUpdateProject = ZCreateProject.omit({ slug: true }).extend({
  id: z.string().min(1),
  version: z.number().int().positive(),
  lifecycle: z.enum(LIFECYCLES).optional(),
  /** Allow the chaos action (killing pods) in production. */
  allowChaosInProd: z.boolean().optional(),
});
export type TUpdateProject = z.infer<typeof ZUpdateProject>;

export const ZAddService = z.object({
  projectId: z.string().min(1),
  slug: ZServiceSlug,
  name: ZName,
  kind: z.enum(SERVICE_KINDS).default("api"),
  description: ZDescription,
});
export type TAddService = z.infer<typeof ZAddService>;

export const ZSetEnvironment = z.object({
  projectId: z.string().min(1),
  kind: z.enum(ENVIRONMENTS),
  clusterIds: z.array(z.string().min(1)).min(1, { message: "Choose at least one cluster for this environment" }),
});
export type TSetEnvironment = z.infer<typeof ZSetEnvironment>;

export const ZSetMember = z.object({
  projectId: z.string().min(1),
  userId: z.string().min(1, { message: "Choose a user" }),
  role: z.enum(PROJECT_ROLES),
});
export type TSetMember = z.infer<typeof ZSetMember>;

export const ZRemoveMember = z.object({ projectId: z.string().min(1), userId: z.string().min(1) });

export const PAGE_SIZES = [20, 50, 100] as const;
/** The longest search of the projects list: the box takes no more, and a longer one in a URL is cut to it. */
export const PROJECT_SEARCH_MAX = 100;

/** A search as the list runs it: trimmed, and a longer one from a hand-edited URL cut to its first 100 characters, not dropped. */
export function projectSearch(q: string): string {
  return q.trim().slice(0, PROJECT_SEARCH_MAX).trim();
}
export const PROJECT_SORTS = ["name", "updated", "created", "tier"] as const;

/** The projects list's URL query, parsed leniently: a bad value falls back to its default. */
export const ZProjectListQuery = z.object({
  q: z.string().transform(projectSearch).optional().catch(undefined),
  team: z.string().max(40).optional().catch(undefined),
  tier: z.enum(TIERS).optional().catch(undefined),
  lifecycle: z.enum(LIFECYCLES).optional().catch(undefined),
  mine: z.enum(["1"]).optional().catch(undefined),
  sort: z.enum(PROJECT_SORTS).default("name").catch("name"),
  dir: z.enum(["asc", "desc"]).default("asc").catch("asc"),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
  size: z.coerce
    .number()
    .refine((n) => (PAGE_SIZES as readonly number[]).includes(n))
    .default(20)
    .catch(20),
});
export type TProjectListQuery = z.infer<typeof ZProjectListQuery>;

export const ZRegisterCluster = z.object({
  name: ZClusterName,
  displayName: zName(80, { what: "display name", allowEmpty: true }).default(""),
  region: z.string().trim().min(1, { message: "Enter the region or data centre, e.g. us-east-1 or sh-dc2" }).max(60),
  tier: z.enum(CLUSTER_TIERS).default("shared"),
  kubeconfig: z
    .string()
    .min(1, { message: "Paste a kubeconfig or upload the file" })
    .max(512 * 1024, { message: "At most 512 KiB" }),
  context: z.string().trim().max(253).default(""),
});
export type TRegisterCluster = z.infer<typeof ZRegisterCluster>;

export const ZUpdateCluster = z.object({
  id: z.string().min(1),
  version: z.number().int().positive(),
  displayName: zName(80, { what: "display name", allowEmpty: true }).default(""),
  region: z.string().trim().min(1, { message: "Enter the region or data centre" }).max(60),
  tier: z.enum(CLUSTER_TIERS),
  /** Marked for builds: projects' CI namespaces and pipelines live on the first such cluster (lib/ci). Absent keeps it as it is. */
  builds: z.boolean().optional(),
  /** Empty keeps the stored kubeconfig (it is never shown back). */
  kubeconfig: z
    .string()
    .max(512 * 1024)
    .default(""),
  context: z.string().trim().max(253).default(""),
  /** The cluster's own Prometheus, queried instead of WHARF_PROMETHEUS_URL; "" for the global one; absent keeps it as it is. */
  prometheusUrl: ZClusterPrometheusUrl.optional(),
});
export type TUpdateCluster = z.infer<typeof ZUpdateCluster>;

export const ZSetPlatformRole = z.object({
  userId: z.string().min(1),
  version: z.number().int().positive(),
  platformRole: z.enum(["developer", "ops", "manager", "admin"]),
});
