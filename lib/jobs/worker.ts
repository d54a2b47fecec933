/**
 * The worker: graphile-worker running the registered tasks, with the
 * schedule (crontab), metrics and structured logs. `npm run worker` starts it
 * alone; the dev command starts it beside the web server.
 */
import { Logger, run, type Runner, type TaskList } from "graphile-worker";
import { childLogger } from "@/lib/log";
import { metrics } from "@/lib/observability/metrics";
import { registeredTasks } from "./registry";
import "./tasks";

const log = childLogger("worker");

/** graphile-worker's own messages, through pino. */
const graphileLogger = new Logger((scope) => (level, message, meta) => {
  const bindings = { scope, ...(meta ?? {}) };
  if (level === "error") log.error(bindings, message);
  else if (level === "warning") log.warn(bindings, message);
  else if (level === "info") log.info(bindings, message);
  else log.debug(bindings, message);
});

/** Recurring jobs. `?max=1` = no retries for a check that runs again in a minute anyway. */
export const CRONTAB = ["* * * * * clusters_health_check ?max=1&jobKey=clusters_health_check&jobKeyMode=replace"].join("\n");

export async function startWorker(opts: { connectionString: string; concurrency: number; schedule?: boolean; pollInterval?: number }): Promise<Runner> {
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
  const runner = await run({
    connectionString: opts.connectionString,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    pollInterval: opts.pollInterval ?? 1000,
    taskList,
    crontab: opts.schedule === false ? "" : CRONTAB,
    logger: graphileLogger,
  });
  log.info({ tasks: Object.keys(taskList), concurrency: opts.concurrency }, "worker started");
  return runner;
}
