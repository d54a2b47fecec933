/** Kubernetes resource quantities ("500m", "4", "32Gi", "1.5G") as numbers. */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null || q === "") return 0;
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new Error(`Not a quantity: "${q}"`);
  const value = Number(m[1]);
  const suffix = m[2] ?? "";
  if (suffix in BINARY) return value * BINARY[suffix]!;
  if (suffix in DECIMAL) return value * DECIMAL[suffix]!;
  throw new Error(`Unknown quantity suffix in "${q}"`);
}

/** CPU cores of a quantity ("500m" -> 0.5). */
export const cpuCores = (q: string | undefined) => parseQuantity(q);
/** GiB of a memory quantity. */
export const memoryGi = (q: string | undefined) => parseQuantity(q) / 2 ** 30;
