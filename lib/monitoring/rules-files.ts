/**
 * Rule files for the Prometheus Wharf runs: `<WHARF_PROMETHEUS_RULES_DIR>/<project>.yml`.
 * A file is written beside its final name, checked by the real
 * `promtool check rules`, and only then renamed into place (atomic on one
 * filesystem): one file Prometheus cannot load would make every reload fail,
 * so a refused file is removed and never seen by Prometheus.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { envPart } from "@/lib/env";

/** Debian's promtool (package `prometheus`), as scripts/lib/monitoring-servers.ts runs it. */
export const PROMTOOL = "/usr/bin/promtool";
const PROMTOOL_TIMEOUT_MS = 20_000;

export type RuleCheck = { ok: true } | { ok: false; reason: string };

function run(args: string[]): Promise<{ code: number; out: string; missing?: boolean }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { timeout: PROMTOOL_TIMEOUT_MS, encoding: "utf8" }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: string | number }) | null;
      if (e && e.code === "ENOENT") resolve({ code: -1, out: "", missing: true });
      else resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, out: `${stdout}\n${stderr}`.trim() });
    });
  });
}

/** Whether promtool is installed here (it comes with Prometheus). */
export async function promtoolAvailable(): Promise<boolean> {
  try {
    await fs.access(PROMTOOL);
    return true;
  } catch {
    return false;
  }
}

/** promtool's verdict on a rule file, its message naming the file as `name` (not the temporary path). */
export async function checkRuleFileAt(file: string, name: string): Promise<RuleCheck> {
  const r = await run(["check", "rules", file]);
  if (r.missing) return { ok: false, reason: `promtool is not installed at ${PROMTOOL} (Debian package prometheus): rule files cannot be checked` };
  if (r.code === 0) return { ok: true };
  const reason = r.out
    .split(file)
    .join(name)
    .split("\n")
    .filter((l) => l.trim() && !/^Checking /.test(l) && !/^\s*FAILED:?\s*$/.test(l))
    .join("\n");
  return { ok: false, reason: reason || `promtool refused ${name}` };
}

/** Checks rule text without writing it anywhere Prometheus reads. */
export async function checkRuleText(text: string, name: string): Promise<RuleCheck> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "wharf-rules-"));
  const file = path.join(dir, name);
  try {
    await fs.writeFile(file, text);
    return await checkRuleFileAt(file, name);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export function rulesDir(): string | null {
  return envPart("WHARF_PROMETHEUS_RULES_DIR").WHARF_PROMETHEUS_RULES_DIR ?? null;
}

export function ruleFileName(slug: string) {
  return `${slug}.yml`;
}

/**
 * Writes `<dir>/<slug>.yml` when promtool accepts it: the text goes to a
 * hidden temporary name in the same folder (not matched by `*.yml`), is
 * checked there, then renamed over the old file. Refused: removed, the old
 * file (if any) stays as it was.
 */
export async function writeRuleFile(dir: string, slug: string, text: string): Promise<RuleCheck & { path: string }> {
  const name = ruleFileName(slug);
  const final = path.join(dir, name);
  const tmp = path.join(dir, `.${name}.${randomUUID()}.tmp`);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(tmp, text, { mode: 0o644 });
  try {
    const check = await checkRuleFileAt(tmp, name);
    if (!check.ok) return { ...check, path: final };
    await fs.rename(tmp, final);
    return { ok: true, path: final };
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Removes a project's rule file (archived project); true when there was one. */
export async function removeRuleFile(dir: string, slug: string): Promise<boolean> {
  try {
    await fs.rm(path.join(dir, ruleFileName(slug)));
    return true;
  } catch {
    return false;
  }
}
