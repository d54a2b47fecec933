"use client";

/**
 * The team page's public config namespaces: which services use each, and
 * their shared values per environment (the default cluster), edited by team
 * members and published by the lead (production through a ticket).
 */
import { useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { Loader2, Plus, Send, Trash2 } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { FormError } from "@/components/forms/form-error";
import { FieldErrors } from "@/components/forms/field-errors";
import { useAction } from "@/components/forms/use-action";
import { createPublicNamespaceAction, editPublicItemsAction, publishPublicAction } from "@/lib/config/team-actions";
import type { TeamPublicConfig } from "@/lib/config/team-read";
import { cn } from "@/lib/utils";

type Namespace = TeamPublicConfig["namespaces"][number];

export function TeamPublicNamespaces({ teamId, data }: { teamId: string; data: TeamPublicConfig }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const create = useAction(createPublicNamespaceAction, {
    success: (d) => `Public namespace ${d.name} created`,
    onSuccess: () => {
      setName("");
      router.refresh();
    },
  });
  return (
    <div className="space-y-6">
      {data.namespaces.length === 0 && <p className="text-sm text-muted-foreground">This team shares no config namespace yet.</p>}
      {data.namespaces.map((n) => (
        <PublicNamespace key={n.id} namespace={n} rights={data.rights} />
      ))}
      {data.rights.manage && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run({ teamId, name, comment: "" });
          }}
        >
          <div className="space-y-1">
            <Label htmlFor="public-ns-name">New public namespace</Label>
            <Input id="public-ns-name" value={name} placeholder="common" className="w-56 font-mono" onChange={(e) => setName(e.target.value)} />
          </div>
          <Button type="submit" variant="outline" disabled={create.pending || !name.trim()}>
            {create.pending ? <Loader2 className="animate-spin" /> : <Plus />} Create
          </Button>
          <FieldErrors className="basis-full" label="the name" errors={create.formError?.fieldErrors?.name} />
          <div className="basis-full">
            <FormError error={create.formError?.fieldErrors?.name ? null : create.formError} />
          </div>
        </form>
      )}
    </div>
  );
}

