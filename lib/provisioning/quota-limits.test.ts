/** The custom-quota limits: a platform setting ops and admins edit, versioned and audited; what they change about who approves. */
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { ctxFor, makeUser } from "@/test/factories";
import { getQuotaLimits, setQuotaLimits } from "./quota-limits";
import { adminReasons, DEFAULT_QUOTA_LIMITS, needsAdmin } from "./quota";

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as AppError,
  );

describe("custom quota limits", () => {
  it("start at the largest preset; ops set them, each change audited with before and after; a developer may not", async () => {
    expect(await getQuotaLimits()).toMatchObject({ ...DEFAULT_QUOTA_LIMITS, version: 0 });
    const ops = await ctxFor(await makeUser("ops"));
    const dev = await ctxFor(await makeUser("developer"));
    expect((await failure(setQuotaLimits(dev, { cpu: 8, memoryGi: 16, pods: 40, version: 0 })))?.code).toBe("FORBIDDEN");

    const saved = await setQuotaLimits(ops, { cpu: 8, memoryGi: 16, pods: 40, version: 0 });
    expect(saved).toMatchObject({ cpu: 8, memoryGi: 16, pods: 40, version: 1 });
    const again = await setQuotaLimits(ops, { cpu: 12, memoryGi: 16, pods: 40, version: 1 });
    expect(again.version).toBe(2);
    const audit = await db().auditEvent.findMany({ where: { action: "settings.quota_limits" }, orderBy: { at: "asc" } });
    expect(audit.map((a) => [a.actorLabel, a.before, a.after])).toEqual([
      [ops.actor.email, DEFAULT_QUOTA_LIMITS, { cpu: 8, memoryGi: 16, pods: 40 }],
      [ops.actor.email, { cpu: 8, memoryGi: 16, pods: 40 }, { cpu: 12, memoryGi: 16, pods: 40 }],
    ]);

    // A form opened before the last save is refused, naming who saved in between.
    const stale = await failure(setQuotaLimits(ops, { cpu: 4, memoryGi: 16, pods: 40, version: 1 }));
    expect(stale?.code).toBe("CONFLICT");
    expect(stale?.userMessage).toContain(ops.actor.email);
    expect((await getQuotaLimits()).cpu).toBe(12);
  });

  it("cannot go above the largest preset: above it an admin approves whatever the limits say", async () => {
    const admin = await ctxFor(await makeUser("admin"));
    const e = await failure(setQuotaLimits(admin, { cpu: 100, memoryGi: 0, pods: 40, version: (await getQuotaLimits()).version }));
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.fieldErrors).toEqual({ cpu: ["At most 48 (CPUs)"], memoryGi: ["At least 1 (GiB of memory)"] });
  });

  it("decide who approves: presets within the largest, custom within the limits, no GPU for ops; anything else an admin", () => {
    const limits = { cpu: 8, memoryGi: 16, pods: 40 };
    expect(needsAdmin({ preset: "medium", gpu: 0 }, limits)).toBe(false);
    expect(needsAdmin({ preset: "custom", cpu: 8, memoryGi: 16, pods: 40, gpu: 0 }, limits)).toBe(false);
    expect(adminReasons({ preset: "custom", cpu: 9, memoryGi: 100, pods: 40, gpu: 1 }, limits)).toEqual([
      "1 GPU: any GPU needs an admin",
      "9 CPU is above the custom limit ops set (8 CPU)",
      "100 GiB is above the largest preset (96 GiB)",
    ]);
    expect(adminReasons({ preset: "large", gpu: 0 }, limits)).toEqual([]);
  });
});
