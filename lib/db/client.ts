/**
 * The Prisma client (Prisma 7, `prisma-client` generator, node-postgres via
 * @prisma/adapter-pg). Secret columns are omitted globally so an encrypted
 * kubeconfig never leaves the data layer by accident; the one place that
 * needs it asks for it explicitly.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { envPart } from "@/lib/env";

export type { Prisma } from "./generated/client";

function makeClient(connectionString: string) {
  const e = envPart("WHARF_DB_POOL", "WHARF_DB_TX_WAIT_MS", "WHARF_DB_TX_TIMEOUT_MS");
  const adapter = new PrismaPg({ connectionString, max: e.WHARF_DB_POOL });
  return new PrismaClient({
    adapter,
    omit: { cluster: { kubeconfigEncrypted: true } },
    transactionOptions: { maxWait: e.WHARF_DB_TX_WAIT_MS, timeout: e.WHARF_DB_TX_TIMEOUT_MS },
  });
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
