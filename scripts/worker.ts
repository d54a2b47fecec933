/**
 * `npm run worker`: the job worker alone (scale by running more of them).
 * Serves its own Prometheus metrics on WHARF_WORKER_METRICS_PORT when set.
 */
import http from "node:http";
import { loadEnv, EnvError } from "../lib/env";
import { startWorker } from "../lib/jobs/worker";
import { registry } from "../lib/modules";
import { metrics } from "../lib/telemetry/metrics";
import { logger } from "../lib/log";

let cfg;
try {
  cfg = loadEnv();
  // The same module list as the web process: the worker runs its tasks, crons and steps.
  registry();
} catch (e) {
  if (e instanceof EnvError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

const runner = await startWorker({ connectionString: cfg.DATABASE_URL, concurrency: cfg.WHARF_WORKER_CONCURRENCY });
let server: http.Server | undefined;
const port = cfg.WHARF_WORKER_METRICS_PORT;
if (port) {
  server = http
    .createServer(async (_req, res) => {
      res.setHeader("content-type", metrics().registry.contentType);
      res.end(await metrics().registry.metrics());
    })
    .listen(port, () => logger.info({ port }, "worker metrics listening"));
}

async function shutdown(signal: string) {
  logger.info({ signal }, "worker stopping: finishing running jobs");
  server?.close();
  await runner.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
await runner.promise;
