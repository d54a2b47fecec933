import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, portTaken, startEmbeddedPostgres } from "./postgres";

describe("the embedded Postgres of npm run dev", () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it("says which port is taken and how to choose another, instead of failing with 'undefined'", async () => {
    const port = await freePort();
    expect(await portTaken(port)).toBe(false);
    const squatter = net.createServer();
    servers.push(squatter);
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    expect(await portTaken(port)).toBe(true);

    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-pg-taken-"));
    await expect(startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), port, persistent: false })).rejects.toThrow(
      new RegExp(`port ${port} is taken .*WHARF_PG_PORT`),
    );
    // Nothing was written: the data directory was not initialised.
    expect(fs.existsSync(path.join(dataDir, "data", "PG_VERSION"))).toBe(false);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
