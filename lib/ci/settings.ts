/**
 * A project's CI settings: its branch policy (GitFlow: which branches and
 * tags test, build, push and deploy where), its quality gates and whether
 * Jenkins jobs are generated besides the Tekton pipeline. Stored per project
 * (`CiSettings`, parsed when read); a project without a row has the defaults.
 * No database imports: the generator (pure) and forms share this file.
 */
import { z } from "zod";
import { ENVIRONMENTS } from "@/lib/catalog/environments";

/** A branch or tag pattern: a glob where `*` matches anything but `/` and `**` anything. */
const ZRefPattern = z
  .string()
  .trim()
  .min(1, { message: "Enter a branch or tag pattern, e.g. feature/*" })
  .max(100)
  .regex(/^[A-Za-z0-9._/*-]+$/, { message: "Letters, digits, '.', '_', '-', '/' and '*' only" });

export const ZBranchRule = z
  .object({
    /** Branches (`develop`, `feature/*`) or tags (`v*`) this rule applies to; the first rule that matches a ref wins. */
    match: ZRefPattern,
    ref: z.enum(["branch", "tag"]).default("branch"),
    /** Tests always run; `build` builds the image, `push` pushes it (needs `build`). */
    build: z.boolean().default(false),
    push: z.boolean().default(false),
    /** Environments the pushed image is deployed to once the gates pass. */
    deploy: z.array(z.enum(ENVIRONMENTS)).default([]),
    /** Environments a deploy ticket is opened for instead (production). */
    ticket: z.array(z.enum(ENVIRONMENTS)).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.push && !r.build) ctx.addIssue({ code: "custom", path: ["push"], message: "pushing needs the image built: set build too" });
    if ((r.deploy.length || r.ticket.length) && !r.push) ctx.addIssue({ code: "custom", path: ["deploy"], message: "deploying needs the image pushed" });
  });
export type TBranchRule = z.output<typeof ZBranchRule>;

export const ZQualityGates = z
  .object({
    /** Promotion stops when a test failed. */
    testsPass: z.boolean().default(true),
    /** The least line coverage, in percent, for promotion (0: no threshold). */
    coverage: z.number().int().min(0).max(100).default(60),
  })
  .strict();

/** The GitFlow defaults of issue 12. */
export const DEFAULT_BRANCH_POLICY: TBranchRule[] = [
  { match: "feature/*", ref: "branch", build: false, push: false, deploy: [], ticket: [] },
  { match: "develop", ref: "branch", build: true, push: true, deploy: ["dev"], ticket: [] },
  { match: "release/*", ref: "branch", build: true, push: true, deploy: ["test", "staging"], ticket: [] },
  { match: "v*", ref: "tag", build: true, push: true, deploy: [], ticket: ["prod"] },
];

export const ZCiSettings = z
  .object({
    branchPolicy: z.array(ZBranchRule).max(30).default(DEFAULT_BRANCH_POLICY),
    gates: ZQualityGates.default({ testsPass: true, coverage: 60 }),
    /** Also generate Jenkins Job Builder YAML and a Jenkinsfile on the shared library (companies on Jenkins). */
    jenkins: z.boolean().default(false),
    /** What Tekton lacks: how many runs of the project run at once, and what a run that finds them all busy does. */
    concurrency: z
      .object({
        maxConcurrent: z.number().int().min(1).max(50).default(3),
        /** queue: wait (PipelineRunPending) for a slot; cancel-superseded: also cancel older runs of the same service and branch. */
        onBusy: z.enum(["queue", "cancel-superseded"]).default("queue"),
      })
      .strict()
      .default({ maxConcurrent: 3, onBusy: "queue" }),
  })
  .strict();
export type TCiSettings = z.output<typeof ZCiSettings>;

/** The stored settings, or the defaults for what is missing; a row that no longer parses reads as the defaults. */
export function ciSettingsOf(stored: unknown): TCiSettings {
  const parsed = ZCiSettings.safeParse(stored ?? {});
  return parsed.success ? parsed.data : ZCiSettings.parse({});
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*|\*/g, (m) => (m === "**" ? ".*" : "[^/]*"));
  return new RegExp(`^${body}$`);
}

/** The rule a branch or tag falls under (the first that matches), or null: nothing runs for it. */
export function ruleFor(policy: readonly TBranchRule[], ref: { kind: "branch" | "tag"; name: string }): TBranchRule | null {
  return policy.find((r) => r.ref === ref.kind && globToRegExp(r.match).test(ref.name)) ?? null;
}
