/**
 * The seed job: a project's CI generated from its metadata. Pure and
 * deterministic (no clock, no I/O, services in slug order): the same metadata
 * always gives the same objects, which is what makes the regeneration plan's
 * diff mean something.
 *
 * For the project's CI namespace `<project>-ci` on the build cluster:
 * - a ServiceAccount `wharf-pipeline` the runs use;
 * - Tasks `clone`, `test` (the template's toolchain steps, then a report of
 *   test counts and coverage as results, then the quality gates), `build`
 *   (kaniko, to a tarball) and `push` (crane; results IMAGE_URL and
 *   IMAGE_DIGEST);
 * - a Pipeline per service, named after it: clone -> test -> build -> push,
 *   with params git-url, git-revision, commit-message, image, build and push
 *   (what the branch policy asks of a ref is decided by whoever starts the
 *   run; the policy is on the Pipeline as an annotation for people).
 * For Jenkins shops: Jenkins Job Builder YAML (a pipeline job per service)
 * and a Jenkinsfile calling the `wharf-pipelines` shared library.
 */
import type { EnvKind } from "@/lib/catalog/environments";
import { groovyStringLiteral } from "@/lib/templates/escape";
import { DEFAULT_IMAGE_REGISTRY } from "@/lib/templates/render";
import { toYaml } from "@/lib/yaml";
import type { TCiSettings } from "./settings";
import { assertValidTekton, type CiObject } from "./tekton";
import type { TToolchain } from "./toolchain";

/** What the generator reads: a project's metadata, its CI settings and its template's toolchain. */
export interface CiInput {
  project: { slug: string; name: string; team: string; repositoryUrl: string; templateId: string; language: string };
  services: { slug: string; kind: string }[];
  environments: EnvKind[];
  settings: TCiSettings;
  toolchain: TToolchain;
  /** Image registry host (and path prefix); images are `<registry>/<project>/<service>`. */
  registry?: string;
}

export interface GeneratedCi {
  namespace: string;
  /** The Namespace first, then the ServiceAccount, Tasks and Pipelines: the order they are applied in. */
  objects: GeneratedObject[];
  jenkins: { jobs: string; jenkinsfile: string } | null;
}

export interface NamespaceObject {
  apiVersion: "v1";
  kind: "Namespace";
  metadata: { name: string; labels: Record<string, string> };
}
export type GeneratedObject = NamespaceObject | CiObject;

/** The labels every generated object carries; the plan finds what Wharf applied by them. */
export const CI_LABEL = "wharf.dev/component";
export const MANAGED_BY = "app.kubernetes.io/managed-by";

export function ciNamespace(projectSlug: string) {
  return `${projectSlug}-ci`;
}

export const PIPELINE_SERVICE_ACCOUNT = "wharf-pipeline";
export const TASKS = ["clone", "test", "build", "push"] as const;

/** The image a service's pipeline pushes, without a tag (the deploy machinery's convention). */
export function imageRepository(registry: string, project: string, service: string) {
  return `${registry}/${project}/${service}`;
}

/** A service's source: the repository root when the project has one service, its own folder otherwise. */
export function serviceContext(services: readonly { slug: string }[], service: string) {
  return services.length === 1 ? "." : service;
}

const sh = (lines: string[]) => `#!/bin/sh\nset -eu\n${lines.join("\n")}\n`;

/** Counts JUnit test cases, failures and skips in every XML file under $JUNIT_DIR (any reporter: cases are counted, not suites). */
const JUNIT_AWK = String.raw`awk 'BEGIN { RS = "<" } /^testcase[ >\/]/ { t++ } /^(failure|error)[ >\/]/ { f++ } /^skipped[ >\/]/ { s++ } END { printf "%d %d %d\n", t, f, s }'`;

