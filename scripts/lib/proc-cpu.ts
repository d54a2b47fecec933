/**
 * CPU time of processes, read from Linux's /proc (what `top` and `ps` read):
 * a benchmark reads it before and after a run and divides by the requests
 * served, so its figure is the work done per request, whatever else the
 * machine is doing at the time (wall-clock latency is not).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

const TICKS_PER_SECOND = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime of the process and of its children that have exited and were waited for, in ms. */
  cpuMs: number;
}

function readStat(pid: number): Stat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // gone since the directory was listed
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const f = text.slice(close + 2).split(" "); // f[0] is field 3 (state)
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  return { pid, ppid: Number(f[1]), comm, cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
}

function allStats(): Stat[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readStat(Number(d)))
    .filter((s): s is Stat => s !== null);
}

/** `root` and every process below it, as listed now (none when `root` is gone). */
function tree(root: number): Stat[] {
  const stats = allStats();
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const found: Stat[] = [];
  const visit = (s: Stat) => {
    found.push(s);
    for (const c of children.get(s.pid) ?? []) visit(c);
  };
  const top = stats.find((s) => s.pid === root);
  if (top) visit(top);
  return found;
}

/** The CPU time (ms) of `root` and every process below it; `only` keeps those whose command name matches. */
export function treeCpuMs(root: number, only?: (comm: string) => boolean): number {
  return tree(root)
    .filter((s) => !only || only(s.comm))
    .reduce((total, s) => total + s.cpuMs, 0);
}

/** The processes directly below `parent` whose command name matches (a server started by this process). */
export function childPids(parent: number, comm: (name: string) => boolean): number[] {
  return allStats()
    .filter((s) => s.ppid === parent && comm(s.comm))
    .map((s) => s.pid);
}

/**
 * The memory of `root` and every process below it, in MiB: resident now (VmRSS) and the most each one was at once
 * since it started (VmHWM, summed), so a setting that trades memory for CPU shows both sides.
 */
export function treeMemoryMiB(root: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const { pid } of tree(root)) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      continue; // gone since the directory was listed
    }
    rss += Number(/^VmRSS:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) / 1024;
    peak += Number(/^VmHWM:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) / 1024;
  }
  return { rss, peak };
}
