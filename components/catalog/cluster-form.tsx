"use client";

import { useMemo, useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { useForm, useWatch } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CheckCircle2, Copy, KeyRound, Loader2, PlugZap, ShieldAlert, Upload, XCircle } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Form, FormControl, FormDescription, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { Textarea } from "@/components/ui/textarea";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { FormError } from "@/components/forms/form-error";
import { SelectField, TextField } from "@/components/forms/fields";
import { useAction } from "@/components/forms/use-action";
import { CLUSTER_TIERS, ZClusterName } from "@/lib/catalog/schemas";
import { ZClusterPrometheusUrl } from "@/lib/monitoring/source-url";
import { registerClusterAction, testKubeconfigAction, updateClusterAction } from "@/lib/catalog/cluster-actions";
import { MissingPermissionsTable } from "./cluster-permissions";

const ZForm = z.object({
  name: z.string(),
  displayName: z.string().max(80),
  region: z.string().trim().min(1, { message: "Enter the region or data centre, e.g. us-east-1 or sh-dc2" }).max(60),
  tier: z.enum(CLUSTER_TIERS),
  kubeconfig: z.string().max(512 * 1024, { message: "At most 512 KiB" }),
  context: z.string(),
  prometheusUrl: ZClusterPrometheusUrl,
});
type TForm = z.infer<typeof ZForm>;

/** Context names read in the browser, for the picker; the server parses and checks the file again. */
function contextsOf(text: string): string[] {
  try {
    const doc = parseYaml(text) as { contexts?: { name?: string }[] } | null;
    return (doc?.contexts ?? []).map((c) => c.name ?? "").filter(Boolean);
  } catch {
    return [];
  }
}

type TestResult = Extract<Awaited<ReturnType<typeof testKubeconfigAction>>, { ok: true }>["data"];

