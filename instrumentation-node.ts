/**
 * Validates the configuration once at start-up and stops the server with a
 * clear message naming any missing or bad variable.
 */
import { ConfigError, loadConfig } from "./lib/config";

try {
  loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`\n${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
