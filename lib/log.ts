/** Structured logs (pino, JSON lines). One logger; children carry a component name. */
import pino from "pino";
import { envPart } from "@/lib/env";

// Tests (vitest sets NODE_ENV=test) log errors only unless LOG_LEVEL says otherwise.
const { LOG_LEVEL, NODE_ENV } = envPart("LOG_LEVEL", "NODE_ENV");
const level = LOG_LEVEL ?? (NODE_ENV === "test" ? "error" : "info");

const globalForLog = globalThis as unknown as { wharfLogger?: pino.Logger };

export const logger: pino.Logger =
  globalForLog.wharfLogger ??
  pino({
    level,
    base: { service: "wharf" },
    redact: {
      paths: ["kubeconfig", "*.kubeconfig", "password", "*.password", "token", "*.token", "secret", "*.secret"],
      censor: "[redacted]",
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
globalForLog.wharfLogger = logger;

export function childLogger(component: string, bindings: Record<string, unknown> = {}) {
  return logger.child({ component, ...bindings });
}
