import { defineConfig } from "prisma/config";

// The datasource URL is read at run time by our own migration runner
// (scripts/db), so `prisma generate` works without a database.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/wharf" },
});
