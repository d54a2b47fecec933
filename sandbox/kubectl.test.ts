/**
 * Real kubectl against a started sandbox, for each client on the machine
 * image (1.33 and 1.28). Missing binaries fail the suite loudly.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, FAST_SIMULATION, sleep, startTestSandbox, type TestSandbox } from "./testing/helpers.js";

const KUBECTL_DIR = process.env.WHARF_KUBECTL_DIR ?? "/usr/lib/google-cloud-sdk/bin";
const VERSIONS = ["1.33", "1.28"];

let sb: TestSandbox;

beforeAll(async () => {
  sb = await startTestSandbox({ users: [{ name: "bob" }, { name: "alice", groups: ["devs"] }], simulation: FAST_SIMULATION });
});
afterAll(async () => sb?.dispose());

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

for (const version of VERSIONS) {
  describe(`kubectl ${version}`, () => {
    const bin = path.join(KUBECTL_DIR, `kubectl.${version}`);
    const ns = `kc-${version.replace(".", "")}`;
    let cacheDir = "";
    let workDir = "";

    const kubectl = (args: string[], input?: string): Promise<Result> =>
      new Promise((resolve) => {
        const child = execFile(
          bin,
          args,
          { env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: workDir }, timeout: 20_000 },
          (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
            resolve({ code, stdout: String(stdout), stderr: String(stderr) });
          },
        );
        if (input !== undefined) {
          child.stdin?.write(input);
          child.stdin?.end();
        }
      });
    const ok = async (args: string[], input?: string): Promise<string> => {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    };
    const file = (name: string, text: string) => {
      const p = path.join(workDir, name);
      writeFileSync(p, text);
      return p;
    };

    beforeAll(async () => {
      if (!existsSync(bin)) {
        throw new Error(
          `kubectl ${version} not found: looked for ${bin} (folder ${KUBECTL_DIR}; set WHARF_KUBECTL_DIR to the folder holding kubectl.${version})`,
        );
      }
      workDir = path.join(sb.dir, `kubectl-${version}`);
      cacheDir = path.join(workDir, "cache");
      mkdirSync(cacheDir, { recursive: true });
      await ok(["create", "namespace", ns]);
    });

    it("reports the server version and lists API resources", async () => {
      expect(await ok(["version"])).toContain("Server Version: v1.33.1");
      const res = await ok(["api-resources"]);
      expect(res).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      expect(res).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
      expect(res).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      expect(await ok(["get", "ns", "--context", "sandbox-west"])).toMatch(/^kube-system\s+Active/m);
    });

    it("applies (created, unchanged, configured), refuses create of an existing object, applies server-side twice", async () => {
      const manifest = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.25
        ports: [{containerPort: 80}]
`;
      const f = file("web.yaml", manifest(2));
      expect(await ok(["apply", "-f", f])).toBe("deployment.apps/web created\n");
      expect(await ok(["apply", "-f", f])).toBe("deployment.apps/web unchanged\n");
      const f3 = file("web3.yaml", manifest(3));
      expect(await ok(["apply", "-f", f3])).toBe("deployment.apps/web configured\n");
      const dup = await kubectl(["create", "-f", f3]);
      expect(dup.code).not.toBe(0);
      expect(dup.stderr).toContain(`Error from server (AlreadyExists): error when creating "${f3}": deployments.apps "web" already exists`);

      const cm = file("cm.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {a: "1"}\n`);
      expect(await ok(["apply", "--server-side", "-f", cm])).toBe("configmap/ssa serverside-applied\n");
      const rv1 = await ok(["get", "cm", "ssa", "-n", ns, "-o", "jsonpath={.metadata.resourceVersion}"]);
      expect(await ok(["apply", "--server-side", "-f", cm])).toBe("configmap/ssa serverside-applied\n");
      expect(await ok(["get", "cm", "ssa", "-n", ns, "-o", "jsonpath={.metadata.resourceVersion}"])).toBe(rv1);
    });

    it("creates from generators (protobuf bodies on 1.33) and prints the usual columns", async () => {
      expect(await ok(["create", "configmap", "gen", "-n", ns, "--from-literal=k=v"])).toBe("configmap/gen created\n");
      expect(await ok(["create", "deployment", "gen", "-n", ns, "--image=nginx:1.25", "--replicas=2"])).toBe("deployment.apps/gen created\n");
      await ok(["run", "solo", "-n", ns, "--image=busybox"]);
      const pods = await eventually(
        async () => {
          const out = await ok(["get", "pods", "-n", ns]);
          return /^solo\s+1\/1\s+Running\s+0\s+\S+$/m.test(out) ? out : undefined;
        },
        10_000,
        "solo running",
      );
      expect(pods.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      const wide = await ok(["get", "pods", "-n", ns, "-o", "wide"]);
      expect(wide.split("\n")[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
      const deps = await eventually(
        async () => {
          const out = await ok(["get", "deploy", "-n", ns]);
          return /^gen\s+2\/2\s+2\s+2\s+\S+$/m.test(out) ? out : undefined;
        },
        10_000,
        "gen available",
      );
      expect(deps.split("\n")[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/);
      const yaml = await ok(["get", "cm", "gen", "-n", ns, "-o", "yaml"]);
      expect(yaml).toContain("kind: ConfigMap");
      expect(yaml).toContain("k: v");
      expect(await ok(["get", "deploy", "-n", ns, "-o", "jsonpath={.items[*].metadata.name}"])).toBe("gen web");
      expect(await ok(["get", "svc", "kubernetes", "-n", "default"])).toMatch(/^kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\S+$/m);
      expect(await ok(["get", "nodes"])).toMatch(/^sandbox-east-node-1\s+Ready\s+<none>\s+\S+\s+v1\.33\.1$/m);
      expect(await ok(["top", "nodes"])).toMatch(/^sandbox-east-node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
    });

    it("patches with every type", async () => {
      expect(await ok(["patch", "deploy", "web", "-n", ns, "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":4}]'])).toBe(
        "deployment.apps/web patched\n",
      );
      expect(await ok(["patch", "deploy", "web", "-n", ns, "--type=merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}'])).toBe(
        "deployment.apps/web patched\n",
      );
      await ok([
        "patch",
        "deploy",
        "web",
        "-n",
        ns,
        "--type=strategic",
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.26"}]}}}}',
      ]);
      const out = await ok([
        "get",
        "deploy",
        "web",
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.replicas} {.metadata.labels.tier} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}",
      ]);
      expect(out).toBe("4 front nginx:1.26 80");
      await ok(["scale", "deploy", "web", "-n", ns, "--replicas=1"]);
      await ok(["set", "image", "deploy/web", "-n", ns, "app=nginx:1.27"]);
      expect(await ok(["get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}"])).toBe("1 nginx:1.27");
    });

    it("watches while objects change", async () => {
      const child = spawn(bin, ["get", "configmaps", "-n", ns, "--watch", "--output-watch-events"], {
        env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: workDir },
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      try {
        await eventually(() => out.includes("gen"), 10_000, "initial watch rows");
        await ok(["create", "configmap", "watched-1", "-n", ns]);
        await ok(["label", "configmap", "watched-1", "-n", ns, "x=y"]);
        await ok(["delete", "configmap", "watched-1", "-n", ns]);
        await eventually(() => /DELETED\s+watched-1/.test(out), 10_000, "watch events");
        expect(out).toMatch(/ADDED\s+watched-1/);
        expect(out).toMatch(/MODIFIED\s+watched-1/);
      } finally {
        child.kill();
      }
    });

    it("deletes and waits", async () => {
      await ok(["create", "configmap", "bye", "-n", ns]);
      expect(await ok(["delete", "configmap", "bye", "-n", ns, "--wait=true"])).toBe('configmap "bye" deleted\n');
      await ok(["create", "configmap", "bye2", "-n", ns]);
      const waiter = kubectl(["wait", "--for=delete", "configmap/bye2", "-n", ns, "--timeout=10s"]);
      await ok(["delete", "configmap", "bye2", "-n", ns, "--wait=false"]);
      expect((await waiter).code).toBe(0);
      const gone = await kubectl(["get", "configmap", "bye2", "-n", ns]);
      expect(gone.stderr).toContain('Error from server (NotFound): configmaps "bye2" not found');
    });

    it("answers auth can-i for different users, impersonation and --list; refuses users without rights", async () => {
      await ok(["create", "rolebinding", "devs-edit", "-n", ns, "--clusterrole=edit", "--group=devs"]);
      expect((await ok(["auth", "can-i", "create", "deployments", "-n", ns, "--context", "sandbox-east-alice"])).trim()).toBe("yes");
      const no = await kubectl(["auth", "can-i", "create", "deployments", "-n", "default", "--context", "sandbox-east-alice"]);
      expect(no.stdout.trim()).toBe("no");
      expect(no.code).toBe(1);
      expect((await ok(["auth", "can-i", "list", "pods", "-n", ns, "--as", "alice", "--as-group", "devs"])).trim()).toBe("yes");
      expect((await kubectl(["auth", "can-i", "list", "pods", "-n", ns, "--as", "bob"])).stdout.trim()).toBe("no");
      const list = await ok(["auth", "can-i", "--list", "-n", ns, "--context", "sandbox-east-alice"]);
      expect(list).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[get list watch create delete deletecollection patch update\]/m);
      const whoami = await ok(["auth", "whoami", "--context", "sandbox-east-alice"]);
      expect(whoami).toMatch(/^Username\s+alice$/m);
      expect(whoami).toMatch(/^Groups\s+\[devs system:authenticated\]$/m);
      const denied = await kubectl(["get", "pods", "-n", ns, "--context", "sandbox-east-bob"]);
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain(
        `Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
      );
      const imp = await kubectl(["get", "pods", "-n", ns, "--context", "sandbox-east-bob", "--as", "alice"]);
      expect(imp.stderr).toContain('users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope');
    });

    it("refuses a token it does not know on every path, so kubectl version asks to log in", async () => {
      const version = await kubectl(["version", "--token", "not-a-token"]);
      expect(version.code).not.toBe(0);
      expect(version.stderr).toMatch(/You must be logged in to the server/);
      const canI = await kubectl(["auth", "can-i", "get", "pods", "--token", "not-a-token"]);
      expect(canI.stderr).toMatch(/You must be logged in to the server \(Unauthorized\)/);
      expect(await ok(["version", "--context", "sandbox-east-bob"])).toMatch(/Server Version: v1\.33/);
    });

    it("answers can-i for bind on one named ClusterRole, and refuses bindings to roles the user may not bind", async () => {
      const v = version.replace(".", "");
      await ok(["create", "clusterrole", `binder-${v}`, "--verb=bind", "--resource=clusterroles", "--resource-name=edit"]);
      await ok(["create", "clusterrole", `binding-writer-${v}`, "--verb=create,get", "--resource=rolebindings"]);
      for (const role of [`binder-${v}`, `binding-writer-${v}`])
        await ok(["create", "clusterrolebinding", `bob-${role}`, `--clusterrole=${role}`, "--user=bob"]);
      expect((await ok(["auth", "can-i", "bind", "clusterroles/edit", "--context", "sandbox-east-bob"])).trim()).toBe("yes");
      expect((await kubectl(["auth", "can-i", "bind", "clusterroles/view", "--context", "sandbox-east-bob"])).stdout.trim()).toBe("no");
      expect((await kubectl(["auth", "can-i", "bind", "clusterroles", "--context", "sandbox-east-bob"])).stdout.trim()).toBe("no");
      await ok(["create", "rolebinding", `edit-${v}`, "-n", ns, "--clusterrole=edit", "--user=carol", "--context", "sandbox-east-bob"]);
      const view = await kubectl(["create", "rolebinding", `view-${v}`, "-n", ns, "--clusterrole=view", "--user=carol", "--context", "sandbox-east-bob"]);
      expect(view.code).not.toBe(0);
      expect(view.stderr).toContain(
        `rolebindings.rbac.authorization.k8s.io "view-${v}" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`,
      );
    });

    it("serves CRD-defined kinds", async () => {
      const crdName = `widgets${version.replace(".", "")}.wharf.dev`;
      const plural = crdName.split(".")[0];
      const crd = file(
        "crd.yaml",
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${crdName}
spec:
  group: wharf.dev
  scope: Namespaced
  names: {plural: ${plural}, singular: w${plural}, kind: Widget${version.replace(".", "")}, shortNames: [wg${version.replace(".", "")}]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
`,
      );
      expect(await ok(["apply", "-f", crd])).toContain("created");
      const w = file(
        "w.yaml",
        `apiVersion: wharf.dev/v1\nkind: Widget${version.replace(".", "")}\nmetadata: {name: w1, namespace: ${ns}}\nspec: {size: large}\n`,
      );
      expect(await ok(["apply", "-f", w])).toContain("created");
      expect(await ok(["apply", "-f", w])).toContain("unchanged");
      const got = await ok(["get", plural, "-n", ns]);
      expect(got.split("\n")[0]).toMatch(/^NAME\s+SIZE\s+AGE$/);
      expect(got).toMatch(/^w1\s+large\s+\S+$/m);
      expect(await ok(["get", `wg${version.replace(".", "")}`, "w1", "-n", ns, "-o", "jsonpath={.spec.size}"])).toBe("large");
    });

    it("rolls out, scales, keeps history with change-cause, undoes (also --to-revision), restarts, pauses", async () => {
      const d = ["-n", ns];
      expect(await ok(["create", "deployment", "app", "--image=nginx:1.27", "--replicas=2", ...d])).toBe("deployment.apps/app created\n");
      expect(await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d])).toContain('deployment "app" successfully rolled out');
      expect(await ok(["scale", "deploy/app", "--replicas=3", ...d])).toBe("deployment.apps/app scaled\n");
      await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d]);
      expect(await ok(["get", "deploy", "app", ...d])).toMatch(/^app\s+3\/3\s+3\s+3\s+\S+$/m);
      expect(await ok(["set", "image", "deploy/app", "nginx=nginx:1.28", ...d])).toBe("deployment.apps/app image updated\n");
      await ok(["annotate", "deploy/app", "kubernetes.io/change-cause=image 1.28", ...d]);
      const status = await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d]);
      expect(status.trim().split("\n").at(-1)).toBe('deployment "app" successfully rolled out');
      const history = async () =>
        (await ok(["rollout", "history", "deploy/app", ...d]))
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => /^\d+\s/.test(l));
      await eventually(async () => (await history()).join("|") === "1  <none>|2  image 1.28".replace(/ {2}/g, "         "), 5000, "history 1,2");
      expect((await ok(["rollout", "history", "deploy/app", ...d])).split("\n")[1]).toMatch(/^REVISION\s+CHANGE-CAUSE$/);

      expect(await ok(["rollout", "undo", "deploy/app", ...d])).toBe("deployment.apps/app rolled back\n");
      await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d]);
      await eventually(async () => (await history()).map((l) => l.replace(/\s+/g, " ")).join("|") === "2 image 1.28|3 <none>", 5000, "history 2,3 after undo");
      expect(await ok(["get", "deploy", "app", "-o", "jsonpath={.spec.template.spec.containers[0].image}", ...d])).toBe("nginx:1.27");

      expect(await ok(["rollout", "undo", "deploy/app", "--to-revision=2", ...d])).toBe("deployment.apps/app rolled back\n");
      await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d]);
      await eventually(async () => (await history()).map((l) => l.replace(/\s+/g, " ")).join("|") === "3 <none>|4 image 1.28", 5000, "history 3,4");
      expect(await ok(["rollout", "history", "deploy/app", "--revision=4", ...d])).toMatch(/Image:\s+nginx:1\.28/);
      expect((await ok(["get", "rs", ...d])).split("\n").filter((l) => l.startsWith("app-"))).toHaveLength(2);

      expect(await ok(["rollout", "restart", "deploy/app", ...d])).toBe("deployment.apps/app restarted\n");
      expect(await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d])).toContain('deployment "app" successfully rolled out');
      expect(await ok(["rollout", "pause", "deploy/app", ...d])).toBe("deployment.apps/app paused\n");
      await ok(["set", "image", "deploy/app", "nginx=nginx:1.29", ...d]);
      await sleep(300);
      // no ReplicaSet for the new template while paused: updatedReplicas is 0, which the API omits
      expect(await ok(["get", "deploy", "app", "-o", "jsonpath={.status.updatedReplicas}", ...d])).toBe("");
      expect(await ok(["rollout", "resume", "deploy/app", ...d])).toBe("deployment.apps/app resumed\n");
      await ok(["rollout", "status", "deploy/app", "--timeout=30s", ...d]);
      expect(await ok(["get", "deploy", "app", "-o", "jsonpath={.status.updatedReplicas}", ...d])).toBe("3");
    });

    it("fails rollout status when the progress deadline passes", async () => {
      const f = file(
        "stuck.yaml",
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: stuck, namespace: ${ns}}
spec:
  replicas: 1
  progressDeadlineSeconds: 1
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      containers: [{name: app, image: "ghcr.io/acme/api:unready"}]
`,
      );
      await ok(["apply", "-f", f]);
      const r = await kubectl(["rollout", "status", "deploy/stuck", "-n", ns, "--timeout=20s"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error: deployment "stuck" exceeded its progress deadline');
    });

    it("shows logs with --tail, --since, --timestamps, -f and --previous", async () => {
      await ok(["run", "talker", "--image=nginx:1.27", "-n", ns, "--annotations=sandbox.wharf.dev/rps=40"]);
      await ok(["wait", "--for=condition=Ready", "pod/talker", "-n", ns, "--timeout=20s"]);
      await sleep(600);
      const all = (await ok(["logs", "talker", "-n", ns])).split("\n").filter(Boolean);
      expect(all[0]).toBe("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration");
      expect((await ok(["logs", "talker", "-n", ns, "--tail=3"])).split("\n").filter(Boolean)).toHaveLength(3);
      for (const l of (await ok(["logs", "talker", "-n", ns, "--tail=2", "--timestamps"])).split("\n").filter(Boolean))
        expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
      const since = (await ok(["logs", "talker", "-n", ns, "--since=1s"])).split("\n").filter(Boolean);
      expect(since.length).toBeLessThan(all.length);
      expect(await ok(["logs", "deploy/app", "-n", ns, "--tail=1"])).toMatch(/\S/);

      const child = spawn(bin, ["logs", "-f", "talker", "-n", ns, "--tail=1"], {
        env: { ...process.env, KUBECONFIG: sb.kubeconfigPath, KUBECACHEDIR: cacheDir, HOME: workDir },
      });
      let followed = "";
      child.stdout.on("data", (b: Buffer) => {
        followed += b.toString();
      });
      try {
        await eventually(() => followed.split("\n").filter(Boolean).length >= 4, 8000, "followed lines");
      } finally {
        child.kill();
      }

      const none = await kubectl(["logs", "talker", "-n", ns, "--previous"]);
      expect(none.code).not.toBe(0);
      expect(none.stderr).toContain('previous terminated container "talker" in pod "talker" not found');

      await ok(["run", "crashy", "--image=ghcr.io/acme/worker:crash", "-n", ns]);
      const row = await eventually(
        async () => {
          const out = await ok(["get", "pods", "crashy", "-n", ns]);
          return /^crashy\s+0\/1\s+CrashLoopBackOff\s+[1-9]\d* \(\S+ ago\)\s+\S+$/m.exec(out)?.[0];
        },
        15_000,
        "CrashLoopBackOff row",
      );
      expect(row).toMatch(/CrashLoopBackOff/);
      const prev = await ok(["logs", "crashy", "-n", ns, "--previous"]);
      expect(prev).toContain("panic: runtime error: invalid memory address or nil pointer dereference");
      const events = await ok(["get", "events", "-n", ns, "--field-selector", "involvedObject.name=crashy"]);
      expect(events).toMatch(/Warning\s+BackOff\s+pod\/crashy\s+Back-off restarting failed container crashy in pod crashy_/);
    });

    it("prints top pods and nodes from the simulated usage", async () => {
      const pods = await ok(["top", "pods", "-n", ns]);
      expect(pods.split("\n")[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
      expect(pods).toMatch(/^talker\s+\d+m\s+\d+Mi\s*$/m);
      expect(await ok(["top", "nodes"])).toMatch(/^sandbox-east-node-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
    });
  });
}
