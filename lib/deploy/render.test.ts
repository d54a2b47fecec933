/**
 * The YAML Wharf shows of rendered manifests (the spec editor's manifests tab,
 * diffs, ticket plans) reads back as the same strings in YAML 1.1 readers:
 * the `yaml` package in 1.1 mode and the real kubectl, which a person pastes
 * it into. Slugs such as "on" or "0777" are valid names, so labels are at
 * risk as much as env values.
 */
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { toYamlDocuments } from "@/lib/yaml";
import { startTestSandbox, type TestSandbox } from "@/sandbox/testing/helpers";
import { ZAppSpec } from "./spec";
import { renderManifests } from "./render";

const KUBECTL = process.env.WHARF_KUBECTL ?? "/usr/bin/kubectl";

/** Env values a YAML 1.1 reader turns into booleans, numbers, timestamps or null when they are written plain. */
const VALUES = { FEATURE: "on", LEGACY: "off", CONFIRM: "yes", SHORT: "y", MODE: "0777", SINCE: "2024-01-01", EMPTY: "~", SCALE: "1e3", PORT: "8080" };

const spec = ZAppSpec.parse({
  image: { repository: "registry.example.com/team/app" },
  ports: [{ name: "http", containerPort: 8080 }],
  resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  env: Object.entries(VALUES).map(([name, value]) => ({ name, value })),
});
// Valid slugs, ambiguous scalars: the labels carry them.
const objects = renderManifests(spec, {
  project: { slug: "0777" },
  service: { slug: "on", kind: "api" },
  environment: "dev",
  namespace: "0777-dev",
  image: "registry.example.com/team/app:2024-01-01",
  release: { id: "r1", number: 1 },
});
const yamlText = toYamlDocuments(objects);

function envOf(deployment: unknown): Record<string, unknown> {
  const containers = (deployment as { spec: { template: { spec: { containers: { env: { name: string; value: unknown }[] }[] } } } }).spec.template.spec
    .containers;
  return Object.fromEntries(containers[0]!.env.map((e) => [e.name, e.value]));
}

describe("rendered manifests as YAML", () => {
  it("keep env values, labels and the image tag as strings for a YAML 1.1 reader", () => {
    const docs = parseAllDocuments(yamlText, { version: "1.1" }).map((d) => d.toJS());
    expect(docs).toEqual(JSON.parse(JSON.stringify(objects)));
    expect(envOf(docs[0])).toMatchObject(VALUES);
    expect(docs[0].metadata.labels["app.kubernetes.io/name"]).toBe("on");
    expect(docs[0].metadata.labels["app.kubernetes.io/part-of"]).toBe("0777");
  });

  describe("with the real kubectl", () => {
    let sandbox: TestSandbox;
    beforeAll(async () => {
      sandbox = await startTestSandbox({ adminPort: -1 });
    });
    afterAll(async () => sandbox?.dispose());

    it("are read back with every value unchanged (kubectl create --dry-run=client -o json)", async () => {
      const out = await new Promise<string>((resolve, reject) => {
        const child = execFile(
          KUBECTL,
          ["create", "--dry-run=client", "-o", "json", "-f", "-"],
          { env: { ...process.env, KUBECONFIG: sandbox.kubeconfigPath, HOME: sandbox.dir }, timeout: 30_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`kubectl failed: ${stderr || err.message}`)) : resolve(stdout)),
        );
        child.stdin!.end(yamlText);
      });
      // One JSON document per object, each starting at a line's first column.
      const items = out
        .trim()
        .split(/\n(?=\{)/)
        .map(
          (doc) =>
            JSON.parse(doc) as {
              kind: string;
              metadata: { labels: Record<string, unknown> };
              spec?: { template?: { spec?: { containers?: { image: string }[] } } };
            },
        );
      expect(items.map((o) => o.kind)).toEqual(objects.map((o) => o.kind));
      const deployment = items[0]!;
      expect(envOf(deployment)).toMatchObject(VALUES);
      expect(deployment.metadata.labels).toMatchObject({ "app.kubernetes.io/name": "on", "app.kubernetes.io/part-of": "0777" });
      expect(deployment.spec?.template?.spec?.containers?.[0]?.image).toBe("registry.example.com/team/app:2024-01-01");
      expect(items.every((o) => o.metadata.labels["wharf.dev/project"] === "0777")).toBe(true);
    });
  });
});
