import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import type { Config } from "./config.js";
import { createLogger } from "./log.js";
import { createApp } from "./server.js";

const config: Config = { name: "test-app", greeting: "Hello", port: 0, logLevel: "error", shutdownTimeoutMs: 1000 };

async function start() {
  const app = createApp(config, createLogger(config.name, "error"));
  await new Promise<void>((resolve) => app.server.listen(0, "127.0.0.1", resolve));
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

test("GET / says hello with the service's name", async () => {
  const { app, url } = await start();
  try {
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: "Hello from test-app!" });
  } finally {
    await app.shutdown();
  }
});

test("liveness and readiness answer 200 while serving", async () => {
  const { app, url } = await start();
  try {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
  } finally {
    await app.shutdown();
  }
});

test("shutdown stops readiness and closes the server", async () => {
  const { app } = await start();
  await app.shutdown();
  assert.equal(app.isReady(), false);
  assert.equal(app.server.listening, false);
});
