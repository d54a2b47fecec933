/**
 * Alerting's Done-when flow in the browser, on the demo data: Dana deploys the
 * error-making tag to storefront-web/web in dev; an incident opens linked to
 * that release; Omar (ops) acknowledges it from the chat's ack link; a silence
 * is added from the incident and the service's policy rolls the release back;
 * the incident's timeline shows it all. Around it: Dana sees the incident on
 * her home page, the Alerts page and the project's alerts tab; Mia (manager)
 * reads it but has nothing to press, and sees the per-team figures; a member
 * of other projects gets a 404 for an incident of a project she is not in.
 *
 * Parts of the flow that other branches of issue 15 build are marked
 * `// AT MERGE:` — on this branch an incident is written to the database as
 * the webhook's ingest would leave it (lib/alerting/ingest.ts is al-ingest's).
 */
import fs from "node:fs";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { authFile, type DemoRole } from "./support/users";

test.describe.configure({ mode: "serial" });

// storefront-web/web in dev: no other spec deploys there (monitoring-health uses `test`).
const PROJECT = "storefront-web";
const SERVICE_PAGE = `/projects/${PROJECT}/services/web?env=dev`;
const SHOTS = "test-results/screenshots";

let incidentNumber = 0;
let releaseId = "";

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * AT MERGE: delete this stand-in. It writes what al-ingest's webhook leaves for one firing alert per cluster of the
 * release (Alert, AlertEvent, the Incident linked to the release, its first timeline lines), so the pages can be
 * driven on this branch.
 */
async function openIncidentAsTheWebhookWould(opts: { project: string; service: string; environment: string; releaseId: string | null; alertname: string }) {
  const [project] = await sql<{ id: string; teamId: string; team: string }>(
    `select p.id, p."teamId", t.slug as team from "Project" p join "Team" t on t.id = p."teamId" where p.slug = $1`,
    [opts.project],
  );
  const clusters = opts.releaseId
    ? (
        await sql<{ name: string }>(`select distinct m->>'clusterName' as name from "Release" r, jsonb_array_elements(r.manifests) m where r.id = $1`, [
          opts.releaseId,
        ])
      ).map((r) => r.name)
    : ["sandbox-east"];
  const incidentId = randomUUID();
  const now = new Date();
  const [{ number }] = await sql<{ number: number }>(
    `insert into "Incident" (id, key, status, severity, title, summary, "projectId", "teamId", "serviceSlug", environment, "releaseId", "openedAt", "updatedAt")
     values ($1, $2, 'open', 'critical', $3, $4, $5, $6, $7, $8, $9, $10, $10) returning number`,
    [
      incidentId,
      `${opts.project}/${opts.service}/${opts.environment}/${opts.alertname}`,
      `${opts.alertname}: ${opts.project}/${opts.service} in ${opts.environment}`,
      "More than 5% of requests fail",
      project.id,
      project.teamId,
      opts.service,
      opts.environment,
      opts.releaseId,
      now,
    ],
  );
  for (const cluster of clusters) {
    const alertId = randomUUID();
    const labels = {
      alertname: opts.alertname,
      severity: "critical",
      team: project.team,
      project: opts.project,
      service: opts.service,
      environment: opts.environment,
      cluster,
    };
    await sql(
      `insert into "Alert" (id, fingerprint, "startsAt", status, alertname, severity, "teamSlug", "projectSlug", "serviceSlug", environment, cluster, labels, annotations, "projectId", "incidentId")
       values ($1, $2, $3, 'firing', $4, 'critical', $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        alertId,
        randomUUID().replace(/-/g, "").slice(0, 16),
        now,
        opts.alertname,
        project.team,
        opts.project,
        opts.service,
        opts.environment,
        cluster,
        JSON.stringify(labels),
        JSON.stringify({ summary: `5xx ratio above 5% on ${opts.service} (${cluster})` }),
        project.id,
        incidentId,
      ],
    );
    await sql(`insert into "AlertEvent" (id, "alertId", status, at, source) values ($1, $2, 'firing', $3, 'webhook')`, [randomUUID(), alertId, now]);
    await sql(`insert into "IncidentEvent" (id, "incidentId", kind, text, data, at) values ($1, $2, 'alert_firing', $3, $4, $5)`, [
      randomUUID(),
      incidentId,
      `${opts.alertname} on ${cluster}`,
      JSON.stringify({ cluster }),
      now,
    ]);
  }
  if (opts.releaseId) {
    const [r] = await sql<{ number: number; tag: string }>(`select number, tag from "Release" where id = $1`, [opts.releaseId]);
    await sql(`insert into "IncidentEvent" (id, "incidentId", kind, text, data, at) values ($1, $2, 'release_linked', $3, $4, $5)`, [
      randomUUID(),
      incidentId,
      `Release #${r.number} (${r.tag}) of ${opts.service} in ${opts.environment} started shortly before the first alert`,
      JSON.stringify({ releaseId: opts.releaseId }),
      now,
    ]);
  }
  return number;
}