const COVERAGE_AWK: Record<string, string> = {
  "jacoco-csv": String.raw`awk -F, 'NR > 1 { m += $8; c += $9 } END { if (m + c > 0) printf "%.1f", 100 * c / (m + c); else printf "0" }' "$COVERAGE_FILE"`,
  lcov: String.raw`awk -F: '$1 == "LF" { f += $2 } $1 == "LH" { h += $2 } END { if (f > 0) printf "%.1f", 100 * h / f; else printf "0" }' "$COVERAGE_FILE"`,
  cobertura: String.raw`awk 'match($0, /line-rate="[0-9.]+"/) { v = substr($0, RSTART + 11, RLENGTH - 12); printf "%.1f", 100 * v; exit }' "$COVERAGE_FILE"`,
};

function labels(input: CiInput, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [MANAGED_BY]: "wharf",
    [CI_LABEL]: "ci",
    "app.kubernetes.io/part-of": input.project.slug,
    "wharf.dev/project": input.project.slug,
    "wharf.dev/team": input.project.team,
    ...extra,
  };
}

function meta(input: CiInput, name: string, extra: Record<string, string> = {}) {
  return { name, namespace: ciNamespace(input.project.slug), labels: labels(input, extra) };
}

function cloneTask(input: CiInput): CiObject {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: meta(input, "clone"),
    spec: {
      description: "Checks out one revision of the repository.",
      params: [
        { name: "url", type: "string", description: "The repository to clone." },
        { name: "revision", type: "string", description: "The branch, tag or commit." },
      ],
      workspaces: [{ name: "output", description: "Where the source is checked out." }],
      results: [{ name: "commit", description: "The commit that was checked out." }],
      steps: [
        {
          name: "clone",
          image: "alpine/git:2.45.2",
          // Parameters reach the script as variables, never pasted into its text (no script injection).
          env: [
            { name: "HOME", value: "/tmp" },
            { name: "GIT_URL", value: "$(params.url)" },
            { name: "GIT_REVISION", value: "$(params.revision)" },
          ],
          script: sh([
            "git config --global --add safe.directory '*'",
            'cd "$(workspaces.output.path)"',
            "git init -q .",
            'git remote add origin "$GIT_URL"',
            'git fetch -q --depth 1 origin "$GIT_REVISION"',
            "git checkout -q FETCH_HEAD",
            "git rev-parse HEAD | tr -d '\\n' > \"$(results.commit.path)\"",
          ]),
        },
      ],
    },
  };
}

