/**
 * Configuration: config/default.json (written when the project was created),
 * overridden by environment variables. A bad value stops the process at
 * start-up with a message naming it, rather than failing later.
 */
import { readFileSync } from "node:fs";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  name: string;
  greeting: string;
  port: number;
  logLevel: LogLevel;
  /** How long in-flight requests may take to finish after SIGTERM. */
  shutdownTimeoutMs: number;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`Configuration: ${name} must be a whole number between ${min} and ${max}, got "${String(value)}"`);
  }
  return n;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  file: URL = new URL("../config/default.json", import.meta.url),
): Config {
  const defaults = JSON.parse(readFileSync(file, "utf8")) as Partial<Config>;
  const logLevel = env.LOG_LEVEL ?? defaults.logLevel ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`Configuration: LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  return {
    name: env.APP_NAME ?? defaults.name ?? "app",
    greeting: env.GREETING ?? defaults.greeting ?? "Hello",
    port: integer("PORT", env.PORT ?? defaults.port ?? 8080, 0, 65535),
    logLevel: logLevel as LogLevel,
    shutdownTimeoutMs: integer("SHUTDOWN_TIMEOUT_MS", env.SHUTDOWN_TIMEOUT_MS ?? defaults.shutdownTimeoutMs ?? 20_000, 0, 600_000),
  };
}
