/**
 * Alertmanager's configuration generated from the CMDB (pure: no database, no
 * Alertmanager). One receiver, `wharf`: Wharf's own webhook, which keeps every
 * alert, makes incidents and converges them to chat. The routing tree says
 * how alerts are grouped and how often they are repeated, per team and project:
 *
 *   root (receiver wharf, group_by alertname/project/service/environment)
 *   ├─ alertname=WharfClusterDown        (platform: grouped by cluster)
 *   └─ team="<team>"                     one per team
 *      └─ project="<project>"            one per project, continue: false
 *         ├─ environment="<env>"         only for environments with windows of their own
 *         │  └─ severity="critical"      shorter repeat
 *         └─ severity="critical"
 *
 * Alertmanager does not inherit `mute_time_intervals` from a parent route, so
 * every route below a project carries the project's muting windows itself.
 * group_by leaves `cluster` out on purpose: the same cause on two clusters is
 * one group (one notification), as it is one incident (key
 * project/service/environment/alertname, lib/alerting/incidents.ts).
 *
 * Inhibition: a cluster that is down (WharfClusterDown, the platform rule of
 * `clusterDownRuleText`) mutes every other alert of that cluster; a critical
 * alert mutes the warning of the same alertname, service and environment.
 */
import YAML from "yaml";
import { z } from "zod";
import { ENVIRONMENTS, type EnvKind } from "@/lib/catalog/environments";

export const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The alert the cluster-down inhibition keys on (the platform rule file, `clusterDownRuleText`). */
export const CLUSTER_DOWN_ALERT = "WharfClusterDown";
export const RECEIVER = "wharf";
export const GROUP_BY = ["alertname", "project", "service", "environment"] as const;

/** Timings of the routing tree; `defaultTimings` gives dev/test 5 s group_wait, production 30 s. */
export interface RoutingTimings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  /** repeat_interval of critical alerts (a critical alert still firing is sent again sooner). */
  criticalRepeatInterval: string;
}

export function defaultTimings(opts: { production: boolean; groupWait?: string }): RoutingTimings {
  return {
    groupWait: opts.groupWait ?? (opts.production ? "30s" : "5s"),
    groupInterval: opts.production ? "5m" : "30s",
    repeatInterval: "4h",
    criticalRepeatInterval: "1h",
  };
}

/** One maintenance window as stored (MaintenanceWindow). */
export interface RoutingWindow {
  id: string;
  name: string;
  weekdays: string[];
  startTime: string;
  endTime: string;
  location: string;
  environments: string[];
}

export interface RoutingInput {
  /** Teams with their projects (archived projects left out by the caller); sorted here. */
  teams: { slug: string; projects: { slug: string; windows: RoutingWindow[] }[] }[];
  /** `<public URL>/api/alerts/webhook`. */
  webhookUrl: string;
  /** Bearer token Alertmanager sends (lib/alerting/token.ts). */
  webhookToken: string;
  timings: RoutingTimings;
}

const ZTime = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, { message: "must be a time HH:MM (24 h), e.g. 22:00" });

/** IANA time zone names this runtime knows (what Alertmanager's Go runtime loads from the system's zoneinfo). */
function isTimeZone(tz: string): boolean {
  if (tz === "UTC" || tz === "Local") return tz === "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return Intl.supportedValuesOf("timeZone").includes(tz);
  } catch {
    return false;
  }
}

/** A maintenance window as a person enters it: the form's and the action's schema. */
export const ZMaintenanceWindowInput = z
  .object({
    name: z.string().trim().min(1, { message: "Give the window a name, e.g. Nightly database backup" }).max(80, { message: "must be at most 80 characters" }),
    weekdays: z.array(z.enum(WEEKDAYS, { message: "must be a day of the week" })).max(7),
    startTime: ZTime,
    endTime: ZTime,
    location: z
      .string()
      .trim()
      .min(1, { message: "Enter a time zone, e.g. UTC or Europe/Berlin" })
      .refine(isTimeZone, { message: "must be a time zone name such as UTC, Europe/Berlin or Asia/Shanghai" }),
    environments: z.array(z.enum(ENVIRONMENTS, { message: "must be dev, test, staging or prod" })).max(ENVIRONMENTS.length),
  })
  .superRefine((w, ctx) => {
    if (w.startTime === w.endTime)
      ctx.addIssue({ code: "custom", path: ["endTime"], message: "must differ from the start (a window of no time mutes nothing)" });
  });
export type TMaintenanceWindowInput = z.infer<typeof ZMaintenanceWindowInput>;

/** The time interval's name of a window: stable, one per window. */
export function intervalName(w: Pick<RoutingWindow, "id">): string {
  return `mw-${w.id}`;
}

type TimeIntervalEntry = { times: { start_time: string; end_time: string }[]; weekdays?: string[]; location?: string };

/**
 * A window as Alertmanager's time_interval entries. Alertmanager wants start < end within a day, so a window over
 * midnight (22:00-02:00) is two entries: 22:00-24:00 on its days, 00:00-02:00 on the day after each.
 */
