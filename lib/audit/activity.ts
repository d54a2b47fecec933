/**
 * An activity feed people can read: a run of the same thing done by the same
 * actor (the system provisioning 25 steps, a seed creating 11 environments)
 * becomes one line, "11 environments created", with the first few targets,
 * instead of a line each.
 */

export interface ActivityEvent {
  id: string;
  at: Date;
  actorLabel: string;
  action: string;
  targetType: string;
  targetLabel: string;
}

export interface ActivityItem {
  /** The newest event's id: stable while the run grows. */
  id: string;
  /** The newest event's time. */
  at: Date;
  actorLabel: string;
  action: string;
  count: number;
  /** What happened, for a run: "11 environments created". Empty for a single event. */
  summary: string;
  /** The targets, newest first (at most `MAX_TARGETS`). */
  targets: string[];
}

export const MAX_TARGETS = 3;

const PAST: Record<string, string> = {
  create: "created",
  update: "updated",
  delete: "deleted",
  add: "added",
  remove: "removed",
  register: "registered",
  request: "requested",
  comment: "commented on",
  cancel: "cancelled",
  retry: "retried",
  status: "changed status",
  role: "changed role",
  reconcile: "reconciled",
  drift: "drifted",
  quota: "changed quota",
  kill: "killed",
  restart: "restarted",
  archive: "archived",
  activate: "activated",
  revoke: "revoked",
  end: "ended",
  end_all: "ended everywhere",
};

function plural(noun: string, count: number) {
  if (count === 1) return noun;
  if (/(s|x|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/** Domains whose events are about something else: a provisioning event is about a run, a deploy event about a release. */
const SUBJECT_OF_DOMAIN: Record<string, string> = { deploy: "release" };

/**
 * "25 provisioning runs succeeded", "11 environments created", "7 team members added": the action's noun (with the
 * target's type where the action names only its domain) and its last word in the past tense.
 */
export function describeRun(action: string, targetType: string, count: number): string {
  const parts = action.split(".");
  const last = parts.length > 1 ? parts.pop()! : "";
  const verb = PAST[last] ?? (last.endsWith("ed") ? last : last.replace(/_/g, " "));
  const words = parts.join(" ").replace(/_/g, " ").split(" ");
  if (words.length === 1 && words[0] !== targetType) {
    const subject = SUBJECT_OF_DOMAIN[words[0]!];
    if (subject) words.splice(0, 1, subject);
    else words.push(targetType.replace(/_/g, " "));
  }
  words.push(plural(words.pop()!, count));
  return `${count} ${words.join(" ")} ${verb}`.trim();
}

/** Groups consecutive events (newest first) with the same actor and action; keeps at most `limit` items. */
export function groupActivity(events: ActivityEvent[], limit: number): ActivityItem[] {
  const items: (ActivityItem & { targetType: string })[] = [];
  for (const e of events) {
    const prev = items.at(-1);
    if (prev && prev.actorLabel === e.actorLabel && prev.action === e.action && prev.targetType === e.targetType) {
      prev.count++;
      if (prev.targets.length < MAX_TARGETS && e.targetLabel) prev.targets.push(e.targetLabel);
      continue;
    }
    if (items.length === limit) break;
    items.push({
      id: e.id,
      at: e.at,
      actorLabel: e.actorLabel,
      action: e.action,
      targetType: e.targetType,
      count: 1,
      summary: "",
      targets: e.targetLabel ? [e.targetLabel] : [],
    });
  }
  return items.map(({ targetType, ...item }) => ({ ...item, summary: item.count > 1 ? describeRun(item.action, targetType, item.count) : "" }));
}
