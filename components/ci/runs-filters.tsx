"use client";

import { useEffect, useState, useTransition } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Loader2, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FieldErrors } from "@/components/forms/field-errors";

const STATUSES = ["queued", "pending", "running", "succeeded", "failed", "cancelled"] as const;
const TRIGGERS = ["push", "webhook", "manual"] as const;
const FILTERS = ["service", "ref", "status", "trigger", "author"] as const;

/**
 * The runs list's filters, kept in the URL's search params (a filtered view
 * can be shared); text fields apply 300 ms after the last key. `errors` are
 * the server's words on a filter it refused, shown at that filter.
 */
export function RunsFilters({ services, errors = {} }: { services: string[]; errors?: Record<string, string[]> }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [text, setText] = useState({ ref: params.get("ref") ?? "", author: params.get("author") ?? "" });

  function update(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v?.trim()) next.set(k, v.trim());
      else next.delete(k);
    }
    startTransition(() => router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false }));
  }

  useEffect(() => {
    const changed = (["ref", "author"] as const).filter((k) => (params.get(k) ?? "") !== text[k].trim());
    if (changed.length === 0) return;
    const t = setTimeout(() => {
      const next = new URLSearchParams(params.toString());
      for (const k of changed) {
        if (text[k].trim()) next.set(k, text[k].trim());
        else next.delete(k);
      }
      startTransition(() => router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false }));
    }, 300);
    return () => clearTimeout(t);
  }, [text, params, pathname, router]);

  const active = FILTERS.some((k) => params.get(k));
  return (
    <div className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" role="search" aria-label="Filter runs">
      <div className="space-y-1">
        <Label htmlFor="runs-service">Service</Label>
        <NativeSelect id="runs-service" value={params.get("service") ?? ""} onChange={(e) => update({ service: e.target.value })}>
          <option value="">All services</option>
          {services.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </NativeSelect>
        <FieldErrors errors={errors.service} label="Service" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="runs-ref">Branch or tag</Label>
        <Input
          id="runs-ref"
          value={text.ref}
          maxLength={200}
          placeholder="develop"
          onChange={(e) => setText((t) => ({ ...t, ref: e.target.value }))}
          aria-invalid={errors.ref ? true : undefined}
        />
        <FieldErrors errors={errors.ref} label="Branch or tag" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="runs-status">Status</Label>
        <NativeSelect id="runs-status" value={params.get("status") ?? ""} onChange={(e) => update({ status: e.target.value })}>
          <option value="">Any status</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </NativeSelect>
        <FieldErrors errors={errors.status} label="Status" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="runs-trigger">Trigger</Label>
        <NativeSelect id="runs-trigger" value={params.get("trigger") ?? ""} onChange={(e) => update({ trigger: e.target.value })}>
          <option value="">Any trigger</option>
          {TRIGGERS.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </NativeSelect>
        <FieldErrors errors={errors.trigger} label="Trigger" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="runs-author">Author</Label>
        <Input
          id="runs-author"
          value={text.author}
          maxLength={200}
          placeholder="name or e-mail"
          onChange={(e) => setText((t) => ({ ...t, author: e.target.value }))}
          aria-invalid={errors.author ? true : undefined}
        />
        <FieldErrors errors={errors.author} label="Author" />
      </div>
      <div className="flex items-end gap-2">
        {active && (
          <Button
            variant="ghost"
            onClick={() => {
              setText({ ref: "", author: "" });
              startTransition(() => router.replace(pathname, { scroll: false }));
            }}
          >
            <X /> Clear filters
          </Button>
        )}
        {pending && <Loader2 className="mb-2 size-4 animate-spin text-muted-foreground" aria-label="Filtering" />}
      </div>
    </div>
  );
}
