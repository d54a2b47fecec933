/**
 * How the tests and the benchmarks start Chromium: Debian's (or WHARF_CHROMIUM). Root in CI needs --no-sandbox;
 * the rest keeps Chromium off a network it cannot reach.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.WHARF_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};
