import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { knownError } from "@/lib/http/boundary";
import { pageParams, pageRead } from "@/lib/http/page";
import { runTrends, type DurationPoint } from "@/lib/ci/history";
import { BuildsTabs } from "@/components/ci/builds-tabs";
import { TrendsFilters } from "@/components/ci/trends-filters";
import { DurationChart, SuccessChart } from "@/components/ci/trend-charts";
import { PageHeader } from "@/components/shell/page-header";
import { TimeAgo } from "@/components/shell/time-ago";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  return { title: `Build trends of ${(await params).slug}` };
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function BuildTrendsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const search = await pageParams(searchParams);
  // A service or period no run can have (a hand-edited URL) shows the default view rather than failing.
  const wanted = { projectSlug: slug, service: first(search.service), days: first(search.days) };
  const t = await pageRead(
    runTrends(ctx, wanted).catch((e: unknown) => {
      const known = knownError(e);
      if (known?.code !== "INVALID_INPUT" || "projectSlug" in (known.fieldErrors ?? {})) throw e;
      return runTrends(ctx, { projectSlug: slug });
    }),
  );
  const totals = t.success.reduce((a, p) => ({ succeeded: a.succeeded + p.succeeded, failed: a.failed + p.failed }), { succeeded: 0, failed: 0 });
  const rate = totals.succeeded + totals.failed ? Math.round((totals.succeeded / (totals.succeeded + totals.failed)) * 1000) / 10 : null;
  const base = `/projects/${t.project.slug}/builds`;
  return (
    <>
      <PageHeader
        title={`Builds of ${t.project.name}`}
        description={`Trends of the last ${t.days} days${t.service ? `, service ${t.service}` : ""}: how long finished runs take, how often they succeed, which steps fail.`}
      />
      <BuildsTabs slug={t.project.slug} hide={t.rights.editSettings ? [] : ["settings"]} />
      <TrendsFilters services={t.project.services} service={t.service} days={t.days} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Duration</CardTitle>
            <CardDescription>p50 and p95 of succeeded and failed runs per day (start to end).</CardDescription>
          </CardHeader>
          <CardContent>
            <DurationChart points={t.durations} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Success rate</CardTitle>
            <CardDescription>
              {rate === null
                ? "No run finished in this period."
                : `${rate}% over the period (${totals.succeeded} succeeded, ${totals.failed} failed); cancelled runs do not count.`}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <SuccessChart points={t.success} />
          </CardContent>
        </Card>
        {!t.service && t.project.services.length > 1 && (
          <Card className="lg:col-span-2">
            <CardHeader>
              <CardTitle>Per service</CardTitle>
              <CardDescription>Duration p50 and p95 of each service&apos;s succeeded and failed runs over the whole period.</CardDescription>
            </CardHeader>
            <CardContent>
              <ServiceTable points={t.durations} />
            </CardContent>
          </Card>
        )}
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Steps that fail most</CardTitle>
            <CardDescription>Failed steps of failed runs in the period, with the last run each failed in.</CardDescription>
          </CardHeader>
          <CardContent>
            {t.failingSteps.length === 0 ? (
              <p className="text-sm text-muted-foreground">No step failed in this period.</p>
            ) : (
              <Table aria-label="Steps that fail most">
                <TableHeader>
                  <TableRow>
                    <TableHead>Task / step</TableHead>
                    <TableHead className="text-right">Failures</TableHead>
                    <TableHead>Last failure</TableHead>
                    <TableHead>Run</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {t.failingSteps.map((f) => (
                    <TableRow key={`${f.task}/${f.step}`}>
                      <TableCell className="font-mono text-xs">
                        {f.task} / {f.step}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{f.count}</TableCell>
                      <TableCell className="text-xs">
                        <TimeAgo date={f.lastFailedAt} />
                      </TableCell>
                      <TableCell>
                        <Link className="font-mono hover:underline" href={`${base}/${f.lastRunNumber}`}>
                          #{f.lastRunNumber}
                        </Link>
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>
      </div>
    </>
  );
}

function ServiceTable({ points }: { points: DurationPoint[] }) {
  // The rows of the whole period (day null), one per service.
  const rows = points.filter((p) => p.day === null && p.service !== null);
  if (rows.length === 0) return <p className="text-sm text-muted-foreground">No finished run in this period.</p>;
  const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  return (
    <Table aria-label="Durations per service">
      <TableHeader>
        <TableRow>
          <TableHead>Service</TableHead>
          <TableHead className="text-right">Finished runs</TableHead>
          <TableHead className="text-right">p50</TableHead>
          <TableHead className="text-right">p95</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.service}>
            <TableCell>{r.service}</TableCell>
            <TableCell className="text-right tabular-nums">{r.runs}</TableCell>
            <TableCell className="text-right tabular-nums">{s(r.p50Ms)}</TableCell>
            <TableCell className="text-right tabular-nums">{s(r.p95Ms)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
