"use client";

/**
 * The instances page: which instance holds which release, "N of M on the
 * latest release", gray instances marked. Polled every 3 s while an instance
 * outside a gray release is behind (a publish is reaching them), every 30 s
 * otherwise.
 */
import { Progress } from "@/components/ui/progress";
import { EmptyState } from "@/components/ui/empty-state";
import type { TSetRef } from "@/lib/config/schemas";
import { InstancesTable, useConfigInstances, type InstancesData } from "./instances-table";

const behind = (d: InstancesData | undefined) => (d ? d.instances.filter((i) => !i.latest && !i.release?.gray).length : 0);

export function InstancesList({ refInput, initial }: { refInput: TSetRef; initial: InstancesData }) {
  const { data, isError, error } = useConfigInstances(refInput, { initial, poll: (d) => (behind(d) > 0 ? 3_000 : 30_000) });
  const list = data ?? initial;
  const gray = list.instances.filter((i) => i.release?.gray).length;
  if (!list.total) {
    return (
      <EmptyState
        title="No instance seen in the last hour"
        description="An instance appears here when its Apollo client reads this namespace from the config service."
      />
    );
  }
  return (
    <div className="space-y-4">
      <div className="space-y-2 rounded-md border p-4">
        <p className="text-sm font-medium" data-testid="instances-summary">
          {list.onLatest} of {list.total} instance{list.total === 1 ? "" : "s"} on the latest release
          {list.latestNumber !== null ? ` (#${list.latestNumber})` : ""}
          {gray ? ` · ${gray} on the gray release` : ""}
        </p>
        {/* Gray instances hold what they should: the bar shows how far the latest release has reached the rest. */}
        <Progress value={((list.onLatest + gray) / list.total) * 100} aria-label="Instances on the latest release or their gray release" />
        <p className="text-xs text-muted-foreground" aria-live="polite">
          {behind(list) > 0 ? `${behind(list)} behind: checking every few seconds.` : "Every instance outside a gray release holds the latest release."}
          {isError ? ` Not refreshed: ${error.message}` : ""}
        </p>
      </div>
      <InstancesTable instances={list.instances} caption="Instances and their releases" />
    </div>
  );
}
