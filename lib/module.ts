/**
 * The module contract: how a domain declares itself to Wharf, once.
 *
 * A module (lib/<domain>/module.ts) names its policy actions and nav items
 * eagerly (plain data, so the type of every action is known at compile time),
 * and the rest in `parts`, a function read the first time the registry is
 * used: ticket types, run kinds (plans with their input loaders and what
 * their end means), plan contributors, step kinds, job tasks and crons.
 * Reading parts lazily is what lets a module's file import its domain's code
 * while that code imports the registry: nothing is read while modules load.
 *
 * The composition root, lib/modules.ts, lists the modules; the web process
 * and the worker import that one list. The ticket, provisioning and job
 * engines only ask the registry built from it; they never name a domain's
 * types. Adding a domain is a folder with a module.ts and one line there.
 */
import type { PolicyTable, Rule } from "@/lib/access/roles";
import type { TaskDefinition } from "@/lib/jobs/registry";
import type { ClusterPermission } from "@/lib/kube/access";
import type { PlanContributor, RunKind, StepKind } from "@/lib/provisioning/registry";
import type { AnyTicketType } from "@/lib/tickets/types";

/** A sidebar entry, shown to actors who hold `requires` on the platform. */
export interface NavItem {
  href: string;
  label: string;
  /** A key of the sidebar's icon set (components/shell/app-sidebar.tsx); unknown keys get a default icon. */
  icon: string;
  requires: string;
  /** Position in the sidebar: lower first. */
  order: number;
}

/** A recurring job, in graphile-worker's crontab syntax. */
export interface Cron {
  /** `m h dom mon dow`, server time. */
  schedule: string;
  task: string;
  /** Crontab options, e.g. `?max=1&jobKey=...`. */
  options?: string;
  description: string;
}

export interface ModuleParts {
  ticketTypes?: AnyTicketType[];
  runKinds?: RunKind[];
  planContributors?: PlanContributor[];
  stepKinds?: StepKind[];
  tasks?: TaskDefinition[];
  crons?: Cron[];
  /**
   * What the module's step kinds and cluster reads need on every cluster
   * (RBAC verbs on resources, cluster-wide). A kubeconfig is registered only
   * when its identity holds all of them, and the health check keeps asking.
   */
  clusterPermissions?: ClusterPermission[];
}

export interface WharfModule<P extends PolicyTable = PolicyTable> {
  name: string;
  policy: P;
  nav?: readonly NavItem[];
  parts?: () => ModuleParts;
}

/** Declares a module; the policy's literal keys become policy actions at compile time. */
export function defineModule<const P extends PolicyTable>(m: WharfModule<P>): WharfModule<P> {
  if (!/^[a-z][a-z0-9-]*$/.test(m.name)) throw new Error(`Module names are kebab-case: ${m.name}`);
  return m;
}

/** Everything the modules declared, checked for clashes, with lookups for the engines. */
export interface Registry {
  modules: readonly WharfModule[];
  policy: Readonly<Record<string, Rule & { module: string }>>;
  nav: readonly NavItem[];
  ticketTypes: ReadonlyMap<string, AnyTicketType>;
  runKinds: ReadonlyMap<string, RunKind>;
  planContributors: readonly PlanContributor[];
  stepKinds: ReadonlyMap<string, StepKind>;
  tasks: ReadonlyMap<string, TaskDefinition>;
  crons: readonly Cron[];
  clusterPermissions: readonly ClusterPermission[];
}

function addUnique<T>(map: Map<string, T>, key: string, value: T, what: string, module: string) {
  if (map.has(key)) throw new Error(`Module ${module} declares the ${what} "${key}", which another module declared already`);
  map.set(key, value);
}

/** Builds the registry of a list of modules; throws on any name declared twice or any reference to nothing. */
export function buildRegistry(modules: readonly WharfModule[]): Registry {
  const names = new Set<string>();
  const policy: Record<string, Rule & { module: string }> = {};
  const nav: NavItem[] = [];
  const ticketTypes = new Map<string, AnyTicketType>();
  const runKinds = new Map<string, RunKind>();
  const planContributors: PlanContributor[] = [];
  const stepKinds = new Map<string, StepKind>();
  const tasks = new Map<string, TaskDefinition>();
  const crons: Cron[] = [];
  const clusterPermissions: ClusterPermission[] = [];
  for (const m of modules) {
    if (names.has(m.name)) throw new Error(`Two modules are named ${m.name}`);
    names.add(m.name);
    for (const [action, rule] of Object.entries(m.policy)) {
      if (policy[action]) throw new Error(`Module ${m.name} declares the policy action "${action}", which module ${policy[action].module} declared already`);
      policy[action] = { ...rule, module: m.name };
    }
    nav.push(...(m.nav ?? []));
    const parts = m.parts?.() ?? {};
    for (const t of parts.ticketTypes ?? []) addUnique(ticketTypes, t.type, t, "ticket type", m.name);
    for (const r of parts.runKinds ?? []) addUnique(runKinds, r.kind, r, "run kind", m.name);
    for (const s of parts.stepKinds ?? []) addUnique(stepKinds, s.kind, s, "step kind", m.name);
    for (const t of parts.tasks ?? []) addUnique(tasks, t.name, t, "job task", m.name);
    planContributors.push(...(parts.planContributors ?? []));
    crons.push(...(parts.crons ?? []));
    clusterPermissions.push(...(parts.clusterPermissions ?? []));
  }
  // References across modules are checked once, here, instead of failing in a job later.
  const missing: string[] = [];
  for (const item of nav) if (!policy[item.requires]) missing.push(`nav item ${item.href} requires the unknown action "${item.requires}"`);
  for (const t of ticketTypes.values()) {
    for (const a of [t.decide, t.decideElevated].filter((x): x is string => Boolean(x))) {
      if (!policy[a]) missing.push(`ticket type ${t.type} is decided by the unknown action "${a}"`);
    }
  }
  for (const c of planContributors)
    for (const k of c.runKinds) if (!runKinds.has(k)) missing.push(`plan contributor ${c.name} joins the unknown run kind "${k}"`);
  for (const c of crons) if (!tasks.has(c.task)) missing.push(`cron "${c.schedule} ${c.task}" names an unknown task`);
  if (missing.length) throw new Error(`The modules do not fit together:\n  - ${missing.join("\n  - ")}`);
  nav.sort((a, b) => a.order - b.order);
  return { modules, policy, nav, ticketTypes, runKinds, planContributors, stepKinds, tasks, crons, clusterPermissions };
}
