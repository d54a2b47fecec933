/**
 * Entry point. Kubernetes stops a pod with SIGTERM (after the preStop delay
 * in wharf.yaml); we then drain and exit 0 before terminationGracePeriodSeconds.
 * Run with `node dist/main.js`, not `npm start`: npm does not pass SIGTERM on.
 */
import { loadConfig } from "./config.js";
import { createLogger } from "./log.js";
import { createApp } from "./server.js";

const config = loadConfig();
const log = createLogger(config.name, config.logLevel);
const app = createApp(config, log);

app.server.listen(config.port, () => log.info("listening", { port: config.port }));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    log.info("signal received", { signal });
    void app.shutdown().then(() => {
      log.info("stopped");
      process.exit(0);
    });
  });
}

process.on("unhandledRejection", (err) => {
  log.error("unhandled rejection", { err });
  process.exitCode = 1;
});
