/**
 * What a viewer keeps of a service's lines: levels, include and exclude
 * patterns (RE2 syntax through re2js: linear time, so a user's pattern cannot
 * stall the server), clusters and pods. The cluster and pod filters choose
 * what is opened at all; the others are applied to each line. `toLogQL`
 * writes the same selection as a LogQL query, for a log store backend.
 */
import { RE2JS } from "re2js";
import type { LogLevel } from "./protocol";
import type { RawLine } from "./types";

export interface LogFilters {
  /** Levels to keep (none or empty: all). */
  levels?: readonly LogLevel[];
  /** Keep only lines matching (RE2; `(?i)` for case). */
  include?: string;
  /** Drop lines matching. */
  exclude?: string;
  /** Cluster ids to keep (none or empty: every cluster). */
  clusters?: readonly string[];
  /** Pod names to keep (none or empty: every pod). */
  pods?: readonly string[];
}

export interface LineFilter {
  keepsCluster(clusterId: string): boolean;
  keepsPod(pod: string): boolean;
  keepsLine(line: Pick<RawLine, "level" | "text">): boolean;
}

/** The filters compiled once per viewer (patterns are checked by the query schema before they get here). */
export function compileFilters(f: LogFilters): LineFilter {
  const levels = f.levels?.length ? new Set<string>(f.levels) : null;
  const include = f.include ? RE2JS.compile(f.include) : null;
  const exclude = f.exclude ? RE2JS.compile(f.exclude) : null;
  const clusters = f.clusters?.length ? new Set(f.clusters) : null;
  const pods = f.pods?.length ? new Set(f.pods) : null;
  return {
    keepsCluster: (id) => !clusters || clusters.has(id),
    keepsPod: (pod) => !pods || pods.has(pod),
    keepsLine: (line) => {
      if (levels && !levels.has(line.level)) return false;
      if (include && !include.matcher(line.text).find()) return false;
      if (exclude && exclude.matcher(line.text).find()) return false;
      return true;
    },
  };
}

/** A LogQL string literal (backquotes hold RE2 patterns without escaping, unless the pattern has one). */
function logqlString(s: string) {
  return s.includes("`") ? JSON.stringify(s) : `\`${s}\``;
}

/** Anchored alternatives of exact names, for a `=~` label matcher. */
function exactAlternatives(names: readonly string[]) {
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
}

/**
 * The selection and filters as a LogQL query (Loki): stream selector by
 * namespace, the service's labels and the pod and cluster filters, then line
 * filters, then the level (a `level` label when the store extracts it; JSON
 * lines through `| json`). For the LogQL reader described in docs/logs.md.
 */
export function toLogQL(target: { namespace: string; labels: Record<string, string> }, f: LogFilters, clusterNames?: readonly string[]): string {
  const matchers = [`namespace="${target.namespace}"`, ...Object.entries(target.labels).map(([k, v]) => `${k.replace(/[^a-zA-Z0-9_]/g, "_")}="${v}"`)];
  if (clusterNames?.length) matchers.push(`cluster=~"${exactAlternatives(clusterNames)}"`);
  if (f.pods?.length) matchers.push(`pod=~"${exactAlternatives(f.pods)}"`);
  let q = `{${matchers.join(", ")}}`;
  if (f.include) q += ` |~ ${logqlString(f.include)}`;
  if (f.exclude) q += ` !~ ${logqlString(f.exclude)}`;
  if (f.levels?.length) q += ` | level=~"${f.levels.join("|")}"`;
  return q;
}
