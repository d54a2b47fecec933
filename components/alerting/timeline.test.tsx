import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, expect, test } from "vitest";
import { Timeline } from "./timeline";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => {
  document.body.innerHTML = "";
});

async function render(entries: Parameters<typeof Timeline>[0]["entries"]) {
  const root = createRoot(document.body.appendChild(document.createElement("div")));
  await act(async () => root.render(<Timeline entries={entries} />));
  return document.body;
}

const at = new Date("2026-11-30T10:00:00Z");

test("each line says what happened, who did it (or Wharf) and links the release it names", async () => {
  const body = await render([
    { id: "1", kind: "alert_firing", at, text: "HighErrorRatio on sandbox-east", data: {}, actor: null },
    { id: "2", kind: "release_linked", at, text: "Release #3 (1.4.0-errors)", data: { releaseId: "rel-3" }, actor: null },
    { id: "3", kind: "acknowledged", at, text: "", data: {}, actor: "Omar Ops" },
    { id: "4", kind: "chat_failed", at, text: "Feishu answered 500", data: {}, actor: null },
    { id: "5", kind: "rollback_started", at, text: "Rolled back to #2", data: { rollbackReleaseId: "rel-4" }, actor: null },
    { id: "6", kind: "something_new", at, text: "", data: {}, actor: null },
  ]);
  // The line's parts, in order (their spacing is the layout's).
  const parts = (kind: string) =>
    [...body.querySelectorAll(`[data-testid="timeline-${kind}"] span, [data-testid="timeline-${kind}"] p`)].map((e) => e.textContent);
  const firing = parts("alert_firing");
  expect(firing.slice(0, 2)).toEqual(["Alert firing", "by Wharf"]);
  expect(firing.at(-1)).toBe("HighErrorRatio on sandbox-east");
  expect(parts("acknowledged").slice(0, 2)).toEqual(["Acknowledged", "by Omar Ops"]);
  expect(parts("chat_failed")).toContain("Feishu answered 500");
  expect(parts("something_new").slice(0, 2)).toEqual(["something new", "by Wharf"]);
  const links = [...body.querySelectorAll("a")].map((a) => a.getAttribute("href"));
  expect(links).toEqual(["/releases/rel-3", "/releases/rel-4"]);
});

test("an empty timeline says so", async () => {
  const body = await render([]);
  expect(body.textContent).toBe("Nothing has happened on this incident yet.");
});
