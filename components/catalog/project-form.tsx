"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { Check, Loader2, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Form, FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Checkbox } from "@/components/ui/checkbox";
import { FormError } from "@/components/forms/form-error";
import { TextField, TextareaField, SelectField } from "@/components/forms/fields";
import { useAction } from "@/components/forms/use-action";
import { LIFECYCLES, TIERS, ZLabels, ZProjectSlug, parseLabelText } from "@/lib/catalog/schemas";
import { checkProjectSlugAction, createProjectAction, updateProjectAction } from "@/lib/catalog/project-actions";

/** The form's own shape: labels are edited as "key=value, ..." text and checked with the same rules as the server. */
const ZForm = z.object({
  slug: z.string(),
  name: z.string().trim().min(1, { message: "Enter a name" }).max(80, { message: "At most 80 characters" }),
  description: z.string().max(2000, { message: "At most 2000 characters" }),
  teamId: z.string().min(1, { message: "Choose a team" }),
  ownerId: z.string().min(1, { message: "Choose an owner" }),
  tier: z.enum(TIERS),
  lifecycle: z.enum(LIFECYCLES),
  language: z.string().max(40),
  framework: z.string().max(40),
  repositoryUrl: z.string().max(500),
  allowChaosInProd: z.boolean(),
  labels: z.string().superRefine((text, ctx) => {
    const parsed = parseLabelText(text);
    if ("error" in parsed) return ctx.addIssue({ code: "custom", message: String(parsed.error) });
    const check = ZLabels.safeParse(parsed);
    if (!check.success) ctx.addIssue({ code: "custom", message: check.error.issues[0]!.message });
  }),
});
type TForm = z.infer<typeof ZForm>;

interface Props {
  teams: { id: string; name: string }[];
  users: { id: string; name: string; email: string }[];
  /** Editing an existing project (slug fixed, version checked); creating when absent. */
  project?: TForm & { id: string; version: number };
  /** What the actor may change besides the basics (the policy decides; the server checks again). */
  rights?: { lifecycle: boolean; owner: boolean; risk: boolean };
}

