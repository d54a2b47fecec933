"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { Loader2, Pencil, Plus } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Form, FormControl, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { NativeSelect } from "@/components/ui/native-select";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { FormError } from "@/components/forms/form-error";
import { TextField, TextareaField } from "@/components/forms/fields";
import { useAction } from "@/components/forms/use-action";
import { ZTeamSlug } from "@/lib/catalog/schemas";
import { createTeamAction, setTeamMemberAction, updateTeamAction } from "@/lib/catalog/team-actions";

const ZTeamForm = z.object({
  slug: z.string(),
  name: z.string().trim().min(1, { message: "Enter a name" }).max(80, { message: "At most 80 characters" }),
  description: z.string().max(2000),
  webhookKind: z.string(),
  webhookUrl: z.string().max(500),
});
type TTeamForm = z.infer<typeof ZTeamForm>;

/** Create a team, or edit one (with its version, so two admins cannot overwrite each other). */
export function TeamDialog({
  team,
}: {
  team?: { id: string; version: number; slug: string; name: string; description: string; webhookKind: string | null; webhookUrl: string };
}) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const form = useForm<TTeamForm>({
    resolver: zodResolver(team ? ZTeamForm : ZTeamForm.extend({ slug: ZTeamSlug })),
    defaultValues: team ? { ...team, webhookKind: team.webhookKind ?? "" } : { slug: "", name: "", description: "", webhookKind: "", webhookUrl: "" },
  });
  const create = useAction(createTeamAction, {
    form,
    success: (d) => `Team ${d.slug} created`,
    onSuccess: () => {
      setOpen(false);
      form.reset();
      router.refresh();
    },
  });
  const update = useAction(updateTeamAction, {
    form,
    success: "Saved",
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  const pending = create.pending || update.pending;
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        {team ? (
          <Button variant="outline">
            <Pencil /> Edit team
          </Button>
        ) : (
          <Button>
            <Plus /> New team
          </Button>
        )}
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{team ? `Edit ${team.name}` : "New team"}</DialogTitle>
          <DialogDescription>Teams own projects; their members see them on their home page.</DialogDescription>
        </DialogHeader>
        <Form {...form}>
          <form
            className="space-y-4"
            noValidate
            onSubmit={form.handleSubmit((v) =>
              team
                ? update.run({
                    id: team.id,
                    version: team.version,
                    name: v.name,
                    description: v.description,
                    webhookUrl: v.webhookUrl,
                    webhookKind: (v.webhookKind || null) as "slack" | null,
                  })
                : create.run({ slug: v.slug, name: v.name, description: v.description }),
            )}
          >
            <TextField control={form.control} name="slug" label="Slug" placeholder="payments" disabled={Boolean(team)} autoComplete="off" />
            <TextField control={form.control} name="name" label="Name" placeholder="Payments" />
            <TextareaField control={form.control} name="description" label="Description" rows={3} />
            {team && (
              <div className="grid grid-cols-3 gap-3">
                <FormField
                  control={form.control}
                  name="webhookKind"
                  render={({ field }) => (
                    <FormItem>
                      <FormLabel>Chat</FormLabel>
                      <FormControl>
                        <NativeSelect {...field}>
                          <option value="">none</option>
                          <option value="slack">Slack</option>
                          <option value="feishu">Feishu</option>
                          <option value="dingtalk">DingTalk</option>
                          <option value="wecom">WeCom</option>
                        </NativeSelect>
                      </FormControl>
                      <FormMessage />
                    </FormItem>
                  )}
                />
                <TextField
                  control={form.control}
                  name="webhookUrl"
                  label="Webhook URL"
                  placeholder="https://hooks.slack.com/services/..."
                  className="col-span-2"
                />
              </div>
            )}
            <FormError error={create.formError ?? update.formError} />
            <DialogFooter>
              <Button type="submit" disabled={pending}>
                {pending && <Loader2 className="animate-spin" />} {team ? "Save" : "Create team"}
              </Button>
            </DialogFooter>
          </form>
        </Form>
      </DialogContent>
    </Dialog>
  );
}

export function TeamMemberDialog({ teamId, users }: { teamId: string; users: { id: string; name: string; email: string }[] }) {
  const [open, setOpen] = useState(false);
  const router = useRouter();
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState<"lead" | "member">("member");
  const action = useAction(setTeamMemberAction, {
    success: "Member added",
    onSuccess: () => {
      setOpen(false);
      setUserId("");
      router.refresh();
    },
  });
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button size="sm" variant="outline">
          <Plus /> Add member
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Add a team member</DialogTitle>
          <DialogDescription>Team membership is for ownership and dashboards; project rights are given per project.</DialogDescription>
        </DialogHeader>
        <div className="space-y-4">
          <Select value={userId} onValueChange={setUserId}>
            <SelectTrigger className="w-full" aria-label="User">
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
          <Select value={role} onValueChange={(v) => setRole(v as "lead" | "member")}>
            <SelectTrigger className="w-full" aria-label="Role">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="member">member</SelectItem>
              <SelectItem value="lead">lead</SelectItem>
            </SelectContent>
          </Select>
          <FormError error={action.formError} />
        </div>
        <DialogFooter>
          <Button disabled={!userId || action.pending} onClick={() => action.run({ teamId, userId, role })}>
            {action.pending && <Loader2 className="animate-spin" />} Add
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