function testTask(input: CiInput): unknown {
  const { reports } = input.toolchain.test;
  const coverage = reports.coverage;
  const workingDir = "$(workspaces.source.path)/$(params.context)";
  // The template's steps as written (validated with the Task), run in the service's folder unless they say otherwise.
  const steps = input.toolchain.test.steps.map((s) => (s && typeof s === "object" && !Array.isArray(s) && !("workingDir" in s) ? { ...s, workingDir } : s));
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: meta(input, "test", { "wharf.dev/toolchain": input.toolchain.language }),
    spec: {
      description: `Runs the ${input.toolchain.language} tests, reports counts and coverage, and applies the quality gates.`,
      params: [
        { name: "context", type: "string", description: "The service's folder in the repository.", default: "." },
        { name: "min-coverage", type: "string", description: "The least line coverage in percent (0: none).", default: String(input.settings.gates.coverage) },
        { name: "require-passing", type: "string", description: "Fail when a test failed (true or false).", default: String(input.settings.gates.testsPass) },
      ],
      workspaces: [{ name: "source", description: "The checked-out repository." }],
      results: [
        { name: "TESTS_PASSED", description: "Test cases that passed." },
        { name: "TESTS_FAILED", description: "Test cases that failed or errored." },
        { name: "TESTS_SKIPPED", description: "Test cases that were skipped." },
        { name: "COVERAGE", description: "Line coverage in percent (empty: not measured)." },
      ],
      steps: [
        ...steps,
        {
          name: "report",
          image: "busybox:1.36",
          workingDir,
          env: [{ name: "JUNIT_DIR", value: reports.junit }, ...(coverage ? [{ name: "COVERAGE_FILE", value: coverage.path }] : [])],
          script: sh([
            "counts=0 failed=0 skipped=0",
            'if [ -d "$JUNIT_DIR" ]; then',
            `  set -- $(find "$JUNIT_DIR" -name '*.xml' -exec cat {} + | ${JUNIT_AWK})`,
            "  counts=$1 failed=$2 skipped=$3",
            "fi",
            'printf %s "$((counts - failed - skipped))" > "$(results.TESTS_PASSED.path)"',
            'printf %s "$failed" > "$(results.TESTS_FAILED.path)"',
            'printf %s "$skipped" > "$(results.TESTS_SKIPPED.path)"',
            coverage
              ? `if [ -f "$COVERAGE_FILE" ]; then ${COVERAGE_AWK[coverage.format]} > "$(results.COVERAGE.path)"; else printf '' > "$(results.COVERAGE.path)"; fi`
              : `printf '' > "$(results.COVERAGE.path)"`,
            'echo "tests: $((counts - failed - skipped)) passed, $failed failed, $skipped skipped; coverage: $(cat "$(results.COVERAGE.path)")"',
          ]),
        },
        {
          name: "gate",
          image: "busybox:1.36",
          env: [
            { name: "MIN_COVERAGE", value: "$(params.min-coverage)" },
            { name: "REQUIRE_PASSING", value: "$(params.require-passing)" },
          ],
          script: sh([
            'failed=$(cat "$(results.TESTS_FAILED.path)")',
            'coverage=$(cat "$(results.COVERAGE.path)")',
            'if [ "$REQUIRE_PASSING" = "true" ] && [ "$failed" -gt 0 ]; then echo "Quality gate: $failed test(s) failed."; exit 1; fi',
            'if [ "${MIN_COVERAGE:-0}" != "0" ]; then',
            '  if [ -z "$coverage" ]; then echo "Quality gate: coverage was not measured (at least $MIN_COVERAGE% is required)."; exit 1; fi',
            '  if awk -v c="$coverage" -v m="$MIN_COVERAGE" \'BEGIN { exit !(c + 0 < m + 0) }\'; then echo "Quality gate: coverage $coverage% is below $MIN_COVERAGE%."; exit 1; fi',
            "fi",
            'echo "Quality gates passed."',
          ]),
        },
      ],
    },
  };
}

function buildTask(input: CiInput): CiObject {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: meta(input, "build"),
    spec: {
      description: "Builds the service's image with kaniko, to a tarball the push task sends.",
      params: [
        { name: "context", type: "string", description: "The service's folder in the repository.", default: "." },
        { name: "image", type: "string", description: "The image reference the build is tagged with." },
      ],
      workspaces: [{ name: "source", description: "The checked-out repository." }],
      steps: [
        {
          name: "build",
          image: "gcr.io/kaniko-project/executor:v1.23.2",
          args: [
            "--dockerfile=$(workspaces.source.path)/$(params.context)/Dockerfile",
            "--context=$(workspaces.source.path)/$(params.context)",
            "--destination=$(params.image)",
            "--no-push",
            "--tar-path=$(workspaces.source.path)/.wharf/image.tar",
          ],
        },
      ],
    },
  };
}

function pushTask(input: CiInput): CiObject {
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Task",
    metadata: meta(input, "push"),
    spec: {
      description: "Pushes the built image and reports its reference and digest.",
      params: [{ name: "image", type: "string", description: "The image reference to push to." }],
      workspaces: [
        { name: "source", description: "The checked-out repository with the built image." },
        { name: "dockerconfig", description: "A config.json with the registry credentials.", optional: true },
      ],
      results: [
        { name: "IMAGE_URL", description: "The image reference pushed." },
        { name: "IMAGE_DIGEST", description: "The digest of the pushed image (sha256:...)." },
      ],
      steps: [
        {
          name: "push",
          image: "gcr.io/go-containerregistry/crane:debug",
          env: [
            { name: "IMAGE", value: "$(params.image)" },
            { name: "DOCKER_CONFIG", value: "$(workspaces.dockerconfig.path)" },
          ],
          script: sh([
            'ref=$(crane push "$(workspaces.source.path)/.wharf/image.tar" "$IMAGE")',
            'printf %s "$IMAGE" > "$(results.IMAGE_URL.path)"',
            'printf %s "${ref##*@}" > "$(results.IMAGE_DIGEST.path)"',
            'echo "pushed $ref"',
          ]),
        },
      ],
    },
  };
}

