/**
 * Knobs of the workload simulation (per cluster). Durations that a real
 * cluster measures in seconds of container life (probe delays, crash
 * back-off, "slow" readiness, image pull back-off, termination) are
 * multiplied by `timeScale`; API semantics (progressDeadlineSeconds,
 * minReadySeconds, HPA stabilisation windows) stay in real seconds.
 */
export interface SimulationOptions {
  /**
   * Time from a pod being bound to a node until its containers run (image
   * pull, create, start), in ms: a fixed value or a [min, max] range picked
   * per pod (deterministically). Default [300, 800]. 0 = at once.
   */
  podStartDelayMs?: number | [number, number];
  /** Multiplier for simulated container durations (see above). Default 0.25; 0 makes them instant. */
  timeScale?: number;
  /** Upper bound of how long a Terminating pod stays before the kubelet removes it, ms (before timeScale). Default 2000. */
  terminationDelayMs?: number;
  /** HPA sync period, ms. Default 15000 (kube-controller-manager's). */
  hpaSyncPeriodMs?: number;
  /** HPA scale-down stabilisation window when the HPA sets none, ms. Default 300000. */
  hpaDownscaleStabilizationMs?: number;
  /** How often unschedulable pods are retried, ms. Default 5000. */
  schedulerRetryMs?: number;
  /** Events older than this are deleted, ms. Default 3600000 (1 h, like the API server's event TTL). */
  eventTTLMs?: number;
  /** Record Events at all (the benchmark may turn them off). Default true. */
  events?: boolean;
  /**
   * How long one Tekton step runs, ms (each step varies deterministically
   * from 0.75x to 1.25x; `[slow]` runs take 10x). Default 400 (env
   * WHARF_SANDBOX_TEKTON_STEP_MS). Not scaled by `timeScale`.
   */
  tektonStepMs?: number;
  /**
   * The most a container's log keeps, bytes (the kubelet's containerLogMaxSize):
   * reads return the newest lines within it. Default 10 MiB.
   */
  logMaxBytes?: number;
}

export type ResolvedSimulationOptions = Required<SimulationOptions> & { podStartDelayMs: [number, number] };

const num = (v: string | undefined): number | undefined => (v !== undefined && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : undefined);

/** Defaults, overridable by env (WHARF_SANDBOX_POD_START_MS="300-800" or "0", WHARF_SANDBOX_TIME_SCALE, WHARF_SANDBOX_HPA_SYNC_MS). */
export function resolveSimulationOptions(o: SimulationOptions = {}): ResolvedSimulationOptions {
  const envStart = process.env.WHARF_SANDBOX_POD_START_MS?.split("-").map((s) => Number(s.trim()));
  let start: [number, number] = [300, 800];
  if (envStart && envStart.every((n) => Number.isFinite(n))) start = envStart.length === 1 ? [envStart[0], envStart[0]] : [envStart[0], envStart[1]];
  if (o.podStartDelayMs !== undefined) start = typeof o.podStartDelayMs === "number" ? [o.podStartDelayMs, o.podStartDelayMs] : o.podStartDelayMs;
  return {
    podStartDelayMs: [Math.max(0, Math.min(start[0], start[1])), Math.max(0, start[0], start[1])],
    timeScale: Math.max(0, o.timeScale ?? num(process.env.WHARF_SANDBOX_TIME_SCALE) ?? 0.25),
    terminationDelayMs: Math.max(0, o.terminationDelayMs ?? 2000),
    hpaSyncPeriodMs: Math.max(10, o.hpaSyncPeriodMs ?? num(process.env.WHARF_SANDBOX_HPA_SYNC_MS) ?? 15_000),
    hpaDownscaleStabilizationMs: Math.max(0, o.hpaDownscaleStabilizationMs ?? 300_000),
    schedulerRetryMs: Math.max(50, o.schedulerRetryMs ?? 5000),
    eventTTLMs: Math.max(1000, o.eventTTLMs ?? 3_600_000),
    events: o.events ?? true,
    tektonStepMs: Math.max(0, o.tektonStepMs ?? num(process.env.WHARF_SANDBOX_TEKTON_STEP_MS) ?? 400),
    logMaxBytes: Math.max(1024, o.logMaxBytes ?? 10 * 1024 * 1024),
  };
}
