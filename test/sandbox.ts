/**
 * The sandbox clusters for the app's integration tests: started per test
 * file on free ports in a temp folder, and reached exactly as production
 * reaches a real cluster (their kubeconfigs, over HTTPS, client-node).
 */
import { afterAll, beforeAll } from "vitest";
import { startTestSandbox, type TestSandbox } from "@/sandbox/testing/helpers";

export function sandboxForThisFile(opts: Parameters<typeof startTestSandbox>[0] = {}) {
  const ref: { current?: TestSandbox } = {};
  beforeAll(async () => {
    ref.current = await startTestSandbox({ adminPort: -1, ...opts });
  });
  afterAll(async () => {
    await ref.current?.dispose();
  });
  return {
    get sandbox(): TestSandbox {
      if (!ref.current) throw new Error("the sandbox starts in beforeAll");
      return ref.current;
    },
  };
}
