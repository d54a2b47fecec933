"use client";

/**
 * The config pages' shared choice, kept in the URL: `env`, `cluster` and
 * `ns`. The pickers change one and keep the others; the tabs keep all three.
 * (A layout receives no search params, so these read them in the browser.)
 */
import Link from "@/components/ui/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Info } from "lucide-react";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { cn } from "@/lib/utils";

export interface EnvironmentChoice {
  kind: string;
  /** "default" first, then the environment's clusters. */
  clusters: string[];
}

const TABS = [
  { tab: "", label: "Items" },
  { tab: "history", label: "History" },
  { tab: "gray", label: "Gray" },
  { tab: "instances", label: "Instances" },
  { tab: "settings", label: "Settings" },
] as const;

/** The current choice, with the project's defaults for what the URL leaves out. */
export function useConfigChoice(environments: EnvironmentChoice[]) {
  const params = useSearchParams();
  const env = environments.find((e) => e.kind === params.get("env")) ?? environments[0];
  const cluster = env?.clusters.includes(params.get("cluster") ?? "") ? params.get("cluster")! : "default";
  return { env: env?.kind ?? null, clusters: env?.clusters ?? ["default"], cluster, params };
}

export function ConfigPickers({ environments }: { environments: EnvironmentChoice[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const { env, clusters, cluster, params } = useConfigChoice(environments);

  function go(change: Record<string, string | null>) {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(change)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    // Comparisons and other page-specific choices belong to the old environment.
    next.delete("from");
    next.delete("to");
    router.push(`${pathname}?${next.toString()}`);
  }

  return (
    <div className="flex flex-wrap items-end gap-4">
      <nav className="flex flex-wrap gap-1" aria-label="Environments">
        {environments.map((e) => (
          <button
            key={e.kind}
            type="button"
            onClick={() => go({ env: e.kind, cluster: null })}
            className={cn("rounded-md px-3 py-1.5 text-sm", e.kind === env ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
            aria-current={e.kind === env ? "page" : undefined}
          >
            {e.kind}
          </button>
        ))}
      </nav>
      <div className="grid gap-1">
        <Label htmlFor="config-cluster">Cluster</Label>
        <NativeSelect
          id="config-cluster"
          value={cluster}
          onChange={(e) => go({ cluster: e.target.value === "default" ? null : e.target.value })}
          className="min-w-44"
        >
          {clusters.map((c) => (
            <option key={c} value={c}>
              {c === "default" ? "default (every cluster)" : c}
            </option>
          ))}
        </NativeSelect>
      </div>
      <p className="flex max-w-md items-start gap-1.5 text-xs text-muted-foreground" data-testid="cluster-explained">
        <Info className="mt-0.5 size-3.5 shrink-0" aria-hidden />
        {cluster === "default"
          ? "default: the values every cluster gets unless it has values of its own."
          : `${cluster}: its own values; its instances read these first and fall back to default for namespaces it does not override.`}
      </p>
    </div>
  );
}

export function ConfigTabs({ base }: { base: string }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const keep = new URLSearchParams();
  for (const k of ["env", "cluster", "ns"]) {
    const v = params.get(k);
    if (v) keep.set(k, v);
  }
  const query = keep.toString();
  return (
    <nav className="-mx-1 overflow-x-auto border-b px-1" aria-label="Config sections">
      <ul className="flex gap-1">
        {TABS.map((t) => {
          const href = `${base}/config${t.tab ? `/${t.tab}` : ""}`;
          const current = pathname === href;
          return (
            <li key={t.label}>
              <Link
                href={`${href}${query ? `?${query}` : ""}`}
                aria-current={current ? "page" : undefined}
                className={cn(
                  "-mb-px inline-block border-b-2 px-3 py-2 text-sm whitespace-nowrap",
                  current ? "border-primary font-medium text-foreground" : "border-transparent text-muted-foreground hover:text-foreground",
                )}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
