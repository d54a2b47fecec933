/** Kubeconfig files for sandbox clusters (bearer tokens, CA embedded). */
import YAML from "yaml";

export interface KubeconfigCluster {
  name: string;
  server: string;
  caPem: string;
}

export interface KubeconfigUser {
  name: string;
  token: string;
}

export interface KubeconfigContext {
  name: string;
  cluster: string;
  user: string;
}

export function renderKubeconfig(clusters: KubeconfigCluster[], users: KubeconfigUser[], contexts: KubeconfigContext[], current: string): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, "certificate-authority-data": Buffer.from(c.caPem).toString("base64") } })),
    users: users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user } })),
    "current-context": current,
  });
}
