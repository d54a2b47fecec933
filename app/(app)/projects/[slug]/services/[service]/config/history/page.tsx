import type { Metadata } from "next";
import { PRODUCTION } from "@/lib/catalog/environments";
import { diffConfigReleases, getWorkingCopy, listConfigReleases } from "@/lib/config/read";
import { pageParams, pageRead } from "@/lib/http/page";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { DiffView } from "@/components/config/diff-view";
import { CompareForm, HistoryList } from "@/components/config/history-list";
import { loadConfigPage, type ConfigSearch } from "../load";

type Props = { params: Promise<{ slug: string; service: string }>; searchParams: Promise<ConfigSearch & { from?: string; to?: string }> };

export async function generateMetadata({ params }: Pick<Props, "params">): Promise<Metadata> {
  const { slug, service } = await params;
  return { title: `Config history of ${slug}/${service}` };
}

/** History: the releases of the chosen namespace, any two compared key by key, an earlier one restored. */
export default async function ServiceConfigHistoryPage({ params, searchParams }: Props) {
  const { ctx, service, environment, cluster, namespace } = await loadConfigPage(params, searchParams);
  if (!environment) return <EmptyState title="No environment yet" description="Give the project an environment on its page first." />;
  const { from, to } = await pageParams(searchParams);
  const ref = { namespaceId: namespace.id, serviceId: service.id, environment: environment.kind, cluster };
  const [releases, wc] = await Promise.all([pageRead(listConfigReleases(ctx, ref)), pageRead(getWorkingCopy(ctx, ref))]);
  const compared = from && to && from !== to ? await pageRead(diffConfigReleases(ctx, from, to)) : null;
  const where = `${environment.kind}${cluster === "default" ? "" : ` / ${cluster}`}`;
  if (releases.length === 0) {
    return (
      <EmptyState
        title={`No release of ${namespace.name} in ${where} yet`}
        description="Publish the draft under Items; every publish, restore and gray release is listed here."
      />
    );
  }
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <CardTitle>
            Releases of <span className="font-mono">{namespace.name}</span> in {where}
          </CardTitle>
          <CardDescription>Newest first. Restoring an earlier release publishes its values as a new release.</CardDescription>
        </CardHeader>
        <CardContent>
          <HistoryList
            releases={releases}
            canRestore={wc.rights.publish}
            production={environment.kind === PRODUCTION}
            where={where}
            from={from ?? null}
            to={to ?? null}
          />
        </CardContent>
      </Card>
      {releases.length > 1 && (
        <Card>
          <CardHeader>
            <CardTitle>Compare two releases</CardTitle>
            <CardDescription>Key by key: what the second changes from the first (secrets stay masked).</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            {/* Keyed by the newest release: a restore or publish meanwhile resets the default choice to the latest two. */}
            <CompareForm key={releases[0]!.id} releases={releases} from={from ?? null} to={to ?? null} />
            {compared && (
              <section aria-label={`Release #${compared.from.number} to #${compared.to.number}`} className="space-y-2">
                <h3 className="text-sm font-semibold">
                  #{compared.from.number} → #{compared.to.number}: {compared.summary}
                </h3>
                <DiffView changes={compared.changes} label="Compared releases" empty="The two releases hold the same values." />
              </section>
            )}
          </CardContent>
        </Card>
      )}
    </div>
  );
}
