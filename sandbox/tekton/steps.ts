/**
 * What a Tekton step "does" in the sandbox: its kind (clone, test, build,
 * push, build-and-push, deploy, other) read from the step's name (and
 * image), how long it runs, its exit code, the lines it prints and the
 * results it writes, all derived deterministically from the params the
 * controller reads (see README "Tekton"), with failures asked for by
 * markers such as `[fail-tests]` in any param value.
 */
import { createHash } from "node:crypto";
import { unit } from "../controllers/kit.js";

export type StepKind = "clone" | "test" | "build" | "push" | "build-push" | "deploy" | "other";

/** Params as the step sees them: the TaskRun's, then its PipelineRun's for names the task lacks. */
export type Params = Record<string, string>;

export interface StepInput {
  /** Step name without the `step-` prefix. */
  name: string;
  image: string;
  script?: string;
  params: Params;
  namespace: string;
  /** The TaskRun (or PipelineRun) the image name falls back to. */
  owner: string;
  /** Base run time of a step, ms (SimulationOptions.tektonStepMs). */
  stepMs: number;
}

export interface StepProgram {
  kind: StepKind;
  ms: number;
  exitCode: number;
  lines: string[];
  /** Results this step writes, by canonical name (see RESULT_ALIASES). */
  results: Record<string, string>;
}

const PARAM_ALIASES = {
  gitUrl: ["git-url", "url", "repo-url", "git-repo-url", "repository", "repo"],
  revision: ["git-revision", "revision", "git-commit", "commit", "sha", "git-ref", "ref", "branch", "git-branch"],
  message: ["commit-message", "git-commit-message", "message"],
  image: ["image", "image-url", "image-ref", "image-name"],
} as const;

