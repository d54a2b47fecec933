import fs from "node:fs";
import type { Page } from "@playwright/test";

const SHOTS = process.env.E2E_SHOTS_DIR ?? "test-results/screenshots";

/** The page as a person sees it, at 1280 px and on a 390 px phone, into test-results/screenshots/<name>-*.png (or E2E_SHOTS_DIR) to look at. */
export async function shots(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}
