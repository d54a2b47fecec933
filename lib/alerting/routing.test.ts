/**
 * The CMDB → Alertmanager configuration function, checked by the real amtool
 * (Debian's prometheus-alertmanager 0.25): `amtool check-config` accepts the
 * file, and `amtool config routes test --tree` says which route a label set
 * takes, whose muting windows are then read from the same file.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { AMTOOL, checkAlertmanagerConfig } from "./routing-apply";
import {
  alertmanagerConfigText,
  clusterDownRuleText,
  defaultTimings,
  routeSignature,
  timeIntervalEntries,
  ZMaintenanceWindowInput,
  type RoutingInput,
  type RoutingWindow,
} from "./routing";
import { checkRuleText } from "@/lib/monitoring/rules-files";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wharf-routing-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const nightly: RoutingWindow = {
  id: "nightly",
  name: "Nightly backup",
  weekdays: ["saturday"],
  startTime: "22:00",
  endTime: "02:00",
  location: "Europe/Berlin",
  environments: [],
};
const prodOnly: RoutingWindow = {
  id: "prodpatch",
  name: "Patch day",
  weekdays: [],
  startTime: "01:00",
  endTime: "03:00",
  location: "UTC",
  environments: ["prod"],
};

const input: RoutingInput = {
  webhookUrl: "http://wharf.test/api/alerts/webhook",
  webhookToken: "a-token-of-at-least-24-characters",
  timings: defaultTimings({ production: false }),
  teams: [
    {
      slug: "payments",
      projects: [
        { slug: "checkout-api", windows: [nightly, prodOnly] },
        { slug: "ledger", windows: [] },
      ],
    },
    { slug: "web", projects: [{ slug: "storefront", windows: [] }] },
    { slug: "empty-team", projects: [] },
  ],
};

function write(name: string, text: string) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The route path amtool finds for the labels: each level's matchers, e.g. [['team="payments"'], ['project="ledger"']]. */
function routeTaken(file: string, labels: Record<string, string>): { receiver: string; path: string[] } {
  const out = execFileSync(AMTOOL, ["config", "routes", "test", `--config.file=${file}`, "--tree", ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const levels = [...out.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  return { receiver: out.trim().split("\n").at(-1)!.trim(), path: levels };
}

/** The route of the generated file at that path (matchers as written). */
function routeAt(text: string, levels: string[]) {
  let r = (YAML.parse(text) as { route: { routes?: { matchers: string[]; mute_time_intervals?: string[]; routes?: unknown[] }[] } }).route as {
    matchers?: string[];
    mute_time_intervals?: string[];
    routes?: unknown[];
  };
  for (const level of levels) {
    const next = (r.routes as { matchers: string[] }[] | undefined)?.find((c) => c.matchers.join(",") === level);
    if (!next) throw new Error(`no route ${level}`);
    r = next;
  }
  return r;
}

describe("the Alertmanager configuration generated from the CMDB", () => {
  const text = alertmanagerConfigText(input);
  const file = write("alertmanager.yml", text);

  it("is accepted by amtool check-config", async () => {
    expect(await checkAlertmanagerConfig(file)).toBeNull();
  });

  it("a broken file is refused by amtool with its reason", async () => {
    const bad = write("bad.yml", text.replace("receiver: wharf", "receiver: nobody"));
    expect(await checkAlertmanagerConfig(bad)).toMatch(/nobody/);
  });

  it("sends a team's project's alert to that project's route, and Wharf's webhook receives it", () => {
    const taken = routeTaken(file, {
      team: "payments",
      project: "ledger",
      service: "api",
      environment: "dev",
      severity: "warning",
      alertname: "WharfErrorRatioHigh",
    });
    expect(taken.receiver).toBe("wharf");
    expect(taken.path).toEqual(['team="payments"', 'project="ledger"']);
    const other = routeTaken(file, { team: "web", project: "storefront", environment: "prod", severity: "critical" });
    expect(other.path).toEqual(['team="web"', 'project="storefront"', 'severity="critical"']);
  });

  it("mutes a project's alerts during its maintenance windows, an environment's window only in that environment", () => {
    const prod = routeTaken(file, { team: "payments", project: "checkout-api", environment: "prod", severity: "warning" });
    expect(prod.path).toEqual(['team="payments"', 'project="checkout-api"', 'environment="prod"']);
    expect(routeAt(text, prod.path).mute_time_intervals).toEqual(["mw-nightly", "mw-prodpatch"]);
    const prodCritical = routeTaken(file, { team: "payments", project: "checkout-api", environment: "prod", severity: "critical" });
    expect(routeAt(text, prodCritical.path).mute_time_intervals).toEqual(["mw-nightly", "mw-prodpatch"]);
    const dev = routeTaken(file, { team: "payments", project: "checkout-api", environment: "dev", severity: "warning" });
    expect(dev.path).toEqual(['team="payments"', 'project="checkout-api"']);
    expect(routeAt(text, dev.path).mute_time_intervals).toEqual(["mw-nightly"]);
    // A project without windows is never muted.
    expect(routeAt(text, ['team="payments"', 'project="ledger"']).mute_time_intervals).toBeUndefined();
  });

  it("groups one cause across clusters (not by cluster), with a short group_wait outside production and 30 s in production", () => {
    const cfg = YAML.parse(text) as { route: { group_by: string[]; group_wait: string } };
    expect(cfg.route.group_by).toEqual(["alertname", "project", "service", "environment"]);
    expect(cfg.route.group_wait).toBe("5s");
    expect(defaultTimings({ production: true }).groupWait).toBe("30s");
    expect(defaultTimings({ production: true, groupWait: "10s" }).groupWait).toBe("10s");
  });

  it("inhibits a down cluster's alerts and a warning under its critical, and posts to Wharf's webhook with the bearer token", () => {
    const cfg = YAML.parse(text) as {
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
      receivers: { name: string; webhook_configs: { url: string; send_resolved: boolean; max_alerts: number; http_config: unknown }[] }[];
    };
    expect(cfg.inhibit_rules).toEqual([
      { source_matchers: ['alertname="WharfClusterDown"'], target_matchers: ['alertname!="WharfClusterDown"'], equal: ["cluster"] },
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ["alertname", "project", "service", "environment"] },
    ]);
    expect(cfg.receivers).toEqual([
      {
        name: "wharf",
        webhook_configs: [
          {
            url: "http://wharf.test/api/alerts/webhook",
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: "Bearer", credentials: "a-token-of-at-least-24-characters" } },
          },
        ],
      },
    ]);
  });

  it("routes a cluster-down alert on its own, and its rule file passes promtool", async () => {
    expect(routeTaken(file, { alertname: "WharfClusterDown", cluster: "east", severity: "critical" }).path).toEqual(['alertname="WharfClusterDown"']);
    expect(await checkRuleText(clusterDownRuleText(), "_wharf-platform.yml")).toEqual({ ok: true });
  });

  it("is the same text for the same CMDB in any order, and its route signature changes when a project is added", () => {
    const shuffled = { ...input, teams: [...input.teams].reverse().map((t) => ({ ...t, projects: [...t.projects].reverse() })) };
    expect(alertmanagerConfigText(shuffled)).toBe(text);
    const more = { ...input, teams: [...input.teams, { slug: "new-team", projects: [{ slug: "fresh", windows: [] }] }] };
    expect(routeSignature(YAML.parse(alertmanagerConfigText(more)))).not.toBe(routeSignature(YAML.parse(text)));
  });
});

