/** The Next.js CLI of this checkout, and the production build the e2e run and the benchmarks start from. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { projectRoot } from "./local-env";

export const nextBin = path.join(projectRoot, "node_modules/next/dist/bin/next");

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