export function timeIntervalEntries(w: RoutingWindow): TimeIntervalEntry[] {
  const days = [...new Set(w.weekdays)].sort((a, b) => WEEKDAYS.indexOf(a as Weekday) - WEEKDAYS.indexOf(b as Weekday));
  const loc = w.location && w.location !== "UTC" ? { location: w.location } : {};
  const withDays = (d: string[]) => (d.length ? { weekdays: d } : {});
  if (w.startTime < w.endTime || w.endTime === "24:00") {
    return [{ times: [{ start_time: w.startTime, end_time: w.endTime }], ...withDays(days), ...loc }];
  }
  const next = days.map((d) => WEEKDAYS[(WEEKDAYS.indexOf(d as Weekday) + 1) % 7]);
  const after = [...new Set(next)].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
  const out: TimeIntervalEntry[] = [{ times: [{ start_time: w.startTime, end_time: "24:00" }], ...withDays(days), ...loc }];
  if (w.endTime !== "00:00") out.push({ times: [{ start_time: "00:00", end_time: w.endTime }], ...withDays(after), ...loc });
  return out;
}

const q = (v: string) => JSON.stringify(v);
const m = (name: string, value: string) => `${name}=${q(value)}`;

interface AmRoute {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  routes?: AmRoute[];
}

/** The configuration as an object (what is written as YAML). */
export function alertmanagerConfigObject(input: RoutingInput) {
  const t = input.timings;
  const teams = [...input.teams].sort((a, b) => a.slug.localeCompare(b.slug));
  const critical = (mute: string[]): AmRoute => ({
    matchers: [m("severity", "critical")],
    repeat_interval: t.criticalRepeatInterval,
    ...(mute.length ? { mute_time_intervals: mute } : {}),
  });
  const timeIntervals: { name: string; time_intervals: TimeIntervalEntry[] }[] = [];
  const teamRoutes: AmRoute[] = teams.map((team) => ({
    matchers: [m("team", team.slug)],
    routes: [...team.projects]
      .sort((a, b) => a.slug.localeCompare(b.slug))
      .map((p) => {
        const windows = [...p.windows].sort((a, b) => a.id.localeCompare(b.id));
        for (const w of windows) timeIntervals.push({ name: intervalName(w), time_intervals: timeIntervalEntries(w) });
        const all = windows.filter((w) => w.environments.length === 0).map(intervalName);
        const envs = ENVIRONMENTS.filter((e) => windows.some((w) => w.environments.includes(e)));
        const envRoutes: AmRoute[] = envs.map((env: EnvKind) => {
          const mute = [...all, ...windows.filter((w) => w.environments.includes(env)).map(intervalName)];
          return { matchers: [m("environment", env)], mute_time_intervals: mute, routes: [critical(mute)] };
        });
        return {
          matchers: [m("project", p.slug)],
          continue: false,
          ...(all.length ? { mute_time_intervals: all } : {}),
          routes: [...envRoutes, critical(all)],
        };
      }),
  }));
  return {
    route: {
      receiver: RECEIVER,
      group_by: [...GROUP_BY],
      group_wait: t.groupWait,
      group_interval: t.groupInterval,
      repeat_interval: t.repeatInterval,
      routes: [
        { matchers: [m("alertname", CLUSTER_DOWN_ALERT)], group_by: ["alertname", "cluster"], repeat_interval: t.criticalRepeatInterval } satisfies AmRoute,
        ...teamRoutes,
      ],
    },
    inhibit_rules: [
      // A cluster that is down: its pods' alerts say nothing more (they are muted, not lost: Wharf's webhook still gets them resolved).
      { source_matchers: [m("alertname", CLUSTER_DOWN_ALERT)], target_matchers: [`alertname!=${q(CLUSTER_DOWN_ALERT)}`], equal: ["cluster"] },
      // The critical alert of a cause mutes its warning.
      { source_matchers: [m("severity", "critical")], target_matchers: [m("severity", "warning")], equal: ["alertname", "project", "service", "environment"] },
    ],
    receivers: [
      {
        name: RECEIVER,
        webhook_configs: [
          {
            url: input.webhookUrl,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: "Bearer", credentials: input.webhookToken } },
          },
        ],
      },
    ],
    ...(timeIntervals.length ? { time_intervals: timeIntervals } : {}),
  };
}

/** The configuration file's text. */
export function alertmanagerConfigText(input: RoutingInput): string {
  return `# Generated by Wharf from its teams, projects and maintenance windows: changes here are overwritten.\n${YAML.stringify(alertmanagerConfigObject(input), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/**
 * What a routing tree routes: each route's matchers and muting windows, nested. Alertmanager's /api/v2/status answers
 * its loaded configuration re-serialised (secrets hidden), so this is how Wharf checks that what it wrote is loaded.
 */
export function routeSignature(config: unknown): string {
  const walk = (r: unknown): unknown => {
    const o = (r ?? {}) as { matchers?: unknown; mute_time_intervals?: unknown; routes?: unknown };
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return [list(o.matchers), list(o.mute_time_intervals), Array.isArray(o.routes) ? o.routes.map(walk) : []];
  };
  return JSON.stringify(walk((config as { route?: unknown } | null)?.route));
}

/** The platform rule file with the cluster-down alert (a cluster's scrape failing for a minute), for Wharf's Prometheus. */
export function clusterDownRuleText(): string {
  return (
    "# Generated by Wharf (lib/alerting/routing.ts): the alert Alertmanager's cluster-down inhibition keys on.\n" +
    YAML.stringify({
      groups: [
        {
          name: "wharf:platform",
          rules: [
            {
              alert: CLUSTER_DOWN_ALERT,
              expr: 'up{job=~"cluster-.+"} == 0',
              for: "1m",
              labels: { severity: "critical", wharf_rule: "cluster_down" },
              annotations: {
                summary: "Cluster {{ $labels.cluster }} does not answer",
                description: "Prometheus cannot scrape cluster {{ $labels.cluster }}: its workloads' alerts are inhibited until it answers again.",
              },
            },
          ],
        },
      ],
    })
  );
}
