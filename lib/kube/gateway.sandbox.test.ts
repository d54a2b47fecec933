/**
 * The gateway against a live (sandbox) cluster that answers too late: every
 * kind of client-node call reports the timeout as a timeout.
 */
import { describe, expect, it } from "vitest";
import { CoreV1Api, KubernetesObjectApi } from "@kubernetes/client-node";
import { sandboxForThisFile } from "@/test/sandbox";
import { kubeConfigFor } from "@/sandbox/testing/helpers";
import { describeClusterFailure, makeClient } from "./gateway";

const env = sandboxForThisFile({ clusters: [{ name: "sandbox-slow", region: "us-east" }] });

const TIMEOUT_MS = 300;

async function failureOf(call: () => Promise<unknown>) {
  const server = env.sandbox.clusters[0]!.server;
  const e = await call().then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).not.toBeNull();
  return describeClusterFailure("sandbox-slow", server, e, TIMEOUT_MS);
}

describe("a cluster that answers too late", () => {
  it("is reported as not answering in time, for an object whose kind client-node first looks up and for a typed call", async () => {
    const live = env.sandbox.clusters[0]!;
    live.setLatency(TIMEOUT_MS + 1_000);
    try {
      // A fresh client has no discovery cache: read() first asks the API server which resource serves the kind.
      const objects = makeClient(kubeConfigFor(live), KubernetesObjectApi, TIMEOUT_MS);
      const read = await failureOf(() => objects.read({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api", namespace: "default" } }));
      expect(read.message).toBe(`sandbox-slow: No answer from ${live.server} within 0.3 s.`);

      const core = makeClient(kubeConfigFor(live), CoreV1Api, TIMEOUT_MS);
      const typed = await failureOf(() => core.readNamespace({ name: "default" }));
      expect(typed.message).toBe(`sandbox-slow: No answer from ${live.server} within 0.3 s.`);
      // A caller that knows neither the server nor the bound (a CI run's follower) still gets a sentence.
      expect(describeClusterFailure("sandbox-slow", "", typed.cause, 0).message).toBe("sandbox-slow: No answer from the API server in time.");
    } finally {
      live.setLatency(0);
    }
  });
});
