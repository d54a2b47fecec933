"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { Loader2, Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Form } from "@/components/ui/form";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { StatusBadge } from "@/components/ui/status-badge";
import { FormError } from "@/components/forms/form-error";
import { TextField, SelectField } from "@/components/forms/fields";
import { useAction } from "@/components/forms/use-action";
import { ENVIRONMENTS, PROJECT_ROLES, SERVICE_KINDS, ZServiceSlug } from "@/lib/catalog/schemas";
import { addServiceAction, removeMemberAction, removeServiceAction, setEnvironmentAction, setMemberAction } from "@/lib/catalog/project-actions";

const ZServiceForm = z.object({
  slug: ZServiceSlug,
  name: z.string().trim().min(1, { message: "Enter a name" }).max(80),
  kind: z.enum(SERVICE_KINDS),
});

export function AddServiceDialog({ projectId }: { projectId: string }) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const form = useForm<z.infer<typeof ZServiceForm>>({
    resolver: zodResolver(ZServiceForm),
    defaultValues: { slug: "", name: "", kind: "api" },
  });
  const action = useAction(addServiceAction, {
    form,
    success: "Service added",
    onSuccess: () => {
      setOpen(false);
      form.reset();
      router.refresh();
    },
  });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          <Plus /> Add service
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add a service</DialogTitle>
          <DialogDescription>A deployable part of the project: an API, a web front end, a worker or a job.</DialogDescription>
        </DialogHeader>
        <Form {...form}>
          <form onSubmit={form.handleSubmit((v) => action.run({ projectId, ...v, description: "" }))} className="space-y-4" noValidate>
            <TextField control={form.control} name="slug" label="Slug" placeholder="api" autoComplete="off" />
            <TextField control={form.control} name="name" label="Name" placeholder="Checkout API" />
            <SelectField control={form.control} name="kind" label="Kind" options={SERVICE_KINDS} />
            <FormError error={action.formError} />
            <DialogFooter>
              <Button type="submit" disabled={action.pending}>
                {action.pending && <Loader2 className="animate-spin" />} Add service
              </Button>
            </DialogFooter>
          </form>
        </Form>
      </DialogContent>
    </Dialog>
  );
}

interface ClusterOption {
  id: string;
  name: string;
  region: string;
  status: string;
}

