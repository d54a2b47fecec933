/**
 * Database commands, offline (Prisma's schema engine as WebAssembly):
 *   npm run db:migrate           apply pending migrations (and the job queue's schema)
 *   npm run db:migration NAME    create a migration from changes to prisma/schema.prisma
 *   npm run db:seed              load the demo data (idempotent), and deploy the demo services when the clusters answer
 *   npm run db:drift             print the SQL that schema.prisma has and the migrations lack
 * Uses DATABASE_URL, or the embedded dev Postgres when it is unset.
 */
import { applyMigrations, createMigration, schemaDrift } from "../lib/db/schema-engine";
import { localDatabase } from "./lib/database";
import { applyLocalDefaults } from "./lib/local-env";

const [command, arg] = process.argv.slice(2);
applyLocalDefaults();
const database = await localDatabase((l) => console.log(l));
let code = 0;
try {
  if (command === "migrate") {
    const applied = await applyMigrations(database.url);
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
  } else if (command === "migration") {
    if (!arg) throw new Error("usage: npm run db:migration NAME (lowercase letters, digits, _)");
    await applyMigrations(database.url);
    const name = await createMigration(database.url, arg);
    console.log(name ? `created prisma/migrations/${name}/migration.sql` : "schema.prisma and the migrations agree: nothing to create");
  } else if (command === "seed") {
    await applyMigrations(database.url);
    const { seed, seedReleases } = await import("../prisma/seed");
    await seed();
    // The demo services' releases need the clusters running (npm run sandbox, or npm run dev).
    await seedReleases(console.log, { worker: { connectionString: database.url } });
  } else if (command === "drift") {
    const sql = await schemaDrift(database.url);
    console.log(sql || "no drift");
    code = sql ? 1 : 0;
  } else {
    throw new Error("usage: tsx scripts/db.ts migrate|migration NAME|seed|drift");
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  code = 1;
} finally {
  const { disconnectDb } = await import("../lib/db/client");
  await disconnectDb();
  await database.stop();
}
process.exit(code);
