/** The generated configuration passes the real tools' own checks: promtool check config, amtool check-config. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AMTOOL_BIN, alertmanagerConfig, PROMTOOL_BIN, prometheusConfig, writeTargets } from "./monitoring-servers";

const CA =
  "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIBATAKBggqhkjOPQQDAjAAMB4XDTI0MDEwMTAwMDAwMFoXDTM0MDEwMTAwMDAwMFowADBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABA==\n-----END CERTIFICATE-----\n";

describe("generated monitoring configuration", () => {
  it("is a prometheus.yml promtool accepts: a job per cluster over HTTPS with its CA and token file, a cluster label, rules and Alertmanager", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-mon-config-"));
    fs.mkdirSync(path.join(dir, "rules"));
    writeTargets(dir, [
      { cluster: "east", server: "https://127.0.0.1:6443", caPem: CA, token: "t-east" },
      { cluster: "west", server: "https://127.0.0.1:6444", caPem: CA, token: "t-west" },
    ]);
    const text = prometheusConfig({ dir, alertmanager: "127.0.0.1:9093", scrapeInterval: "2s", evaluationInterval: "2s" });
    fs.writeFileSync(path.join(dir, "prometheus.yml"), text);
    const r = spawnSync(PROMTOOL_BIN, ["check", "config", "--syntax-only", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
    expect(r.status).toBe(0);
    expect(text).toContain(`credentials_file: ${path.join(dir, "targets", "east.token")}`);
    expect(text).toContain("cluster: west");
    expect(text).toContain(path.join(dir, "rules", "*.yml"));
    expect(fs.statSync(path.join(dir, "targets", "east.token")).mode & 0o777).toBe(0o600);
  });

  it("is an alertmanager.yml amtool accepts", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wharf-am-config-")), "alertmanager.yml");
    fs.writeFileSync(file, alertmanagerConfig());
    const r = spawnSync(AMTOOL_BIN, ["check-config", file], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain("SUCCESS");
    expect(r.status).toBe(0);
  });
});
