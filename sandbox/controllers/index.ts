/**
 * The controllers every sandbox cluster runs, in start order. Part 2 adds its
 * modules here (deployment, replicaset, statefulset, scheduler, kubelet, hpa,
 * endpoints, quota ...): each is a `Controller` from ./types.ts.
 */
import { garbageCollector } from "./garbage-collector.js";
import { namespaceController } from "./namespace.js";
import type { Controller } from "./types.js";

export const controllers: Controller[] = [namespaceController, garbageCollector];

export type { Controller, ControllerContext, ClusterInfo } from "./types.js";
