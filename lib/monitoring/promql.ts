/**
 * PromQL as text: checked with Prometheus' own grammar (@prometheus-io/lezer-promql,
 * the parser of Prometheus' web UI) before a query is saved or sent, the
 * first error named with its line and column; and a cluster matcher added to
 * every selector, which is how one query reads several clusters from a
 * Prometheus whose series carry a `cluster` label.
 *
 * The grammar accepts a little more than the Prometheus we run (2.42; the
 * parser follows newer releases): Prometheus stays the last word, and its
 * `bad_data` answer comes back as a value (lib/monitoring/prom.ts).
 */
import { parser } from "@prometheus-io/lezer-promql";

/** Where in the text: 0-based offset, 1-based line and column. */
export interface PromqlPosition {
  offset: number;
  line: number;
  column: number;
}

export type PromqlCheck = { ok: true } | { ok: false; message: string; position: PromqlPosition };

/** The longest expression Wharf accepts (a dashboard's panel, a rule). */
export const PROMQL_MAX_LENGTH = 10_000;

function positionOf(text: string, offset: number): PromqlPosition {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { offset, line, column };
}

/** Parses `text` as PromQL; the first syntax error with its position and what was found there. */
export function checkPromql(text: string): PromqlCheck {
  if (!text.trim()) return { ok: false, message: "Enter a PromQL expression, e.g. sum(rate(http_requests_total[5m]))", position: positionOf(text, 0) };
  if (text.length > PROMQL_MAX_LENGTH) {
    return { ok: false, message: `At most ${PROMQL_MAX_LENGTH} characters`, position: positionOf(text, PROMQL_MAX_LENGTH) };
  }
  const tree = parser.parse(text);
  let error: number | undefined;
  tree.iterate({
    enter(node) {
      if (error !== undefined) return false;
      if (node.type.isError) error = node.from;
      return undefined;
    },
  });
  if (error === undefined) return { ok: true };
  const position = positionOf(text, error);
  const rest = text.slice(error).trimStart();
  const where = `line ${position.line}, column ${position.column}`;
  if (!rest) return { ok: false, message: `The expression ends too early at ${where}: something is missing (a closing bracket, an operand)`, position };
  const found = /^("[^"]*"?|'[^']*'?|[A-Za-z_:][\w:]*|\d[\w.]*|\S)/.exec(rest)?.[0] ?? rest[0];
  return { ok: false, message: `Unexpected ${JSON.stringify(found)} at ${where}`, position };
}

/**
 * Adds `matcher` (e.g. `cluster=~"east|west"`) to every vector selector of
 * `promql`. Throws when `promql` does not parse (check it first).
 */
export function withMatcher(promql: string, matcher: string): string {
  const check = checkPromql(promql);
  if (!check.ok) throw new Error(check.message);
  const edits: { at: number; text: string }[] = [];
  parser.parse(promql).iterate({
    enter(node) {
      if (node.name !== "VectorSelector") return undefined;
      const matchers = node.node.getChild("LabelMatchers");
      if (matchers) {
        const inner = promql.slice(matchers.from + 1, matchers.to - 1).trim();
        edits.push({ at: matchers.from + 1, text: inner ? `${matcher}, ` : matcher });
      } else {
        const name = node.node.getChild("Identifier");
        if (name) edits.push({ at: name.to, text: `{${matcher}}` });
      }
      return false;
    },
  });
  let out = promql;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}

/** `cluster="a"`, or `cluster=~"a|b"` for several (registry names are DNS labels: nothing to escape). */
export function clusterMatcher(clusters: string[], label = "cluster"): string {
  for (const c of clusters) if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c)) throw new Error(`not a cluster name: ${c}`);
  return clusters.length === 1 ? `${label}="${clusters[0]}"` : `${label}=~"${clusters.join("|")}"`;
}
