/**
 * Runs the `git` CLI with a hermetic environment: no system or global config
 * (a developer's `commit.gpgSign` or `init.defaultBranch` must not change what
 * the portal writes), never a prompt, no GIT_* variables inherited.
 */
import { spawn, type SpawnOptions } from "node:child_process";

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment every git child gets: the process's own minus GIT_*, plus ours. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  // Not configuration: the child inherits the process's environment (PATH, HOME), as every spawned program does.
  // eslint-disable-next-line no-restricted-properties
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("GIT_")) env[k] = v;
  return {
    ...(env as NodeJS.ProcessEnv),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    SSH_ASKPASS: "/bin/false",
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
    LC_ALL: "C",
    ...extra,
  };
}

export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly result: GitResult,
  ) {
    super(`git ${args[0]} failed (exit ${result.code}): ${result.stderr.trim().split("\n").slice(-3).join(" / ")}`);
    this.name = "GitCommandError";
  }
}

/** Runs git and collects its output; throws GitCommandError on a non-zero exit unless `allowFailure`. */
export function runGit(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; input?: string; allowFailure?: boolean; timeoutMs?: number } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = { cwd: opts.cwd, env: gitEnv(opts.env), stdio: ["pipe", "pipe", "pipe"] };
    const child = spawn("git", args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = {
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8") + (signal ? `\n(killed by ${signal})` : ""),
      };
      if (result.code !== 0 && !opts.allowFailure) reject(new GitCommandError(args, result));
      else resolve(result);
    });
    child.stdin!.on("error", () => {});
    child.stdin!.end(opts.input ?? "");
  });
}
