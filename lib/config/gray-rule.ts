/**
 * Gray rules: which instances see a gray release. Pure, so the config
 * service, the rule editor's "instances it matches now" and the tests agree.
 *
 * Apollo selects gray instances by IP, which breaks on Kubernetes where a
 * pod's IP changes at every restart (apolloconfig/apollo#3852). Wharf selects
 * by pod label (resolved from the IP the client reports, reading the pod on
 * the cluster), by pod name or IP, or by a stable share of instances.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

export const ZGrayRule = z
  .object({
    /** Every label must match (AND), e.g. { track: "canary" }. */
    labels: z
      .record(z.string().regex(LABEL_KEY, { message: "Not a label key" }).max(317), z.string().regex(LABEL_VALUE, { message: "Not a label value" }).max(63))
      .default({}),
    /** Pod names (any of them). */
    pods: z.array(z.string().min(1).max(253)).max(200).default([]),
    /** Instance IPs (any of them), for clients outside Kubernetes. */
    ips: z
      .array(z.union([z.ipv4(), z.ipv6()], { message: "Not an IP address" }))
      .max(200)
      .default([]),
    /** A stable share of the instances (by pod or IP), 0 to 100. */
    percent: z.number().int().min(0).max(100).default(0),
  })
  .refine((r) => Object.keys(r.labels).length > 0 || r.pods.length > 0 || r.ips.length > 0 || r.percent > 0, {
    message: "Say which instances get the gray release: a label, pods, IPs or a percentage",
  });
export type TGrayRule = z.infer<typeof ZGrayRule>;

export interface InstanceIdentity {
  ip: string;
  pod?: string;
  labels?: Record<string, string>;
}

/** A number 0..99 that stays the same for an instance across restarts of Wharf (its pod name, else its IP). */
export function bucketOf(instance: InstanceIdentity): number {
  const id = instance.pod || instance.ip;
  return createHash("sha1").update(id).digest().readUInt32BE(0) % 100;
}

/** Whether the rule selects the instance: labels all match, or it is one of the pods or IPs, or it falls in the share. */
export function matchesRule(rule: TGrayRule, instance: InstanceIdentity): boolean {
  const labels = Object.entries(rule.labels);
  if (labels.length && instance.labels && labels.every(([k, v]) => instance.labels![k] === v)) return true;
  if (instance.pod && rule.pods.includes(instance.pod)) return true;
  if (rule.ips.includes(instance.ip)) return true;
  return rule.percent > 0 && bucketOf(instance) < rule.percent;
}

/** The rule in words, for lists and tickets. */
export function describeRule(rule: TGrayRule): string {
  const parts = [
    ...Object.entries(rule.labels).map(([k, v]) => `${k}=${v}`),
    ...(rule.pods.length ? [`pods ${rule.pods.join(", ")}`] : []),
    ...(rule.ips.length ? [`IPs ${rule.ips.join(", ")}`] : []),
    ...(rule.percent ? [`${rule.percent}% of instances`] : []),
  ];
  return parts.join(" or ");
}
