"use client";

import { useTransition } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Loader2 } from "lucide-react";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

const PERIODS = [7, 14, 30, 90] as const;

/** The trends' service and period, in the URL so a view can be shared. */
export function TrendsFilters({ services, service, days }: { services: string[]; service: string | null; days: number }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  function update(key: string, value: string) {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    startTransition(() => router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false }));
  }
  return (
    <div className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Trends of">
      <div className="space-y-1">
        <Label htmlFor="trends-service">Service</Label>
        <NativeSelect id="trends-service" className="w-44" value={service ?? ""} onChange={(e) => update("service", e.target.value)}>
          <option value="">All services</option>
          {services.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div className="space-y-1">
        <Label htmlFor="trends-days">Period</Label>
        <NativeSelect id="trends-days" className="w-36" value={String(days)} onChange={(e) => update("days", e.target.value === "30" ? "" : e.target.value)}>
          {(PERIODS as readonly number[]).includes(days) ? null : <option value={String(days)}>{days} days</option>}
          {PERIODS.map((d) => (
            <option key={d} value={String(d)}>
              {d} days
            </option>
          ))}
        </NativeSelect>
      </div>
      {pending && <Loader2 className="mb-2 size-4 animate-spin text-muted-foreground" aria-label="Loading" />}
    </div>
  );
}
