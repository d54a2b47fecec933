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
 * The real path: the sandbox's `errors` tag → Prometheus (the harness scrapes every 2 s) evaluates the generated
 * error-ratio rule (the seed gives storefront-web's web in dev `for: 15s`, prisma/seed.ts ALERTING_DEMO) →
 * Alertmanager with the routing Wharf generated (group_wait 5 s in the harness) → Wharf's webhook → the incident,
 * linked to the release → the worker posts to the team's chat (a local receiver here) → the service's
 * `rollout.rollbackOnAlert` (seeded) rolls the release back.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { shots } from "./support/screenshots";
import { authFile, type DemoRole } from "./support/users";

test.describe.configure({ mode: "serial" });

// storefront-web/web in dev: no other spec deploys there (monitoring-health uses `test`).
const PROJECT = "storefront-web";
const SERVICE_PAGE = `/projects/${PROJECT}/services/web?env=dev`;
const ALERT = "WharfErrorRatioHigh";

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

/** The incident of a key once it is open (not pending), as the webhook's ingest leaves it. */
async function incidentOf(where: string, values: unknown[], timeout: number, message: string): Promise<number> {
  let number = 0;
  await expect
    .poll(
      async () => {
        number =
          (await sql<{ number: number }>(`select number from "Incident" where ${where} and status <> 'pending' order by number desc limit 1`, values))[0]
            ?.number ?? 0;
        return number;
      },
      { timeout, intervals: [1_000], message },
    )
    .toBeGreaterThan(0);
  return number;
}

/**
 * The team's chat service: a local HTTP receiver the worker posts the incident's messages to (the team's webhook URL
 * points at it). Each body's text is kept, in order.
 */
const chat = {
  messages: [] as string[],
  server: null as http.Server | null,
  teamBefore: null as { webhookUrl: string | null; webhookKind: string | null } | null,
};
async function startChatReceiver(): Promise<string> {
  [chat.teamBefore] = await sql<{ webhookUrl: string | null; webhookKind: string | null }>(
    `select "webhookUrl", "webhookKind" from "Team" where slug = 'storefront'`,
  );
  chat.server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      try {
        const parsed = JSON.parse(body) as { text?: string };
        chat.messages.push(parsed.text ?? body);
      } catch {
        chat.messages.push(body);
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => chat.server!.listen(0, "127.0.0.1", resolve));
  const { port } = chat.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}/hooks/storefront`;
}

/**
 * Gives the team its webhook back before the receiver goes: left pointing at a closed port, every later
 * message of the team's incidents (other specs too) would fail and be retried for minutes.
 */
async function stopChatReceiver() {
  if (chat.teamBefore) {
    await sql(`update "Team" set "webhookUrl" = $1, "webhookKind" = $2 where slug = 'storefront'`, [chat.teamBefore.webhookUrl, chat.teamBefore.webhookKind]);
    chat.teamBefore = null;
  }
  const server = chat.server;
  if (server) {
    server.closeAllConnections(); // the worker's keep-alive connections would hold close() open
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  chat.server = null;
}
test.afterAll(stopChatReceiver);

async function as(browser: Browser, role: DemoRole): Promise<Page> {
  const context = await browser.newContext({ storageState: authFile(role) });
  return context.newPage();
}

test("Dana deploys the error-making tag to dev and an incident opens linked to that release", async ({ browser }) => {
  test.setTimeout(240_000);
  // The team's chat: its webhook points at the receiver (the team page's "Edit team" stores the same two fields).
  const hook = await startChatReceiver();
  await sql(`update "Team" set "webhookUrl" = $1, "webhookKind" = 'slack' where slug = 'storefront'`, [hook]);
  const dana = await as(browser, "developer");
  await dana.goto(SERVICE_PAGE);
  await dana.getByLabel("Image tag").fill("1.4.0-errors");
  await dana.getByRole("button", { name: /^Deploy to / }).click();
  await expect(dana).toHaveURL(/\/releases\/[\w-]+$/);
  releaseId = dana.url().split("/").pop()!;
  await expect(dana.getByTestId("release-status")).toHaveText("succeeded", { timeout: 90_000 });

  // Prometheus → Alertmanager → Wharf's webhook: the incident opens linked to this release, within a minute of its rollout.
  incidentNumber = await incidentOf(`"releaseId" = $1`, [releaseId], 60_000, "an incident linked to the release");
  // Dana sees it on her home page, the Alerts page and the project's alerts tab.
  await dana.goto("/");
  const mine = dana.getByRole("region", { name: "My open incidents" });
  await expect(mine.getByTestId(`my-incident-${incidentNumber}`)).toContainText(ALERT);
  await shots(dana, "home-incidents");

  await dana.goto(`/alerts?project=${PROJECT}`);
  const firing = dana.getByRole("list", { name: "Firing alerts" });
  await expect(firing.getByRole("listitem").filter({ hasText: ALERT }).first()).toContainText(`INC-${incidentNumber}`);
  await expect(firing.getByTestId("alert-cluster").first()).toContainText("sandbox-");
  await expect(dana.getByTestId("alerts-team-storefront")).toContainText("critical");
  await shots(dana, "alerts");
  // Its "Silence…" opens the silence dialog on the incident's page (?action=silence), the incident's matchers preselected.
  await firing.getByRole("listitem").filter({ hasText: ALERT }).first().getByRole("link", { name: "Silence…" }).click();
  await expect(dana).toHaveURL(new RegExp(`/incidents/${incidentNumber}\\?action=silence$`));
  await expect(dana.getByRole("dialog", { name: "Silence alerts" }).getByLabel("Value 4")).toHaveValue(ALERT);

  // A filter that matches nothing says so.
  await dana.goto(`/alerts?q=no-such-alert-anywhere`);
  await expect(dana.getByText("No firing alert matches these filters")).toBeVisible();

  await dana.goto(`/projects/${PROJECT}/alerts`);
  await expect(dana.getByRole("table", { name: "Open incidents" }).getByTestId(`incident-${incidentNumber}`)).toContainText("1.4.0-errors");
  // Each firing alert offers a silence with its labels as matchers.
  await dana.getByRole("list", { name: "Firing alerts" }).getByRole("button", { name: "Silence…" }).first().click();
  const fromAlert = dana.getByRole("dialog", { name: "Silence alerts" });
  await expect
    .poll(() => fromAlert.getByRole("textbox", { name: /^Value/ }).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)))
    .toEqual(expect.arrayContaining([ALERT, PROJECT, "web", "dev", "sandbox-east"]));
  await dana.keyboard.press("Escape");
  await expect(fromAlert).toBeHidden();
  await shots(dana, "project-alerts");

  await dana.goto(`/incidents/${incidentNumber}`);
  await expect(dana.getByTestId("incident-release")).toContainText("1.4.0-errors");
  await expect(dana.getByTestId("incident-release").getByRole("link")).toHaveAttribute("href", `/releases/${releaseId}`);
  await expect(dana.getByTestId("incident-status")).toHaveText(/Open|Acknowledged/);
  await dana.context().close();
});

test("the team's chat gets the incident; Omar acks it from the message, silences it from the incident, the policy rolls the release back, and the timeline shows it all", async ({
  browser,
}) => {
  expect(incidentNumber, "the first test of this serial file opens the incident").toBeTruthy();
  test.setTimeout(180_000);
  // The worker posted the incident to the team's chat, with its links.
  await expect
    .poll(() => chat.messages.find((m) => m.includes(`INC-${incidentNumber} `)) ?? "", { timeout: 60_000, message: "a chat message about the incident" })
    .toContain("Acknowledge: ");
  const message = chat.messages.find((m) => m.includes(`INC-${incidentNumber} `))!;
  expect(message).toContain(ALERT);
  expect(message).toContain("1.4.0-errors");
  const ackLink = new URL(/Acknowledge: (\S+)/.exec(message)![1]);
  expect(ackLink.pathname + ackLink.search).toBe(`/incidents/${incidentNumber}?action=ack`);

  const omar = await as(browser, "ops");
  // The chat message's "Acknowledge" link lands here: the confirmation is open and its button focused.
  await omar.goto(ackLink.pathname + ackLink.search);
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

  // A silence from the incident: its matchers preselected, a preview of what it mutes, then created.
  await omar.getByRole("button", { name: "Silence…" }).click();
  const silence = omar.getByRole("dialog", { name: "Silence alerts" });
  await expect(silence.getByLabel("Value 1")).toHaveValue(PROJECT);
  await silence.getByRole("button", { name: "Create silence" }).click();
  await expect(silence.getByText(/^Say why/)).toBeVisible(); // no comment: refused at its field, nothing created
  await silence.getByLabel("Comment").fill("Rolling back 1.4.0-errors");
  await expect(silence.getByText(/^Say why/)).toBeHidden();
  await silence.getByRole("button", { name: "Preview" }).click();
  await expect(silence.getByTestId("silence-preview")).toContainText(new RegExp(`Mutes [1-9][0-9]* active alerts? \\(${ALERT}\\)`));
  await shots(omar, "incident-silence-dialog");
  await silence.getByRole("button", { name: "Create silence" }).click();
  await expect(silence).toBeHidden();
  await expect(omar.getByTestId("timeline-silenced")).toContainText("Omar Ops", { timeout: 15_000 });

  // The service's rollout.rollbackOnAlert rolled the release back (a job of the worker), and the chat message went out.
  await expect(omar.getByTestId("timeline-rollback_started")).toContainText("1.4.0-errors", { timeout: 60_000 });
  await expect(omar.getByTestId("timeline-chat_sent").first()).toBeVisible({ timeout: 30_000 });

  const timeline = omar.getByRole("list", { name: "Timeline" });
  await expect(timeline.getByTestId("timeline-alert_firing").first()).toContainText(ALERT);
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

  // The project's alerts page lists the silence; expiring it is on the incident's timeline.
  await omar.goto(`/projects/${PROJECT}/alerts`);
  const silences = omar.getByRole("list", { name: "Silences" });
  const mine = silences.getByRole("listitem").filter({ hasText: "Rolling back 1.4.0-errors" });
  await expect(mine).toContainText("active");
  await expect(mine).toContainText(`alertname="${ALERT}"`);
  await shots(omar, "project-alerts-silences");
  await mine.getByRole("button", { name: "Expire" }).click();
  await expect(mine).toContainText("expired");
  await omar.goto(`/incidents/${incidentNumber}`);
  await expect(omar.getByTestId("timeline-silence_expired")).toBeVisible();
  await omar.context().close();
  await stopChatReceiver();
});

test("Mia (manager) reads an incident but has nothing to press, and sees each team's open count, MTTA and MTTR", async ({ browser }) => {
  expect(incidentNumber, "the first test of this serial file opens the incident").toBeTruthy();
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
  // An alert of recommendations/serving sent to the real Alertmanager: routed to Wharf's webhook like any other.
  const [{ team }] = await sql<{ team: string }>(`select t.slug as team from "Project" p join "Team" t on t.id = p."teamId" where p.slug = 'recommendations'`);
  const res0 = await fetch(`${process.env.E2E_ALERTMANAGER_URL}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([
      {
        labels: {
          alertname: "HighLatency",
          severity: "warning",
          team,
          project: "recommendations",
          service: "serving",
          environment: "dev",
          cluster: "sandbox-east",
        },
        annotations: { summary: "p99 above 500 ms" },
        startsAt: new Date().toISOString(),
      },
    ]),
  });
  expect(res0.status).toBe(200);
  const other = await incidentOf(`key = $1`, ["recommendations/serving/dev/HighLatency"], 60_000, "the incident of recommendations/serving");
  const dana = await as(browser, "developer");
  const res = await dana.goto(`/incidents/${other}`);
  expect(res?.status()).toBe(404);
  await dana.goto(`/incidents?project=recommendations`);
  await expect(dana.getByText("No incident matches these filters")).toBeVisible();
  await dana.goto(`/incidents/INC-not-a-number`);
  await expect(dana.getByRole("heading", { name: "Not found" })).toBeVisible();
  await dana.context().close();
});
