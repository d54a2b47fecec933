/**
 * The task registry: every job the worker runs is declared here once, with a
 * zod schema for its payload. Later domains (provisioning, deploys, config,
 * pipelines) add their tasks to the same registry.
 */
import type { z } from "zod";
import type { Logger } from "pino";

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

const tasks = new Map<string, TaskDefinition>();

export function defineTask<S extends z.ZodType>(def: TaskDefinition<S>): TaskDefinition<S> {
  if (!/^[a-z][a-z0-9_]*$/.test(def.name)) throw new Error(`Task names are snake_case: ${def.name}`);
  tasks.set(def.name, def as unknown as TaskDefinition);
  return def;
}

export function registeredTasks(): TaskDefinition[] {
  return [...tasks.values()];
}
