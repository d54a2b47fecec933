/**
 * One query at a time on a transaction's connection.
 *
 * Prisma's query interpreter loads the relations of a result (`include` of two
 * or more relations, a write that returns its relations) with `Promise.all`.
 * Outside a transaction each query takes its own pooled connection; inside one,
 * all of them land on the transaction's single `pg` client at once. pg 8 queues
 * them and warns ("client.query() when the client is already executing a
 * query", seen at every `npm run dev` while the demo data is seeded); pg 9
 * refuses them. Until @prisma/adapter-pg serializes them itself, this wrapper
 * chains the queries of each transaction. Queries outside transactions stay
 * parallel: the pool gives each its own connection.
 */
import type { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";

/** Runs each function after the previous one settled, whatever its outcome: a failed query does not block the next. */
function queue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

function serialized(tx: Transaction): Transaction {
  const inTurn = queue();
  const queryRaw = tx.queryRaw.bind(tx);
  const executeRaw = tx.executeRaw.bind(tx);
  // Savepoints go through executeRaw, so they wait their turn too.
  tx.queryRaw = (query: SqlQuery) => inTurn(() => queryRaw(query));
  tx.executeRaw = (query: SqlQuery) => inTurn(() => executeRaw(query));
  return tx;
}

/** PrismaPg whose transactions run their queries one after the other. */
export function withSerializedTransactions(inner: PrismaPg): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await inner.connect();
      const start = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (isolationLevel) => serialized(await start(isolationLevel));
      return adapter;
    },
  };
}
