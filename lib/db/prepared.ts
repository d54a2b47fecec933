/**
 * Statements that run on most requests (the session's actor, the header's counts, the projects list), prepared once
 * per connection and then only executed: Postgres parses and plans an unnamed statement every time, about 0.1 ms for
 * the actor or the counts and 0.34 ms for the list's first page (pgbench, docs/performance.md, twelfth pass).
 * Opt-in per statement, for two reasons. A connection keeps every statement it prepared until it closes: only a
 * statement whose text has a bounded number of variants is marked (never one that spells out a list of values), so
 * the statements kept stay few. And after five executions Postgres may settle on one generic plan for all values: a
 * statement whose best plan depends on its values (a search that matches none or all of the rows) is left unnamed.
 */
import { createHash } from "node:crypto";
import { Prisma as Sql } from "./generated/client";

/** The mark `prepared` puts first in a statement's text; Prisma passes raw SQL to the driver as it is. */
const MARK = "/* prepared */ ";

/** `sql`, marked to be prepared once per connection (see the file's comment for which statements qualify). */
export function prepared(sql: Sql.Sql): Sql.Sql {
  return Sql.sql`/* prepared */ ${sql}`;
}

// A name per marked text, so a statement is hashed once per process. As bounded as the marked texts are.
const names = new Map<string, string>();

/**
 * The name node-postgres prepares a marked statement under (the hash of its text: the same text on every connection,
 * two texts never one name), and none for the rest, which stay unnamed.
 */
export function statementName(query: { sql: string }): string | undefined {
  if (!query.sql.startsWith(MARK)) return undefined;
  let name = names.get(query.sql);
  if (!name) {
    name = `w_${createHash("sha256").update(query.sql).digest("base64url").slice(0, 32)}`;
    names.set(query.sql, name);
  }
  return name;
}
