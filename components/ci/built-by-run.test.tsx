import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, expect, test } from "vitest";
import { BuiltByRun } from "./built-by-run";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => {
  document.body.innerHTML = "";
});

async function render(run: Parameters<typeof BuiltByRun>[0]["run"]) {
  const root = createRoot(document.body.appendChild(document.createElement("div")));
  await act(async () => root.render(<BuiltByRun run={run} />));
  return document.querySelector('[data-testid="built-by-run"]') as HTMLElement;
}

test("a promoted release says which run built it, from which commit on which branch, and links the run's page", async () => {
  const line = await render({ number: 12, commit: "abc1234def5678", ref: "develop", refKind: "branch", path: "/projects/shop/builds/12" });
  expect(line.textContent?.replace(/\s+/g, " ")).toBe("Built by run #12 from abc1234 on develop");
  expect(line.querySelector("a")?.getAttribute("href")).toBe("/projects/shop/builds/12");
});

test("a release built from a tag says so", async () => {
  const line = await render({ number: 3, commit: "", ref: "v1.2.0", refKind: "tag", path: "/projects/shop/builds/3" });
  expect(line.textContent?.replace(/\s+/g, " ")).toBe("Built by run #3 on tag v1.2.0");
});
