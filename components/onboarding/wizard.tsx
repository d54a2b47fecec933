"use client";

/**
 * The onboarding wizard: template, basics, environments and clusters,
 * members, then a review that previews exactly what will be created on which
 * cluster before the request is sent as a ticket. Every step is checked with
 * the same zod schema the server applies; server errors go back to the step
 * and field they belong to.
 */
import { useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { toYaml, toYamlDocuments } from "@/lib/yaml";
import { Check, ChevronLeft, ChevronRight, Loader2, Plus, Trash2, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { StatusBadge } from "@/components/ui/status-badge";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { cn } from "@/lib/utils";
import { ENVIRONMENTS, TIERS, ZProjectSlug } from "@/lib/catalog/schemas";
import { ZOnboardingRequest } from "@/lib/tickets/schemas";
import type { QuotaChoice } from "@/lib/provisioning/quota";
import type { ErrorBody } from "@/lib/errors";
import { checkProjectSlugAction } from "@/lib/catalog/project-actions";
import { checkOnboardingEnvironmentsAction, previewOnboardingAction, submitOnboardingAction } from "@/lib/tickets/onboarding-actions";
import { FieldErrors } from "@/components/forms/field-errors";
import { QuotaFields, type QuotaField } from "@/components/tickets/quota-fields";

export interface WizardTemplate {
  id: string;
  name: string;
  description: string;
  language: string;
  framework: string;
  gpu: boolean;
  parameters: {
    name: string;
    label: string;
    description?: string;
    type: "string" | "boolean" | "enum" | "integer";
    default?: unknown;
    required?: boolean;
    options?: string[];
  }[];
}

interface Props {
  templates: WizardTemplate[];
  teams: { id: string; name: string }[];
  users: { id: string; name: string; email: string }[];
  clusters: { id: string; name: string; region: string; status: string }[];
  me: string;
  initialTemplate?: string;
}

type Env = { kind: (typeof ENVIRONMENTS)[number]; clusterIds: string[] } & QuotaChoice;
type Member = { userId: string; role: "maintainer" | "developer" | "viewer" };

const STEPS = ["Template", "Basics", "Environments", "Members", "Review"] as const;

function slugify(name: string) {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

/** Which wizard step a server field path belongs to. */
function stepOf(path: string): number {
  if (path.startsWith("templateId")) return 0;
  if (path.startsWith("project") || path.startsWith("params")) return 1;
  if (path.startsWith("environments")) return 2;
  if (path.startsWith("members")) return 3;
  return 4;
}

interface Preview {
  steps: { key: string; kind: string; title: string; target: string; clusterName: string | null; environment: string | null; spec: unknown }[];
  warnings: string[];
  requiresAdmin: boolean;
  files: string[];
}

export function OnboardingWizard({ templates, teams, users, clusters, me, initialTemplate }: Props) {
  const router = useRouter();
  const [step, setStep] = useState(initialTemplate ? 1 : 0);
  const [templateId, setTemplateId] = useState(initialTemplate ?? "");
  const template = templates.find((t) => t.id === templateId);
  const [project, setProject] = useState({
    name: "",
    slug: "",
    description: "",
    teamId: teams[0]?.id ?? "",
    ownerId: me,
    tier: "standard" as (typeof TIERS)[number],
  });
  const [slugTouched, setSlugTouched] = useState(false);
  const defaultsFor = (id: string) =>
    Object.fromEntries((templates.find((t) => t.id === id)?.parameters ?? []).map((x) => [x.name, x.default ?? (x.type === "boolean" ? false : "")]));
  const [params, setParams] = useState<Record<string, unknown>>(() => defaultsFor(initialTemplate ?? ""));
  function chooseTemplate(id: string) {
    setTemplateId(id);
    setParams(defaultsFor(id));
  }
  // Defaults pick clusters that answered their last health check.
  const healthy = clusters.some((c) => c.status === "reachable") ? clusters.filter((c) => c.status === "reachable") : clusters;
  const [envs, setEnvs] = useState<Env[]>([{ kind: "dev", clusterIds: healthy[0] ? [healthy[0].id] : [], preset: "small", gpu: 0 }]);
  const [members, setMembers] = useState<Member[]>([]);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [openYaml, setOpenYaml] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<ErrorBody | null>(null);
  const [envNotes, setEnvNotes] = useState<{ warnings: string[]; adminReasons: string[] } | null>(null);

  const slug = slugTouched ? project.slug : slugify(project.name);
  const [slugCheck, setSlugCheck] = useState<{ slug: string; available: boolean } | null>(null);
  const slugValid = ZProjectSlug.safeParse(slug).success;
  useEffect(() => {
    if (!slugValid) return;
    const t = setTimeout(async () => {
      const r = await checkProjectSlugAction({ slug });
      if (r.ok) setSlugCheck({ slug, available: r.data.available });
    }, 300);
    return () => clearTimeout(t);
  }, [slug, slugValid]);
  const slugState = !slug ? "idle" : !slugValid ? "invalid" : slugCheck?.slug !== slug ? "checking" : slugCheck.available ? "free" : "taken";

  const request = useMemo(
    // A template's GPU flavour follows the environments: on when any asks for a GPU.
    () => ({
      templateId,
      params: template?.gpu ? { ...params, gpu: envs.some((e) => e.gpu > 0) } : params,
      project: { ...project, slug },
      environments: envs,
      members,
    }),
    [templateId, template, params, project, slug, envs, members],
  );

  function showErrors(fieldErrors: Record<string, string[]>, jump = true) {
    setErrors(fieldErrors);
    const first = Object.keys(fieldErrors)[0];
    if (jump && first) setStep(stepOf(first));
  }

  /**
   * Checks the current step before moving on: the request schema first, then
   * what only the server knows, awaited (Next waits): on Basics whether the
   * slug is free, on Environments whether the clusters can hold each quota.
   * Problems stay on the step they belong to.
   */
  async function next() {
    const parsed = ZOnboardingRequest.safeParse(request);
    const issues = parsed.success ? [] : parsed.error.issues.filter((i) => stepOf(i.path.join(".")) === step);
    const own: Record<string, string[]> = {};
    for (const i of issues) (own[i.path.join(".") || "_"] ??= []).push(i.message);
    if (step === 1 && template) {
      for (const p of template.parameters)
        if (p.required && (params[p.name] === "" || params[p.name] === undefined)) own[`params.${p.name}`] = [`Enter ${p.label.toLowerCase()}`];
    }
    if (Object.keys(own).length) return setErrors(own);
    setCheckError(null);
    setChecking(true);
    try {
      if (step === 1) {
        const r = await checkProjectSlugAction({ slug });
        if (!r.ok) return setCheckError(r.error);
        setSlugCheck({ slug, available: r.data.available });
        if (!r.data.available) return setErrors({ "project.slug": [`"${slug}" is already taken by another project; choose another`] });
      }
      if (step === 2) {
        const r = await checkOnboardingEnvironmentsAction({ templateId, environments: envs });
        if (!r.ok) return r.error.fieldErrors ? showErrors(r.error.fieldErrors) : setCheckError(r.error);
        setEnvNotes({ warnings: r.data.warnings, adminReasons: r.data.adminReasons });
        if (Object.keys(r.data.fieldErrors).length) return setErrors(r.data.fieldErrors);
      }
    } catch {
      return setCheckError({ code: "UNAVAILABLE", message: "Wharf could not be reached to check this step. Check your connection and try again." });
    } finally {
      setChecking(false);
    }
    setErrors({});
    goTo(step + 1);
  }

  const previewAction = useAction(previewOnboardingAction, {
    onSuccess: (d) => setPreview(d),
  });
  const submit = useAction(submitOnboardingAction, {
    success: (d) => `Request #${d.number} sent: ops will review it`,
    onSuccess: (d) => router.push(`/tickets/${d.number}`),
  });

  /** Moves to a step; entering the review asks the server for the exact plan. */
  function goTo(n: number) {
    setStep(n);
    if (n !== 4) return;
    setPreview(null);
    void previewAction.run(request).then((r) => {
      if (!r.ok && r.error.fieldErrors) showErrors(r.error.fieldErrors);
    });
  }

  const err = (path: string) => errors[path];
  /** Editing a field takes its error away (a fresh check comes with Next). */
  function edit<K extends keyof typeof project>(field: K, value: (typeof project)[K]) {
    setProject({ ...project, [field]: value });
    const stale = [`project.${String(field)}`, ...(field === "name" ? ["project.slug"] : [])];
    if (stale.some((k) => errors[k])) setErrors(Object.fromEntries(Object.entries(errors).filter(([k]) => !stale.includes(k))));
  }
  const serverError: ErrorBody | null = checkError
    ? checkError
    : submit.formError && !submit.formError.fieldErrors
      ? submit.formError
      : previewAction.formError && !previewAction.formError.fieldErrors
        ? previewAction.formError
        : null;

  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_1fr]">
      <ol className="space-y-1" aria-label="Wizard steps">
        {STEPS.map((label, i) => (
          <li key={label}>
            <button
              type="button"
              disabled={i > step}
              onClick={() => goTo(i)}
              className={cn(
                "flex w-full items-center gap-2 rounded-md px-3 py-2 text-left text-sm",
                i === step ? "bg-primary text-primary-foreground" : i < step ? "hover:bg-muted" : "text-muted-foreground",
              )}
              aria-current={i === step ? "step" : undefined}
            >
              <span className="flex size-5 items-center justify-center rounded-full border text-xs">{i < step ? <Check className="size-3" /> : i + 1}</span>
              {label}
            </button>
          </li>
        ))}
      </ol>
      <div className="min-w-0 space-y-6">
        {step === 0 && (
          <section aria-label="Template" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
            {templates.map((t) => (
              <button key={t.id} type="button" onClick={() => chooseTemplate(t.id)} className="text-left" aria-pressed={templateId === t.id}>
                <Card className={cn("h-full transition-colors hover:bg-muted/50", templateId === t.id && "ring-2 ring-primary")}>
                  <CardHeader>
                    <CardTitle>{t.name}</CardTitle>
                    <CardDescription>{t.description}</CardDescription>
                    <div className="flex flex-wrap gap-1 pt-2">
                      <Badge variant="outline">{t.language}</Badge>
                      <Badge variant="outline">{t.framework}</Badge>
                      {t.gpu && <Badge variant="secondary">GPU</Badge>}
                    </div>
                  </CardHeader>
                </Card>
              </button>
            ))}
            <FieldErrors errors={err("templateId")} />
          </section>
        )}

        {step === 1 && (
          <section aria-label="Basics" className="grid max-w-3xl gap-5">
            <div className="grid gap-5 md:grid-cols-2">
              <div className="space-y-2">
                <Label htmlFor="p-name">Name</Label>
                <Input
                  id="p-name"
                  value={project.name}
                  onChange={(e) => edit("name", e.target.value)}
                  placeholder="Payments Gateway"
                  aria-invalid={Boolean(err("project.name"))}
                />
                <FieldErrors errors={err("project.name")} />
              </div>
              <div className="space-y-2">
                <Label htmlFor="p-slug">Slug</Label>
                <div className="relative">
                  <Input
                    id="p-slug"
                    value={slug}
                    onChange={(e) => {
                      setSlugTouched(true);
                      edit("slug", e.target.value);
                    }}
                    aria-invalid={Boolean(err("project.slug")) || slugState === "taken" || slugState === "invalid"}
                    autoComplete="off"
                  />
                  <span className="absolute top-1/2 right-2.5 -translate-y-1/2" aria-live="polite">
                    {slugState === "checking" && <Loader2 className="size-4 animate-spin text-muted-foreground" />}
                    {slugState === "free" && <Check className="size-4 text-success" aria-label="available" />}
                    {slugState === "taken" && <X className="size-4 text-destructive" aria-label="taken" />}
                  </span>
                </div>
                {err("project.slug") ? (
                  <FieldErrors errors={err("project.slug")} label="Slug" />
                ) : slugState === "invalid" ? (
                  // Every rule the slug breaks, one line each.
                  <FieldErrors errors={ZProjectSlug.safeParse(slug).error?.issues.map((i) => i.message)} label="Slug" />
                ) : (
                  <p className={cn("text-sm", slugState === "taken" ? "text-destructive" : "text-muted-foreground")} data-testid="slug-hint">
                    {slugState === "taken" ? "Already taken by another project." : `Namespaces will be ${slug || "<slug>"}-<environment>.`}
                  </p>
                )}
              </div>
            </div>
            <div className="space-y-2">
              <Label htmlFor="p-desc">Description</Label>
              <Textarea id="p-desc" rows={2} value={project.description} onChange={(e) => edit("description", e.target.value)} />
            </div>
            <div className="grid gap-5 md:grid-cols-3">
              <div className="space-y-2">
                <Label htmlFor="p-team">Team</Label>
                <NativeSelect id="p-team" value={project.teamId} onChange={(e) => edit("teamId", e.target.value)}>
                  {teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </NativeSelect>
                <FieldErrors errors={err("project.teamId")} />
              </div>
              <div className="space-y-2">
                <Label htmlFor="p-tier">Tier</Label>
                <NativeSelect id="p-tier" value={project.tier} onChange={(e) => setProject({ ...project, tier: e.target.value as (typeof TIERS)[number] })}>
                  {TIERS.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </NativeSelect>
              </div>
              <div className="space-y-2">
                <Label htmlFor="p-owner">Owner</Label>
                <NativeSelect id="p-owner" value={project.ownerId} onChange={(e) => edit("ownerId", e.target.value)}>
                  {users.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
                </NativeSelect>
                <FieldErrors errors={err("project.ownerId")} />
              </div>
            </div>
            {template && template.parameters.length > 0 && (
              <fieldset className="grid gap-4 rounded-md border p-4 md:grid-cols-2">
                <legend className="px-1 text-sm font-medium">{template.name} options</legend>
                {template.parameters.map((p) => (
                  <div key={p.name} className="space-y-2">
                    {p.type === "boolean" ? (
                      <label className="flex items-center gap-2 text-sm">
                        <Checkbox
                          checked={Boolean(params[p.name])}
                          onCheckedChange={(v) => setParams({ ...params, [p.name]: v === true })}
                          aria-label={p.label}
                        />
                        {p.label}
                      </label>
                    ) : (
                      <>
                        <Label htmlFor={`param-${p.name}`}>{p.label}</Label>
                        {p.type === "enum" ? (
                          <NativeSelect
                            id={`param-${p.name}`}
                            value={String(params[p.name] ?? "")}
                            onChange={(e) => setParams({ ...params, [p.name]: e.target.value })}
                          >
                            {(p.options ?? []).map((o) => (
                              <option key={o} value={o}>
                                {o}
                              </option>
                            ))}
                          </NativeSelect>
                        ) : (
                          <Input
                            id={`param-${p.name}`}
                            type={p.type === "integer" ? "number" : "text"}
                            value={String(params[p.name] ?? "")}
                            onChange={(e) => setParams({ ...params, [p.name]: p.type === "integer" ? Number(e.target.value) : e.target.value })}
                          />
                        )}
                      </>
                    )}
                    {p.description && <p className="text-xs text-muted-foreground">{p.description}</p>}
                    <FieldErrors errors={err(`params.${p.name}`)} />
                  </div>
                ))}
              </fieldset>
            )}
          </section>
        )}

        {step === 2 && (
          <section aria-label="Environments" className="space-y-4">
            <FieldErrors errors={err("environments")} />
            {ENVIRONMENTS.map((kind) => {
              const index = envs.findIndex((e) => e.kind === kind);
              const env = envs[index];
              const update = (patch: Partial<Env>) => {
                setEnvs(envs.map((e, i) => (i === index ? { ...e, ...patch } : e)));
                // A changed environment is checked again with Next: its old problems go.
                if (Object.keys(errors).some((k) => k.startsWith(`environments.${index}.`)))
                  setErrors(Object.fromEntries(Object.entries(errors).filter(([k]) => !k.startsWith(`environments.${index}.`))));
              };
              const quotaErrors = (f: QuotaField) => err(`environments.${index}.${f}`);
              return (
                <div key={kind} className="rounded-md border p-4" data-testid={`env-${kind}`}>
                  <label className="flex items-center gap-2 font-medium">
                    <Checkbox
                      checked={Boolean(env)}
                      onCheckedChange={(v) => {
                        // Problems are keyed by position: adding or removing an environment moves them, so they go.
                        setErrors({});
                        setEnvs(
                          v
                            ? [
                                ...envs,
                                {
                                  kind,
                                  clusterIds: kind === "prod" ? healthy.map((c) => c.id) : healthy.slice(0, 1).map((c) => c.id),
                                  preset: kind === "prod" ? "medium" : "small",
                                  gpu: 0,
                                } satisfies Env,
                              ].sort((a, b) => ENVIRONMENTS.indexOf(a.kind) - ENVIRONMENTS.indexOf(b.kind))
                            : envs.filter((e) => e.kind !== kind),
                        );
                      }}
                      aria-label={`Environment ${kind}`}
                    />
                    {kind}
                  </label>
                  {env && (
                    <div className="mt-3 grid gap-4 md:grid-cols-[1fr_minmax(16rem,24rem)]">
                      <fieldset>
                        <legend className="mb-2 text-sm text-muted-foreground">Clusters</legend>
                        <div className="flex flex-wrap gap-2">
                          {clusters.map((c) => (
                            <label key={c.id} className="flex items-center gap-2 rounded-md border px-2 py-1 text-sm">
                              <Checkbox
                                checked={env.clusterIds.includes(c.id)}
                                onCheckedChange={(v) => update({ clusterIds: v ? [...env.clusterIds, c.id] : env.clusterIds.filter((x) => x !== c.id) })}
                                aria-label={`${kind} on ${c.name}`}
                              />
                              {c.name} <span className="text-muted-foreground">{c.region}</span> <StatusBadge status={c.status} />
                            </label>
                          ))}
                        </div>
                        <FieldErrors errors={err(`environments.${index}.clusterIds`)} />
                      </fieldset>
                      <QuotaFields
                        id={`${kind}-quota`}
                        label={`Quota of ${kind}`}
                        value={env}
                        onChange={(q) => update({ preset: q.preset, gpu: q.gpu, cpu: q.cpu, memoryGi: q.memoryGi, pods: q.pods })}
                        allowGpu={Boolean(template?.gpu)}
                        errors={{
                          preset: quotaErrors("preset"),
                          cpu: quotaErrors("cpu"),
                          memoryGi: quotaErrors("memoryGi"),
                          pods: quotaErrors("pods"),
                          gpu: quotaErrors("gpu"),
                          quota: quotaErrors("quota"),
                        }}
                        checking={checking}
                      />
                    </div>
                  )}
                </div>
              );
            })}
            {envNotes?.warnings.map((w) => (
              <Alert key={w}>
                <AlertDescription>{w}</AlertDescription>
              </Alert>
            ))}
            <p className="text-xs text-muted-foreground">
              Next checks each quota against its clusters. Any GPU, more than the large preset, or a custom quota above the limits ops set needs an admin&apos;s
              approval.
            </p>
          </section>
        )}

        {step === 3 && (
          <section aria-label="Members" className="max-w-2xl space-y-3">
            <p className="text-sm text-muted-foreground">
              The owner is a member already. Add the people who work on the project; they get access on the clusters once the project is provisioned.
            </p>
            {members.map((m, i) => (
              <div key={i} className="flex items-center gap-2">
                <NativeSelect
                  aria-label={`Member ${i + 1}`}
                  value={m.userId}
                  onChange={(e) => setMembers(members.map((x, j) => (j === i ? { ...x, userId: e.target.value } : x)))}
                  className="w-72"
                >
                  <option value="">Choose a user</option>
                  {users
                    .filter((u) => u.id !== project.ownerId)
                    .map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.name} ({u.email})
                      </option>
                    ))}
                </NativeSelect>
                <NativeSelect
                  aria-label={`Role of member ${i + 1}`}
                  value={m.role}
                  onChange={(e) => setMembers(members.map((x, j) => (j === i ? { ...x, role: e.target.value as Member["role"] } : x)))}
                  className="w-40"
                >
                  <option value="maintainer">maintainer</option>
                  <option value="developer">developer</option>
                  <option value="viewer">viewer</option>
                </NativeSelect>
                <Button variant="ghost" size="icon" aria-label={`Remove member ${i + 1}`} onClick={() => setMembers(members.filter((_, j) => j !== i))}>
                  <Trash2 />
                </Button>
              </div>
            ))}
            {Object.entries(errors)
              .filter(([k]) => k.startsWith("members"))
              .map(([k, v]) => (
                <p key={k} className="text-sm text-destructive">
                  {v.join(" ")}
                </p>
              ))}
            <Button variant="outline" size="sm" onClick={() => setMembers([...members, { userId: "", role: "developer" }])}>
              <Plus /> Add member
            </Button>
          </section>
        )}

        {step === 4 && (
          <section aria-label="Review" className="space-y-4">
            {!preview && !serverError && (
              <p className="flex items-center gap-2 text-sm text-muted-foreground">
                <Loader2 className="size-4 animate-spin" /> Computing the plan…
              </p>
            )}
            {preview && (
              <>
                <Alert>
                  <AlertTitle>
                    {project.name} ({slug}) from {template?.name}: {preview.steps.length} steps on{" "}
                    {new Set(preview.steps.map((s) => s.clusterName).filter(Boolean)).size} clusters
                  </AlertTitle>
                  <AlertDescription>
                    {preview.requiresAdmin ? "It asks for GPUs or more than the largest preset: an admin approves it." : "Ops approve it."} The project shows as
                    requested until it is provisioned.
                    {preview.files.length > 0 && ` Its repository starts with ${preview.files.length} generated files.`}
                  </AlertDescription>
                </Alert>
                {preview.warnings.map((w) => (
                  <Alert key={w} variant="destructive">
                    <AlertDescription>{w}</AlertDescription>
                  </Alert>
                ))}
                {[...new Set(preview.steps.map((s) => s.clusterName ?? "Portal"))].map((cluster) => (
                  <div key={cluster} className="rounded-md border" data-testid={`preview-${cluster}`}>
                    <div className="border-b px-4 py-2 text-sm font-semibold">{cluster}</div>
                    <ul className="divide-y">
                      {preview.steps
                        .filter((s) => (s.clusterName ?? "Portal") === cluster)
                        .map((s) => (
                          <li key={s.key} className="px-4 py-2 text-sm">
                            <div className="flex items-center justify-between gap-3">
                              <span>
                                <Badge variant="outline" className="mr-2">
                                  {s.environment ?? "repo"}
                                </Badge>
                                <span className="font-mono text-xs">{s.target}</span>
                              </span>
                              <Button variant="link" size="sm" onClick={() => setOpenYaml(openYaml === s.key ? null : s.key)}>
                                {openYaml === s.key ? "Hide YAML" : "YAML"}
                              </Button>
                            </div>
                            {openYaml === s.key && (
                              <pre className="mt-2 max-h-80 overflow-auto rounded bg-muted p-3 text-xs">
                                {(s.spec as { objects?: unknown[] }).objects ? toYamlDocuments((s.spec as { objects: unknown[] }).objects) : toYaml(s.spec)}
                              </pre>
                            )}
                          </li>
                        ))}
                    </ul>
                  </div>
                ))}
              </>
            )}
          </section>
        )}

        <FormError error={serverError} />
        <div className="flex items-center gap-2">
          {step > 0 && (
            <Button variant="outline" onClick={() => goTo(step - 1)}>
              <ChevronLeft /> Back
            </Button>
          )}
          {step < 4 && (
            <Button onClick={() => void next()} disabled={(step === 0 && !templateId) || checking}>
              {checking ? <Loader2 className="animate-spin" /> : null} Next <ChevronRight />
            </Button>
          )}
          {step === 4 && (
            <Button
              disabled={!preview || submit.pending}
              onClick={() =>
                void submit.run(request).then((r) => {
                  if (!r.ok && r.error.fieldErrors) showErrors(r.error.fieldErrors);
                })
              }
            >
              {submit.pending && <Loader2 className="animate-spin" />} Submit for approval
            </Button>
          )}
        </div>
      </div>
    </div>
  );
}
