import type { Page } from "@playwright/test";

/** A Git access token for the signed-in user of `page`, as the /git/token page gives it. */
export async function gitAccessToken(page: Page): Promise<string> {
  const text = await (await page.request.get("/git/token")).text();
  const token = /wgt_[A-Za-z0-9_.-]+/.exec(text)?.[0];
  if (!token) throw new Error(`no token in: ${text.slice(0, 200)}`);
  return token;
}
