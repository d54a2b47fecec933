/**
 * Defaults for running Wharf on a developer machine or in tests: secrets are
 * generated once into .wharf/secrets.json (so the dev database's sealed
 * kubeconfigs stay readable across restarts); anything already in the
 * environment wins.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export const projectRoot = path.resolve(import.meta.dirname, "../..");
export const stateDir = path.join(projectRoot, ".wharf");

export function localSecrets(): { WHARF_ENCRYPTION_KEY: string; NEXTAUTH_SECRET: string } {
  const file = path.join(stateDir, "secrets.json");
  fs.mkdirSync(stateDir, { recursive: true });
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8"));
  const secrets = {
    WHARF_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
  };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Fills the process environment with local defaults, keeping what is set. */
export function applyLocalDefaults(extra: Record<string, string> = {}) {
  const secrets = localSecrets();
  const defaults: Record<string, string> = { ...secrets, NEXT_TELEMETRY_DISABLED: "1", ...extra };
  for (const [k, v] of Object.entries(defaults)) if (!process.env[k]) process.env[k] = v;
}