function pipeline(input: CiInput, service: { slug: string; kind: string }): CiObject {
  const registry = input.registry ?? DEFAULT_IMAGE_REGISTRY;
  return {
    apiVersion: "tekton.dev/v1",
    kind: "Pipeline",
    metadata: {
      ...meta(input, service.slug, { "wharf.dev/service": service.slug }),
      annotations: {
        "wharf.dev/branch-policy": JSON.stringify(input.settings.branchPolicy),
        "wharf.dev/quality-gates": JSON.stringify(input.settings.gates),
      },
    },
    spec: {
      description: `Clone, test, build and push ${input.project.slug}/${service.slug}. Generated by Wharf from the project's metadata: regenerate, do not edit.`,
      params: [
        { name: "git-url", type: "string", description: "The repository to build.", default: input.project.repositoryUrl },
        { name: "git-revision", type: "string", description: "The branch, tag or commit to build.", default: "develop" },
        { name: "commit-message", type: "string", description: "The commit's message (shown with the run).", default: "" },
        {
          name: "image",
          type: "string",
          description: "The image reference to push, usually tagged with the commit.",
          default: `${imageRepository(registry, input.project.slug, service.slug)}:latest`,
        },
        { name: "build", type: "string", description: "Build the image (true or false), as the branch policy says.", default: "true" },
        { name: "push", type: "string", description: "Push the image (true or false), as the branch policy says.", default: "false" },
      ],
      workspaces: [
        { name: "source", description: "The checked-out repository (a volumeClaimTemplate per run)." },
        { name: "docker-credentials", description: "A Secret with a config.json holding the registry credentials.", optional: true },
      ],
      results: [
        { name: "IMAGE_URL", description: "The image pushed.", value: "$(tasks.push.results.IMAGE_URL)" },
        { name: "IMAGE_DIGEST", description: "The digest of the image pushed.", value: "$(tasks.push.results.IMAGE_DIGEST)" },
        { name: "TESTS_PASSED", description: "Test cases that passed.", value: "$(tasks.test.results.TESTS_PASSED)" },
        { name: "TESTS_FAILED", description: "Test cases that failed.", value: "$(tasks.test.results.TESTS_FAILED)" },
        { name: "COVERAGE", description: "Line coverage in percent.", value: "$(tasks.test.results.COVERAGE)" },
      ],
      tasks: [
        {
          name: "clone",
          taskRef: { name: "clone" },
          params: [
            { name: "url", value: "$(params.git-url)" },
            { name: "revision", value: "$(params.git-revision)" },
          ],
          workspaces: [{ name: "output", workspace: "source" }],
        },
        {
          name: "test",
          taskRef: { name: "test" },
          runAfter: ["clone"],
          params: [{ name: "context", value: serviceContext(input.services, service.slug) }],
          workspaces: [{ name: "source", workspace: "source" }],
        },
        {
          name: "build",
          taskRef: { name: "build" },
          runAfter: ["test"],
          when: [{ input: "$(params.build)", operator: "in", values: ["true"] }],
          params: [
            { name: "context", value: serviceContext(input.services, service.slug) },
            { name: "image", value: "$(params.image)" },
          ],
          workspaces: [{ name: "source", workspace: "source" }],
        },
        {
          name: "push",
          taskRef: { name: "push" },
          runAfter: ["build"],
          when: [{ input: "$(params.push)", operator: "in", values: ["true"] }],
          params: [{ name: "image", value: "$(params.image)" }],
          workspaces: [
            { name: "source", workspace: "source" },
            { name: "dockerconfig", workspace: "docker-credentials" },
          ],
        },
      ],
    },
  };
}

