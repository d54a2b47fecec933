/** Structured logs (pino, JSON lines). One logger; children carry a component name. */
import pino from "pino";

const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" || process.env.VITEST ? "error" : "info");

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
