/**
 * The controllers every sandbox cluster runs, in start order. Admission
 * plugins register in this order too (LimitRanger before ResourceQuota, as
 * in the API server). Each is a `Controller` from ./types.ts.
 */
import { deploymentController } from "./deployment.js";
import { endpointsController } from "./endpoints.js";
import { eventTTLController } from "./events.js";
import { garbageCollector } from "./garbage-collector.js";
import { hpaController } from "./hpa.js";
import { kubeletController } from "./kubelet.js";
import { limitRangeController } from "./limitrange.js";
import { namespaceController } from "./namespace.js";
import { disruptionController } from "./pdb.js";
import { resourceQuotaController } from "./quota.js";
import { replicaSetController } from "./replicaset.js";
import { schedulerController } from "./scheduler.js";
import { statefulSetController } from "./statefulset.js";
import type { Controller } from "./types.js";
import { tektonController } from "../tekton/controller.js";

/** What part 1's API server runs by itself: namespace lifecycle and garbage collection. */
export const apiServerControllers: Controller[] = [namespaceController, garbageCollector];

/** Workloads: admission plugins, controller-manager loops, scheduler and kubelet. */
export const workloadControllers: Controller[] = [
  eventTTLController,
  limitRangeController,
  resourceQuotaController,
  disruptionController,
  deploymentController,
  replicaSetController,
  statefulSetController,
  schedulerController,
  kubeletController,
  endpointsController,
  hpaController,
  tektonController,
];

export const controllers: Controller[] = [...apiServerControllers, ...workloadControllers];

export type { Controller, ControllerContext, ClusterInfo } from "./types.js";
export type { SimulationOptions, ResolvedSimulationOptions } from "./options.js";