function PublicNamespace({ namespace: n, rights }: { namespace: Namespace; rights: TeamPublicConfig["rights"] }) {
  const router = useRouter();
  const [env, setEnv] = useState(n.byEnvironment.find((e) => e.latestRelease || e.items.length)?.environment ?? n.byEnvironment[0]!.environment);
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [comment, setComment] = useState("");
  const current = n.byEnvironment.find((e) => e.environment === env)!;
  const ref = { namespaceId: n.id, serviceId: null, environment: env, cluster: "default" };
  const edit = useAction(editPublicItemsAction, {
    onSuccess: () => {
      setKey("");
      setValue("");
      router.refresh();
    },
  });
  const publish = useAction(publishPublicAction, {
    success: (d) => (d.status === "pending_approval" ? `The publish waits for approval (ticket #${d.ticketNumber})` : `Release #${d.releaseNumber} published`),
    onSuccess: () => {
      setComment("");
      router.refresh();
    },
  });
  const editable = rights.edit && n.format === "properties";
  return (
    <section className="space-y-3 rounded-md border p-4" aria-labelledby={`public-ns-${n.id}`} data-testid={`public-ns-${n.name}`}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 id={`public-ns-${n.id}`} className="font-mono font-medium break-all">
          {n.name}
        </h3>
        <Badge variant="outline">{n.format}</Badge>
        {n.comment && <span className="text-sm text-muted-foreground">{n.comment}</span>}
      </div>
      <p className="text-sm">
        <span className="text-muted-foreground">Used by: </span>
        {n.usedBy.length === 0
          ? "no service yet"
          : n.usedBy.map((s, i) => {
              const [project, service] = s.split("/");
              return (
                <span key={s}>
                  {i > 0 && ", "}
                  <Link className="font-mono hover:underline" href={`/projects/${project}/services/${service}/config?ns=${encodeURIComponent(n.name)}`}>
                    {s}
                  </Link>
                </span>
              );
            })}
      </p>
      <nav className="flex flex-wrap gap-1" aria-label={`Environments of ${n.name}`}>
        {n.byEnvironment.map((e) => (
          <button
            key={e.environment}
            type="button"
            onClick={() => setEnv(e.environment)}
            aria-pressed={e.environment === env}
            className={cn("rounded-md px-3 py-1 text-sm", e.environment === env ? "bg-primary text-primary-foreground" : "hover:bg-muted")}
          >
            {e.environment}
          </button>
        ))}
      </nav>
      <p className="text-xs text-muted-foreground">
        {current.latestRelease ? `Release #${current.latestRelease.number} by ${current.latestRelease.author}` : "Never published in this environment"}
        {current.changes ? ` · ${current.changes} unpublished change${current.changes === 1 ? "" : "s"}` : ""}
        {current.pendingTicket ? ` · waiting for approval (ticket #${current.pendingTicket})` : ""}
      </p>
      {current.items.length > 0 ? (
        <div className="rounded-md border">
          <Table aria-label={`Shared values of ${n.name} in ${env}`}>
            <TableHeader>
              <TableRow>
                <TableHead>Key</TableHead>
                <TableHead>Value</TableHead>
                {editable && <TableHead className="w-10" />}
              </TableRow>
            </TableHeader>
            <TableBody>
              {current.items.map((i) => (
                <TableRow key={i.key}>
                  <TableCell className="font-mono">{i.key}</TableCell>
                  <TableCell className="font-mono break-all whitespace-normal">{i.value}</TableCell>
                  {editable && (
                    <TableCell>
                      <Button
                        size="icon"
                        variant="ghost"
                        aria-label={`Delete ${i.key}`}
                        disabled={edit.pending}
                        onClick={() => void edit.run({ ...ref, draftVersion: current.draftVersion, changes: [{ op: "delete", key: i.key }] })}
                      >
                        <Trash2 />
                      </Button>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      ) : (
        <p className="text-sm text-muted-foreground">No shared value in {env}.</p>
      )}
      {editable && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void edit.run({ ...ref, draftVersion: current.draftVersion, changes: [{ op: "set", key, value, comment: "", secret: false, keepValue: false }] });
          }}
        >
          <div className="space-y-1">
            <Label htmlFor={`pk-${n.id}`}>Key</Label>
            <Input id={`pk-${n.id}`} value={key} className="w-48 font-mono" onChange={(e) => setKey(e.target.value)} />
          </div>
          <div className="space-y-1">
            <Label htmlFor={`pv-${n.id}`}>Value</Label>
            <Input id={`pv-${n.id}`} value={value} className="w-56 font-mono" onChange={(e) => setValue(e.target.value)} />
          </div>
          <Button type="submit" variant="outline" disabled={edit.pending || !key.trim()}>
            {edit.pending ? <Loader2 className="animate-spin" /> : <Plus />} Set in {env}
          </Button>
          <div className="basis-full">
            <FieldErrors label="the value" errors={Object.values(edit.formError?.fieldErrors ?? {}).flat()} />
            <FormError error={edit.formError?.fieldErrors ? null : edit.formError} />
          </div>
        </form>
      )}
      {rights.publish && current.changes > 0 && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            void publish.run({ ...ref, draftVersion: current.draftVersion, baseReleaseId: current.latestRelease?.id ?? null, comment });
          }}
        >
          <div className="space-y-1">
            <Label htmlFor={`pc-${n.id}`}>What this release changes</Label>
            <Input id={`pc-${n.id}`} value={comment} className="w-72" onChange={(e) => setComment(e.target.value)} />
          </div>
          <Button type="submit" disabled={publish.pending || !comment.trim()}>
            {publish.pending ? <Loader2 className="animate-spin" /> : <Send />} Publish to {env}
          </Button>
          <div className="basis-full">
            <FormError error={publish.formError} />
          </div>
        </form>
      )}
      {!rights.publish && current.changes > 0 && <p className="text-sm text-muted-foreground">The team lead publishes these changes.</p>}
    </section>
  );
}
