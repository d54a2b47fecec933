import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { notFound } from "next/navigation";
import { ArrowRight, Cpu, TriangleAlert } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { isAppError } from "@/lib/errors";
import { getTemplate, sampleRenderValues } from "@/lib/templates/gallery";
import { renderTemplate } from "@/lib/templates/render";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage, pageParams } from "@/lib/http/page";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { CodePreview } from "@/components/templates/code-preview";
import { FileTree } from "@/components/templates/file-tree";
import { onboardHref } from "@/components/templates/template-card";
import { TemplateIcon } from "@/components/templates/template-icon";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Template ${(await params).id}` };
}

/** The files previewed, in this order, when the template renders them. */
const PREVIEW = ["wharf.yaml", "Dockerfile", ".tekton/pipeline.yaml", "Jenkinsfile", "README.md"];
const MAIN_SOURCE = /(^src\/server\.ts$|^app\/main\.py$|\/HelloController\.java$)/;

export default async function TemplatePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ flavour?: string }> }) {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "template.read", platform));
  const { id } = await pageParams(params);
  const gpu = (await pageParams(searchParams)).flavour === "gpu";
  let template;
  try {
    template = await getTemplate(ctx, id);
  } catch (e) {
    if (isAppError(e) && e.code === "NOT_FOUND") notFound();
    if (isAppError(e) && e.code === "PRECONDITION_FAILED") {
      return (
        <>
          <PageHeader title={`Template ${id}`} />
          <Alert variant="destructive">
            <TriangleAlert />
            <AlertTitle>This template cannot be used</AlertTitle>
            <AlertDescription>
              {e.userMessage}
              {can(ctx.actor, "template.manage", platform) && " The gallery lists its problems."}
            </AlertDescription>
          </Alert>
        </>
      );
    }
    throw e;
  }
  const m = template.manifest;
  const sample = sampleRenderValues(template, { gpu: m.gpu ? gpu : undefined });
  const files = renderTemplate(template, sample);
  const preview = [...PREVIEW.map((p) => files.find((f) => f.path === p)), files.find((f) => MAIN_SOURCE.test(f.path))].filter(
    (f): f is (typeof files)[number] => Boolean(f),
  );
  const r = m.resources;

  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            <TemplateIcon name={m.icon} className="size-6" />
            {m.name}
            <Badge variant="outline">v{m.version}</Badge>
          </span>
        }
        description={m.description}
        actions={
          <Button asChild>
            <Link href={onboardHref(template.id)}>
              Use this template <ArrowRight />
            </Link>
          </Button>
        }
      />
      <div className="mb-6 flex flex-wrap gap-1.5">
        <Badge variant="secondary">{m.language}</Badge>
        <Badge variant="secondary">{m.framework}</Badge>
        {m.gpu && (
          <Badge variant="outline">
            <Cpu /> GPU flavour available
          </Badge>
        )}
        {template.source === "extra" && <Badge variant="outline">custom</Badge>}
        {m.tags
          .filter((t) => t !== m.language && t !== m.framework)
          .map((t) => (
            <Badge key={t} variant="outline">
              {t}
            </Badge>
          ))}
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Parameters</CardTitle>
            <CardDescription>What the onboarding wizard asks for, with the defaults it suggests.</CardDescription>
          </CardHeader>
          <CardContent>
            {m.parameters.length === 0 ? (
              <p className="text-sm text-muted-foreground">This template has no parameters.</p>
            ) : (
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Parameter</TableHead>
                    <TableHead>Type</TableHead>
                    <TableHead>Default</TableHead>
                    <TableHead>Description</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {m.parameters.map((p) => (
                    <TableRow key={p.name}>
                      <TableCell>
                        <div className="font-medium">{p.label}</div>
                        <div className="font-mono text-xs text-muted-foreground">
                          {p.name}
                          {p.required && " · required"}
                        </div>
                      </TableCell>
                      <TableCell className="text-sm">{p.type === "enum" ? p.options!.join(" | ") : p.type}</TableCell>
                      <TableCell className="font-mono text-xs">{p.default === undefined ? "—" : String(p.default)}</TableCell>
                      <TableCell className="max-w-sm text-sm whitespace-normal text-muted-foreground">{p.description || "—"}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Services and defaults</CardTitle>
            <CardDescription>Per replica; the project can change them in wharf.yaml.</CardDescription>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
              <dt className="text-muted-foreground">Services</dt>
              <dd>{m.services.map((s) => `${s.slug} (${s.kind}${s.port ? `, port ${s.port}` : ""})`).join(", ")}</dd>
              <dt className="text-muted-foreground">Replicas</dt>
              <dd>
                {r.replicas} (autoscaling {r.autoscaling.minReplicas}–{r.autoscaling.maxReplicas} at {r.autoscaling.targetCPUUtilizationPercentage}% CPU)
              </dd>
              <dt className="text-muted-foreground">CPU</dt>
              <dd>
                {r.requests.cpu} requested, {r.limits.cpu} limit
              </dd>
              <dt className="text-muted-foreground">Memory</dt>
              <dd>
                {r.requests.memory} requested, {r.limits.memory} limit
              </dd>
              {m.gpu && (
                <>
                  <dt className="text-muted-foreground">GPU</dt>
                  <dd>{r.gpus} × nvidia.com/gpu in the GPU flavour</dd>
                </>
              )}
              <dt className="text-muted-foreground">Probes</dt>
              <dd className="font-mono text-xs">
                {r.probes.liveness}
                <br />
                {r.probes.readiness}
              </dd>
              <dt className="text-muted-foreground">Shutdown</dt>
              <dd>
                preStop {r.preStopDelaySeconds} s, grace {r.terminationGracePeriodSeconds} s
              </dd>
            </dl>
          </CardContent>
        </Card>
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>Files</CardTitle>
            <CardDescription>
              For a project <span className="font-mono">{sample.project.slug}</span> of team <span className="font-mono">{sample.project.team}</span>.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <FileTree files={files} highlighted={preview.map((f) => f.path)} />
          </CardContent>
        </Card>
        <Card className="min-w-0 lg:col-span-2">
          <CardHeader>
            <CardTitle>Preview</CardTitle>
            <CardDescription>
              Rendered with sample values{m.gpu ? (gpu ? ", GPU flavour" : ", CPU flavour") : ""}.
              {m.gpu && (
                <>
                  {" "}
                  <Link className="underline underline-offset-4" href={gpu ? `/templates/${template.id}` : `/templates/${template.id}?flavour=gpu`}>
                    Show the {gpu ? "CPU" : "GPU"} flavour
                  </Link>
                </>
              )}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <CodePreview files={preview} />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
