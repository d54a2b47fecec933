/**
 * The composition root: every module of Wharf, in one list. The web process
 * (instrumentation) and the worker import this file alike, so both know the
 * same policy, ticket types, plans, steps, tasks and crons; nothing registers
 * itself through a side-effect import anywhere else.
 *
 * Adding a domain: a folder with its module.ts, and one line below.
 */
import { buildRegistry, type Registry, type WharfModule } from "./module";
import { accessModule } from "./access/module";
import { catalogModule } from "./catalog/module";
import { notificationsModule } from "./notifications/module";
import { ticketsModule } from "./tickets/module";
import { provisioningModule } from "./provisioning/module";
import { deployModule } from "./deploy/module";
import { configModule } from "./config/module";
import { ciModule } from "./ci/module";
import { logsModule } from "./logs/module";
import { monitoringModule } from "./monitoring/module";
import { alertingModule } from "./alerting/module";

export const MODULES = [
  accessModule,
  catalogModule,
  notificationsModule,
  ticketsModule,
  provisioningModule,
  deployModule,
  configModule,
  ciModule,
  logsModule,
  monitoringModule,
  alertingModule,
] as const;

type ActionsOf<M> = M extends WharfModule<infer P> ? keyof P & string : never;
/** Every policy action of every module (checked at compile time where an action is named). */
export type Action = ActionsOf<(typeof MODULES)[number]>;

let built: Registry | undefined;
let extra: WharfModule[] = [];

/** The registry of all modules, built (and checked) on first use. */
export function registry(): Registry {
  built ??= buildRegistry([...MODULES, ...extra]);
  return built;
}

/**
 * Adds a module to this process's registry after the list above: for tests
 * that prove a domain plugs in without touching the engines, and for
 * deployments that bring their own module. Throws when it clashes.
 */
export function extendRegistry(module: WharfModule): Registry {
  const next = buildRegistry([...MODULES, ...extra, module]);
  extra = [...extra, module];
  built = next;
  return next;
}
