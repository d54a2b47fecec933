"use client";

/**
 * A project's alert rules per environment: each generated rule with its
 * threshold, `for` and switch (editable by maintainers), its health and last
 * evaluation from Prometheus and its pending or firing alerts; the extra
 * rules maintainers wrote. Saved as one version: only what differs from the
 * generated values is stored, so a later change of a service's objective
 * still reaches the rules nobody changed. The server checks everything
 * (PromQL at its position, promtool on the whole file); its messages land at
 * the fields.
 */
import { useFieldArray, useForm } from "react-hook-form";
import { Loader2, Plus, Trash2 } from "lucide-react";
import type { RuleRow } from "@/lib/monitoring/rules-edit";
import type { TExtraRule } from "@/lib/monitoring/rules";
import { saveRuleSettingsAction } from "@/lib/monitoring/rules-actions";
import type { EnvKind } from "@/lib/catalog/environments";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Form, FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { NativeSelect } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";
import { Textarea } from "@/components/ui/textarea";

const SEVERITIES = ["critical", "warning", "info"] as const;

interface RuleValues {
  enabled: boolean;
  threshold: string;
  for: string;
}
interface ExtraValues {
  id: string;
  alert: string;
  expr: string;
  for: string;
  severity: (typeof SEVERITIES)[number];
  summary: string;
  environments: EnvKind[];
  enabled: boolean;
}
interface FormValues {
  projectId: string;
  version: number;
  settings: { rules: Record<string, RuleValues>; extra: ExtraValues[] };
}

const UNIT: Record<string, string> = { ratio: "share (0.01 = 1%)", seconds: "seconds", count: "count" };

function shownThreshold(r: RuleRow): string {
  if (r.threshold === null) return "";
  return String(r.threshold);
}

/** A column's name above its cell where the table's head is hidden (phones). */
function MobileLabel({ children }: { children: React.ReactNode }) {
  return (
    <span className="block text-xs text-muted-foreground sm:hidden" aria-hidden>
      {children}
    </span>
  );
}

function StateCell({ rule }: { rule: RuleRow }) {
  const firing = rule.alerts.filter((a) => a.state === "firing");
  const pending = rule.alerts.filter((a) => a.state === "pending");
  return (
    <div className="flex flex-wrap items-center gap-1 text-xs">
      {firing.length > 0 && (
        <Badge variant="destructive" title={firing.map((a) => a.cluster ?? "").join(", ")}>
          firing{firing.length > 1 ? ` ×${firing.length}` : ""}
        </Badge>
      )}
      {pending.length > 0 && <Badge variant="secondary">pending{pending.length > 1 ? ` ×${pending.length}` : ""}</Badge>}
      {!rule.enabled ? (
        <span className="text-muted-foreground">off</span>
      ) : rule.prometheus ? (
        <>
          <Badge variant={rule.prometheus.health === "err" ? "destructive" : "outline"}>{rule.prometheus.health}</Badge>
          {rule.prometheus.lastEvaluation && (
            <span className="text-muted-foreground">evaluated {new Date(rule.prometheus.lastEvaluation).toLocaleTimeString()}</span>
          )}
          {rule.prometheus.lastError && <span className="text-destructive">{rule.prometheus.lastError}</span>}
        </>
      ) : (
        <span className="text-muted-foreground">not loaded</span>
      )}
    </div>
  );
}

