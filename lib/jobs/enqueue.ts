/**
 * Adding jobs to the queue (graphile-worker's SQL API). Given a transaction,
 * the job exists exactly when the change that asked for it commits.
 */
import { db, type Tx } from "@/lib/db/client";
import type { TaskDefinition } from "./registry";
import type { z } from "zod";

export interface EnqueueOptions {
  /** Deduplicates: a pending job with the same key is replaced, not doubled. */
  jobKey?: string;
  maxAttempts?: number;
  runAt?: Date;
  priority?: number;
  /** Jobs in one queue run one at a time, in order. */
  queue?: string;
}

export async function enqueue<S extends z.ZodType>(task: TaskDefinition<S>, payload: z.input<S>, opts: EnqueueOptions = {}, tx?: Tx): Promise<string> {
  const client = tx ?? db();
  const rows = await client.$queryRaw<{ id: string }[]>`
    select (graphile_worker.add_job(
      identifier => ${task.name}::text,
      payload => ${JSON.stringify(task.payload.parse(payload))}::json,
      queue_name => ${opts.queue ?? null}::text,
      run_at => ${opts.runAt ?? null}::timestamptz,
      max_attempts => ${opts.maxAttempts ?? null}::int,
      job_key => ${opts.jobKey ?? null}::text,
      priority => ${opts.priority ?? null}::int
    )).id::text as id`;
  return rows[0]!.id;
}
