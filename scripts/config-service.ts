/**
 * `npm run config-service`: the Apollo config service alone (see
 * docs/config.md). Run several behind one URL to scale out: each keeps
 * nothing but caches and hears every publish through Postgres LISTEN.
 * Apollo clients use `http://<host>:<WHARF_CONFIG_SERVICE_PORT>/<env>`.
 */
import { loadEnv, EnvError } from "../lib/env";
import { logger } from "../lib/log";

let cfg;
try {
  cfg = loadEnv();
} catch (e) {
  if (e instanceof EnvError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

const { startConfigService } = await import("../lib/config/service/server");
const service = await startConfigService({ port: cfg.WHARF_CONFIG_SERVICE_PORT });
logger.info({ url: service.url }, `config service ready: point Apollo clients at ${service.url}/<env> (e.g. ${service.url}/dev)`);

async function shutdown(signal: string) {
  logger.info({ signal }, "config service stopping: held polls answered 304");
  await service.stop();
  const { disconnectDb } = await import("../lib/db/client");
  await disconnectDb();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