/** The copyable manifest that grants what the credentials lack. */
function GrantManifest({ yaml }: { yaml: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <details className="w-full min-w-0">
      <summary className="cursor-pointer text-foreground">A ClusterRole (and binding) that grants them: apply it on the cluster</summary>
      <div className="relative mt-2 min-w-0">
        <pre data-testid="grant-manifest" className="max-h-72 overflow-auto rounded-md border bg-muted p-3 font-mono text-xs text-foreground">
          {yaml}
        </pre>
        <Button
          type="button"
          size="sm"
          variant="outline"
          className="absolute top-2 right-2"
          onClick={() => void navigator.clipboard.writeText(yaml).then(() => setCopied(true))}
        >
          <Copy /> {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </details>
  );
}

/** What "Test connection" found: reachable (and allowed), unreachable, credentials rejected, or permissions missing. */
function ConnectionResult({ test }: { test: TestResult }) {
  const who = test.identity ? (
    <>
      {" "}
      as <span className="font-mono break-all">{test.identity}</span>
    </>
  ) : null;
  if (test.status === "reachable") {
    return (
      <Alert data-testid="connection-result" data-status={test.status} className="[&>svg]:text-success">
        <CheckCircle2 />
        <AlertTitle>{`Reachable: Kubernetes ${test.version} in ${test.latencyMs} ms`}</AlertTitle>
        <AlertDescription>
          <p>
            {test.server} (context {test.context}). Signs in{who} and may do everything Wharf needs.
          </p>
        </AlertDescription>
      </Alert>
    );
  }
  if (test.status === "missing_permissions") {
    return (
      <Alert data-testid="connection-result" data-status={test.status} className="border-warning [&>svg]:text-warning">
        <ShieldAlert />
        <AlertTitle>Missing permissions</AlertTitle>
        {/* min-w-0: the manifest's long lines scroll in their box instead of widening the page */}
        <AlertDescription className="min-w-0">
          <p>
            The cluster accepts the credentials{who}, but Wharf needs these permissions in every namespace to provision and deploy. The cluster cannot be
            registered until they are granted.
          </p>
          <MissingPermissionsTable missing={test.missing} />
          {test.grant && <GrantManifest yaml={test.grant} />}
        </AlertDescription>
      </Alert>
    );
  }
  return (
    <Alert variant="destructive" data-testid="connection-result" data-status={test.status}>
      {test.status === "credentials_rejected" ? <KeyRound /> : <XCircle />}
      <AlertTitle>{test.status === "credentials_rejected" ? "Credentials rejected" : "Unreachable"}</AlertTitle>
      <AlertDescription>
        <p>{test.reason}</p>
      </AlertDescription>
    </Alert>
  );
}

interface Props {
  /** Editing a registered cluster: the kubeconfig field stays empty unless it is replaced (it is never shown back). */
  cluster?: {
    id: string;
    version: number;
    name: string;
    displayName: string;
    region: string;
    tier: (typeof CLUSTER_TIERS)[number];
    context: string;
    /** The cluster's own Prometheus; "" when it is read from WHARF_PROMETHEUS_URL. */
    prometheusUrl: string;
  };
}

export function ClusterForm({ cluster }: Props) {
  const router = useRouter();
  const form = useForm<TForm>({
    resolver: zodResolver(
      cluster
        ? ZForm
        : ZForm.extend({
            name: ZClusterName,
            kubeconfig: z
              .string()
              .min(1, { message: "Paste a kubeconfig or upload the file" })
              .max(512 * 1024, { message: "At most 512 KiB" }),
          }),
    ),
    defaultValues: cluster
      ? {
          name: cluster.name,
          displayName: cluster.displayName,
          region: cluster.region,
          tier: cluster.tier,
          kubeconfig: "",
          context: "",
          prometheusUrl: cluster.prometheusUrl,
        }
      : { name: "", displayName: "", region: "", tier: "shared", kubeconfig: "", context: "", prometheusUrl: "" },
  });
  const [test, setTest] = useState<TestResult | null>(null);
  const kubeconfig = useWatch({ control: form.control, name: "kubeconfig" });
  const contexts = useMemo(() => contextsOf(kubeconfig), [kubeconfig]);

  const tester = useAction(testKubeconfigAction, { form, onSuccess: (d) => setTest(d) });
  const register = useAction(registerClusterAction, {
    form,
    success: (d) => (d.status === "reachable" ? `${d.name} registered: reachable, ${d.version}` : `${d.name} registered, but unreachable`),
    onSuccess: (d) => router.push(`/clusters/${d.name}`),
  });
  const update = useAction(updateClusterAction, {
    form,
    success: "Saved",
    onSuccess: (d) => {
      router.push(`/clusters/${d.name}`);
      router.refresh();
    },
  });
  const pending = register.pending || update.pending;

  /** A new kubeconfig or context: what was said about the old one no longer holds. */
  function onInputChanged() {
    setTest(null);
    form.clearErrors(["kubeconfig", "context"]);
    tester.clearFormError();
    register.clearFormError();
    update.clearFormError();
  }

  async function onFile(file: File | undefined) {
    if (!file) return;
    onInputChanged();
    if (file.size > 512 * 1024) {
      form.setError("kubeconfig", { message: "This file is larger than 512 KiB; a kubeconfig is usually a few KiB." });
      return;
    }
    form.setValue("kubeconfig", await file.text(), { shouldDirty: true });
  }

  function onSubmit(v: TForm) {
    if (cluster)
      void update.run({
        id: cluster.id,
        version: cluster.version,
        displayName: v.displayName,
        region: v.region,
        tier: v.tier,
        kubeconfig: v.kubeconfig,
        context: v.context,
        prometheusUrl: v.prometheusUrl,
      });
    else void register.run(v);
  }

  return (
    <Form {...form}>
      <form onSubmit={form.handleSubmit(onSubmit)} className="grid max-w-3xl gap-6" noValidate>
        <div className="grid gap-6 md:grid-cols-2">
          <TextField
            control={form.control}
            name="name"
            label="Name"
            placeholder="prod-sh-1"
            disabled={Boolean(cluster)}
            autoComplete="off"
            description={cluster ? "The name cannot change." : "A DNS label: lowercase letters, digits and '-'."}
          />
          <TextField control={form.control} name="displayName" label="Display name" placeholder="Shanghai production 1" />
          <TextField control={form.control} name="region" label="Region or data centre" placeholder="us-east-1" />
          <SelectField control={form.control} name="tier" label="Tier" options={CLUSTER_TIERS} />
          {cluster && (
            <div className="md:col-span-2">
              <TextField
                control={form.control}
                name="prometheusUrl"
                label="Prometheus URL (optional)"
                placeholder="http://prometheus.monitoring:9090"
                autoComplete="off"
                description="This cluster's own Prometheus (or Thanos, Mimir, VictoriaMetrics), queried for its dashboards instead of the portal's. Leave empty to read it from the portal's Prometheus by its cluster label. Wharf only sends PromQL queries there, without credentials."
              />
            </div>
          )}
        </div>
        <FormField
          control={form.control}
          name="kubeconfig"
          render={({ field }) => (
            <FormItem>
              <div className="flex items-center justify-between">
                <FormLabel>Kubeconfig</FormLabel>
                <label className="inline-flex cursor-pointer items-center gap-1 text-sm text-primary hover:underline">
                  <Upload className="size-4" /> Upload file
                  <input type="file" className="sr-only" aria-label="Upload kubeconfig" onChange={(e) => void onFile(e.target.files?.[0])} />
                </label>
              </div>
              <FormControl>
                <Textarea
                  rows={10}
                  className="font-mono text-xs"
                  spellCheck={false}
                  placeholder={cluster ? "Leave empty to keep the stored kubeconfig (it is never shown)." : "apiVersion: v1\nkind: Config\nclusters: ..."}
                  {...field}
                  onChange={(e) => {
                    field.onChange(e);
                    onInputChanged();
                  }}
                />
              </FormControl>
              <FormDescription>
                Encrypted (AES-256-GCM) before it is stored and never shown again. Use a service-account token or client certificate; exec plugins cannot run on
                the portal. Test connection checks that the cluster accepts the credentials and that they may do what Wharf needs.
              </FormDescription>
              <FormMessage className="whitespace-pre-line" />
            </FormItem>
          )}
        />
        {contexts.length > 1 && (
          <FormField
            control={form.control}
            name="context"
            render={({ field }) => (
              <FormItem className="max-w-sm">
                <FormLabel>Context</FormLabel>
                <Select
                  value={field.value}
                  onValueChange={(v) => {
                    field.onChange(v);
                    onInputChanged();
                  }}
                >
                  <FormControl>
                    <SelectTrigger className="w-full">
                      <SelectValue placeholder="current-context" />
                    </SelectTrigger>
                  </FormControl>
                  <SelectContent>
                    {contexts.map((c) => (
                      <SelectItem key={c} value={c}>
                        {c}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
                <FormDescription>The kubeconfig has {contexts.length} contexts; only the chosen one is stored.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
        )}
        {test?.registeredAs && (
          <Alert variant="destructive" data-testid="already-registered">
            <XCircle />
            <AlertTitle>Already registered as {test.registeredAs}</AlertTitle>
            <AlertDescription>
              <p>
                This is the API server (same URL and certificate authority) of{" "}
                <Link href={`/clusters/${test.registeredAs}`} className="font-medium underline">
                  {test.registeredAs}
                </Link>
                . Registering it twice is refused: edit {test.registeredAs} to replace its kubeconfig.
              </p>
            </AlertDescription>
          </Alert>
        )}
        {test && <ConnectionResult test={test} />}
        <FormError error={register.formError ?? update.formError ?? tester.formError} />
        <div className="flex flex-wrap gap-2">
          <Button
            type="button"
            variant="outline"
            disabled={tester.pending || !kubeconfig.trim()}
            onClick={() => {
              // A new test replaces whatever was said about the kubeconfig before (a refused registration included).
              onInputChanged();
              void tester.run({ kubeconfig, context: form.getValues("context"), name: form.getValues("name") });
            }}
          >
            {tester.pending ? <Loader2 className="animate-spin" /> : <PlugZap />} Test connection
          </Button>
          <Button type="submit" disabled={pending}>
            {pending && <Loader2 className="animate-spin" />} {cluster ? "Save changes" : "Register cluster"}
          </Button>
        </div>
      </form>
    </Form>
  );
}
