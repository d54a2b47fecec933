"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/** The audit log's filters, submitted as a GET form so the URL can be shared. */
export function AuditFilters({ actions }: { actions: string[] }) {
  const params = useSearchParams();
  const router = useRouter();
  return (
    <form
      className="mb-4 grid gap-3 sm:grid-cols-3 lg:grid-cols-6"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        const next = new URLSearchParams();
        for (const [k, v] of data.entries()) if (typeof v === "string" && v.trim()) next.set(k, v.trim());
        router.push(`/admin/audit${next.size ? `?${next}` : ""}`);
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="actor">Actor</Label>
        <Input id="actor" name="actor" defaultValue={params.get("actor") ?? ""} placeholder="e-mail" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="action">Action</Label>
        <Input id="action" name="action" list="audit-actions" defaultValue={params.get("action") ?? ""} placeholder="project.update" />
        <datalist id="audit-actions">
          {actions.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      <div className="space-y-1">
        <Label htmlFor="target">Target</Label>
        <Input id="target" name="target" defaultValue={params.get("target") ?? ""} placeholder="checkout-api" />
      </div>
      <div className="space-y-1">
        <Label htmlFor="project">Project slug</Label>
        <Input id="project" name="project" defaultValue={params.get("project") ?? ""} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="from">From</Label>
        <Input id="from" name="from" type="date" defaultValue={params.get("from") ?? ""} />
      </div>
      <div className="space-y-1">
        <Label htmlFor="to">To</Label>
        <Input id="to" name="to" type="date" defaultValue={params.get("to") ?? ""} />
      </div>
      <div className="flex gap-2 sm:col-span-3 lg:col-span-6">
        <Button type="submit">Filter</Button>
        <Button type="button" variant="ghost" onClick={() => router.push("/admin/audit")}>
          Clear
        </Button>
      </div>
    </form>
  );
}
