import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, expect, test, vi } from "vitest";
import { ThemeProvider } from "./theme-provider";

// React warns about act() outside a test environment unless told.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = "";
});

test("rendering the theme provider in the browser (as a 404 page does) logs no React error and still applies the theme", async () => {
  const errors = vi.spyOn(console, "error").mockImplementation(() => {});
  localStorage.setItem("theme", "dark");
  const root = createRoot(document.body.appendChild(document.createElement("div")));
  await act(async () => root.render(<ThemeProvider>page</ThemeProvider>));
  expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([]);
  expect(document.documentElement.classList.contains("dark")).toBe(true);
  await act(async () => root.unmount());
});
