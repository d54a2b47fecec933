/**
 * The pods/log hook. Part 2's simulated kubelet provides the content
 * (`setLogProvider` on a cluster); the route, parameters and errors are here.
 */
import type { KObject } from "../core/types.js";

export interface LogRequest {
  pod: KObject;
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

/** Where a provider writes log text; `end()` closes the response. */
export interface LogSink {
  write(chunk: string): void;
  end(): void;
  /** Aborted when the client goes away (follow mode). */
  signal: AbortSignal;
}

export interface LogProvider {
  /** Streams the log; may throw a StatusError (e.g. 400 "... is waiting to start") before writing. */
  stream(req: LogRequest, sink: LogSink): void | Promise<void>;
}

/** No log content yet: an empty log that ends at once. */
export const emptyLogProvider: LogProvider = {
  stream(_req, sink) {
    sink.end();
  },
};
