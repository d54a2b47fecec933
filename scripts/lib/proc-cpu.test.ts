import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { childPids, treeCpuMs, treeMemoryMiB } from "./proc-cpu";

describe("the benchmarks' reading of /proc", () => {
  it("counts the CPU and the memory of a server started below this process, and lets them go when it ends", async () => {
    // A child that spins for 300 ms of CPU, holds 64 MiB it has written to, and says so.
    const child = spawn(
      process.execPath,
      [
        "-e",
        "const t = Date.now(); while (Date.now() - t < 300); globalThis.kept = Buffer.alloc(64 * 1024 * 1024, 1); console.log('ready'); setInterval(() => {}, 1000);",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(child.stdout!, "data");
      expect(childPids(process.pid, (comm) => comm.startsWith("node"))).toContain(child.pid);
      expect(treeCpuMs(child.pid!)).toBeGreaterThanOrEqual(250);
      const alone = treeMemoryMiB(child.pid!);
      expect(alone.rss).toBeGreaterThan(64);
      expect(alone.peak).toBeGreaterThanOrEqual(alone.rss);
      // From this process down, the child's memory is in the sum.
      expect(treeMemoryMiB(process.pid).rss).toBeGreaterThan(alone.rss);
    } finally {
      child.kill();
      await once(child, "exit");
    }
    expect(treeMemoryMiB(child.pid!)).toEqual({ rss: 0, peak: 0 });
  });
});
