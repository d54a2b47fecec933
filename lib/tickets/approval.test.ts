import { describe, expect, it } from "vitest";
import type { Actor, PlatformRole, ProjectRole } from "@/lib/access/policy";
import { canDecide, canSeeTicket, type TicketForDecision } from "./approval";

const actor = (id: string, platformRole: PlatformRole, projectRoles: Record<string, ProjectRole> = {}): Actor => ({
  kind: "user",
  id,
  name: id,
  email: `${id}@x`,
  platformRole,
  projectRoles,
});
const ticket = (t: Partial<TicketForDecision>): TicketForDecision => ({
  type: "onboarding",
  status: "open",
  requesterId: "req",
  projectId: "p1",
  requiresAdmin: false,
  ...t,
});

const CASES: { who: Actor; t: TicketForDecision; allowed: boolean; name: string }[] = [
  { name: "ops approves an onboarding within presets", who: actor("o", "ops"), t: ticket({}), allowed: true },
  { name: "ops may not approve an onboarding with GPUs", who: actor("o", "ops"), t: ticket({ requiresAdmin: true }), allowed: false },
  { name: "an admin approves an onboarding with GPUs", who: actor("a", "admin"), t: ticket({ requiresAdmin: true }), allowed: true },
  { name: "a developer may not approve an onboarding", who: actor("d", "developer"), t: ticket({}), allowed: false },
  { name: "a manager may not approve an onboarding", who: actor("m", "manager"), t: ticket({}), allowed: false },
  { name: "ops approves a quota within presets", who: actor("o", "ops"), t: ticket({ type: "quota" }), allowed: true },
  { name: "ops may not approve a quota above the presets", who: actor("o", "ops"), t: ticket({ type: "quota", requiresAdmin: true }), allowed: false },
  { name: "the project owner approves an access request", who: actor("own", "developer", { p1: "owner" }), t: ticket({ type: "permission" }), allowed: true },
  {
    name: "a maintainer may not approve an access request",
    who: actor("mt", "developer", { p1: "maintainer" }),
    t: ticket({ type: "permission" }),
    allowed: false,
  },
  { name: "the owner of another project may not approve", who: actor("own", "developer", { p2: "owner" }), t: ticket({ type: "permission" }), allowed: false },
  { name: "ops approves an access request", who: actor("o", "ops"), t: ticket({ type: "permission" }), allowed: true },
  { name: "ops approves archiving", who: actor("o", "ops"), t: ticket({ type: "archive" }), allowed: true },
  { name: "ops approve a production deploy", who: actor("o", "ops"), t: ticket({ type: "deploy" }), allowed: true },
  {
    name: "the owner may not approve their project's production deploy",
    who: actor("own", "developer", { p1: "owner" }),
    t: ticket({ type: "deploy" }),
    allowed: false,
  },
  { name: "the owner may not approve archiving", who: actor("own", "developer", { p1: "owner" }), t: ticket({ type: "archive" }), allowed: false },
  { name: "nobody approves their own request, not even an admin", who: actor("req", "admin"), t: ticket({}), allowed: false },
  { name: "nobody decides a ticket that is no longer open", who: actor("a", "admin"), t: ticket({ status: "rejected" }), allowed: false },
];

describe("who approves what", () => {
  it.each(CASES)("$name", ({ who, t, allowed }) => {
    expect(canDecide(who, t).allowed).toBe(allowed);
  });

  it("says why a decision is refused", () => {
    expect(canDecide(actor("req", "admin"), ticket({}))).toEqual({ allowed: false, reason: "You cannot decide your own request: another approver must." });
    expect(canDecide(actor("o", "ops"), ticket({ requiresAdmin: true }))).toMatchObject({ reason: expect.stringMatching(/an admin approves it/) });
  });

  it("shows a ticket to its requester, approvers, managers and the project's members only", () => {
    const t = { requesterId: "req", projectId: "p1" };
    expect(canSeeTicket(actor("req", "developer"), t)).toBe(true);
    expect(canSeeTicket(actor("m", "manager"), t)).toBe(true);
    expect(canSeeTicket(actor("v", "developer", { p1: "viewer" }), t)).toBe(true);
    expect(canSeeTicket(actor("x", "developer", { p2: "owner" }), t)).toBe(false);
  });
});
