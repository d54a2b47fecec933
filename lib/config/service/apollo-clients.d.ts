/**
 * The parts the tests and the README example use of two Apollo clients that
 * ship no types (npm ctrip-apollo 4.5.1, node-apollo 1.2.1), written from
 * their source. @lvgithub/ctrip-apollo-client ships its own.
 */
declare module "ctrip-apollo" {
  import type { EventEmitter } from "node:events";

  interface ApolloOptions {
    host: string;
    appId: string;
    cluster?: string;
    namespace?: string;
    ip?: string;
    dataCenter?: string;
    cachePath?: string;
    enableUpdateNotification?: boolean;
    enableFetch?: boolean;
    fetchTimeout?: number;
    pollingRetryPolicy?: (retries: number) => { delay?: number; reset?: boolean; abandon?: boolean };
  }
  interface ApolloNamespace extends EventEmitter {
    ready(): Promise<ApolloNamespace>;
    get(key: string): string | undefined;
    config(): Record<string, string>;
  }
  interface ApolloCluster {
    namespace(name?: string, type?: "PROPERTIES" | "JSON"): ApolloNamespace;
    enableUpdateNotification(enable: boolean): ApolloCluster;
  }
  interface ApolloApplication {
    cluster(name?: string): ApolloCluster;
    namespace(name?: string, type?: "PROPERTIES" | "JSON"): ApolloNamespace;
  }
  function apollo(options: ApolloOptions): ApolloApplication;
  export default apollo;
}

declare module "node-apollo" {
  interface NodeApolloConfig {
    configServerUrl: string;
    appId: string;
    clusterName: string;
    namespaceName: string | string[];
    clientIp?: string;
    releaseKey?: string;
  }
  const nodeApollo: {
    remoteConfigServiceFromCache(config: NodeApolloConfig): Promise<Record<string, unknown>>;
    remoteConfigServiceSkipCache(config: NodeApolloConfig): Promise<Record<string, unknown>>;
  };
  export default nodeApollo;
}
