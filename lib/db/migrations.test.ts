import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { readMigrations, schemaDrift, schemaPath } from "./schema-engine";

describe("migrations", () => {
  it("agree with schema.prisma (run `npm run db:migration NAME` after changing the schema)", async () => {
    const drift = await schemaDrift(process.env.DATABASE_URL!);
    expect(drift, `schema.prisma has changes no migration creates:\n${drift}`).toBe("");
  });

  it("would notice a schema change without a migration", async () => {
    const changed = fs.readFileSync(schemaPath, "utf8").replace("model Team {", "model Team {\n  motto String?");
    const drift = await schemaDrift(process.env.DATABASE_URL!, changed);
    expect(drift).toMatch(/ALTER TABLE "Team" ADD COLUMN\s+"motto" TEXT/);
  });

  it("are in Prisma's own folder format", () => {
    const list = readMigrations();
    expect(list.lockfile.content).toContain('provider = "postgresql"');
    for (const dir of list.migrationDirectories) {
      expect(dir.path).toMatch(/^\d{14}_[a-z0-9_]+$/);
      expect(dir.migrationFile.content.tag).toBe("ok");
    }
  });
});