export function EnvironmentDialog({
  projectId,
  clusters,
  kind,
  selected = [],
  taken = [],
}: {
  projectId: string;
  clusters: ClusterOption[];
  /** Editing an existing environment; choosing a new one when absent. */
  kind?: (typeof ENVIRONMENTS)[number];
  selected?: string[];
  taken?: string[];
}) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const free = ENVIRONMENTS.filter((e) => !taken.includes(e));
  const [env, setEnv] = useState<string>(kind ?? free[0] ?? "");
  const [chosen, setChosen] = useState<string[]>(selected);
  const action = useAction(setEnvironmentAction, {
    // Widening production goes through a ticket for most people: say so, with its number.
    success: (d) =>
      d.applied ? (kind ? "Environment updated" : "Environment added") : `Production changes need an approval: ticket #${d.ticketNumber} is open`,
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  const clusterError = action.formError?.fieldErrors?.clusterIds?.join(" ");
  if (!kind && free.length === 0) return null;
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        {kind ? (
          <Button size="sm" variant="ghost">
            Clusters…
          </Button>
        ) : (
          <Button size="sm" variant="outline">
            <Plus /> Add environment
          </Button>
        )}
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{kind ? `Clusters of ${kind}` : "Add an environment"}</DialogTitle>
          <DialogDescription>Choose the clusters this environment runs on; several for dual-active production.</DialogDescription>
        </DialogHeader>
        <div className="space-y-4">
          {!kind && (
            <div className="space-y-2">
              <label className="text-sm font-medium" htmlFor="env-kind">
                Environment
              </label>
              <Select value={env} onValueChange={setEnv}>
                <SelectTrigger id="env-kind" className="w-full">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {free.map((e) => (
                    <SelectItem key={e} value={e}>
                      {e}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </div>
          )}
          <fieldset className="space-y-2">
            <legend className="mb-2 text-sm font-medium">Clusters</legend>
            {clusters.length === 0 && <p className="text-sm text-muted-foreground">No cluster is registered yet: an admin registers clusters first.</p>}
            {clusters.map((c) => (
              <label key={c.id} className="flex items-center gap-3 rounded-md border p-3 text-sm">
                <Checkbox
                  checked={chosen.includes(c.id)}
                  onCheckedChange={(v) => setChosen((s) => (v ? [...s, c.id] : s.filter((x) => x !== c.id)))}
                  aria-label={c.name}
                />
                <span className="flex-1">
                  {c.name} <span className="text-muted-foreground">({c.region})</span>
                </span>
                <StatusBadge status={c.status} />
              </label>
            ))}
            {clusterError && <p className="text-sm text-destructive">{clusterError}</p>}
          </fieldset>
          <FormError error={action.formError?.fieldErrors?.clusterIds ? null : action.formError} />
        </div>
        <DialogFooter>
          <Button disabled={action.pending || !env} onClick={() => action.run({ projectId, kind: env as (typeof ENVIRONMENTS)[number], clusterIds: chosen })}>
            {action.pending && <Loader2 className="animate-spin" />} Save
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function MemberDialog({
  projectId,
  users,
  member,
}: {
  projectId: string;
  users: { id: string; name: string; email: string }[];
  member?: { userId: string; name: string; role: string };
}) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const [userId, setUserId] = useState(member?.userId ?? "");
  const [role, setRole] = useState(member?.role ?? "developer");
  const action = useAction(setMemberAction, {
    success: member ? "Role changed" : "Member added",
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        {member ? (
          <Button size="sm" variant="ghost">
            Change role
          </Button>
        ) : (
          <Button size="sm" variant="outline">
            <Plus /> Add member
          </Button>
        )}
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{member ? `Role of ${member.name}` : "Add a member"}</DialogTitle>
          <DialogDescription>Owners manage members; maintainers and developers change and deploy; viewers read.</DialogDescription>
        </DialogHeader>
        <div className="space-y-4">
          {!member && (
            <div className="space-y-2">
              <label className="text-sm font-medium" htmlFor="member-user">
                User
              </label>
              <Select value={userId} onValueChange={setUserId}>
                <SelectTrigger id="member-user" className="w-full">
                  <SelectValue placeholder="Choose a user" />
                </SelectTrigger>
                <SelectContent>
                  {users.map((u) => (
                    <SelectItem key={u.id} value={u.id}>
                      {u.name} ({u.email})
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
              {action.formError?.fieldErrors?.userId && <p className="text-sm text-destructive">{action.formError.fieldErrors.userId.join(" ")}</p>}
            </div>
          )}
          <div className="space-y-2">
            <label className="text-sm font-medium" htmlFor="member-role">
              Role
            </label>
            <Select value={role} onValueChange={setRole}>
              <SelectTrigger id="member-role" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {PROJECT_ROLES.map((r) => (
                  <SelectItem key={r} value={r}>
                    {r}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <FormError error={action.formError} />
        </div>
        <DialogFooter>
          <Button disabled={action.pending || !userId} onClick={() => action.run({ projectId, userId, role: role as (typeof PROJECT_ROLES)[number] })}>
            {action.pending && <Loader2 className="animate-spin" />} Save
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

/** A remove button with a confirmation, for services and members. */
export function RemoveButton({
  what,
  detail,
  kind,
  projectId,
  id,
}: {
  what: string;
  detail: string;
  kind: "service" | "member";
  projectId: string;
  id: string;
}) {
  const router = useRouter();
  const service = useAction(removeServiceAction, { success: `${what} removed`, onSuccess: () => router.refresh() });
  const member = useAction(removeMemberAction, { success: `${what} removed`, onSuccess: () => router.refresh() });
  const pending = service.pending || member.pending;
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button size="icon-sm" variant="ghost" aria-label={`Remove ${what}`}>
          <Trash2 />
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>Remove {what}?</AlertDialogTitle>
          <AlertDialogDescription>{detail}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction
            disabled={pending}
            onClick={() => (kind === "service" ? service.run({ projectId, serviceId: id }) : member.run({ projectId, userId: id }))}
          >
            Remove
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
