/**
 * Generation from metadata: deterministic, per template and services, valid
 * Tekton (checked by the v1 schema before anything is applied), and Jenkins
 * Job Builder YAML that the real `jenkins-jobs test` accepts.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { toYamlDocuments } from "@/lib/yaml";
import { parseGroovy } from "@/lib/templates/testing/parsers";
import { generateCi, type CiInput } from "./generate";
import { ciSettingsOf, ruleFor, DEFAULT_BRANCH_POLICY } from "./settings";
import { checkTekton, type TTektonPipeline, type TTektonTask } from "./tekton";
import { loadToolchain, parseToolchain } from "./toolchain";

const BUILTIN = { builtin: path.resolve(process.cwd(), "templates") };

async function inputFor(templateId: string, language: string, services: string[], settings: unknown = {}): Promise<CiInput> {
  return {
    project: { slug: "shop", name: "Shop", team: "retail", repositoryUrl: "http://localhost:3000/git/shop.git", templateId, language },
    services: services.map((slug) => ({ slug, kind: "api" })),
    environments: ["dev", "prod"],
    settings: ciSettingsOf(settings),
    toolchain: await loadToolchain({ templateId, language }, BUILTIN),
  };
}

const byKind = <T>(objects: readonly { kind: string }[], kind: string) => objects.filter((o) => o.kind === kind) as T[];

describe("CI generated from a project's metadata", () => {
  it("is the same for the same metadata, whatever the order of its services", async () => {
    const a = generateCi(await inputFor("spring-boot", "java", ["api", "worker"]));
    const b = generateCi(await inputFor("spring-boot", "java", ["worker", "api"]));
    expect(toYamlDocuments(a.objects)).toEqual(toYamlDocuments(b.objects));
    expect(a.namespace).toBe("shop-ci");
    expect(a.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/shop-ci",
      "ServiceAccount/wharf-pipeline",
      "Task/clone",
      "Task/test",
      "Task/build",
      "Task/push",
      "Pipeline/api",
      "Pipeline/worker",
    ]);
  });

  it("tests a Java/Spring project with Maven and JaCoCo and a Node project with node:test and lcov; the rest is the same", async () => {
    const java = generateCi(await inputFor("spring-boot", "java", ["api"]));
    const node = generateCi(await inputFor("node-ts", "typescript", ["api"]));
    const testOf = (g: typeof java) => byKind<TTektonTask>(g.objects, "Task").find((t) => t.metadata.name === "test")!;
    expect(testOf(java).spec.steps.map((s) => s.name)).toEqual(["test", "report", "gate"]);
    expect(testOf(java).spec.steps[0]!.image).toMatch(/^maven:3\.9-eclipse-temurin-21/);
    expect(testOf(java).spec.steps[0]!.script).toContain("jacoco");
    expect(testOf(node).spec.steps.map((s) => s.name)).toEqual(["install", "test", "report", "gate"]);
    expect(testOf(node).spec.steps[1]!.image).toMatch(/^node:22/);
    expect(testOf(node).spec.steps[2]!.env).toContainEqual({ name: "COVERAGE_FILE", value: "reports/lcov.info" });
    expect(testOf(java).metadata.labels?.["wharf.dev/toolchain"]).toBe("java");
    // Clone, build, push and the pipelines do not depend on the language.
    const others = (g: typeof java) => g.objects.filter((o) => !(o.kind === "Task" && o.metadata.name === "test"));
    expect(toYamlDocuments(others(java))).toEqual(toYamlDocuments(others(node)));
  });

  it("gives each service a pipeline with the contract's params, its image and folder, and results for image, digest, tests and coverage", async () => {
    const g = generateCi(await inputFor("node-ts", "typescript", ["api", "worker"], { gates: { coverage: 75 } }));
    const pipelines = byKind<TTektonPipeline>(g.objects, "Pipeline");
    const worker = pipelines.find((p) => p.metadata.name === "worker")!;
    expect(worker.spec.params!.map((p) => p.name)).toEqual(["git-url", "git-revision", "commit-message", "image", "build", "push"]);
    expect(worker.spec.params!.find((p) => p.name === "image")!.default).toBe("registry.wharf.local/shop/worker:latest");
    expect(worker.spec.params!.find((p) => p.name === "git-url")!.default).toBe("http://localhost:3000/git/shop.git");
    expect(worker.spec.tasks.map((t) => t.name)).toEqual(["clone", "test", "build", "push"]);
    expect(worker.spec.tasks[1]!.params).toEqual([{ name: "context", value: "worker" }]);
    expect(worker.spec.results!.map((r) => r.name)).toEqual(["IMAGE_URL", "IMAGE_DIGEST", "TESTS_PASSED", "TESTS_FAILED", "COVERAGE"]);
    expect(JSON.parse(worker.metadata.annotations!["wharf.dev/branch-policy"]!)).toEqual(DEFAULT_BRANCH_POLICY);
    const test = byKind<TTektonTask>(g.objects, "Task").find((t) => t.metadata.name === "test")!;
    expect(test.spec.params!.find((p) => p.name === "min-coverage")!.default).toBe("75");
    // One service builds from the repository's root.
    const single = generateCi(await inputFor("node-ts", "typescript", ["api"]));
    expect(byKind<TTektonPipeline>(single.objects, "Pipeline")[0]!.spec.tasks[1]!.params).toEqual([{ name: "context", value: "." }]);
    expect(g.jenkins).toBeNull();
  });

  it("applies the GitFlow defaults: feature branches test, develop deploys to dev, release branches to test and staging, v* tags open a production ticket", () => {
    const policy = ciSettingsOf({}).branchPolicy;
    expect(ruleFor(policy, { kind: "branch", name: "feature/login" })).toMatchObject({ build: false, push: false, deploy: [] });
    expect(ruleFor(policy, { kind: "branch", name: "develop" })).toMatchObject({ build: true, push: true, deploy: ["dev"] });
    expect(ruleFor(policy, { kind: "branch", name: "release/1.2" })).toMatchObject({ deploy: ["test", "staging"] });
    expect(ruleFor(policy, { kind: "tag", name: "v1.2.0" })).toMatchObject({ deploy: [], ticket: ["prod"] });
    expect(ruleFor(policy, { kind: "branch", name: "main" })).toBeNull();
    expect(ruleFor(policy, { kind: "branch", name: "feature/a/b" })).toBeNull();
    expect(ciSettingsOf({ gates: { coverage: 80 } }).gates).toEqual({ testsPass: true, coverage: 80 });
  });

  it("refuses a template whose CI steps render invalid Tekton, naming the resource and the field", async () => {
    const toolchain = parseToolchain(
      [
        "language: java",
        "test:",
        "  steps:",
        "    - name: compile",
        "      image: maven:3.9",
        "      script: mvn -B compile",
        "    - name: test",
        "      scripts: mvn -B verify",
        "  reports: { junit: target/surefire-reports }",
        "jenkins: { buildImage: maven:3.9, testCommand: mvn -B verify }",
      ].join("\n"),
    );
    const input = { ...(await inputFor("spring-boot", "java", ["api"])), toolchain };
    let error: unknown;
    try {
      generateCi(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).userMessage).toMatch(/^The pipeline generated for shop is not valid Tekton: Task test: spec\.steps\[1\]\.image/);
    expect(Object.keys((error as AppError).fieldErrors!)).toEqual(["Task test: spec.steps[1].image", "Task test: spec.steps[1]"]);
    expect((error as AppError).fieldErrors!["Task test: spec.steps[1]"]![0]).toMatch(/scripts/);
  });

  it("refuses references to parameters, results and tasks that do not exist", async () => {
    const g = generateCi(await inputFor("node-ts", "typescript", ["api"]));
    const broken = structuredClone(g.objects.slice(1));
    const pipeline = broken.find((o): o is TTektonPipeline => o.kind === "Pipeline")!;
    pipeline.spec.tasks[2]!.runAfter = ["deploy"];
    pipeline.spec.tasks[0]!.params![0]!.value = "$(params.repo)";
    const clone = broken.find((o): o is TTektonTask => o.kind === "Task" && o.metadata.name === "clone")!;
    clone.spec.steps[0]!.script += 'echo "$(results.sha.path)"\n';
    expect(checkTekton(broken)).toEqual([
      { resource: "Task clone", path: "spec.steps[0].script", message: 'refers to the undeclared result "sha"' },
      { resource: "Pipeline api", path: "spec.tasks[2].runAfter[0]", message: '"deploy" is not an earlier task' },
      { resource: "Pipeline api", path: "spec.tasks[0].params[0].value", message: 'refers to the undeclared parameter "repo"' },
    ]);
  });

  it("writes Jenkins Job Builder YAML that jenkins-jobs test accepts (a job per service on the shared library) and a Jenkinsfile Groovy parses", async () => {
    const g = generateCi(await inputFor("spring-boot", "java", ["api", "worker"], { jenkins: true }));
    expect(g.jenkins).not.toBeNull();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-jjb-"));
    try {
      fs.writeFileSync(path.join(dir, "jobs.yaml"), g.jenkins!.jobs);
      const out = path.join(dir, "out");
      const r = spawnSync("jenkins-jobs", ["--conf", "/dev/null", "test", path.join(dir, "jobs.yaml"), "-o", out], { encoding: "utf8" });
      expect(r.error, "jenkins-jobs is not installed: apt-get install jenkins-job-builder").toBeUndefined();
      expect(r.stderr).not.toMatch(/error|exception/i);
      expect(r.status).toBe(0);
      expect(fs.readdirSync(out).sort()).toEqual(["shop-api", "shop-worker"]);
      const xml = fs.readFileSync(path.join(out, "shop-worker"), "utf8");
      expect(xml).toContain("<flow-definition");
      expect(xml).toContain("<scriptPath>Jenkinsfile</scriptPath>");
      expect(xml).toContain("<url>http://localhost:3000/git/shop.git</url>");
      expect(xml).toContain("<name>*/develop</name>");
      expect(xml).toContain("<name>refs/tags/v*</name>");
      expect(xml).toMatch(/<name>SERVICE<\/name>\s*<description>[^<]*<\/description>\s*<defaultValue>worker<\/defaultValue>/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const [parsed] = parseGroovy({ Jenkinsfile: g.jenkins!.jenkinsfile });
    expect("error" in parsed! ? parsed.error : "").toBe("");
    const call = "statements" in parsed! ? parsed.statements.find((s) => "call" in s) : undefined;
    expect(call).toMatchObject({ call: "wharfPipeline" });
    expect(JSON.stringify(call)).toContain(JSON.stringify({ key: { const: "testCommand" }, value: { const: "mvn -B verify" } }));
  });
});