/** A param by the first of its names that is set (names compared without case). */
export function param(params: Params, names: readonly string[]): string | undefined {
  const lower = new Map(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
  for (const n of names) {
    const v = lower.get(n.toLowerCase());
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
}

/** The markers found in any param value: `[fail-tests]` -> "fail-tests". */
export function markersOf(params: Params): Set<string> {
  const out = new Set<string>();
  for (const v of Object.values(params)) for (const m of v.matchAll(/\[(fail-[a-z]+|slow|low-coverage)\]/g)) out.add(m[1]);
  return out;
}

export function stepKind(name: string, image: string): StepKind {
  const n = name.toLowerCase();
  const build = /build|compile|package|kaniko|buildah|docker/.test(n);
  const push = /push|publish|upload/.test(n);
  if (build && push) return "build-push";
  if (/clone|checkout|fetch|^git/.test(n)) return "clone";
  if (/test|verify/.test(n)) return "test";
  if (push) return "push";
  if (build) return "build";
  if (/deploy|release|promote|rollout/.test(n)) return "deploy";
  const img = image.toLowerCase();
  if (/git-init|alpine\/git/.test(img)) return "clone";
  if (/kaniko|buildah|buildkit/.test(img)) return "build-push";
  return "other";
}

const FAIL_MARKERS: Record<StepKind, string[]> = {
  clone: ["fail-clone"],
  test: ["fail-tests", "fail-test"],
  build: ["fail-build"],
  push: ["fail-push"],
  "build-push": ["fail-build", "fail-push"],
  deploy: ["fail-deploy"],
  other: [],
};

const KIND_WEIGHT: Record<StepKind, number> = { clone: 0.75, test: 1.5, build: 1.5, push: 0.75, "build-push": 2, deploy: 1, other: 0.5 };

const sha = (algo: "sha1" | "sha256", s: string) => createHash(algo).update(s).digest("hex");

/** What the run is about: repository, revision, commit, image and its digest (the same for every step of a run). */
export function sourceOf(params: Params, namespace: string, owner: string) {
  const gitUrl = param(params, PARAM_ALIASES.gitUrl) ?? `http://git.wharf.local/${namespace}.git`;
  const revision = param(params, PARAM_ALIASES.revision) ?? "main";
  const commit = /^[0-9a-f]{40}$/.test(revision) ? revision : sha("sha1", `${gitUrl}\n${revision}`);
  const message = (param(params, PARAM_ALIASES.message) ?? "Update").split("\n")[0];
  const image = param(params, PARAM_ALIASES.image) ?? `registry.wharf.local/${namespace}/${owner}:${commit.slice(0, 7)}`;
  const digest = `sha256:${sha("sha256", `${image}\n${gitUrl}\n${commit}`)}`;
  return { gitUrl, revision, commit, message, image, digest };
}

type Lang = "java" | "node" | "python" | "go" | "generic";
function langOf(image: string, script = ""): Lang {
  const s = `${image} ${script}`.toLowerCase();
  if (/maven|gradle|mvn|openjdk|temurin|java|jdk/.test(s)) return "java";
  if (/node|npm|yarn|pnpm|vitest|jest/.test(s)) return "node";
  if (/python|pytest|pip/.test(s)) return "python";
  if (/golang|go test|\bgo\b/.test(s)) return "go";
  return "generic";
}

interface TestFigures {
  total: number;
  failed: number;
  skipped: number;
  passed: number;
  coverage: string;
  seconds: string;
}

/**
 * Coverage per commit: 62-95% (above the default quality gate of 60, so no demo push is blocked by luck), or
 * 35-55% with `[low-coverage]` (below it: the gate is asked for, never drawn).
 */
function coverageOf(r: (k: string) => number, low: boolean): string {
  return (low ? 35 + r("coverage") * 20 : 62 + r("coverage") * 33).toFixed(1);
}

function testFigures(gitUrl: string, commit: string, fail: boolean, lowCoverage: boolean): TestFigures {
  const r = (k: string) => unit(gitUrl, commit, k);
  const total = 40 + Math.floor(r("total") * 360);
  const skipped = Math.floor(r("skipped") * 4);
  const failed = fail ? 1 + Math.floor(r("failed") * 3) : 0;
  return {
    total,
    failed,
    skipped,
    passed: total - failed - skipped,
    coverage: coverageOf(r, lowCoverage),
    seconds: (2 + r("seconds") * 40).toFixed(2),
  };
}

const FAILING_TESTS = [
  ["OrderServiceTest", "createsOrderWithDiscount", "expected: <90.00> but was: <100.00>"],
  ["PaymentClientTest", "retriesOnTimeout", "expected: <3> but was: <1>"],
  ["CartControllerTest", "rejectsEmptyCart", "expected status <400> but was <500>"],
] as const;

function testLines(lang: Lang, f: TestFigures): string[] {
  const failing = FAILING_TESTS.slice(0, f.failed);
  const cov = `Coverage: ${f.coverage}% of statements`;
  switch (lang) {
    case "java":
      return [
        "[INFO] Scanning for projects...",
        "[INFO] --- maven-surefire-plugin:3.2.5:test (default-test) ---",
        "[INFO] -------------------------------------------------------",
        "[INFO]  T E S T S",
        "[INFO] -------------------------------------------------------",
        ...failing.flatMap(([cls, m, why]) => [
          `[ERROR] Tests run: 12, Failures: 1, Errors: 0, Skipped: 0 <<< FAILURE! - in com.example.${cls}`,
          `[ERROR] com.example.${cls}.${m}  Time elapsed: 0.041 s  <<< FAILURE!`,
          `org.opentest4j.AssertionFailedError: ${why}`,
          `\tat com.example.${cls}.${m}(${cls}.java:${40 + m.length})`,
        ]),
        `[${f.failed ? "ERROR" : "INFO"}] Tests run: ${f.total}, Failures: ${f.failed}, Errors: 0, Skipped: ${f.skipped}`,
        `[INFO] ${cov}`,
        f.failed ? "[INFO] BUILD FAILURE" : "[INFO] BUILD SUCCESS",
        `[INFO] Total time:  ${f.seconds} s`,
      ];
    case "node":
      return [
        "> test",
        "> vitest run --coverage",
        "",
        ...failing.flatMap(([cls, m, why]) => [` FAIL  src/${cls}.test.ts > ${cls} > ${m}`, `AssertionError: ${why}`]),
        ` Test Files  ${f.failed ? `${f.failed} failed | ` : ""}${Math.ceil(f.total / 12)} passed`,
        `      Tests  ${f.failed ? `${f.failed} failed | ` : ""}${f.passed} passed | ${f.skipped} skipped (${f.total})`,
        `   Duration  ${f.seconds}s`,
        ` % Coverage report from v8: All files ${f.coverage}%`,
      ];
    case "python":
      return [
        "============================= test session starts ==============================",
        "platform linux -- Python 3.12.3, pytest-8.2.0, pluggy-1.5.0",
        `collected ${f.total} items`,
        ...failing.flatMap(([cls, m, why]) => [`FAILED tests/test_${cls.toLowerCase()}.py::test_${m} - AssertionError: ${why}`]),
        `TOTAL    ${f.coverage}%`,
        `===== ${f.failed ? `${f.failed} failed, ` : ""}${f.passed} passed, ${f.skipped} skipped in ${f.seconds}s =====`,
      ];
    case "go":
      return [
        ...failing.flatMap(([cls, m, why]) => [`--- FAIL: Test${cls}_${m} (0.04s)`, `    ${cls.toLowerCase()}_test.go:42: ${why}`]),
        f.failed ? "FAIL" : "PASS",
        `coverage: ${f.coverage}% of statements`,
        `${f.failed ? "FAIL" : "ok  "}\texample.com/app\t${f.seconds}s`,
        `DONE ${f.total} tests${f.skipped ? `, ${f.skipped} skipped` : ""}${f.failed ? `, ${f.failed} failures` : ""}`,
      ];
    default:
      return [
        "Running tests...",
        ...failing.flatMap(([cls, m, why]) => [`FAIL ${cls}.${m}: ${why}`]),
        `Ran ${f.total} tests in ${f.seconds}s`,
        cov,
        f.failed ? `FAILED (failures=${f.failed}, skipped=${f.skipped})` : `OK (skipped=${f.skipped})`,
      ];
  }
}

/** The program of one step. */
export function stepProgram(input: StepInput): StepProgram {
  const kind = stepKind(input.name, input.image);
  const markers = markersOf(input.params);
  const src = sourceOf(input.params, input.namespace, input.owner);
  const fail = FAIL_MARKERS[kind].some((m) => markers.has(m));
  const slow = markers.has("slow") ? 10 : 1;
  const jitter = 0.75 + unit(src.commit, input.owner, input.name, "ms") * 0.5;
  const ms = Math.round(input.stepMs * KIND_WEIGHT[kind] * jitter * slow);
  const lines: string[] = [];
  const results: Record<string, string> = {};
  const short = src.commit.slice(0, 7);
  const ref = src.image.replace(/@.*$/, "");
  const repo = ref.replace(/:[^:/]+$/, "");
  const tag = ref.length > repo.length ? ref.slice(repo.length + 1) : "latest";
  const buildLines = () => [
    `INFO[0000] Building ${ref} from ${src.gitUrl} @ ${short}`,
    "#1 [internal] load build definition from Dockerfile",
    "#1 transferring dockerfile: 612B done",
    "#2 [internal] load metadata for docker.io/library/eclipse-temurin:21-jre",
    "#3 [build 1/4] COPY . /src",
    "#4 [build 2/4] RUN make build",
    "#5 [stage-1 2/2] COPY --from=build /src/out /app",
    "#6 exporting to image",
    `#6 writing image ${src.digest} done`,
    `#6 naming to ${ref} done`,
  ];
  const pushLines = () => [
    `Pushing ${ref}`,
    `The push refers to repository [${repo}]`,
    ...[0, 1, 2].map((i) => `${sha("sha256", `${src.digest}${i}`).slice(0, 12)}: Pushed`),
    `${tag}: digest: ${src.digest} size: 1573`,
  ];
  switch (kind) {
    case "clone":
      lines.push(
        `Cloning ${src.gitUrl} @ ${src.revision}`,
        `+ git init /workspace/source`,
        `Initialized empty Git repository in /workspace/source/.git/`,
        `+ git fetch --depth=1 origin ${src.revision}`,
        `From ${src.gitUrl}`,
        ` * branch            ${src.revision} -> FETCH_HEAD`,
      );
      if (fail) {
        lines.push(`fatal: couldn't find remote ref ${src.revision}`);
        break;
      }
      lines.push(
        `+ git checkout -q FETCH_HEAD`,
        `HEAD is now at ${short} ${src.message}`,
        `Successfully cloned ${src.gitUrl} @ ${src.commit} in path /workspace/source`,
      );
      results.commit = src.commit;
      results.url = src.gitUrl;
      break;
    case "test": {
      const f = testFigures(src.gitUrl, src.commit, fail, markers.has("low-coverage"));
      lines.push(...testLines(langOf(input.image, input.script), f));
      Object.assign(results, {
        "tests-passed": String(f.passed),
        "tests-failed": String(f.failed),
        "tests-skipped": String(f.skipped),
        "tests-total": String(f.total),
        coverage: f.coverage,
      });
      break;
    }
    case "build":
    case "build-push":
      lines.push(...buildLines());
      if (fail && markers.has("fail-build")) {
        lines.splice(
          5,
          5,
          "#4 [build 2/4] RUN make build",
          "#4 0.912 error: compilation failed: src/main.rs:42: expected `;`",
          '#4 ERROR: process "/bin/sh -c make build" did not complete successfully: exit code: 2',
        );
        lines.push('error: failed to solve: process "/bin/sh -c make build" did not complete successfully: exit code: 2');
        break;
      }
      results["image-url"] = ref;
      results["image-digest"] = src.digest;
      if (kind === "build") break;
      lines.push(...pushLines());
      if (fail) lines.splice(lines.length - 1, 1, `error: failed to push ${ref}: unexpected status from PUT request: 401 Unauthorized`);
      break;
    case "push":
      lines.push(...pushLines());
      if (fail) {
        lines.splice(lines.length - 1, 1, `error: failed to push ${ref}: unexpected status from PUT request: 401 Unauthorized`);
        break;
      }
      results["image-url"] = ref;
      results["image-digest"] = src.digest;
      break;
    case "deploy":
      lines.push(
        `Deploying ${ref}@${src.digest}`,
        "Waiting for rollout to finish: 0 of 1 updated replicas are available...",
        fail ? "error: deployment exceeded its progress deadline" : "deployment successfully rolled out",
      );
      break;
    default: {
      const first = (input.script ?? "").split("\n").find((l) => l.trim() && !l.startsWith("#!"));
      lines.push(`+ ${first?.trim() ?? input.name}`, "done");
    }
  }
  return { kind, ms, exitCode: fail ? 1 : 0, lines, results };
}

/** Canonical result names and the declared names (compared without case, `-` and `_`) they fill. */
const RESULT_ALIASES: Record<string, string[]> = {
  commit: ["commit", "gitcommit", "commitsha", "sha"],
  url: ["url", "giturl"],
  "image-url": ["imageurl", "imageref", "imagereference"],
  "image-digest": ["imagedigest", "digest"],
  "tests-passed": ["testspassed", "testpassed", "passed"],
  "tests-failed": ["testsfailed", "testfailed", "failed", "failures"],
  "tests-skipped": ["testsskipped", "testskipped", "skipped"],
  "tests-total": ["teststotal", "testtotal", "testcount", "tests", "total"],
  coverage: ["coverage", "testcoverage", "linecoverage"],
};
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The value a declared task result gets from what the steps wrote, if any. */
export function resultFor(declared: string, written: Record<string, string>): string | undefined {
  const n = norm(declared);
  for (const [canonical, aliases] of Object.entries(RESULT_ALIASES)) if (aliases.includes(n) && written[canonical] !== undefined) return written[canonical];
  return undefined;
}
