/**
 * Lists, at the end of a run, every test that failed and then passed on a
 * retry (vitest.config's CI retry), with the failure of its first attempt:
 * a retry keeps a loaded CI machine's timing from failing the run, and this
 * keeps the flake in sight, as Playwright's "flaky" count does.
 */
import type { Reporter, TestCase, TestModule } from "vitest/node";

export default class FlakyReporter implements Reporter {
  private readonly flaky: TestCase[] = [];

  onTestCaseResult(test: TestCase) {
    if (test.diagnostic()?.flaky) this.flaky.push(test);
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>) {
    if (!this.flaky.length) return;
    const lines = [`\n${this.flaky.length} flaky (passed on a retry):`];
    for (const t of this.flaky) {
      const first = t.result().errors?.[0]?.message?.split("\n")[0];
      lines.push(
        `  ${t.module.moduleId.replace(`${process.cwd()}/`, "")} > ${t.fullName} (retries: ${t.diagnostic()?.retryCount ?? 0})${first ? `\n    first failure: ${first}` : ""}`,
      );
    }
    console.log(lines.join("\n"));
  }
}
