/**
 * `tsx scripts/bench/rules.ts` (run by `npm run bench:dashboards` after the
 * dashboards bench): the alert rules of BENCH_PROJECTS (default 1,000)
 * projects generated and checked with the real `promtool check rules`.
 * Each project has 3 services (one autoscaled, with its own objectives),
 * 4 environments and one extra rule: 4 x (3 x 4 + 1 + 1 + 1) = 68 rules a
 * project. Files are checked in batches of 100 per promtool call, two calls
 * at a time (the machine's cores). Prints the time to generate (rules and
 * YAML), to check, and the total; target total under 30 s.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ZAppSpec } from "../../lib/deploy/spec";
import { generateRules, ruleFileText, ZRuleSettings, type RuleProject } from "../../lib/monitoring/rules";
import { PROMTOOL } from "../../lib/monitoring/rules-files";

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 1000);
const BATCH = 100;
const PARALLEL = 2;

const base = {
  image: { repository: "registry.wharf.local/bench/app" },
  replicas: 2,
  ports: [{ name: "http", containerPort: 8080 }],
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
};
const specs = [
  ZAppSpec.parse({
    ...base,
    objectives: { errorRatio: 0.02, latencyP99Seconds: 0.8 },
    autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 8, targetCPUUtilizationPercentage: 70 },
  }),
  ZAppSpec.parse(base),
  null,
];
const settings = ZRuleSettings.parse({
  rules: { "error_ratio/web/prod": { threshold: 0.03, for: "10m" } },
  extra: [{ id: "queue", alert: "QueueBacklog", expr: "sum(queue_depth) > 100", summary: "Orders pile up" }],
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-bench-rules-"));
try {
  const t0 = performance.now();
  const files: string[] = [];
  let rules = 0;
  for (let i = 0; i < PROJECTS; i++) {
    const slug = `bench-${i}`;
    const project: RuleProject = {
      slug,
      team: `team-${i % 40}`,
      environments: ["dev", "test", "staging", "prod"],
      services: ["api", "web", "worker"].map((s, j) => ({ slug: s, spec: specs[j] ?? null })),
    };
    const generated = generateRules(project, settings, { baseUrl: "https://wharf.example.com" });
    rules += generated.length;
    const file = path.join(dir, `${slug}.yml`);
    fs.writeFileSync(file, ruleFileText(slug, generated, project.environments));
    files.push(file);
  }
  const t1 = performance.now();
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += BATCH) batches.push(files.slice(i, i + BATCH));
  const failures: string[] = [];
  const check = (batch: string[]) =>
    new Promise<void>((resolve) =>
      execFile(PROMTOOL, ["check", "rules", ...batch], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) failures.push(`${stdout}\n${stderr}`.trim());
        resolve();
      }),
    );
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < batches.length) await check(batches[next++]!);
    }),
  );
  const t2 = performance.now();
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`alert rules of ${PROJECTS} projects (${rules} rules, ${files.length} files)`);
  console.log(`  generate (rules + YAML): ${s(t1 - t0)}`);
  console.log(`  check (promtool check rules, ${batches.length} calls, ${PARALLEL} at a time): ${s(t2 - t1)}`);
  console.log(`  total: ${s(t2 - t0)} (target under 30 s)`);
  if (failures.length) {
    console.error(`promtool refused ${failures.length} batch(es):\n${failures[0]!.slice(0, 2000)}`);
    process.exitCode = 1;
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
