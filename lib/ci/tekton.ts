/**
 * The Tekton v1 fields Wharf generates, as zod schemas: every object is
 * checked before it is applied, so a template whose CI steps render invalid
 * Tekton is refused with the resource and the field path
 * ("Task test: spec.steps[0].image: Required"), never by the cluster halfway
 * through an apply. Strict: a field Wharf does not generate (a typo such as
 * `scripts`) is refused too. References across objects are checked as well:
 * a pipeline task's taskRef, runAfter and params, the parameters and results
 * a step's `$(...)` names.
 */
import { z } from "zod";
import { AppError } from "@/lib/errors";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const zName = z.string().max(63).regex(DNS_LABEL, { message: "must be a DNS label (lowercase letters, digits, '-')" });
/** Tekton's parameter and result names. */
const zParamName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.-]*$/, { message: "must start with a letter or _ and hold letters, digits, _, . or -" });
const zResultName = z.string().regex(/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/, { message: "must be letters, digits, -, _ or ." });

const ZMetadata = z
  .object({
    name: zName,
    namespace: zName,
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const ZParamSpec = z
  .object({
    name: zParamName,
    type: z.enum(["string", "array", "object"]).default("string"),
    description: z.string().optional(),
    default: z.string().optional(),
  })
  .strict();

const ZEnvVar = z
  .object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" }), value: z.string() })
  .strict();

const ZStep = z
  .object({
    name: zName,
    image: z.string().min(1, { message: "must name an image" }),
    script: z.string().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    env: z.array(ZEnvVar).optional(),
    workingDir: z.string().optional(),
    computeResources: z
      .object({ requests: z.record(z.string(), z.string()).optional(), limits: z.record(z.string(), z.string()).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .refine((s) => !(s.script && s.command), { message: "a step has a script or a command, not both", path: ["command"] });

const ZTaskSpec = z
  .object({
    description: z.string().optional(),
    params: z.array(ZParamSpec).optional(),
    workspaces: z
      .array(z.object({ name: zName, description: z.string().optional(), optional: z.boolean().optional(), mountPath: z.string().optional() }).strict())
      .optional(),
    results: z.array(z.object({ name: zResultName, description: z.string().optional(), type: z.literal("string").optional() }).strict()).optional(),
    steps: z.array(ZStep).min(1, { message: "a Task needs at least one step" }),
  })
  .strict();

const ZPipelineTask = z
  .object({
    name: zName,
    taskRef: z.object({ name: zName, kind: z.literal("Task").optional() }).strict(),
    runAfter: z.array(zName).optional(),
    params: z.array(z.object({ name: zParamName, value: z.string() }).strict()).optional(),
    workspaces: z.array(z.object({ name: zName, workspace: zName }).strict()).optional(),
    when: z.array(z.object({ input: z.string(), operator: z.enum(["in", "notin"]), values: z.array(z.string()).min(1) }).strict()).optional(),
  })
  .strict();

const ZPipelineSpec = z
  .object({
    description: z.string().optional(),
    params: z.array(ZParamSpec).optional(),
    workspaces: z.array(z.object({ name: zName, description: z.string().optional(), optional: z.boolean().optional() }).strict()).optional(),
    results: z.array(z.object({ name: zResultName, description: z.string().optional(), value: z.string() }).strict()).optional(),
    tasks: z.array(ZPipelineTask).min(1, { message: "a Pipeline needs at least one task" }),
  })
  .strict();

export const ZTektonTask = z.object({ apiVersion: z.literal("tekton.dev/v1"), kind: z.literal("Task"), metadata: ZMetadata, spec: ZTaskSpec }).strict();
export const ZTektonPipeline = z
  .object({ apiVersion: z.literal("tekton.dev/v1"), kind: z.literal("Pipeline"), metadata: ZMetadata, spec: ZPipelineSpec })
  .strict();
export const ZServiceAccount = z
  .object({ apiVersion: z.literal("v1"), kind: z.literal("ServiceAccount"), metadata: ZMetadata, automountServiceAccountToken: z.boolean().optional() })
  .strict();

export type TTektonTask = z.output<typeof ZTektonTask>;
export type TTektonPipeline = z.output<typeof ZTektonPipeline>;
export type TServiceAccount = z.output<typeof ZServiceAccount>;
export type CiObject = TTektonTask | TTektonPipeline | TServiceAccount;

const BY_KIND: Record<string, z.ZodType> = { Task: ZTektonTask, Pipeline: ZTektonPipeline, ServiceAccount: ZServiceAccount };

/** One problem of a generated object: which resource, which field, what is wrong. */
export interface TektonProblem {
  resource: string;
  path: string;
  message: string;
}

function pathOf(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((out, s) => (typeof s === "number" ? `${out}[${s}]` : out ? `${out}.${String(s)}` : String(s)), "");
}

function resourceOf(o: unknown, index: number): string {
  const r = o as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const kind = typeof r?.kind === "string" ? r.kind : "object";
  const name = typeof r?.metadata?.name === "string" ? r.metadata.name : `#${index}`;
  return `${kind} ${name}`;
}

/** `$(params.x)`, `$(results.x.path)` and `$(tasks.t.results.x)` references in a string. */
const REF = /\$\((params|results|tasks)\.([A-Za-z0-9_.-]+?)(?:\.path)?\)/g;

function* refsIn(value: unknown, at: string): Generator<{ scope: string; name: string; at: string }> {
  if (typeof value === "string") {
    for (const m of value.matchAll(REF)) yield { scope: m[1]!, name: m[2]!, at };
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* refsIn(value[i], `${at}[${i}]`);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) yield* refsIn(v, at ? `${at}.${k}` : k);
  }
}

/** References across fields and objects that the schemas alone cannot see. */
function crossCheck(objects: CiObject[]): TektonProblem[] {
  const problems: TektonProblem[] = [];
  const tasks = new Map(objects.filter((o): o is TTektonTask => o.kind === "Task").map((t) => [t.metadata.name, t]));
  for (const o of objects) {
    const resource = `${o.kind} ${o.metadata.name}`;
    if (o.kind === "Task") {
      const params = new Set((o.spec.params ?? []).map((p) => p.name));
      const results = new Set((o.spec.results ?? []).map((r) => r.name));
      for (const ref of refsIn(o.spec.steps, "spec.steps")) {
        if (ref.scope === "params" && !params.has(ref.name))
          problems.push({ resource, path: ref.at, message: `refers to the undeclared parameter "${ref.name}"` });
        if (ref.scope === "results" && !results.has(ref.name))
          problems.push({ resource, path: ref.at, message: `refers to the undeclared result "${ref.name}"` });
      }
    } else if (o.kind === "Pipeline") {
      const names = o.spec.tasks.map((t) => t.name);
      const params = new Set((o.spec.params ?? []).map((p) => p.name));
      o.spec.tasks.forEach((pt, i) => {
        const at = `spec.tasks[${i}]`;
        if (names.indexOf(pt.name) !== i) problems.push({ resource, path: `${at}.name`, message: `"${pt.name}" is used by another task` });
        const task = tasks.get(pt.taskRef.name);
        if (!task) problems.push({ resource, path: `${at}.taskRef.name`, message: `names the Task "${pt.taskRef.name}", which is not generated` });
        (pt.runAfter ?? []).forEach((after, j) => {
          if (!names.slice(0, i).includes(after)) problems.push({ resource, path: `${at}.runAfter[${j}]`, message: `"${after}" is not an earlier task` });
        });
        if (task) {
          const declared = new Set((task.spec.params ?? []).map((p) => p.name));
          (pt.params ?? []).forEach((p, j) => {
            if (!declared.has(p.name))
              problems.push({ resource, path: `${at}.params[${j}].name`, message: `Task ${task.metadata.name} has no parameter "${p.name}"` });
          });
          for (const p of task.spec.params ?? []) {
            if (p.default === undefined && !(pt.params ?? []).some((x) => x.name === p.name)) {
              problems.push({ resource, path: `${at}.params`, message: `Task ${task.metadata.name} needs the parameter "${p.name}"` });
            }
          }
        }
      });
      for (const ref of refsIn({ tasks: o.spec.tasks, results: o.spec.results }, "spec")) {
        if (ref.scope === "params" && !params.has(ref.name))
          problems.push({ resource, path: ref.at, message: `refers to the undeclared parameter "${ref.name}"` });
        if (ref.scope === "tasks") {
          const [taskName, , result] = ref.name.split(".");
          const pt = o.spec.tasks.find((t) => t.name === taskName);
          const task = pt && tasks.get(pt.taskRef.name);
          if (!task || !(task.spec.results ?? []).some((r) => r.name === result)) {
            problems.push({ resource, path: ref.at, message: `refers to "${ref.name}", which no task produces` });
          }
        }
      }
    }
  }
  return problems;
}

/** Checks generated objects against the schemas and each other; returns every problem (none: valid). */
export function checkTekton(objects: readonly unknown[]): TektonProblem[] {
  const problems: TektonProblem[] = [];
  const valid: CiObject[] = [];
  objects.forEach((o, i) => {
    const resource = resourceOf(o, i);
    const kind = (o as { kind?: unknown } | null)?.kind;
    const schema = typeof kind === "string" ? BY_KIND[kind] : undefined;
    if (!schema) {
      problems.push({ resource, path: "kind", message: `Wharf does not generate "${String(kind)}" objects` });
      return;
    }
    const parsed = schema.safeParse(o);
    if (parsed.success) valid.push(parsed.data as CiObject);
    else for (const issue of parsed.error.issues) problems.push({ resource, path: pathOf(issue.path), message: issue.message });
  });
  return problems.length ? problems : crossCheck(valid);
}

/** Throws PRECONDITION_FAILED naming every problem (field errors keyed by resource and path) unless the objects are valid Tekton. */
export function assertValidTekton(objects: readonly unknown[], what: string): CiObject[] {
  const problems = checkTekton(objects);
  if (problems.length) {
    const fieldErrors: Record<string, string[]> = {};
    for (const p of problems) (fieldErrors[`${p.resource}: ${p.path}`] ??= []).push(p.message);
    const first = problems[0]!;
    throw new AppError(
      "PRECONDITION_FAILED",
      `The pipeline generated for ${what} is not valid Tekton: ${first.resource}: ${first.path}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`,
      { fieldErrors },
    );
  }
  return objects as CiObject[];
}