async function as(browser: Browser, role: DemoRole): Promise<Page> {
  const context = await browser.newContext({ storageState: authFile(role) });
  return context.newPage();
}

async function shots(page: Page, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

test("Dana deploys the error-making tag to dev and an incident opens linked to that release", async ({ browser }) => {
  test.setTimeout(240_000);
  const dana = await as(browser, "developer");
  await dana.goto(SERVICE_PAGE);
  await dana.getByLabel("Image tag").fill("1.4.0-errors");
  await dana.getByRole("button", { name: /^Deploy to / }).click();
  await expect(dana).toHaveURL(/\/releases\/[\w-]+$/);
  releaseId = dana.url().split("/").pop()!;
  await expect(dana.getByTestId("release-status")).toHaveText("succeeded", { timeout: 90_000 });

  // AT MERGE: replace the stand-in by the real flow (al-routing's configuration sends the alert to al-ingest's webhook):
  //   await expect.poll(async () => (await sql<{ number: number }>(
  //     `select number from "Incident" where "releaseId" = $1 and status <> 'pending'`, [releaseId]))[0]?.number ?? 0,
  //     { timeout: 90_000, message: "an incident linked to the release" }).toBeGreaterThan(0);
  incidentNumber = await openIncidentAsTheWebhookWould({ project: PROJECT, service: "web", environment: "dev", releaseId, alertname: "HighErrorRatio" });

  // Dana sees it on her home page, the Alerts page and the project's alerts tab.
  await dana.goto("/");
  const mine = dana.getByRole("region", { name: "My open incidents" });
  await expect(mine.getByTestId(`my-incident-${incidentNumber}`)).toContainText("HighErrorRatio");
  await shots(dana, "home-incidents");

  await dana.goto(`/alerts?project=${PROJECT}`);
  const firing = dana.getByRole("list", { name: "Firing alerts" });
  await expect(firing.getByRole("listitem").filter({ hasText: "HighErrorRatio" }).first()).toContainText(`INC-${incidentNumber}`);
  await expect(firing.getByTestId("alert-cluster").first()).toContainText("sandbox-");
  await expect(dana.getByTestId("alerts-team-storefront")).toContainText("critical");
  await shots(dana, "alerts");

  // A filter that matches nothing says so.
  await dana.goto(`/alerts?q=no-such-alert-anywhere`);
  await expect(dana.getByText("No firing alert matches these filters")).toBeVisible();

  await dana.goto(`/projects/${PROJECT}/alerts`);
  await expect(dana.getByRole("table", { name: "Open incidents" }).getByTestId(`incident-${incidentNumber}`)).toContainText("1.4.0-errors");
  await shots(dana, "project-alerts");

  await dana.goto(`/incidents/${incidentNumber}`);
  await expect(dana.getByTestId("incident-release")).toContainText("1.4.0-errors");
  await expect(dana.getByTestId("incident-release").getByRole("link")).toHaveAttribute("href", `/releases/${releaseId}`);
  await expect(dana.getByTestId("incident-status")).toHaveText("Open");
  await dana.context().close();
});

test("Omar acknowledges it from the chat's ack link; the timeline shows the alerts, the release and his ack", async ({ browser }) => {
  test.skip(!incidentNumber, "needs the incident of the first test");
  test.setTimeout(120_000);
  const omar = await as(browser, "ops");
  // The chat message's "Acknowledge" link (al-chat) lands here: the confirmation is open and its button focused.
  await omar.goto(`/incidents/${incidentNumber}?action=ack`);
  const dialog = omar.getByRole("alertdialog", { name: `Acknowledge INC-${incidentNumber}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Acknowledge" })).toBeFocused();
  await omar.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(omar.getByTestId("incident-status")).toHaveText("Acknowledged");
  await expect(omar.getByTestId("incident-acknowledged")).toContainText("Omar Ops");
  await expect(omar).toHaveURL(new RegExp(`/incidents/${incidentNumber}$`));

  // An empty comment cannot be sent; a real one joins the timeline.
  await expect(omar.getByRole("button", { name: "Comment" })).toBeDisabled();
  await omar.getByLabel("Comment").fill("Errors started with 1.4.0-errors; rolling back.");
  await omar.getByRole("button", { name: "Comment" }).click();
  await expect(omar.getByTestId("timeline-comment")).toContainText("rolling back");

  // AT MERGE (al-chat): Omar adds a silence from the incident:
  //   await omar.getByRole("button", { name: "Silence" }).click(); ... expect "mutes N active alerts"; create;
  //   await expect(omar.getByTestId("timeline-silenced")).toContainText("Omar Ops");
  // AT MERGE (al-ingest): the service's rollout.rollbackOnAlert policy rolls the release back:
  //   await expect(omar.getByTestId("timeline-rollback_started")).toBeVisible({ timeout: 60_000 });
  // AT MERGE (al-chat): await expect(omar.getByTestId("timeline-chat_sent").first()).toBeVisible();

  const timeline = omar.getByRole("list", { name: "Timeline" });
  await expect(timeline.getByTestId("timeline-alert_firing").first()).toContainText("HighErrorRatio");
  await expect(timeline.getByTestId("timeline-release_linked")).toContainText("1.4.0-errors");
  await expect(timeline.getByTestId("timeline-release_linked").getByRole("link", { name: "Open the release" })).toHaveAttribute(
    "href",
    `/releases/${releaseId}`,
  );
  await expect(timeline.getByTestId("timeline-acknowledged")).toContainText("by Omar Ops");
  await shots(omar, "incident");

  // Resolve with a note; the list under "Resolved" has it.
  await omar.getByRole("button", { name: "Resolve" }).click();
  const resolve = omar.getByRole("alertdialog", { name: `Resolve INC-${incidentNumber}?` });
  await resolve.getByLabel("What fixed it (optional)").fill("Rolled back to the previous release.");
  await resolve.getByRole("button", { name: "Resolve" }).click();
  await expect(omar.getByTestId("incident-status")).toHaveText("Resolved");
  await expect(omar.getByTestId("timeline-resolved")).toContainText("Rolled back to the previous release.");
  await omar.goto("/incidents?status=resolved");
  await expect(omar.getByTestId(`incident-${incidentNumber}`)).toContainText("Resolved");
  await omar.context().close();
});

test("Mia (manager) reads an incident but has nothing to press, and sees each team's open count, MTTA and MTTR", async ({ browser }) => {
  test.skip(!incidentNumber, "needs the incident of the first test");
  const mia = await as(browser, "manager");
  await mia.goto(`/incidents/${incidentNumber}`);
  await expect(mia.getByTestId("incident-status")).toBeVisible();
  await expect(mia.getByTestId("read-only")).toBeVisible();
  await expect(mia.getByRole("button", { name: "Acknowledge" })).toHaveCount(0);
  await expect(mia.getByRole("button", { name: "Resolve" })).toHaveCount(0);
  await expect(mia.getByLabel("Comment")).toHaveCount(0);

  await mia.goto("/incidents?status=all");
  const stats = mia.getByRole("table", { name: "Incidents per team" });
  await expect(stats.getByTestId("team-stats-storefront")).toBeVisible();
  await expect(stats.getByTestId("team-stats-storefront").getByRole("cell").nth(3)).not.toHaveText("—");
  await shots(mia, "incidents");
  await mia.context().close();
});

test("an incident of a project Dana is not in is a 404 for her; the Incidents page says when nothing is open", async ({ browser }) => {
  // AT MERGE: the stand-in again (no release: recommendations/serving has none in the window).
  const other = await openIncidentAsTheWebhookWould({
    project: "recommendations",
    service: "serving",
    environment: "dev",
    releaseId: null,
    alertname: "HighLatency",
  });
  const dana = await as(browser, "developer");
  const res = await dana.goto(`/incidents/${other}`);
  expect(res?.status()).toBe(404);
  await dana.goto(`/incidents?project=recommendations`);
  await expect(dana.getByText("No incident matches these filters")).toBeVisible();
  await dana.goto(`/incidents/INC-not-a-number`);
  await expect(dana.getByRole("heading", { name: "Not found" })).toBeVisible();
  await dana.context().close();
});
