/**
 * The Prisma client (Prisma 7, `prisma-client` generator, node-postgres via
 * @prisma/adapter-pg). Secret columns are omitted globally so an encrypted
 * kubeconfig never leaves the data layer by accident; the one place that
 * needs it asks for it explicitly.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { envPart } from "@/lib/env";
import { busyError, isDbBusy } from "./errors";
import { withSerializedTransactions } from "./serialized-transactions";
import { statementName } from "./prepared";

export type { Prisma } from "./generated/client";

function makeClient(connectionString: string) {
  const e = envPart("WHARF_DB_POOL", "WHARF_DB_TX_WAIT_MS", "WHARF_DB_TX_TIMEOUT_MS", "WHARF_DB_PREPARE");
  // Prisma loads relations in parallel; inside a transaction those queries must take turns on its one connection.
  const adapter = withSerializedTransactions(
    new PrismaPg(
      { connectionString, max: e.WHARF_DB_POOL },
      // The adapter's type asks for a name for every statement; without one (undefined) a statement stays unnamed.
      e.WHARF_DB_PREPARE ? { statementNameGenerator: statementName as (query: { sql: string }) => string } : {},
    ),
  );
  const client = new PrismaClient({
    adapter,
    omit: { cluster: { kubeconfigEncrypted: true }, team: { slackBotTokenSealed: true } },
    transactionOptions: { maxWait: e.WHARF_DB_TX_WAIT_MS, timeout: e.WHARF_DB_TX_TIMEOUT_MS },
  });
  answerBusyTransactions(client);
  return client;
}

/**
 * In a burst, a transaction that gets no connection within
 * WHARF_DB_TX_WAIT_MS (or runs past WHARF_DB_TX_TIMEOUT_MS and is rolled
 * back) fails with Prisma's P2028. Every caller (action, route, job, script)
 * gets it as AppError UNAVAILABLE ("Wharf is busy; try again in a moment")
 * instead: nothing was written, and the same request may succeed a moment
 * later (a job is retried by graphile-worker).
 */
function answerBusyTransactions<C extends { $transaction(...args: never[]): Promise<unknown> }>(client: C) {
  const start = client.$transaction.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const $transaction = (...args: unknown[]) =>
    start(...args).catch((e: unknown) => {
      throw isDbBusy(e) ? busyError(e) : e;
    });
  // An own property of the instance: the client (a proxy over its models) keeps everything else as it is.
  Object.defineProperty(client, "$transaction", { value: $transaction, configurable: true, writable: true, enumerable: false });
}

export type Db = ReturnType<typeof makeClient>;
/** A transaction client, as given to `db.$transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const globalForDb = globalThis as unknown as { wharfDb?: Db; wharfDbUrl?: string };

/** The process-wide client, created on first use from DATABASE_URL. */
export function getDb(): Db {
  const url = envPart("DATABASE_URL").DATABASE_URL;
  if (!globalForDb.wharfDb || globalForDb.wharfDbUrl !== url) {
    globalForDb.wharfDb = makeClient(url);
    globalForDb.wharfDbUrl = url;
  }
  return globalForDb.wharfDb;
}

/** Shorthand used by domain services: `db().project.findMany(...)`. */
export const db = getDb;

export async function disconnectDb() {
  await globalForDb.wharfDb?.$disconnect();
  globalForDb.wharfDb = undefined;
}
