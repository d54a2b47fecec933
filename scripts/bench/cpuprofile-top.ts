/**
 * The top entries of a V8 CPU profile (`node --cpu-prof`, written by
 * `BENCH_PROFILE=1 npm run bench:catalog` to .wharf/prof) by self time,
 * summed per function and file: `npx tsx scripts/bench/cpuprofile-top.ts [file] [count]`
 * (default: the newest profile there, 25 entries). Also sums self time per
 * package (node_modules/<name>), which says which library the time goes to.
 */
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../lib/local-env";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const dir = path.join(projectRoot, ".wharf/prof");
const file =
  process.argv[2] ??
  path.join(
    dir,
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)[0]!.f,
  );
const count = Number(process.argv[3] ?? 25);
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (url: string) => url.replace(/^file:\/\//, "").replace(projectRoot + "/", "");
const where = (n: Node) => {
  const u = shortUrl(n.callFrame.url);
  return u ? `${u}:${n.callFrame.lineNumber + 1}` : "";
};
const pkg = (n: Node) => {
  const u = shortUrl(n.callFrame.url);
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (m) return m[1]!;
  if (u.startsWith(".next/")) return ".next (the app's own bundles)";
  if (u.startsWith("node:") || u === "") return `(${n.callFrame.functionName || "node internals"})`.replace(/^\(\((.*)\)\)$/, "($1)");
  return u;
};

function top(key: (n: Node) => string) {
  const sums = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (n) sums.set(key(n), (sums.get(key(n)) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, count);
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled\n\nBy function (self time):`);
for (const [k, us] of top((n) => `${n.callFrame.functionName || "(anonymous)"}  ${where(n)}`)) console.log(`  ${pct(us)}  ${k}`);
console.log("\nBy package (self time):");
for (const [k, us] of top(pkg)) console.log(`  ${pct(us)}  ${k}`);
