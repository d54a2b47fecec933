/**
 * Prisma migrations with no network: Prisma's schema engine compiled to
 * WebAssembly (@prisma/schema-engine-wasm, the exact version the CLI names),
 * driven over our own `pg` connection through @prisma/adapter-pg. Writes and
 * reads migrations in Prisma's own format (prisma/migrations/<ts>_<name>/
 * migration.sql and the `_prisma_migrations` table), so `prisma migrate
 * deploy` keeps working wherever the native engine is available.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import { runMigrations as migrateGraphileWorker } from "graphile-worker";
import type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

const root = path.resolve(import.meta.dirname, "../..");
export const schemaPath = path.join(root, "prisma/schema.prisma");
export const migrationsDir = path.join(root, "prisma/migrations");

type EngineModule = typeof import("@prisma/schema-engine-wasm");

/** Where the engine writes a panic's message before it throws (the CLI sets the same global). */
const panics = {
  message: "",
  set_message(message: string) {
    panics.message = message;
  },
};

async function loadEngineModule(): Promise<EngineModule> {
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: typeof panics }).PRISMA_WASM_PANIC_REGISTRY = panics;
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
  // The package's `exports` hide the .wasm file: load the JS glue and instantiate the module by hand.
  const glue = (await import(path.join(pkgDir, "schema_engine_bg.js"))) as EngineModule & {
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
  };
  const bytes = fs.readFileSync(path.join(pkgDir, "schema_engine_bg.wasm"));
  const wasmModule = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(wasmModule, {
    "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue;
}

/**
 * @prisma/adapter-pg 7.10 cannot map Postgres' internal `"char"` type (OID 18),
 * which the engine's schema describer reads from the catalogs (pg_constraint.
 * contype and friends) and expects as a Character column. We let the adapter
 * parse such a column as text, then report it to the engine as Character.
 */
const PG_CHAR = 18;
const PG_TEXT = 25;
type RawResult = { columnTypes: number[] };
type Queryable = {
  performIO(query: object): Promise<{ fields: { dataTypeID: number }[] }>;
  queryRaw(query: object): Promise<RawResult>;
  startTransaction?(...args: unknown[]): Promise<unknown>;
};

function charAsCharacter<T>(adapter: T): T {
  const target = adapter as unknown as Queryable;
  const charColumns = new WeakMap<object, number[]>();
  const performIO = target.performIO.bind(target);
  const queryRaw = target.queryRaw.bind(target);
  target.performIO = async (query) => {
    const result = await performIO(query);
    const found: number[] = [];
    result.fields.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR) {
        field.dataTypeID = PG_TEXT;
        found.push(i);
      }
    });
    if (found.length) charColumns.set(query, found);
    return result;
  };
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  if (target.startTransaction) {
    const start = target.startTransaction.bind(target);
    target.startTransaction = async (...args) => charAsCharacter(await start(...args));
  }
  return adapter;
}

class CharSafePrismaPg {
  readonly provider = "postgres" as const;
  readonly adapterName: string;
  private readonly inner: PrismaPg;
  /** Every connection handed to the engine, closed when we are done with it (engine.free() does not). */
  readonly opened: { dispose(): Promise<void> }[] = [];
  constructor(private readonly connectionString: string) {
    this.inner = new PrismaPg({ connectionString });
    this.adapterName = this.inner.adapterName;
  }
  async connect() {
    const adapter = charAsCharacter(await this.inner.connect());
    this.opened.push(adapter);
    return adapter;
  }
  /**
   * PrismaPg's own shadow database keeps our connection string, whose database
   * name wins over the one it sets, so it would migrate the real database.
   * Create a throwaway database and point a connection string at it instead.
   */
  async connectToShadowDb() {
    const name = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
    const admin = new pg.Client({ connectionString: this.connectionString });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(this.connectionString);
    url.pathname = `/${name}`;
    const shadow = charAsCharacter(await new PrismaPg({ connectionString: url.toString() }).connect());
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      const cleanup = new pg.Client({ connectionString: this.connectionString });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    };
    return shadow;
  }
}

let enginePromise: Promise<EngineModule> | undefined;

export async function openSchemaEngine(connectionString: string, schemaText?: string) {
  enginePromise ??= loadEngineModule();
  const mod = await enginePromise;
  const schema = schemaText ?? fs.readFileSync(schemaPath, "utf8");
  const factory = new CharSafePrismaPg(connectionString);
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const engine: SchemaEngine = await mod.SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, () => {}, adapter);
  const close = async () => {
    engine.free();
    await Promise.all(factory.opened.map((a) => a.dispose().catch(() => {})));
  };
  return { engine, schema, close };
}

export function readMigrations(): MigrationList {
  const dirs = fs.existsSync(migrationsDir)
    ? fs
        .readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockPath, content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      return {
        // Prisma records the folder name, relative to the migrations directory.
        path: name,
        migrationFile: {
          path: file,
          content: fs.existsSync(file)
            ? { tag: "ok" as const, value: fs.readFileSync(file, "utf8") }
            : { tag: "error" as const, value: "missing migration.sql" },
        },
      };
    }),
  };
}

const noFilter = { externalTables: [], externalEnums: [] };

/** Applies pending migrations (Prisma's, then graphile-worker's schema). Returns the names applied. */
export async function applyMigrations(connectionString: string): Promise<string[]> {
  const { engine, close } = await openSchemaEngine(connectionString);
  try {
    const out = await engine.applyMigrations({ migrationsList: readMigrations(), filters: noFilter });
    await migrateJobQueue(connectionString);
    return out.appliedMigrationNames;
  } finally {
    await close();
  }
}

/** graphile-worker installs and upgrades its own schema (`graphile_worker`). */
async function migrateJobQueue(connectionString: string) {
  await migrateGraphileWorker({ connectionString });
}

/** SQL that would bring the migrations in line with schema.prisma (or the given schema text), or "" when they agree. */
export async function schemaDrift(connectionString: string, schemaText?: string): Promise<string> {
  const { engine, schema, close } = await openSchemaEngine(connectionString, schemaText);
  try {
    const result = await engine.diff({
      from: { tag: "migrations", ...readMigrations() },
      to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: true,
      filters: noFilter,
    });
    const sql = (result.stdout ?? "").trim();
    return sql === "-- This is an empty migration." ? "" : sql;
  } finally {
    await close();
  }
}

/**
 * Writes a new migration folder from the difference between the migrations and
 * schema.prisma, named like Prisma's (`<UTC yyyymmddHHMMSS>_<name>`). The wasm
 * engine's createMigration cannot open a Postgres shadow database, its diff can.
 */
export async function createMigration(connectionString: string, name: string): Promise<string | null> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error("Migration names use lowercase letters, digits and '_' only");
  const sql = await schemaDrift(connectionString);
  if (!sql) return null;
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const folder = `${stamp}_${name}`;
  fs.mkdirSync(path.join(migrationsDir, folder), { recursive: true });
  fs.writeFileSync(path.join(migrationsDir, folder, "migration.sql"), sql + "\n");
  return folder;
}