function groovy(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(groovy).join(", ")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length
      ? `[${entries.map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : groovyStringLiteral(k)}: ${groovy(v)}`).join(", ")}]`
      : "[:]";
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return groovyStringLiteral(value ?? "");
}

function jenkinsfile(input: CiInput): string {
  const registry = input.registry ?? DEFAULT_IMAGE_REGISTRY;
  const services = Object.fromEntries(
    input.services.map((s) => [s.slug, { context: serviceContext(input.services, s.slug), image: imageRepository(registry, input.project.slug, s.slug) }]),
  );
  const args: [string, unknown][] = [
    ["project", input.project.slug],
    ["team", input.project.team],
    ["language", input.toolchain.language],
    ["buildImage", input.toolchain.jenkins.buildImage],
    ["testCommand", input.toolchain.jenkins.testCommand],
    ["services", services],
    ["branchPolicy", input.settings.branchPolicy],
    ["gates", input.settings.gates],
  ];
  return [
    `// CI of ${input.project.slug}, generated by Wharf from the project's metadata: regenerate, do not edit.`,
    "// The shared library runs the stages (checkout, test with gates, build, push) and, as the branch",
    "// policy says, reports the image to Wharf for promotion. Each Jenkins job passes the SERVICE it builds.",
    "@Library('wharf-pipelines') _",
    "",
    "wharfPipeline(",
    "  service: params.SERVICE,",
    ...args.map(([k, v], i) => `  ${k}: ${groovy(v)}${i === args.length - 1 ? "" : ","}`),
    ")",
    "",
  ].join("\n");
}

function jenkinsJobs(input: CiInput): string {
  const branches = input.settings.branchPolicy.map((r) => (r.ref === "tag" ? `refs/tags/${r.match}` : `*/${r.match}`));
  const jobs = input.services.map((s) => ({
    job: {
      name: `${input.project.slug}-${s.slug}`,
      "display-name": `${input.project.name} / ${s.slug}`,
      description: `CI of ${input.project.slug}/${s.slug}, generated by Wharf from the project's metadata. Changes made in Jenkins are overwritten.`,
      "project-type": "pipeline",
      concurrent: false,
      properties: [{ "build-discarder": { "num-to-keep": 100 } }],
      parameters: [
        { string: { name: "SERVICE", default: s.slug, description: "The service this job builds." } },
        { string: { name: "GIT_REVISION", default: "develop", description: "The branch, tag or commit to build." } },
        { string: { name: "COMMIT_MESSAGE", default: "", description: "The commit's message." } },
      ],
      "pipeline-scm": {
        scm: [{ git: { url: input.project.repositoryUrl, branches, "wipe-workspace": false } }],
        "script-path": "Jenkinsfile",
        "lightweight-checkout": true,
      },
    },
  }));
  return `# Jenkins Job Builder jobs of ${input.project.slug}, generated by Wharf: jenkins-jobs update this file.\n${toYaml(jobs)}`;
}

/**
 * Generates a project's CI. Throws PRECONDITION_FAILED naming the resource
 * and field when the result is not valid Tekton (a template's broken steps).
 */
export function generateCi(input: CiInput): GeneratedCi {
  const sorted = { ...input, services: [...input.services].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)) };
  const namespace = ciNamespace(sorted.project.slug);
  const tekton: unknown[] = [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: meta(sorted, PIPELINE_SERVICE_ACCOUNT),
      automountServiceAccountToken: false,
    },
    cloneTask(sorted),
    testTask(sorted),
    buildTask(sorted),
    pushTask(sorted),
    ...sorted.services.map((s) => pipeline(sorted, s)),
  ];
  const valid = assertValidTekton(tekton, sorted.project.slug);
  const ns: NamespaceObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { ...labels(sorted), "wharf.dev/role": "ci" } } };
  return {
    namespace,
    objects: [ns, ...valid],
    jenkins: sorted.settings.jenkins ? { jobs: jenkinsJobs(sorted), jenkinsfile: jenkinsfile(sorted) } : null,
  };
}
