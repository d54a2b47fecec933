/**
 * Following a container's log: lines arrive as the container writes them,
 * and ending the follow (or the cluster refusing) is an answer, never an
 * uncaught error that would take the worker or the web process down.
 */
import { Writable } from "node:stream";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { FAST_SIMULATION } from "@/sandbox/testing/helpers";
import { sandboxForThisFile } from "@/test/sandbox";
import { until } from "@/test/worker";
import { followPodLog } from "./pod-log";

const env = sandboxForThisFile({ clusters: [{ name: "logs-east", region: "us-east" }], simulation: FAST_SIMULATION });
const kc = new KubeConfig();

beforeAll(async () => {
  kc.loadFromString(env.sandbox.cluster("logs-east").kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "logs" } } });
  await core.createNamespacedPod({
    namespace: "logs",
    body: { metadata: { name: "web" }, spec: { containers: [{ name: "app", image: "ghcr.io/acme/web:1.0" }] } },
  });
  await until(async () => (await core.readNamespacedPod({ name: "web", namespace: "logs" })).status?.phase === "Running", 20_000, "the pod to run");
});

function collector() {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString("utf8"));
      cb();
    },
  });
  return { sink, text: () => chunks.join("") };
}

describe("following a container's log", () => {
  it("delivers lines while following, and an abort ends it with the sink left open for its owner", async () => {
    const { sink, text } = collector();
    const stream = await followPodLog(kc, { namespace: "logs", pod: "web", container: "app" }, sink, { follow: true, timestamps: true, end: false });
    await until(async () => text().split("\n").length > 2, 10_000, "log lines");
    stream.abort();
    const { error } = await stream.done;
    expect(error?.name).toBe("AbortError");
    expect(sink.writableEnded).toBe(false);
    expect(sink.destroyed).toBe(false);
    expect(text()).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("rejects with the cluster's answer for a container that is not there", async () => {
    const { sink } = collector();
    await expect(followPodLog(kc, { namespace: "logs", pod: "web", container: "sidecar" }, sink)).rejects.toMatchObject({ code: 400 });
  });
});
