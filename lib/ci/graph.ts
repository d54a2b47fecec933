/**
 * A run's task graph: the Pipeline's tasks and their `runAfter` edges as the
 * run ran them. Stored on the run (`CiRun.graph`) from the PipelineRun's
 * resolved `status.pipelineSpec` the first time the follower sees it, so the
 * page shows the pipeline of that run even after the project's pipeline was
 * regenerated differently (or the PipelineRun pruned).
 */
import { z } from "zod";
import { TASKS } from "./generate";

export const ZRunGraph = z.object({
  tasks: z.array(z.object({ name: z.string().min(1), runAfter: z.array(z.string()).default([]) })),
  finally: z.array(z.string()).default([]),
});
export type TRunGraph = z.output<typeof ZRunGraph>;

/** A pipeline task as Tekton resolves it into `status.pipelineSpec` (only the fields the graph needs). */
const ZPipelineTask = z.looseObject({
  name: z.string().min(1),
  runAfter: z.array(z.string()).optional(),
  params: z.array(z.looseObject({ value: z.unknown().optional() })).optional(),
});
const ZPipelineSpec = z.looseObject({
  tasks: z.array(ZPipelineTask).default([]),
  finally: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
});

/** The graph of a PipelineRun's `status.pipelineSpec`; null when the cluster has not resolved it yet (or it is not a pipeline spec). */
export function graphOfPipelineSpec(spec: unknown): TRunGraph | null {
  const parsed = ZPipelineSpec.safeParse(spec);
  if (!parsed.success || parsed.data.tasks.length === 0) return null;
  const names = new Set(parsed.data.tasks.map((t) => t.name));
  return {
    tasks: parsed.data.tasks.map((t) => {
      // Tekton orders a task after those whose results it reads, as after its runAfter.
      const fromResults = JSON.stringify(t.params ?? []).match(/\$\(tasks\.([a-z0-9-]+)\.results\./g) ?? [];
      const refs = fromResults.map((m) => m.slice("$(tasks.".length, m.indexOf(".results.")));
      const after = [...new Set([...(t.runAfter ?? []), ...refs])].filter((n) => names.has(n) && n !== t.name);
      return { name: t.name, runAfter: after };
    }),
    finally: (parsed.data.finally ?? []).map((f) => f.name),
  };
}

/** A stored graph, or Wharf's generated shape (clone → test → build → push) for runs the cluster never resolved. */
export function graphOfRun(stored: unknown, recordedTasks: readonly string[]): TRunGraph {
  const parsed = ZRunGraph.safeParse(stored);
  if (parsed.success && parsed.data.tasks.length) return parsed.data;
  const known: string[] = [...TASKS];
  const extra = recordedTasks.filter((n) => !known.includes(n));
  const names = [...known, ...extra];
  return { tasks: names.map((name, i) => ({ name, runAfter: i ? [names[i - 1]!] : [] })), finally: [] };
}

/** Columns by dependency depth: a task sits one column right of the deepest task it runs after. Cycles (never valid Tekton) end up in the last column. */
export function graphColumns(graph: TRunGraph): string[][] {
  const after = new Map(graph.tasks.map((t) => [t.name, t.runAfter]));
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return graph.tasks.length;
    seen.add(name);
    const d = Math.max(-1, ...(after.get(name) ?? []).map((n) => visit(n, seen))) + 1;
    depth.set(name, d);
    return d;
  };
  for (const t of graph.tasks) visit(t.name, new Set());
  const columns: string[][] = [];
  for (const t of graph.tasks) (columns[depth.get(t.name)!] ??= []).push(t.name);
  const out = columns.filter(Boolean);
  if (graph.finally.length) out.push([...graph.finally]);
  return out;
}
