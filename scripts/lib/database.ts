/**
 * The database for a local command: DATABASE_URL when set, otherwise the
 * embedded dev Postgres (kept in .wharf/postgres/dev across restarts).
 */
import path from "node:path";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPg } from "./postgres";
import { stateDir } from "./local-env";

export async function localDatabase(log: (line: string) => void = () => {}): Promise<{ url: string; stop(): Promise<void>; embedded?: EmbeddedPg }> {
  if (process.env.DATABASE_URL) {
    await ensureDatabase(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, stop: async () => {} };
  }
  const port = Number(process.env.WHARF_PG_PORT ?? 54329);
  log(`starting embedded Postgres on port ${port} (data in .wharf/postgres/dev)`);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(stateDir, "postgres/dev"), port, persistent: true });
  await pg.createDatabase("wharf");
  const url = pg.url("wharf");
  process.env.DATABASE_URL = url;
  return { url, stop: () => pg.stop(), embedded: pg };
}
