/**
 * Statements marked `prepared` are parsed and planned once per connection, then only executed; the rest stay
 * unnamed. Against the real Postgres, through Prisma and @prisma/adapter-pg as the app runs them.
 */
import { describe, expect, it } from "vitest";
import { db } from "./client";
import { Prisma as Sql } from "./generated/client";
import { prepared, statementName } from "./prepared";

/** Statements this connection has prepared, by name, with how they were prepared (false: the protocol's Parse). */
const kept = Sql.sql`select name, statement, from_sql as "fromSql" from pg_prepared_statements`;

describe("statements prepared once per connection", () => {
  it("a marked statement is kept under its name and answers each execution with that execution's values", async () => {
    const marker = `wharf-prepared-${Date.now()}`;
    const twice = (n: number) => prepared(Sql.sql`select ${n}::int * 2 as v, ${marker}::text as marker`);
    const { answers, statements } = await db().$transaction(async (tx) => {
      const answers: number[] = [];
      // Beyond five executions Postgres may switch to its generic plan; the answers must not change with it.
      for (let n = 1; n <= 8; n++) answers.push((await tx.$queryRaw<{ v: number }[]>(twice(n)))[0]!.v);
      // One connection for all of them: a transaction's statements run on its connection.
      const statements = await tx.$queryRaw<{ name: string; statement: string; fromSql: boolean }[]>(kept);
      return { answers, statements };
    });
    expect(answers).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    const ours = statements.filter((s) => s.statement.includes("wharf-prepared") || s.statement.includes("* 2 as v"));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ name: statementName({ sql: ours[0]!.statement }), fromSql: false });
    expect(ours[0]!.name).toMatch(/^w_[\w-]{32}$/);
  });

  it("a statement that is not marked is not kept", async () => {
    const statements = await db().$transaction(async (tx) => {
      await tx.$queryRaw`select 41 + 1 as unmarked_answer`;
      return tx.$queryRaw<{ statement: string }[]>(kept);
    });
    expect(statements.filter((s) => s.statement.includes("unmarked_answer"))).toEqual([]);
  });

  it("the same text has the same name on every call and another text another name", () => {
    const a = prepared(Sql.sql`select 1 where ${1} = 1`).sql;
    const b = prepared(Sql.sql`select 2 where ${1} = 1`).sql;
    expect(statementName({ sql: a })).toBe(statementName({ sql: a }));
    expect(statementName({ sql: a })).not.toBe(statementName({ sql: b }));
    expect(statementName({ sql: "select 1" })).toBeUndefined();
  });
});
