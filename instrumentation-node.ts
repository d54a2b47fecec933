/**
 * Start-up of the web server: validates the configuration and the modules
 * once, and stops the server with a clear message naming any missing or bad
 * variable, or modules that do not fit together (two declaring the same
 * ticket type, a nav item requiring an action nobody declares, ...).
 */
import { EnvError, loadEnv } from "./lib/env";
import { registry } from "./lib/modules";

try {
  loadEnv();
  registry();
} catch (e) {
  if (e instanceof EnvError) {
    console.error(`\n${e.message}\n`);
    process.exit(1);
  }
  console.error(`\nWharf cannot start: ${(e as Error).message}\n`);
  process.exit(1);
}
