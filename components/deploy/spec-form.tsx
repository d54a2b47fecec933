"use client";

/**
 * The form view of an application spec: the fields most services need, each
 * checked by ZAppSpec with its message at the field. Fields it does not show
 * (command, args, nodeSelector, tolerations) stay in the form's values, so
 * saving from the form keeps what was written in YAML.
 */
import { useId, useState } from "react";
import { get, useFieldArray, useFormContext, useFormState, useWatch, type ArrayPath, type Path } from "react-hook-form";
import { Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/checkbox";
import { FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { GPU_RESOURCE } from "@/lib/templates/wharf-spec";
import { decimalOrText, numberOrText } from "@/lib/deploy/spec-editing";
import { DEFAULT_OBJECTIVES, type EnvKind, type TAppSpecInput } from "@/lib/deploy/spec";

type V = TAppSpecInput;
/** Paths are built from prefixes (base or an environment's override), so they are checked as strings here. */
type Name = Path<V>;
const n = (path: string) => path as Name;

type Kind = "text" | "optional-text" | "number" | "number-or-text";

function toValue(kind: Kind, text: string): unknown {
  if (kind === "number") return text === "" ? undefined : Number(text);
  if (kind === "number-or-text") return text === "" ? undefined : numberOrText(text);
  if (kind === "optional-text") return text === "" ? undefined : text;
  return text;
}

function Field({
  name,
  label,
  kind = "text",
  description,
  placeholder,
  className,
  mono,
}: {
  name: string;
  label: string;
  kind?: Kind;
  description?: React.ReactNode;
  placeholder?: string;
  className?: string;
  mono?: boolean;
}) {
  const { control } = useFormContext<V>();
  return (
    <FormField
      control={control}
      name={n(name)}
      render={({ field }) => (
        <FormItem className={className}>
          <FormLabel>{label}</FormLabel>
          <FormControl>
            <Input
              name={field.name}
              ref={field.ref}
              onBlur={field.onBlur}
              value={field.value == null || (typeof field.value === "number" && Number.isNaN(field.value)) ? "" : String(field.value as string | number)}
              onChange={(e) => field.onChange(toValue(kind, e.target.value))}
              type={kind === "number" ? "number" : "text"}
              inputMode={kind === "number" ? "numeric" : undefined}
              placeholder={placeholder}
              autoComplete="off"
              className={cn(mono && "font-mono")}
            />
          </FormControl>
          {description && <FormDescription>{description}</FormDescription>}
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/**
 * A decimal (0.01, 0.5): the text typed stays as typed ("0." on the way to "0.05"), the form holds the number it
 * reads as, or the text when it is none (zod then says what to fix at the field).
 */
function DecimalField({ name, label, description, placeholder }: { name: string; label: string; description: React.ReactNode; placeholder: string }) {
  const { control } = useFormContext<V>();
  const value: unknown = useWatch({ control, name: n(name) });
  const shown = (v: unknown) => (v == null ? "" : String(v as string | number));
  const [text, setText] = useState(() => shown(value));
  const [seen, setSeen] = useState<unknown>(value);
  // A value set elsewhere (the YAML tab, a reset) replaces the text; the text's own value does not.
  if (value !== seen) {
    setSeen(value);
    if (decimalOrText(text) !== value && !(text.trim() === "" && value == null)) setText(shown(value));
  }
  return (
    <FormField
      control={control}
      name={n(name)}
      render={({ field }) => (
        <FormItem>
          <FormLabel>{label}</FormLabel>
          <FormControl>
            <Input
              name={field.name}
              ref={field.ref}
              onBlur={field.onBlur}
              value={text}
              onChange={(e) => {
                const next = e.target.value.trim() === "" ? undefined : decimalOrText(e.target.value);
                setText(e.target.value);
                setSeen(next);
                field.onChange(next);
              }}
              inputMode="decimal"
              placeholder={placeholder}
              autoComplete="off"
            />
          </FormControl>
          <FormDescription>{description}</FormDescription>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

function CheckField({ name, label, description }: { name: string; label: string; description?: React.ReactNode }) {
  const { control } = useFormContext<V>();
  return (
    <FormField
      control={control}
      name={n(name)}
      render={({ field }) => (
        <FormItem className="flex flex-row items-start gap-3">
          <FormControl>
            <Checkbox checked={field.value === true} onCheckedChange={(v) => field.onChange(v === true)} onBlur={field.onBlur} ref={field.ref} />
          </FormControl>
          <div className="grid gap-1">
            <FormLabel className="font-normal">{label}</FormLabel>
            {description && <FormDescription>{description}</FormDescription>}
            <FormMessage />
          </div>
        </FormItem>
      )}
    />
  );
}

/** A checkbox that adds or removes an optional part of the document. */
function Toggle({ label, checked, onChange, description }: { label: string; checked: boolean; onChange: (on: boolean) => void; description?: string }) {
  const id = useId();
  return (
    <div className="flex items-start gap-3">
      <Checkbox id={id} checked={checked} onCheckedChange={(v) => onChange(v === true)} />
      <div className="grid gap-1">
        <Label htmlFor={id} className="font-normal">
          {label}
        </Label>
        {description && <p className="text-sm text-muted-foreground">{description}</p>}
      </div>
    </div>
  );
}

/** A message of the document at a path no single input owns (an object's refinement, a GPU count). */
function PathError({ paths }: { paths: string[] }) {
  const { errors } = useFormState<V>();
  const message = paths.map((p) => (get(errors, p) as { message?: string } | undefined)?.message).find(Boolean);
  return message ? <p className="text-sm text-destructive">{message}</p> : null;
}

function Section({ title, description, children, className }: { title: string; description?: React.ReactNode; children: React.ReactNode; className?: string }) {
  return (
    <Card className={className}>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {description && <CardDescription>{description}</CardDescription>}
      </CardHeader>
      <CardContent className="grid gap-4">{children}</CardContent>
    </Card>
  );
}

function useSet() {
  const { setValue, formState } = useFormContext<V>();
  return (path: string, value: unknown) => setValue(n(path), value as never, { shouldDirty: true, shouldValidate: formState.isSubmitted });
}

function GpuField({ prefix }: { prefix: string }) {
  const { control, getValues } = useFormContext<V>();
  const set = useSet();
  const id = useId();
  const limits = useWatch({ control, name: n(`${prefix}.limits`) }) as Record<string, unknown> | undefined;
  const count = limits?.[GPU_RESOURCE];
  // Kubernetes takes extended resources in limits; a request, when given, must equal the limit: both are set together.
  function onChange(text: string) {
    for (const side of ["limits", "requests"]) {
      const list = { ...(getValues(n(`${prefix}.${side}`)) as Record<string, unknown>) };
      if (text === "" || text === "0") delete list[GPU_RESOURCE];
      else list[GPU_RESOURCE] = Number(text);
      set(`${prefix}.${side}`, list);
    }
  }
  return (
    <div className="grid gap-2">
      <Label htmlFor={id}>GPUs</Label>
      <Input
        id={id}
        type="number"
        min={0}
        step={1}
        inputMode="numeric"
        value={typeof count === "number" ? String(count) : ""}
        placeholder="0"
        onChange={(e) => onChange(e.target.value)}
      />
      <p className="font-mono text-xs text-muted-foreground">{GPU_RESOURCE}</p>
      <PathError paths={[`${prefix}.limits.${GPU_RESOURCE}`, `${prefix}.requests.${GPU_RESOURCE}`]} />
    </div>
  );
}

function ResourceFields({ prefix }: { prefix: string }) {
  return (
    <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
      <Field name={`${prefix}.requests.cpu`} label="CPU request" placeholder="100m" mono />
      <Field name={`${prefix}.limits.cpu`} label="CPU limit" placeholder="500m" mono />
      <Field name={`${prefix}.requests.memory`} label="Memory request" placeholder="128Mi" mono />
      <Field name={`${prefix}.limits.memory`} label="Memory limit" placeholder="512Mi" mono />
      <GpuField prefix={prefix} />
    </div>
  );
}

function RemoveRow({ onClick, label }: { onClick: () => void; label: string }) {
  return (
    <Button type="button" variant="ghost" size="icon" className="mt-[1.375rem]" onClick={onClick} aria-label={label}>
      <Trash2 />
    </Button>
  );
}

function PortsFields() {
  const { control } = useFormContext<V>();
  const { fields, append, remove } = useFieldArray({ control, name: "ports" });
  return (
    <>
      {fields.length === 0 && <p className="text-sm text-muted-foreground">No ports: the service is not reachable over the network (no Kubernetes Service).</p>}
      {fields.map((f, i) => (
        <div key={f.id} className="grid grid-cols-[1fr_1fr_8rem_auto] items-start gap-3">
          <Field name={`ports.${i}.name`} label="Name" placeholder="http" mono />
          <Field name={`ports.${i}.containerPort`} label="Container port" kind="number" placeholder="8080" />
          <FormField
            control={control}
            name={`ports.${i}.protocol`}
            render={({ field }) => (
              <FormItem>
                <FormLabel>Protocol</FormLabel>
                <FormControl>
                  <NativeSelect
                    value={field.value ?? "TCP"}
                    onChange={(e) => field.onChange(e.target.value)}
                    onBlur={field.onBlur}
                    name={field.name}
                    ref={field.ref}
                  >
                    <option value="TCP">TCP</option>
                    <option value="UDP">UDP</option>
                  </NativeSelect>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <RemoveRow onClick={() => remove(i)} label={`Remove port ${i + 1}`} />
        </div>
      ))}
      <div>
        <Button
          type="button"
          variant="outline"
          size="sm"
          onClick={() => append({ name: fields.length === 0 ? "http" : "", containerPort: 8080 + fields.length, protocol: "TCP" })}
        >
          <Plus /> Add port
        </Button>
      </div>
    </>
  );
}

function EnvFields({ name, empty }: { name: "env" | `overrides.${EnvKind}.env`; empty: string }) {
  const { control } = useFormContext<V>();
  const { fields, append, remove } = useFieldArray({ control, name: name as ArrayPath<V> as "env" });
  return (
    <>
      {fields.length === 0 && <p className="text-sm text-muted-foreground">{empty}</p>}
      {fields.map((f, i) => (
        <div key={f.id} className="grid grid-cols-[1fr_2fr_auto] items-start gap-3">
          <Field name={`${name}.${i}.name`} label="Name" placeholder="LOG_LEVEL" mono />
          <Field name={`${name}.${i}.value`} label="Value" placeholder="info" mono />
          <RemoveRow onClick={() => remove(i)} label={`Remove variable ${i + 1}`} />
        </div>
      ))}
      <div>
        <Button type="button" variant="outline" size="sm" onClick={() => append({ name: "", value: "" })}>
          <Plus /> Add variable
        </Button>
      </div>
    </>
  );
}

function ConfigFields() {
  const { control } = useFormContext<V>();
  const { fields, append, remove } = useFieldArray({ control, name: "config" });
  return (
    <>
      {fields.length === 0 && <p className="text-sm text-muted-foreground">No config references.</p>}
      {fields.map((f, i) => (
        <div key={f.id} className="grid grid-cols-[1fr_1fr_auto] items-start gap-3">
          <Field name={`config.${i}.name`} label="Config name" placeholder="checkout-settings" mono />
          <Field name={`config.${i}.mountPath`} label="Mount path" kind="optional-text" placeholder="/etc/app (optional)" mono />
          <RemoveRow onClick={() => remove(i)} label={`Remove config ${i + 1}`} />
        </div>
      ))}
      <div>
        <Button type="button" variant="outline" size="sm" onClick={() => append({ name: "" })}>
          <Plus /> Add config reference
        </Button>
      </div>
    </>
  );
}

const PROBES = [
  { key: "liveness", label: "Liveness", path: "/healthz", hint: "Restarts the container when it fails." },
  { key: "readiness", label: "Readiness", path: "/readyz", hint: "Takes the pod out of the Service while it fails." },
  { key: "startup", label: "Startup", path: "/healthz", hint: "Holds the other probes back until the app has started." },
] as const;

function ProbeFields({ probe }: { probe: (typeof PROBES)[number] }) {
  const { control, getValues } = useFormContext<V>();
  const set = useSet();
  const base = `probes.${probe.key}`;
  const value = useWatch({ control, name: n(base) }) as { httpGet?: unknown; tcpSocket?: unknown; exec?: unknown } | undefined;
  function toggle(on: boolean) {
    const port = getValues("ports")?.[0]?.name ?? 8080;
    set(base, on ? { httpGet: { path: probe.path, port }, initialDelaySeconds: 0, periodSeconds: 10 } : undefined);
  }
  return (
    <div className="grid gap-3 rounded-md border p-3">
      <Toggle label={`${probe.label} probe`} description={probe.hint} checked={value !== undefined} onChange={toggle} />
      {value?.httpGet !== undefined ? (
        <div className="grid gap-3 sm:grid-cols-4">
          <Field name={`${base}.httpGet.path`} label="HTTP path" placeholder={probe.path} mono />
          <Field name={`${base}.httpGet.port`} label="Port" kind="number-or-text" placeholder="http or 8080" mono />
          <Field name={`${base}.initialDelaySeconds`} label="Initial delay (s)" kind="number" placeholder="0" />
          <Field name={`${base}.periodSeconds`} label="Period (s)" kind="number" placeholder="10" />
        </div>
      ) : value !== undefined ? (
        <p className="text-sm text-muted-foreground">
          This probe uses {value.tcpSocket ? "tcpSocket" : value.exec ? "exec" : "no handler"}: edit it in the YAML tab.
        </p>
      ) : null}
      <PathError paths={[base]} />
    </div>
  );
}

function AutoscalingFields({ prefix, inheritNote }: { prefix: string; inheritNote?: string }) {
  const { control, getValues } = useFormContext<V>();
  const set = useSet();
  const value = useWatch({ control, name: n(prefix) }) as { enabled?: boolean } | undefined;
  const enabled = value !== undefined && value.enabled !== false;
  function toggle(on: boolean) {
    if (value) return set(`${prefix}.enabled`, on);
    const replicas = Math.max(Number(getValues("replicas") ?? 1) || 1, 1);
    set(prefix, { enabled: true, minReplicas: replicas, maxReplicas: replicas * 3, targetCPUUtilizationPercentage: 70 });
  }
  return (
    <>
      <Toggle
        label="Autoscale on CPU"
        description={inheritNote ?? "A HorizontalPodAutoscaler sets the replica count between the bounds."}
        checked={enabled}
        onChange={toggle}
      />
      {enabled && (
        <div className="grid gap-4 sm:grid-cols-3">
          <Field name={`${prefix}.minReplicas`} label="Min replicas" kind="number" />
          <Field name={`${prefix}.maxReplicas`} label="Max replicas" kind="number" />
          <Field name={`${prefix}.targetCPUUtilizationPercentage`} label="CPU target (%)" kind="number" />
        </div>
      )}
    </>
  );
}

function StrategyFields() {
  const { control } = useFormContext<V>();
  const set = useSet();
  const type = useWatch({ control, name: "strategy.type" }) ?? "RollingUpdate";
  const id = useId();
  return (
    <>
      <div className="grid max-w-xs gap-2">
        <Label htmlFor={id}>Strategy</Label>
        <NativeSelect
          id={id}
          value={type}
          onChange={(e) =>
            set(
              "strategy",
              e.target.value === "Recreate" ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
            )
          }
        >
          <option value="RollingUpdate">RollingUpdate</option>
          <option value="Recreate">Recreate (all old pods stop first: downtime)</option>
        </NativeSelect>
      </div>
      {type === "RollingUpdate" && (
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            name="strategy.rollingUpdate.maxUnavailable"
            label="Max unavailable"
            kind="number-or-text"
            placeholder="0"
            description="0 gives lossless upgrades: an old pod stops only when its replacement is ready."
          />
          <Field
            name="strategy.rollingUpdate.maxSurge"
            label="Max surge"
            kind="number-or-text"
            placeholder="25%"
            description="Extra pods allowed during the rollout (a count or a percentage)."
          />
        </div>
      )}
    </>
  );
}

function OverrideFields({ env, present }: { env: EnvKind; present: boolean }) {
  const { control, getValues } = useFormContext<V>();
  const set = useSet();
  const base = `overrides.${env}`;
  const value = useWatch({ control, name: n(base) }) as { resources?: unknown; autoscaling?: unknown } | undefined;
  const baseReplicas = useWatch({ control, name: "replicas" });
  function toggle(on: boolean) {
    const all = { ...(getValues("overrides") ?? {}) } as Record<string, unknown>;
    if (on) all[env] = {};
    else delete all[env];
    set("overrides", all);
  }
  return (
    <div className="grid gap-4 rounded-md border p-3">
      <div className="flex items-center gap-2">
        <Toggle label={`Override for ${env}`} checked={value !== undefined} onChange={toggle} />
        {!present && (
          <Badge variant="outline" className="text-muted-foreground">
            not an environment of this project
          </Badge>
        )}
      </div>
      {value !== undefined && (
        <>
          <Field name={`${base}.replicas`} label="Replicas" kind="number" placeholder={`inherits ${String(baseReplicas ?? 1)}`} className="max-w-40" />
          <Toggle
            label="Own resources"
            checked={value.resources !== undefined}
            onChange={(on) => set(`${base}.resources`, on ? structuredClone(getValues("resources")) : undefined)}
          />
          {value.resources !== undefined && <ResourceFields prefix={`${base}.resources`} />}
          <Toggle
            label="Own autoscaling"
            checked={value.autoscaling !== undefined}
            onChange={(on) =>
              set(
                `${base}.autoscaling`,
                on
                  ? structuredClone(getValues("autoscaling") ?? { enabled: false, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 70 })
                  : undefined,
              )
            }
          />
          {value.autoscaling !== undefined && <AutoscalingFields prefix={`${base}.autoscaling`} inheritNote={`Replaces the autoscaling above in ${env}.`} />}
          <div className="grid gap-3">
            <Label>Environment variables</Label>
            <EnvFields name={`overrides.${env}.env`} empty="None: the variables above apply. Variables added here replace those of the same name." />
          </div>
        </>
      )}
    </div>
  );
}

/** What the form does not show but keeps: edited in YAML. */
function KeptFromYaml() {
  const { control } = useFormContext<V>();
  const [command, args, nodeSelector, tolerations] = useWatch({ control, name: ["command", "args", "nodeSelector", "tolerations"] });
  const kept = [
    command?.length ? `command: ${command.join(" ")}` : null,
    args?.length ? `args: ${args.join(" ")}` : null,
    nodeSelector && Object.keys(nodeSelector).length
      ? `nodeSelector: ${Object.entries(nodeSelector)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`
      : null,
    tolerations?.length ? `tolerations: ${tolerations.length}` : null,
  ].filter(Boolean);
  return (
    <p className="text-sm text-muted-foreground" data-testid="kept-from-yaml">
      Command and args, node selector and tolerations are edited in the YAML tab; the form keeps them
      {kept.length ? <span className="font-mono">: {kept.join("; ")}</span> : " (none set)"}.
    </p>
  );
}

export function SpecForm({ environments, readOnly }: { environments: EnvKind[]; readOnly: boolean }) {
  const { control } = useFormContext<V>();
  const autoscaling = useWatch({ control, name: "autoscaling" });
  return (
    <fieldset disabled={readOnly} className="grid min-w-0 gap-6">
      <Section title="Workload" description="What runs, and how many of it.">
        <div className="grid gap-4 sm:grid-cols-[2fr_1fr]">
          <Field
            name="image.repository"
            label="Image repository"
            placeholder="registry.example.com/team/app"
            description="Without a tag: each release picks the tag."
            mono
          />
          <Field
            name="replicas"
            label="Replicas"
            kind="number"
            description={autoscaling?.enabled !== false && autoscaling ? "The autoscaler sets the count while it is on." : "Pods of the Deployment."}
          />
        </div>
        <KeptFromYaml />
      </Section>
      <Section title="Resources" description="Requests reserve capacity on a node; limits cap the container. GPUs are whole devices.">
        <ResourceFields prefix="resources" />
        <PathError paths={["resources", "resources.requests", "resources.limits"]} />
      </Section>
      <Section title="Ports" description="Named container ports; the Service exposes each under its name.">
        <PortsFields />
        <PathError paths={["ports"]} />
      </Section>
      <Section title="Environment variables" description="Plain values for every environment (secrets come from the config center).">
        <EnvFields name="env" empty="No variables. Wharf adds WHARF_ENVIRONMENT." />
      </Section>
      <Section
        title="Config references"
        description="Config-center entries the service uses. The config center fills them in later; here they are references by name."
      >
        <ConfigFields />
      </Section>
      <Section title="Health probes" description="How Kubernetes tells the app is alive, ready and started.">
        {PROBES.map((p) => (
          <ProbeFields key={p.key} probe={p} />
        ))}
      </Section>
      <Section title="Autoscaling">
        <AutoscalingFields prefix="autoscaling" />
        <PathError paths={["autoscaling"]} />
      </Section>
      <Section
        title="Objectives"
        description="What the service promises. Its alert rules fire above these (saving plans the rules again); empty fields take the defaults."
      >
        <div className="grid gap-4 sm:grid-cols-2">
          <DecimalField
            name="objectives.errorRatio"
            label="Error ratio objective"
            placeholder={String(DEFAULT_OBJECTIVES.errorRatio)}
            description={`Share of requests that may fail (5xx): 0.01 is 1%. Default ${DEFAULT_OBJECTIVES.errorRatio}.`}
          />
          <DecimalField
            name="objectives.latencyP99Seconds"
            label="Latency p99 objective (s)"
            placeholder={String(DEFAULT_OBJECTIVES.latencyP99Seconds)}
            description={`99% of requests answered within this many seconds. Default ${DEFAULT_OBJECTIVES.latencyP99Seconds}.`}
          />
        </div>
        <PathError paths={["objectives"]} />
      </Section>
      <Section title="Availability" description="Where replicas run and how many must stay up.">
        <div className="grid gap-4 sm:grid-cols-2">
          <CheckField name="spread.acrossNodes" label="Spread across nodes" description="One node going down takes few replicas with it." />
          <CheckField name="spread.acrossZones" label="Spread across zones" description="Where the cluster has zones." />
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            name="minAvailable"
            label="Min available (PodDisruptionBudget)"
            kind="number"
            description="Replicas kept up while nodes are drained; 0 = no budget."
          />
          <Field
            name="priorityClassName"
            label="Priority class"
            kind="optional-text"
            placeholder="(cluster default)"
            mono
            description="A PriorityClass of the cluster; higher priority evicts lower under pressure."
          />
        </div>
      </Section>
      <Section title="Shutdown" description="A preStop delay lets load balancers stop sending traffic before the app gets SIGTERM.">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field name="lifecycle.preStopDelaySeconds" label="preStop delay (s)" kind="number" />
          <Field name="terminationGracePeriodSeconds" label="Termination grace period (s)" kind="number" description="Must be longer than the preStop delay." />
        </div>
      </Section>
      <Section title="Rollout">
        <StrategyFields />
        <PathError paths={["strategy", "strategy.rollingUpdate"]} />
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            name="rollout.progressDeadlineSeconds"
            label="Progress deadline (s)"
            kind="number"
            description="A rollout that makes no progress for this long has failed."
          />
          <Field
            name="rollout.minReadySeconds"
            label="Ready before available (s)"
            kind="number"
            description="A new pod must stay ready this long before the rollout moves on: an image that crashes soon after start fails the rollout."
          />
          <CheckField name="rollout.autoRollback" label="Roll back automatically" description="When a rollout fails, go back to the last good release." />
        </div>
      </Section>
      <Section
        title="Per-environment overrides"
        description="Replicas, resources, autoscaling and variables that differ in one environment; everything else is shared."
      >
        {ENVIRONMENTS.map((env) => (
          <OverrideFields key={env} env={env} present={environments.includes(env)} />
        ))}
      </Section>
    </fieldset>
  );
}
