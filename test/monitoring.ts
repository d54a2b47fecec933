/**
 * The test run's real Prometheus and Alertmanager (started once by
 * test/global-setup.ts) for a test file: their URLs, and `scrape()` to have
 * Prometheus scrape this file's sandbox clusters (over HTTPS with their CA and
 * token, labelled `cluster="<name>"`) until the file ends. Give the file's
 * clusters names no other file uses (e.g. `mon-east`): the `cluster` label is
 * what tells their series apart.
 */
import { afterAll, beforeAll, inject } from "vitest";
import type { SandboxCluster } from "@/sandbox/index";
import { addScrapeTargets, removeScrapeTargets, scrapeTargetFromKubeconfig } from "@/scripts/lib/monitoring-servers";

export interface TestMonitoring {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The folder of rule files Prometheus loads (`*.yml`). Only write files promtool accepted: one bad file fails every reload. */
  rulesDir: string;
  /**
   * The file the run's Alertmanager reads. Not given to every file as WHARF_ALERTMANAGER_CONFIG_FILE: each file has
   * its own database, and the routing job of each would rewrite it with its own projects. A file that tests routing
   * sets it itself (lib/alerting/routing-apply.test.ts).
   */
  alertmanagerConfigFile: string;
  dir: string;
}

/** The run's monitoring servers; fails the file with what to install when they did not start. */
export function testMonitoring(): TestMonitoring {
  const prometheusUrl = inject("prometheusUrl");
  if (!prometheusUrl) throw new Error(inject("monitoringProblem") || "the test run has no Prometheus");
  const dir = inject("monitoringDir");
  return { prometheusUrl, alertmanagerUrl: inject("alertmanagerUrl"), rulesDir: `${dir}/rules`, alertmanagerConfigFile: `${dir}/alertmanager.yml`, dir };
}

/**
 * Prometheus scrapes the file's sandbox clusters from its start to its end
 * (call after sandboxForThisFile, so its clusters exist when this runs).
 */
export function scrapeForThisFile(clusters: () => SandboxCluster[]): void {
  let names: string[] = [];
  beforeAll(async () => {
    const { dir } = testMonitoring();
    const list = clusters();
    names = list.map((c) => c.name);
    await addScrapeTargets(
      dir,
      list.map((c) => scrapeTargetFromKubeconfig(c.name, c.kubeconfig)),
    );
  });
  afterAll(async () => {
    if (names.length) await removeScrapeTargets(testMonitoring().dir, names);
  });
}
