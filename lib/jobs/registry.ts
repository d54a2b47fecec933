/**
 * Job tasks: every job the worker runs is declared once, with a zod schema
 * for its payload, and listed in its module's parts (lib/<domain>/module.ts).
 * The worker runs what the module registry holds; nothing registers itself
 * by being imported.
 */
import type { z } from "zod";
import type { Logger } from "pino";
import { registry } from "@/lib/modules";

export interface TaskContext {
  jobId: string;
  attempt: number;
  maxAttempts: number;
  log: Logger;
}

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  description: string;
  run(payload: z.output<S>, ctx: TaskContext): Promise<void>;
}

/** Declares a task (a typed value; its module lists it). */
export function defineTask<S extends z.ZodType>(def: TaskDefinition<S>): TaskDefinition<S> {
  if (!/^[a-z][a-z0-9_]*$/.test(def.name)) throw new Error(`Task names are snake_case: ${def.name}`);
  return def;
}

/** Every task of every module. */
export function registeredTasks(): TaskDefinition[] {
  return [...registry().tasks.values()];
}

/** The worker's crontab, from the modules' crons. */
export function crontab(): string {
  return registry()
    .crons.map((c) => `${c.schedule} ${c.task}${c.options ? ` ${c.options}` : ""}`)
    .join("\n");
}
