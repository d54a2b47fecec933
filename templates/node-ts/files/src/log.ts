/** Structured logs: one JSON object per line on stdout, the format the cluster's log pipeline reads. */
import type { LogLevel } from "./config.js";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export function createLogger(service: string, level: LogLevel, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const log = (at: LogLevel) => (msg: string, fields: Fields = {}) => {
    if (ORDER[at] < ORDER[level]) return;
    const err = fields.err instanceof Error ? { err: { message: fields.err.message, stack: fields.err.stack } } : {};
    write(`${JSON.stringify({ time: new Date().toISOString(), level: at, service, msg, ...fields, ...err })}\n`);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}
