import { describe, expect, it } from "vitest";
import { describeDifference, deploymentDrift, differences, projectOnto, templateMatches } from "./drift";

const rendered = {
  spec: {
    replicas: 2,
    minReadySeconds: 0,
    template: {
      metadata: { labels: { app: "api" } },
      spec: {
        containers: [
          {
            name: "app",
            image: "registry/app:v2",
            env: [
              { name: "A", value: "on" },
              { name: "B", value: "1" },
            ],
            resources: { requests: { cpu: "0.5", memory: "1024Mi" } },
            ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          },
        ],
      },
    },
  },
};

/** What a cluster returns for it: defaults added, zero values left out, quantities canonical, keyed lists reordered. */
const live = {
  spec: {
    replicas: 2,
    revisionHistoryLimit: 10,
    template: {
      metadata: { labels: { app: "api", "pod-template-hash": "abc" }, annotations: { "kubectl.kubernetes.io/restartedAt": "now" } },
      spec: {
        dnsPolicy: "ClusterFirst",
        containers: [
          {
            name: "app",
            image: "registry/app:v2",
            imagePullPolicy: "IfNotPresent",
            env: [
              { name: "B", value: "1" },
              { name: "A", value: "on" },
            ],
            resources: { requests: { cpu: "500m", memory: "1Gi" } },
            ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          },
        ],
      },
    },
  },
};

const withContainer = (patch: Record<string, unknown>) => {
  const d = structuredClone(live);
  Object.assign(d.spec.template.spec.containers[0]!, patch);
  return d;
};

describe("drift", () => {
  it("is none when the cluster only adds its defaults, drops zero values, writes quantities canonically and reorders keyed lists", () => {
    expect(differences(rendered.spec, live.spec)).toEqual([]);
    expect(templateMatches(rendered, live.spec.template)).toBe(true);
  });

  it("names what kubectl changed: the image, a replica count, an env value, an env var added", () => {
    expect(deploymentDrift(rendered, withContainer({ image: "registry/app:v3-oob" }) as never).map(describeDifference)).toEqual([
      "image: registry/app:v2 → registry/app:v3-oob",
    ]);
    expect(deploymentDrift(rendered, { spec: { ...live.spec, replicas: 5 } } as never).map(describeDifference)).toEqual(["replicas: 2 → 5"]);
    const edited = withContainer({
      env: [
        { name: "A", value: "off" },
        { name: "B", value: "1" },
      ],
    });
    expect(deploymentDrift(rendered, edited as never).map(describeDifference)).toEqual(["env[A].value: on → off"]);
    const added = withContainer({ env: [...live.spec.template.spec.containers[0]!.env, { name: "DEBUG", value: "1" }] });
    expect(deploymentDrift(rendered, added as never)).toHaveLength(1);
    expect(templateMatches(rendered, added.spec.template)).toBe(false);
  });

  it("is a deleted Deployment when the cluster has none", () => {
    expect(deploymentDrift(rendered, undefined).map(describeDifference)).toEqual(["the object: the Deployment → nothing: it was deleted"]);
  });

  it("shows a live object as Wharf writes it: only the fields the release renders, keyed lists in its order", () => {
    expect(projectOnto(live.spec, rendered.spec)).toEqual({
      replicas: 2,
      template: {
        metadata: { labels: { app: "api" } },
        spec: {
          containers: [
            {
              name: "app",
              image: "registry/app:v2",
              env: [
                { name: "A", value: "on" },
                { name: "B", value: "1" },
              ],
              resources: { requests: { cpu: "500m", memory: "1Gi" } },
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
            },
          ],
        },
      },
    });
  });
});
