/** The Next.js CLI of this checkout, and the production build the e2e run and the benchmarks start from. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { projectRoot } from "./local-env";

export const nextBin = path.join(projectRoot, "node_modules/next/dist/bin/next");

/**
 * Node flags of the production server (`npm start` sets them in NODE_OPTIONS, before the operator's own, which win):
 * the e2e run and the benchmarks start `next start` with the same. A young generation of up to 64 MiB per semi-space
 * instead of Node 20's 16: a page's render allocates a few MiB that die with the response, and with four requests
 * in flight a small one is scavenged while they are all alive. A/B, three runs of the list, search and filter at 4
 * and 1 connections: server CPU per request -3.5% on average (14 of 18 lower), about 85 MiB more at the peak
 * (docs/performance.md, thirteenth pass).
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=64"] as const;

/** Node's arguments for `next start` of the build whose CLI is `bin` on `port`, as `npm start` runs it; `nodeArgs` after the production flags, so they win. */
export function nextStartArgs(port: number, { bin = nextBin, nodeArgs = [] }: { bin?: string; nodeArgs?: readonly string[] } = {}): string[] {
  return [...SERVER_NODE_FLAGS, ...nodeArgs, bin, "start", "--port", String(port)];
}

/** `next build`, unless `skipVar` is "1" in the environment (reuse a current .next); exits the process when the build fails. */
export function buildApp(say: (line: string) => void, skipVar: string): void {
  if (process.env[skipVar] === "1") return;
  say("building the app (next build)");
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    cwd: projectRoot,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