describe("maintenance windows as Alertmanager time intervals", () => {
  it("splits a window over midnight into the evening and the next morning", () => {
    expect(timeIntervalEntries({ ...nightly, weekdays: ["sunday", "friday"] })).toEqual([
      { times: [{ start_time: "22:00", end_time: "24:00" }], weekdays: ["friday", "sunday"], location: "Europe/Berlin" },
      { times: [{ start_time: "00:00", end_time: "02:00" }], weekdays: ["monday", "saturday"], location: "Europe/Berlin" },
    ]);
    expect(timeIntervalEntries(prodOnly)).toEqual([{ times: [{ start_time: "01:00", end_time: "03:00" }] }]);
  });

  it("refuses a bad window at its fields, saying what to enter", () => {
    const r = ZMaintenanceWindowInput.safeParse({
      name: " ",
      weekdays: ["funday"],
      startTime: "25:00",
      endTime: "7pm",
      location: "Mars/Base",
      environments: ["qa"],
    });
    expect(r.success).toBe(false);
    const fields = Object.fromEntries((r.error?.issues ?? []).map((i) => [String(i.path[0]), i.message]));
    expect(fields).toMatchObject({
      name: expect.stringMatching(/name/),
      weekdays: expect.stringMatching(/day of the week/),
      startTime: expect.stringMatching(/HH:MM/),
      endTime: expect.stringMatching(/HH:MM/),
      location: expect.stringMatching(/time zone/),
      environments: expect.stringMatching(/dev, test, staging or prod/),
    });
    const same = ZMaintenanceWindowInput.safeParse({ name: "x", weekdays: [], startTime: "10:00", endTime: "10:00", location: "UTC", environments: [] });
    expect(same.error?.issues[0]).toMatchObject({ path: ["endTime"] });
  });
});