export function ProjectForm({ teams, users, project, rights = { lifecycle: false, owner: true, risk: false } }: Props) {
  const canChangeLifecycle = rights.lifecycle;
  const router = useRouter();
  const editing = Boolean(project);
  const form = useForm<TForm>({
    resolver: zodResolver(editing ? ZForm : ZForm.extend({ slug: ZProjectSlug })),
    defaultValues: project ?? {
      slug: "",
      name: "",
      description: "",
      teamId: "",
      ownerId: "",
      tier: "standard",
      lifecycle: "active",
      language: "",
      framework: "",
      repositoryUrl: "",
      labels: "",
      allowChaosInProd: false,
    },
    mode: "onTouched",
  });
  const create = useAction(createProjectAction, {
    form,
    success: (d) => `Project ${d.slug} created`,
    onSuccess: (d) => router.push(`/projects/${d.slug}`),
  });
  const update = useAction(updateProjectAction, {
    form,
    success: "Saved",
    onSuccess: (d) => {
      router.push(`/projects/${d.slug}`);
      router.refresh();
    },
  });
  const pending = create.pending || update.pending;
  const formError = create.formError ?? update.formError;

  // Live availability of the slug while creating.
  const slug = useWatch({ control: form.control, name: "slug" });
  const [checked, setChecked] = useState<{ slug: string; available: boolean } | null>(null);
  const slugValid = !editing && ZProjectSlug.safeParse(slug).success;
  useEffect(() => {
    if (!slugValid) return;
    const t = setTimeout(async () => {
      const r = await checkProjectSlugAction({ slug });
      if (r.ok) setChecked({ slug, available: r.data.available });
    }, 300);
    return () => clearTimeout(t);
  }, [slug, slugValid]);
  const availability = !slugValid ? "idle" : checked?.slug !== slug ? "checking" : checked.available ? "free" : "taken";

  function onSubmit(values: TForm) {
    const labels = parseLabelText(values.labels) as Record<string, string>;
    const common = {
      name: values.name,
      description: values.description,
      teamId: values.teamId,
      ownerId: values.ownerId,
      tier: values.tier,
      language: values.language,
      framework: values.framework,
      repositoryUrl: values.repositoryUrl,
      labels,
    };
    if (project)
      void update.run({
        ...common,
        id: project.id,
        version: project.version,
        lifecycle: canChangeLifecycle ? values.lifecycle : undefined,
        allowChaosInProd: rights.risk ? values.allowChaosInProd : undefined,
      });
    else void create.run({ ...common, slug: values.slug });
  }

  return (
    <Form {...form}>
      <form onSubmit={form.handleSubmit(onSubmit)} className="grid max-w-3xl gap-6" noValidate>
        <div className="grid gap-6 md:grid-cols-2">
          <TextField control={form.control} name="name" label="Name" placeholder="Checkout API" />
          <FormField
            control={form.control}
            name="slug"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Slug</FormLabel>
                <div className="relative">
                  <FormControl>
                    <Input placeholder="checkout-api" disabled={editing} autoComplete="off" {...field} />
                  </FormControl>
                  <span className="absolute top-1/2 right-2.5 -translate-y-1/2" aria-live="polite">
                    {availability === "checking" && <Loader2 className="size-4 animate-spin text-muted-foreground" />}
                    {availability === "free" && <Check className="size-4 text-success" aria-label="available" />}
                    {availability === "taken" && <X className="size-4 text-destructive" aria-label="taken" />}
                  </span>
                </div>
                <FormDescription>
                  {editing
                    ? "The slug names the project's namespaces and cannot change."
                    : availability === "taken"
                      ? "Already taken by another project."
                      : "Lowercase letters, digits and '-', at most 40. Namespaces are named <slug>-<environment>."}
                </FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <TextareaField control={form.control} name="description" label="Description" rows={3} placeholder="What the project does, in a sentence or two." />
        <div className="grid gap-6 md:grid-cols-3">
          <SelectField
            control={form.control}
            name="teamId"
            label="Team"
            placeholder="Choose a team"
            options={teams.map((t) => ({ value: t.id, label: t.name }))}
          />
          <SelectField
            control={form.control}
            name="ownerId"
            label="Owner"
            placeholder="Choose an owner"
            options={users.map((u) => ({ value: u.id, label: `${u.name} (${u.email})` }))}
            disabled={editing && !rights.owner}
            description={editing && !rights.owner ? "Only the project's owner (or an admin) hands the project to someone else." : undefined}
          />
          <SelectField control={form.control} name="tier" label="Tier" options={TIERS} description="Critical gets the strictest defaults and approvals." />
        </div>
        <div className="grid gap-6 md:grid-cols-3">
          <TextField control={form.control} name="language" label="Language" placeholder="Java" />
          <TextField control={form.control} name="framework" label="Framework" placeholder="Spring Boot" />
          <TextField control={form.control} name="repositoryUrl" label="Repository" placeholder="https://git.example.com/payments/checkout-api.git" />
        </div>
        <FormField
          control={form.control}
          name="labels"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Labels</FormLabel>
              <FormControl>
                <Input placeholder="domain=payments, pci=true" className="font-mono" {...field} />
              </FormControl>
              <FormDescription>key=value pairs separated by commas; searchable from the projects list.</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        {editing && rights.risk && (
          <FormField
            control={form.control}
            name="allowChaosInProd"
            render={({ field }) => (
              <FormItem className="flex items-center gap-2">
                <FormControl>
                  <Checkbox checked={field.value} onCheckedChange={(v) => field.onChange(v === true)} />
                </FormControl>
                <FormLabel className="!mt-0">Allow killing pods in production (the chaos action)</FormLabel>
              </FormItem>
            )}
          />
        )}
        {editing && canChangeLifecycle && <SelectField control={form.control} name="lifecycle" label="Lifecycle" options={LIFECYCLES} className="max-w-xs" />}
        <FormError error={formError} />
        <div className="flex gap-2">
          <Button type="submit" disabled={pending}>
            {pending && <Loader2 className="animate-spin" />}
            {editing ? "Save changes" : "Create project"}
          </Button>
          <Button type="button" variant="outline" onClick={() => router.back()} disabled={pending}>
            Cancel
          </Button>
        </div>
      </form>
    </Form>
  );
}
