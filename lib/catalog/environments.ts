/** The environments a project runs in, in the order people read them. No imports: forms, schemas and jobs share it. */
export const ENVIRONMENTS = ["dev", "test", "staging", "prod"] as const;
export type EnvKind = (typeof ENVIRONMENTS)[number];

/** The production environment: deploys to it, and changes that widen it, go through a ticket. */
export const PRODUCTION: EnvKind = "prod";

export function isEnvKind(v: unknown): v is EnvKind {
  return typeof v === "string" && (ENVIRONMENTS as readonly string[]).includes(v);
}

/** Sorts anything with an environment kind into dev, test, staging, prod order. */
export function byEnvironment<T>(items: readonly T[], kindOf: (item: T) => string): T[] {
  const rank = (k: string) => {
    const i = (ENVIRONMENTS as readonly string[]).indexOf(k);
    return i < 0 ? ENVIRONMENTS.length : i;
  };
  return [...items].sort((a, b) => rank(kindOf(a)) - rank(kindOf(b)));
}
