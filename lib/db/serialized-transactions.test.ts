import pg from "pg";
import { afterEach, expect, test, vi } from "vitest";
import { db } from "@/lib/db/client";
import { makeProject, makeUser } from "@/test/factories";

/** The most queries one pg client was asked to run at the same time while `fn` ran (pg 9 refuses more than one). */
async function mostAtOnce(fn: () => Promise<unknown>): Promise<number> {
  const running = new Map<object, number>();
  let most = 0;
  const query = pg.Client.prototype.query;
  vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    const now = (running.get(this) ?? 0) + 1;
    running.set(this, now);
    most = Math.max(most, now);
    const done = () => running.set(this, (running.get(this) ?? 1) - 1);
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) result.then(done, done);
    else done();
    return result;
  } as typeof query);
  await fn();
  return most;
}

afterEach(() => vi.restoreAllMocks());

test("a transaction that reads a record with several relations sends its queries one at a time (no pg deprecation warning)", async () => {
  const owner = await makeUser("developer");
  const other = await makeUser("developer");
  const project = await makeProject({ owner, members: [[other, "viewer"]] });
  let members = 0;
  const most = await mostAtOnce(() =>
    db().$transaction(async (tx) => {
      const p = await tx.project.findUniqueOrThrow({ where: { id: project.id }, include: { team: true, owner: true, members: true, services: true } });
      members = p.members.length;
    }),
  );
  expect(members).toBe(2);
  expect(most).toBe(1);
});

test("a failed query inside a transaction does not hold up the ones after it", async () => {
  const owner = await makeUser("developer");
  const project = await makeProject({ owner });
  await expect(
    db().$transaction(async (tx) => {
      await Promise.all([
        tx.$executeRawUnsafe('select no_such_column from "Project"'),
        tx.project.findUnique({ where: { id: project.id }, include: { team: true, owner: true } }),
      ]);
    }),
  ).rejects.toThrow(/no_such_column/);
  expect(await db().project.count({ where: { id: project.id } })).toBe(1);
});
