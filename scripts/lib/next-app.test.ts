import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SERVER_NODE_FLAGS } from "./next-app";
import { projectRoot } from "./local-env";

describe("the production server's Node flags", () => {
  const start: string = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts.start;

  it("npm start runs the server with the flags the e2e run and the benchmarks start it with, the operator's NODE_OPTIONS after them", () => {
    const options = /^NODE_OPTIONS="([^"]*)" next start$/.exec(start)?.[1];
    expect(options).toBe(`${SERVER_NODE_FLAGS.join(" ")} \${NODE_OPTIONS:-}`);
  });

  it("the flags are ones Node takes in NODE_OPTIONS, and the operator's own come after them", () => {
    // The shell npm runs scripts with expands the start command's NODE_OPTIONS as it would; node refuses a flag NODE_OPTIONS may not carry.
    const options = /^NODE_OPTIONS="([^"]*)"/.exec(start)![1]!;
    const run = spawnSync("sh", ["-c", `NODE_OPTIONS="${options}" exec "$NODE" -p process.env.NODE_OPTIONS`], {
      env: { ...process.env, NODE: process.execPath, NODE_OPTIONS: "--max-old-space-size=2048" },
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(`${SERVER_NODE_FLAGS.join(" ")} --max-old-space-size=2048`);
  });
});
