/**
 * Scripted containers: a pod whose creator (the Tekton controller) wrote
 * what each container does runs it instead of a long-lived service. The
 * containers named in the script run one after the other, as Tekton's
 * entrypoint makes step containers wait for the previous step: each runs
 * `ms`, prints its `lines` spread over that time and exits with `exitCode`.
 * After a step exits non-zero the later ones exit 1 at once without output
 * (Tekton's "Skipped" steps). The kubelet plays the timeline; the log
 * provider serves the lines as they are "printed".
 */
import type { KObject } from "../core/types.js";
import { arr, int, rec, str } from "./kit.js";

/** Pod annotation holding the JSON `ScriptedStep[]`. */
export const SCRIPT_ANNOTATION = "sandbox.wharf.dev/script";

export interface ScriptedStep {
  container: string;
  /** Run time, wall ms. */
  ms: number;
  exitCode: number;
  /** Output, one entry per line, printed evenly over the run time. */
  lines: string[];
}

/** When a scripted container actually ran (ms since epoch). */
export interface StepWindow {
  start: number;
  end: number;
  exitCode: number;
  /** Skipped because an earlier step failed: no output. */
  skipped: boolean;
}

/** The script of a pod, or undefined for ordinary pods (or an unreadable annotation). */
export function scriptOf(pod: KObject): ScriptedStep[] | undefined {
  const raw = pod.metadata.annotations?.[SCRIPT_ANNOTATION];
  if (!raw) return undefined;
  try {
    const steps = arr(JSON.parse(raw)).map((s): ScriptedStep => ({
      container: str(s.container),
      ms: Math.max(0, int(s.ms)),
      exitCode: int(s.exitCode),
      lines: arr<unknown>(s.lines).map((l) => String(l)),
    }));
    return steps.length ? steps : undefined;
  } catch {
    return undefined;
  }
}

/** The windows of every step when the containers started at `start`. */
export function scriptTimeline(steps: ScriptedStep[], start: number): Map<string, StepWindow> {
  const out = new Map<string, StepWindow>();
  let at = start;
  let failed = false;
  for (const s of steps) {
    if (failed) {
      out.set(s.container, { start: at, end: at, exitCode: 1, skipped: true });
      continue;
    }
    out.set(s.container, { start: at, end: at + s.ms, exitCode: s.exitCode, skipped: false });
    at += s.ms;
    if (s.exitCode !== 0) failed = true;
  }
  return out;
}

/** Timestamps of a step's lines: evenly over its window, the first at its start. */
export function lineTimes(step: ScriptedStep, w: StepWindow): number[] {
  if (w.skipped) return [];
  const n = step.lines.length;
  const span = Math.max(0, w.end - w.start);
  return step.lines.map((_, i) => w.start + Math.floor((span * i) / Math.max(1, n)));
}

/** The window a pod's status shows for a scripted container (second precision; used when the kubelet does not know the pod). */
export function windowFromStatus(pod: KObject, steps: ScriptedStep[], container: string): StepWindow | undefined {
  const statuses = arr(rec(pod.status).containerStatuses);
  const startedOf = (s: Record<string, unknown> | undefined) => {
    const st = rec(rec(s).state);
    return Date.parse(str(rec(st.running).startedAt)) || Date.parse(str(rec(st.terminated).startedAt));
  };
  const first = statuses.find((s) => s.name === steps[0].container);
  const start = startedOf(first);
  if (!Number.isFinite(start)) return undefined;
  return scriptTimeline(steps, start).get(container);
}
