/**
 * What a ticket type is: a request that needs someone's approval. The ticket
 * engine (open, decide, cancel, comment, list) is generic over the types the
 * modules register; each type says, once, in the module that owns it:
 * - its payload's zod schema (ticket payloads are parsed when read, never cast);
 * - which policy action decides it (and which one when it needs an admin);
 * - what approval does, in the decision's transaction (start a run, change a
 *   role, start a release), and what rejection or cancellation undoes;
 * - what approving would do, before anyone decides (the plan);
 * - how its payload is shown (a view of fields, links and diffs), and what it
 *   says when its provisioning ends.
 */
import type { z } from "zod";
import type { Tx } from "@/lib/db/client";
import type { Ctx } from "@/lib/context";
import type { StepDraft } from "@/lib/provisioning/registry";
import { registry } from "@/lib/modules";

/** A ticket as the engine hands it to its type: the row, with the payload parsed by the type's schema. */
export interface TicketOf<P> {
  id: string;
  number: number;
  type: string;
  status: string;
  title: string;
  requesterId: string;
  projectId: string | null;
  requiresAdmin: boolean;
  payload: P;
  project: { id: string; slug: string; name: string; teamId: string; lifecycle: string } | null;
}

/** One value of a ticket's view. */
export type ViewValue =
  | { kind: "text"; text: string; mono?: boolean }
  | { kind: "badge"; text: string; tone?: "default" | "warning" | "danger" | "success" }
  | { kind: "link"; text: string; href: string }
  | { kind: "list"; items: ViewValue[] }
  | { kind: "row"; items: ViewValue[] }
  | { kind: "code"; text: string; language: "yaml" | "json" | "text" }
  | { kind: "diff"; title: string; before: string; after: string; language?: "yaml" | "text" }
  /** A titled part of its own (e.g. one per cluster), with labelled fields; shown across the whole width. */
  | { kind: "section"; title: string; fields: ViewField[] };

/** A labelled value of a view. */
export interface ViewField {
  label: string;
  value: ViewValue;
}

/** How a ticket's request is shown: labelled fields, then notes (e.g. a link to read more). */
export interface TicketView {
  fields: ViewField[];
  notes?: ViewValue[];
}

export const text = (t: string, mono = false): ViewValue => ({ kind: "text", text: t, mono });
export const badge = (t: string, tone?: "default" | "warning" | "danger" | "success"): ViewValue => ({ kind: "badge", text: t, tone });
export const link = (t: string, href: string): ViewValue => ({ kind: "link", text: t, href });
export const list = (items: ViewValue[]): ViewValue => ({ kind: "list", items });
export const row = (items: ViewValue[]): ViewValue => ({ kind: "row", items });
export const section = (title: string, fields: ViewField[]): ViewValue => ({ kind: "section", title, fields });

export interface TicketType<P> {
  type: string;
  /** Shown as the ticket's kind, e.g. "Onboarding". */
  label: string;
  payload: z.ZodType<P>;
  /**
   * The policy action whose holder may decide it (on the ticket's project)...
   * (A string, not the Action type: ticket types are part of the modules the
   * Action type is computed from. The registry refuses an unknown action at
   * start-up, so a typo fails the first test, not a decision.)
   */
  decide: string;
  /** ...and the one needed instead when the ticket requires an admin (quota above the presets, GPUs). */
  decideElevated?: string;
  /** Who decides it, in words, for people who may not: "Ops or an admin approve this request." */
  whoDecides: string;
  whoDecidesElevated?: string;
  /**
   * Carries out an approved ticket, in the decision's transaction. Returns
   * the provisioning run it started (the ticket follows it and closes when
   * it ends), or null when approval completed the request already.
   */
  approve(tx: Tx, ctx: Ctx, ticket: TicketOf<P>): Promise<{ runId: string | null }>;
  /** Undoes what the request held while it waited (a reserved project, a pending release), in the same transaction. */
  withdraw?(tx: Tx, ctx: Ctx, ticket: TicketOf<P>, how: "rejected" | "cancelled", reason: string): Promise<void>;
  /** What approving would do now, step by step (shown before the decision); null when it starts no steps. */
  plan?(ctx: Ctx, ticket: TicketOf<P>): Promise<StepDraft[] | null>;
  /** How the request is shown to whoever may see the ticket (requester, approvers, the project's members). */
  view(ctx: Ctx, ticket: TicketOf<P>): Promise<TicketView>;
  /** What the requester is told when the ticket's provisioning ends; the default is "is done" / "failed on a cluster". */
  news?: { done?: string; failed?: string };
  /** Shown on a failed ticket, after "A step failed after all its attempts;". */
  failedHint?: string;
}

/** A ticket type whose payload type is erased: what the registry holds. */
// The engine calls a type only with payloads its own schema parsed, so the erased parameter is safe here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTicketType = TicketType<any>;

export function defineTicketType<P>(t: TicketType<P>): TicketType<P> {
  if (!/^[a-z][a-z0-9_]*$/.test(t.type)) throw new Error(`Ticket types are snake_case: ${t.type}`);
  return t;
}

/** The registered type of a ticket; a ticket of a type no module declares any more is an error the page shows. */
export function ticketType(type: string): AnyTicketType {
  const t = registry().ticketTypes.get(type);
  if (!t) throw new Error(`Unknown ticket type "${type}": no module declares it`);
  return t;
}

export function allTicketTypes(): AnyTicketType[] {
  return [...registry().ticketTypes.values()];
}
