"use client";

/**
 * A project's CI settings: the branch policy as rules (first match wins),
 * quality gates, concurrency and Jenkins generation. Checked with the same
 * schema as the server (ZCiSettings), so "pushing needs the image built"
 * shows at the rule's Push box before anything is sent. After saving, the
 * plan says whether the pipeline on the build cluster now differs.
 */
import { useState } from "react";
import Link from "@/components/ui/link";
import { useFieldArray, useForm, type Control } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { ArrowDown, ArrowUp, CheckCircle2, Info, Loader2, Plus, Trash2 } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { Form, FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { ENVIRONMENTS, type EnvKind } from "@/lib/catalog/environments";
import { planRegenerationAction, updateCiSettingsAction } from "@/lib/ci/actions";
import { ZCiSettings, type TCiSettings } from "@/lib/ci/settings";

/** The action's own input shape, so the server's field errors (settings.branchPolicy.0.push) land at the same fields. */
const ZForm = z.object({ projectId: z.string(), version: z.number().int(), settings: ZCiSettings });
type TFormIn = z.input<typeof ZForm>;
type TFormOut = z.output<typeof ZForm>;

type AfterSave = { kind: "differs"; added: number; changed: number; removed: number } | { kind: "current" } | { kind: "unknown"; reason: string };

function EnvBoxes({
  control,
  name,
  label,
  description,
}: {
  control: Control<TFormIn, unknown, TFormOut>;
  name: `settings.branchPolicy.${number}.deploy` | `settings.branchPolicy.${number}.ticket`;
  label: string;
  description: string;
}) {
  return (
    <FormField
      control={control}
      name={name}
      render={({ field }) => {
        const value = (field.value ?? []) as EnvKind[];
        return (
          <FormItem>
            <fieldset className="grid gap-1.5">
              <legend className="text-sm font-medium">{label}</legend>
              <div className="flex flex-wrap gap-x-4 gap-y-1.5">
                {ENVIRONMENTS.map((env) => (
                  <label key={env} className="flex items-center gap-1.5 text-sm">
                    <Checkbox
                      checked={value.includes(env)}
                      aria-label={`${label}: ${env}`}
                      onCheckedChange={(v) =>
                        field.onChange(v === true ? ENVIRONMENTS.filter((e) => e === env || value.includes(e)) : value.filter((e) => e !== env))
                      }
                    />
                    {env}
                  </label>
                ))}
              </div>
              <FormDescription className="text-xs">{description}</FormDescription>
            </fieldset>
            <FormMessage />
          </FormItem>
        );
      }}
    />
  );
}

function BoolBox({
  control,
  name,
  label,
}: {
  control: Control<TFormIn, unknown, TFormOut>;
  name: `settings.branchPolicy.${number}.build` | `settings.branchPolicy.${number}.push`;
  label: string;
}) {
  return (
    <FormField
      control={control}
      name={name}
      render={({ field }) => (
        <FormItem>
          <div className="flex items-center gap-2">
            <FormControl>
              <Checkbox checked={field.value === true} onCheckedChange={(v) => field.onChange(v === true)} />
            </FormControl>
            <FormLabel className="!mt-0 font-normal">{label}</FormLabel>
          </div>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

export function CiSettingsForm({ projectId, slug, version, settings }: { projectId: string; slug: string; version: number; settings: TCiSettings }) {
  const form = useForm<TFormIn, unknown, TFormOut>({
    resolver: zodResolver(ZForm),
    defaultValues: { projectId, version, settings },
    mode: "onSubmit",
  });
  const rules = useFieldArray({ control: form.control, name: "settings.branchPolicy" });
  const [afterSave, setAfterSave] = useState<AfterSave | null>(null);
  const plan = useAction(planRegenerationAction, {
    onSuccess: ([p]) => {
      if (!p || p.status !== "ready") return setAfterSave({ kind: "unknown", reason: p?.reason ?? "The plan could not be made." });
      const n = { added: p.added.length, changed: p.changed.length, removed: p.removed.length };
      setAfterSave(n.added + n.changed + n.removed ? { kind: "differs", ...n } : { kind: "current" });
    },
  });
  const save = useAction(updateCiSettingsAction, {
    form,
    success: "CI settings saved",
    onSuccess: (d) => {
      form.reset({ projectId, version: d.version, settings: d.settings });
      void plan.run({ projectId });
    },
  });

  return (
    <Form {...form}>
      <form
        noValidate
        className="grid gap-4"
        onSubmit={form.handleSubmit((values) => {
          setAfterSave(null);
          return save.run(values).then(() => undefined);
        })}
      >
        <Card>
          <CardHeader>
            <CardTitle>Branch policy</CardTitle>
            <CardDescription>
              What a push to a branch or tag does. Rules are read top to bottom and <strong>the first rule that matches wins</strong>; a ref no rule matches
              runs nothing. Patterns: <code>*</code> matches anything but <code>/</code>, <code>**</code> anything. Tests always run.
            </CardDescription>
          </CardHeader>
          <CardContent className="grid gap-3">
            <ol className="grid gap-3" aria-label="Branch rules">
              {rules.fields.map((rule, i) => (
                <li key={rule.id} role="group" aria-label={`Rule ${i + 1}`} className="grid gap-3 rounded-md border p-3" data-testid="branch-rule">
                  <div className="flex flex-wrap items-end gap-2">
                    <span className="pb-2 text-sm font-medium text-muted-foreground">{i + 1}.</span>
                    <FormField
                      control={form.control}
                      name={`settings.branchPolicy.${i}.match`}
                      render={({ field }) => (
                        <FormItem className="min-w-40 flex-1">
                          <FormLabel>Pattern</FormLabel>
                          <FormControl>
                            <Input {...field} placeholder="e.g. hotfix/*" className="font-mono" />
                          </FormControl>
                          <FormMessage />
                        </FormItem>
                      )}
                    />
                    <FormField
                      control={form.control}
                      name={`settings.branchPolicy.${i}.ref`}
                      render={({ field }) => (
                        <FormItem>
                          <FormLabel>Applies to</FormLabel>
                          <FormControl>
                            <NativeSelect {...field} value={field.value ?? "branch"}>
                              <option value="branch">branches</option>
                              <option value="tag">tags</option>
                            </NativeSelect>
                          </FormControl>
                          <FormMessage />
                        </FormItem>
                      )}
                    />
                    <div className="flex gap-1">
                      <Button
                        type="button"
                        variant="outline"
                        size="icon"
                        aria-label={`Move rule ${i + 1} up`}
                        disabled={i === 0}
                        onClick={() => rules.move(i, i - 1)}
                      >
                        <ArrowUp />
                      </Button>
                      <Button
                        type="button"
                        variant="outline"
                        size="icon"
                        aria-label={`Move rule ${i + 1} down`}
                        disabled={i === rules.fields.length - 1}
                        onClick={() => rules.move(i, i + 1)}
                      >
                        <ArrowDown />
                      </Button>
                      <Button type="button" variant="outline" size="icon" aria-label={`Remove rule ${i + 1}`} onClick={() => rules.remove(i)}>
                        <Trash2 />
                      </Button>
                    </div>
                  </div>
                  <div className="flex flex-wrap gap-x-6 gap-y-2">
                    <BoolBox control={form.control} name={`settings.branchPolicy.${i}.build`} label="Build the image" />
                    <BoolBox control={form.control} name={`settings.branchPolicy.${i}.push`} label="Push the image" />
                  </div>
                  <div className="grid gap-3 sm:grid-cols-2">
                    <EnvBoxes control={form.control} name={`settings.branchPolicy.${i}.deploy`} label="Deploy to" description="Once the quality gates pass." />
                    <EnvBoxes
                      control={form.control}
                      name={`settings.branchPolicy.${i}.ticket`}
                      label="Open a deploy ticket for"
                      description="An approver decides (production)."
                    />
                  </div>
                </li>
              ))}
            </ol>
            {form.formState.errors.settings?.branchPolicy?.root?.message && (
              <p className="text-sm text-destructive">{form.formState.errors.settings.branchPolicy.root.message}</p>
            )}
            <div>
              <Button
                type="button"
                variant="outline"
                onClick={() => rules.append({ match: "", ref: "branch", build: false, push: false, deploy: [], ticket: [] })}
                disabled={rules.fields.length >= 30}
              >
                <Plus /> Add rule
              </Button>
            </div>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Quality gates</CardTitle>
            <CardDescription>Promotion (deploys and tickets) stops with the reason when a gate fails.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4 sm:grid-cols-2">
            <FormField
              control={form.control}
              name="settings.gates.testsPass"
              render={({ field }) => (
                <FormItem>
                  <div className="flex items-center gap-2">
                    <FormControl>
                      <Checkbox checked={field.value === true} onCheckedChange={(v) => field.onChange(v === true)} />
                    </FormControl>
                    <FormLabel className="!mt-0 font-normal">All tests must pass</FormLabel>
                  </div>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormField
              control={form.control}
              name="settings.gates.coverage"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Least line coverage (%)</FormLabel>
                  <FormControl>
                    <Input
                      type="number"
                      inputMode="numeric"
                      min={0}
                      max={100}
                      className="max-w-32"
                      name={field.name}
                      ref={field.ref}
                      onBlur={field.onBlur}
                      value={Number.isFinite(field.value) ? String(field.value) : ""}
                      onChange={(e) => field.onChange(e.target.value === "" ? Number.NaN : Number(e.target.value))}
                    />
                  </FormControl>
                  <FormDescription>0: no threshold.</FormDescription>
                  <FormMessage />
                </FormItem>
              )}
            />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Concurrency</CardTitle>
            <CardDescription>How many runs of this project run at once, and what a run that finds every slot busy does.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4 sm:grid-cols-2">
            <FormField
              control={form.control}
              name="settings.concurrency.maxConcurrent"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>Runs at once</FormLabel>
                  <FormControl>
                    <Input
                      type="number"
                      inputMode="numeric"
                      min={1}
                      max={50}
                      className="max-w-32"
                      name={field.name}
                      ref={field.ref}
                      onBlur={field.onBlur}
                      value={Number.isFinite(field.value) ? String(field.value) : ""}
                      onChange={(e) => field.onChange(e.target.value === "" ? Number.NaN : Number(e.target.value))}
                    />
                  </FormControl>
                  <FormDescription>From 1 to 50.</FormDescription>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormField
              control={form.control}
              name="settings.concurrency.onBusy"
              render={({ field }) => (
                <FormItem>
                  <FormLabel>When all are busy</FormLabel>
                  <FormControl>
                    <NativeSelect {...field} value={field.value ?? "queue"}>
                      <option value="queue">Queue the run until a slot frees</option>
                      <option value="cancel-superseded">Queue, and cancel older runs of the same branch</option>
                    </NativeSelect>
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Jenkins</CardTitle>
            <CardDescription>
              For companies on Jenkins: Wharf also generates a Jenkins Job Builder YAML and a Jenkinsfile on the shared library.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <FormField
              control={form.control}
              name="settings.jenkins"
              render={({ field }) => (
                <FormItem>
                  <div className="flex items-center gap-2">
                    <FormControl>
                      <Checkbox checked={field.value === true} onCheckedChange={(v) => field.onChange(v === true)} />
                    </FormControl>
                    <FormLabel className="!mt-0 font-normal">Generate Jenkins jobs</FormLabel>
                  </div>
                  <FormMessage />
                </FormItem>
              )}
            />
          </CardContent>
        </Card>

        <FormError error={save.formError} />
        {plan.pending && (
          <p className="flex items-center gap-2 text-sm text-muted-foreground">
            <Loader2 className="size-4 animate-spin" /> Comparing the pipeline with the build cluster…
          </p>
        )}
        {afterSave && (
          <Alert data-testid="after-save">
            {afterSave.kind === "current" ? <CheckCircle2 /> : <Info />}
            <AlertTitle>
              {afterSave.kind === "differs"
                ? "Saved: the pipeline needs regenerating"
                : afterSave.kind === "current"
                  ? "Saved: the pipeline on the build cluster is current"
                  : "Saved"}
            </AlertTitle>
            <AlertDescription>
              {afterSave.kind === "differs" && (
                <p>
                  {afterSave.added} to create, {afterSave.changed} to change, {afterSave.removed} to remove.{" "}
                  <Link className="underline" href={`/projects/${slug}/builds/pipeline`}>
                    Review and regenerate on the Pipeline tab
                  </Link>
                </p>
              )}
              {afterSave.kind === "current" && <p>Nothing to regenerate.</p>}
              {afterSave.kind === "unknown" && (
                <p>
                  Whether the pipeline needs regenerating is not known: {afterSave.reason}{" "}
                  <Link className="underline" href={`/projects/${slug}/builds/pipeline`}>
                    Pipeline tab
                  </Link>
                </p>
              )}
            </AlertDescription>
          </Alert>
        )}
        <div className="flex gap-2">
          <Button type="submit" disabled={save.pending}>
            {save.pending && <Loader2 className="animate-spin" />}
            Save CI settings
          </Button>
        </div>
      </form>
    </Form>
  );
}
