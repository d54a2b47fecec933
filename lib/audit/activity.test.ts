import { describe, expect, it } from "vitest";
import { describeRun, groupActivity, type ActivityEvent } from "./activity";

const event = (id: number, actorLabel: string, action: string, targetType = "step", targetLabel = `t${id}`): ActivityEvent => ({
  id: String(id),
  at: new Date(2026, 0, 1, 0, 0, 100 - id),
  actorLabel,
  action,
  targetType,
  targetLabel,
});

describe("the activity feed", () => {
  it("reads a run of the same event as one sentence", () => {
    expect(describeRun("provisioning.succeeded", "run", 25)).toBe("25 provisioning runs succeeded");
    expect(describeRun("environment.create", "environment", 11)).toBe("11 environments created");
    expect(describeRun("team.member.add", "team", 7)).toBe("7 team members added");
    expect(describeRun("deploy.failed", "release", 2)).toBe("2 releases failed");
    expect(describeRun("cluster.status", "cluster", 3)).toBe("3 clusters changed status");
  });

  it("groups consecutive repeats by the same actor, keeps different ones apart, and stops at the limit", () => {
    const feed = groupActivity(
      [
        event(1, "system", "provisioning.step.succeeded"),
        event(2, "system", "provisioning.step.succeeded"),
        event(3, "system", "provisioning.step.succeeded"),
        event(4, "system", "provisioning.step.succeeded"),
        event(5, "ada@wharf.dev", "project.update", "project", "ledger"),
        event(6, "system", "provisioning.step.succeeded"),
        event(7, "dana@wharf.dev", "project.update", "project", "ledger"),
      ],
      3,
    );
    expect(feed.map((f) => [f.actorLabel, f.count, f.summary, f.targets])).toEqual([
      ["system", 4, "4 provisioning steps succeeded", ["t1", "t2", "t3"]],
      ["ada@wharf.dev", 1, "", ["ledger"]],
      ["system", 1, "", ["t6"]],
    ]);
    expect(feed[0]!.id).toBe("1");
  });
});