export function RulesEditor({
  projectId,
  version,
  canEdit,
  environments,
  rules,
  extra,
}: {
  projectId: string;
  version: number;
  canEdit: boolean;
  environments: string[];
  rules: RuleRow[];
  extra: TExtraRule[];
}) {
  const generated = rules.filter((r) => r.kind !== "extra");
  const defaults: FormValues = {
    projectId,
    version,
    settings: {
      rules: Object.fromEntries(generated.map((r) => [r.key, { enabled: r.enabled, threshold: shownThreshold(r), for: r.for }])),
      extra: extra.map((x) => ({ ...x })),
    },
  };
  const form = useForm<FormValues>({ defaultValues: defaults });
  const extraRules = useFieldArray({ control: form.control, name: "settings.extra" });
  const save = useAction(saveRuleSettingsAction, {
    form,
    success: (d) => `Rules saved as version ${d.version}${d.runId ? ": deploying them now" : ""}`,
    onSuccess: (d) => form.reset({ ...form.getValues(), version: d.version }),
  });

  function submit(values: FormValues) {
    // Only what differs from the generated rule is stored.
    const changed: Record<string, { enabled: boolean; threshold?: number; for?: string }> = {};
    for (const r of generated) {
      const v = values.settings.rules[r.key];
      if (!v) continue;
      const threshold = v.threshold.trim() === "" ? undefined : Number(v.threshold);
      const entry: { enabled: boolean; threshold?: number; for?: string } = { enabled: v.enabled };
      if (threshold !== undefined && threshold !== r.defaultThreshold) entry.threshold = threshold;
      if (v.for.trim() && v.for.trim() !== r.defaultFor) entry.for = v.for.trim();
      if (!v.enabled || entry.threshold !== undefined || entry.for !== undefined) changed[r.key] = entry;
    }
    return save.run({ projectId, version: values.version, settings: { rules: changed, extra: values.settings.extra } }).then(() => undefined);
  }

  return (
    <Form {...form}>
      <form noValidate className="grid gap-4" onSubmit={form.handleSubmit(submit)} aria-label="Alert rules">
        {environments.length === 0 && (
          <p className="text-sm text-muted-foreground">This project has no environments yet: its rules are generated per environment.</p>
        )}
        {environments.map((env) => (
          <Card key={env}>
            <CardHeader>
              <CardTitle>{env}</CardTitle>
              <CardDescription>Rules of namespace …-{env}, on every cluster of the environment.</CardDescription>
            </CardHeader>
            <CardContent className="sm:overflow-x-auto">
              {/* A table from sm up; on a phone each rule is a block of its own (no sideways scrolling), its inputs labelled. */}
              <table className="w-full text-sm max-sm:block sm:min-w-[720px]" aria-label={`Rules of ${env}`}>
                <thead className="max-sm:hidden">
                  <tr className="border-b text-left text-xs text-muted-foreground">
                    <th className="py-2 pr-2 font-medium">Rule</th>
                    <th className="py-2 pr-2 font-medium">Threshold</th>
                    <th className="py-2 pr-2 font-medium">For</th>
                    <th className="py-2 pr-2 font-medium">On</th>
                    <th className="py-2 font-medium">State in Prometheus</th>
                  </tr>
                </thead>
                <tbody className="max-sm:block">
                  {rules
                    .filter((r) => r.environment === env)
                    .map((r) => {
                      const name = `${r.label}${r.service ? ` (${r.service})` : ""}`;
                      return (
                        <tr
                          key={r.key}
                          className="border-b align-top last:border-0 max-sm:grid max-sm:grid-cols-[auto_auto_1fr] max-sm:gap-x-3 max-sm:gap-y-1 max-sm:py-2"
                          data-testid={`rule-${r.key}`}
                        >
                          <td className="min-w-0 py-2 pr-2 max-sm:col-span-3 max-sm:py-0">
                            <div className="font-medium">{name}</div>
                            <div className="text-xs text-muted-foreground">
                              {r.alert} · {r.severity}
                            </div>
                            <details className="text-xs">
                              <summary className="cursor-pointer text-muted-foreground">PromQL</summary>
                              <pre className="mt-1 whitespace-pre-wrap break-all font-mono">{r.expr}</pre>
                            </details>
                          </td>
                          {r.kind === "extra" ? (
                            <>
                              <td className="py-2 pr-2 text-xs text-muted-foreground max-sm:py-0">
                                <MobileLabel>Threshold</MobileLabel>in the expression
                              </td>
                              <td className="py-2 pr-2 max-sm:py-0">
                                <MobileLabel>For</MobileLabel>
                                {r.for}
                              </td>
                              <td className="py-2 pr-2 max-sm:py-0">
                                <MobileLabel>On</MobileLabel>
                                {r.enabled ? "yes" : "no"}
                              </td>
                            </>
                          ) : (
                            <>
                              <td className="py-2 pr-2 max-sm:py-0">
                                <MobileLabel>Threshold</MobileLabel>
                                <FormField
                                  control={form.control}
                                  name={`settings.rules.${r.key}.threshold`}
                                  render={({ field }) => (
                                    <FormItem>
                                      <FormControl>
                                        <Input {...field} inputMode="decimal" className="h-8 w-24" disabled={!canEdit} aria-label={`Threshold of ${name}`} />
                                      </FormControl>
                                      <p className="text-xs text-muted-foreground">
                                        {UNIT[r.unit ?? ""]}; generated {r.defaultThreshold}
                                      </p>
                                      <FormMessage />
                                    </FormItem>
                                  )}
                                />
                              </td>
                              <td className="py-2 pr-2 max-sm:py-0">
                                <MobileLabel>For</MobileLabel>
                                <FormField
                                  control={form.control}
                                  name={`settings.rules.${r.key}.for`}
                                  render={({ field }) => (
                                    <FormItem>
                                      <FormControl>
                                        <Input {...field} className="h-8 w-20" disabled={!canEdit} aria-label={`For of ${name}`} />
                                      </FormControl>
                                      <FormMessage />
                                    </FormItem>
                                  )}
                                />
                              </td>
                              <td className="py-2 pr-2 max-sm:py-0">
                                <MobileLabel>On</MobileLabel>
                                <FormField
                                  control={form.control}
                                  name={`settings.rules.${r.key}.enabled`}
                                  render={({ field }) => (
                                    <FormItem>
                                      <FormControl>
                                        <Switch checked={field.value} onCheckedChange={field.onChange} disabled={!canEdit} aria-label={`${name} on`} />
                                      </FormControl>
                                    </FormItem>
                                  )}
                                />
                              </td>
                            </>
                          )}
                          <td className="py-2 max-sm:col-span-3 max-sm:py-0">
                            <StateCell rule={r} />
                          </td>
                        </tr>
                      );
                    })}
                </tbody>
              </table>
            </CardContent>
          </Card>
        ))}

        <Card>
          <CardHeader>
            <CardTitle>Extra rules</CardTitle>
            <CardDescription>
              Your own PromQL, checked as you save. Wharf adds the environment&apos;s namespace to every selector, and the labels project, environment, severity
              and team.
            </CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4">
            {extraRules.fields.length === 0 && <p className="text-sm text-muted-foreground">No extra rules.</p>}
            {extraRules.fields.map((f, i) => (
              <fieldset key={f.id} className="grid gap-3 rounded-md border p-3 sm:grid-cols-2" aria-label={`Extra rule ${i + 1}`}>
                <FormField
                  control={form.control}
                  name={`settings.extra.${i}.alert`}
                  render={({ field }) => (
                    <FormItem className="sm:col-span-2">
                      <FormLabel>Alert name</FormLabel>
                      <FormControl>
                        <Input {...field} disabled={!canEdit} placeholder="CheckoutQueueBacklog" />
                      </FormControl>
                      <FormMessage />
                    </FormItem>
                  )}
                />
                <FormField
                  control={form.control}
                  name={`settings.extra.${i}.environments`}
                  render={({ field }) => {
                    const value = field.value.join(",");
                    return (
                      <FormItem>
                        <FormLabel>Environment</FormLabel>
                        <FormControl>
                          <NativeSelect
                            name={field.name}
                            ref={field.ref}
                            onBlur={field.onBlur}
                            value={value}
                            onChange={(e) => field.onChange(e.target.value ? (e.target.value.split(",") as EnvKind[]) : [])}
                            disabled={!canEdit}
                          >
                            <option value="">All environments</option>
                            {environments.map((env) => (
                              <option key={env} value={env}>
                                {env} only
                              </option>
                            ))}
                            {/* Saved through the API with several: kept as it is until changed here. */}
                            {value.includes(",") && <option value={value}>{field.value.join(" and ")}</option>}
                          </NativeSelect>
                        </FormControl>
                        <FormDescription>The rule reads that environment&apos;s namespace only.</FormDescription>
                        <FormMessage />
                      </FormItem>
                    );
                  }}
                />
                <div className="grid grid-cols-2 gap-3">
                  <FormField
                    control={form.control}
                    name={`settings.extra.${i}.for`}
                    render={({ field }) => (
                      <FormItem>
                        <FormLabel>For</FormLabel>
                        <FormControl>
                          <Input {...field} disabled={!canEdit} placeholder="5m" />
                        </FormControl>
                        <FormMessage />
                      </FormItem>
                    )}
                  />
                  <FormField
                    control={form.control}
                    name={`settings.extra.${i}.severity`}
                    render={({ field }) => (
                      <FormItem>
                        <FormLabel>Severity</FormLabel>
                        <FormControl>
                          <NativeSelect {...field} disabled={!canEdit}>
                            {SEVERITIES.map((s) => (
                              <option key={s} value={s}>
                                {s}
                              </option>
                            ))}
                          </NativeSelect>
                        </FormControl>
                        <FormMessage />
                      </FormItem>
                    )}
                  />
                </div>
                <FormField
                  control={form.control}
                  name={`settings.extra.${i}.expr`}
                  render={({ field }) => (
                    <FormItem className="sm:col-span-2">
                      <FormLabel>PromQL</FormLabel>
                      <FormControl>
                        <Textarea {...field} disabled={!canEdit} className="font-mono text-xs" rows={2} placeholder="sum(rate(http_requests_total[5m])) < 1" />
                      </FormControl>
                      <FormMessage />
                    </FormItem>
                  )}
                />
                <FormField
                  control={form.control}
                  name={`settings.extra.${i}.summary`}
                  render={({ field }) => (
                    <FormItem className="sm:col-span-2">
                      <FormLabel>Summary</FormLabel>
                      <FormControl>
                        <Input {...field} disabled={!canEdit} placeholder="Orders pile up in the queue" />
                      </FormControl>
                      <FormMessage />
                    </FormItem>
                  )}
                />
                <div className="flex items-center justify-between gap-2 sm:col-span-2">
                  <FormField
                    control={form.control}
                    name={`settings.extra.${i}.enabled`}
                    render={({ field }) => (
                      <FormItem className="flex items-center gap-2">
                        <FormControl>
                          <Switch checked={field.value} onCheckedChange={field.onChange} disabled={!canEdit} aria-label={`Extra rule ${i + 1} on`} />
                        </FormControl>
                        <FormLabel className="!mt-0 font-normal">On</FormLabel>
                      </FormItem>
                    )}
                  />
                  {canEdit && (
                    <Button type="button" variant="ghost" size="sm" onClick={() => extraRules.remove(i)}>
                      <Trash2 /> Remove
                    </Button>
                  )}
                </div>
              </fieldset>
            ))}
            {canEdit && (
              <Button
                type="button"
                variant="outline"
                className="justify-self-start"
                onClick={() =>
                  extraRules.append({
                    id: `rule-${Date.now().toString(36)}`,
                    alert: "",
                    expr: "",
                    for: "5m",
                    severity: "warning",
                    summary: "",
                    environments: [],
                    enabled: true,
                  })
                }
              >
                <Plus /> Add a rule
              </Button>
            )}
          </CardContent>
        </Card>

        <FormError error={save.formError} />
        {canEdit ? (
          <div className="flex justify-end">
            <Button type="submit" disabled={save.pending}>
              {save.pending && <Loader2 className="animate-spin" />} Save and deploy
            </Button>
          </div>
        ) : (
          <p className="text-sm text-muted-foreground">Owners and maintainers of the project change its rules.</p>
        )}
      </form>
    </Form>
  );
}
