/**
 * The worker: graphile-worker running the registered tasks, with the
 * schedule (crontab), metrics and structured logs. `npm run worker` starts it
 * alone; the dev command starts it beside the web server.
 */
import { EventEmitter } from "node:events";
import os from "node:os";
import { Logger, run, type Runner, type TaskList, type WorkerEvents } from "graphile-worker";
import { db } from "@/lib/db/client";
import { envPart } from "@/lib/env";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/telemetry/metrics";
import { crontab, registeredTasks } from "./registry";

const log = childLogger("worker");

/** graphile-worker's own messages, through pino. */
/** graphile-worker passes whole pg clients and jobs in its log metadata: keep what a person reads. */
function readable(meta: Record<string, unknown> | undefined) {
  if (!meta) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (k === "client") continue;
    if (v instanceof Error || (v && typeof v === "object" && "severity" in v)) out[k] = { message: (v as Error).message, code: (v as { code?: string }).code };
    else if (k === "job" && v && typeof v === "object") out[k] = { id: (v as { id?: string }).id, task: (v as { task_identifier?: string }).task_identifier };
    else out[k] = v;
  }
  return out;
}

const graphileLogger = new Logger((scope) => (level, message, meta) => {
  const bindings = { scope, ...readable(meta) };
  // A failed attempt is already logged by our task wrapper, with the step's context.
  if (meta?.failure) log.debug(bindings, message);
  else if (level === "error") log.error(bindings, message);
  else if (level === "warning") log.warn(bindings, message);
  else if (level === "info") log.info(bindings, message);
  else log.debug(bindings, message);
});

export async function startWorker(opts: {
  connectionString: string;
  concurrency: number;
  schedule?: boolean;
  pollInterval?: number;
  deadAfterMs?: number;
}): Promise<Runner> {
  const taskList: TaskList = {};
  for (const task of registeredTasks()) {
    taskList[task.name] = async (rawPayload, helpers) => {
      const job = helpers.job;
      const jobLog = log.child({ task: task.name, jobId: job.id, attempt: job.attempts });
      const stop = metrics().jobDuration.startTimer({ task: task.name });
      try {
        const payload = task.payload.parse(rawPayload ?? {});
        await task.run(payload, { jobId: String(job.id), attempt: job.attempts, maxAttempts: job.max_attempts, log: jobLog });
        metrics().jobRuns.inc({ task: task.name, outcome: "ok" });
      } catch (e) {
        metrics().jobRuns.inc({ task: task.name, outcome: "error" });
        jobLog.warn({ err: e }, "job failed; graphile-worker retries it with exponential backoff until max_attempts");
        throw e;
      } finally {
        stop();
      }
    };
  }
  const events = new EventEmitter() as WorkerEvents;
  let poolId: string | undefined;
  events.on("pool:create", ({ workerPool }) => {
    poolId = workerPool.id;
  });
  const runner = await run({
    events,
    connectionString: opts.connectionString,
    concurrency: opts.concurrency,
    // A connection per running job and two to spare (graphile-worker warns when the pool is smaller than the concurrency).
    maxPoolSize: Math.max(10, opts.concurrency + 2),
    noHandleSignals: true,
    pollInterval: opts.pollInterval ?? 1000,
    taskList,
    crontab: opts.schedule === false ? "" : crontab(),
    logger: graphileLogger,
  });
  log.info({ tasks: Object.keys(taskList), concurrency: opts.concurrency, poolId }, "worker started");
  const stopRecovery = poolId
    ? startCrashRecovery(poolId, opts.deadAfterMs ?? envPart("WHARF_WORKER_DEAD_AFTER_MS").WHARF_WORKER_DEAD_AFTER_MS)
    : () => Promise.resolve();
  const stop = runner.stop.bind(runner);
  runner.stop = async () => {
    await stopRecovery();
    await stop();
  };
  return runner;
}

/**
 * A worker that dies (killed, OOM, machine gone) leaves its jobs locked;
 * graphile-worker would release them only after 4 hours. Each worker pool
 * writes a heartbeat; any worker releases the jobs of pools whose heartbeat
 * stopped, so their steps resume on a live worker within a minute.
 */
function startCrashRecovery(poolId: string, deadAfterMs: number) {
  const beat = async () => {
    await db().workerHeartbeat.upsert({
      where: { id: poolId },
      create: { id: poolId, hostname: os.hostname(), pid: process.pid },
      update: { seenAt: new Date() },
    });
    const dead = await db().workerHeartbeat.findMany({ where: { seenAt: { lt: new Date(Date.now() - deadAfterMs) }, id: { not: poolId } } });
    if (dead.length) {
      const ids = dead.map((d) => d.id);
      await db().$executeRaw`select graphile_worker.force_unlock_workers(${ids}::text[])`;
      await db().workerHeartbeat.deleteMany({ where: { id: { in: ids } } });
      log.warn({ pools: dead.map((d) => `${d.id} (${d.hostname} pid ${d.pid})`) }, "released the jobs of workers that stopped answering");
    }
  };
  const tick = () => void beat().catch((e) => log.warn({ err: e }, "heartbeat failed"));
  tick();
  const timer = setInterval(tick, Math.max(1000, Math.floor(deadAfterMs / 4)));
  return async () => {
    clearInterval(timer);
    await db()
      .workerHeartbeat.delete({ where: { id: poolId } })
      .catch(() => {});
  };
}
