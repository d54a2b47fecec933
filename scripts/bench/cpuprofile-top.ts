/**
 * The top entries of a V8 CPU profile (`node --cpu-prof`, written by
 * `BENCH_PROFILE=1 npm run bench:catalog` to .wharf/prof) by self time,
 * summed per function and file: `npx tsx scripts/bench/cpuprofile-top.ts [file] [count]`
 * (default: the newest profile there, 25 entries). Also sums self time per
 * package (node_modules/<name>), which says which library the time goes to.
 *
 * `npx tsx scripts/bench/cpuprofile-top.ts --diff A.cpuprofile:REQUESTS B.cpuprofile:REQUESTS [count]`: what one
 * request of B costs beyond one of A, per package and per function, in ms of self time per request. Each profile is
 * of one page alone (`BENCH_PROFILE=1 BENCH_ALONE=floor` or `=page`, which print the requests they served), so the
 * difference is what the page costs over the floor. Idle time is left out; the server's start-up (module loading,
 * compiling) is in both, spread over each run's requests.
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
const newest = () =>
  path.join(
    dir,
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".cpuprofile"))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)[0]!.f,
  );
const diff = process.argv[2] === "--diff";
const file = diff ? "" : (process.argv[2] ?? newest());
const count = Number(process.argv[diff ? 5 : 3] ?? 25);

/** Self time in µs per call-frame node, and the nodes by id. */
function load(f: string) {
  const profile = JSON.parse(fs.readFileSync(f, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  return { byId, selfUs };
}

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
const fn = (n: Node) => `${n.callFrame.functionName || "(anonymous)"}  ${where(n)}`;

function sums({ byId, selfUs }: ReturnType<typeof load>, key: (n: Node) => string) {
  const out = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (n) out.set(key(n), (out.get(key(n)) ?? 0) + us);
  }
  return out;
}

if (diff) {
  const sides = [process.argv[3], process.argv[4]].map((arg) => {
    const m = /^(.*):(\d+)$/.exec(arg ?? "");
    if (!m) throw new Error("--diff A.cpuprofile:REQUESTS B.cpuprofile:REQUESTS [count]");
    return { name: path.basename(m[1]!), profile: load(m[1]!), requests: Number(m[2]) };
  });
  const [a, b] = sides as [(typeof sides)[number], (typeof sides)[number]];
  const perRequest = (key: (n: Node) => string) => {
    // Idle is waiting, not work: left out of both.
    const busy = (n: Node) => (n.callFrame.functionName === "(idle)" ? "" : key(n));
    const [sa, sb] = [sums(a.profile, busy), sums(b.profile, busy)];
    sa.delete("");
    sb.delete("");
    const ms = (m: Map<string, number>, k: string, n: number) => (m.get(k) ?? 0) / 1000 / n;
    const rows = [...new Set([...sa.keys(), ...sb.keys()])].map((k) => ({ k, a: ms(sa, k, a.requests), b: ms(sb, k, b.requests) }));
    const total = (x: "a" | "b") => rows.reduce((n, r) => n + r[x], 0);
    return { rows: rows.sort((x, y) => y.b - y.a - (x.b - x.a)).slice(0, count), ta: total("a"), tb: total("b") };
  };
  const show = (title: string, key: (n: Node) => string) => {
    const { rows, ta, tb } = perRequest(key);
    console.log(`\n${title}: ms of self time per request, B − A (A ${ta.toFixed(2)} ms, B ${tb.toFixed(2)} ms, ${(tb / ta).toFixed(2)}x)`);
    for (const r of rows) console.log(`  ${(r.b - r.a).toFixed(3).padStart(7)}  (A ${r.a.toFixed(3)}, B ${r.b.toFixed(3)})  ${r.k}`);
  };
  console.log(`A = ${a.name} (${a.requests} requests), B = ${b.name} (${b.requests} requests)`);
  show("By package", pkg);
  show("By function", fn);
  process.exit(0);
}

const one = load(file);
const total = [...one.selfUs.values()].reduce((a, b) => a + b, 0);
const top = (key: (n: Node) => string) => [...sums(one, key)].sort((a, b) => b[1] - a[1]).slice(0, count);

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled\n\nBy function (self time):`);
for (const [k, us] of top(fn)) console.log(`  ${pct(us)}  ${k}`);
console.log("\nBy package (self time):");
for (const [k, us] of top(pkg)) console.log(`  ${pct(us)}  ${k}`);
