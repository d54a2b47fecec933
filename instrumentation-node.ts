/**
 * Validates the configuration once at start-up and stops the server with a
 * clear message naming any missing or bad variable.
 */
import { EnvError, loadEnv } from "./lib/env";

try {
  loadEnv();
} catch (e) {
  if (e instanceof EnvError) {
    console.error(`\n${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
