import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { getConfigTab, type TabSearch } from "@/lib/config/tab-scope";
import { getGrayEditor } from "@/lib/config/gray-read";
import { pageParams, pageRead } from "@/lib/http/page";
import { ConfigTabHeading } from "@/components/config/gray-heading";
import { GrayEditor, GrayHistory } from "@/components/config/gray-editor";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export async function generateMetadata({ params }: { params: Promise<{ slug: string; service: string }> }): Promise<Metadata> {
  const p = await params;
  return { title: `Gray release · ${p.slug}/${p.service}` };
}

/** The gray release editor of a service's namespace (the working copy the config tabs' search params name). */
export default async function GrayPage({ params, searchParams }: { params: Promise<{ slug: string; service: string }>; searchParams: Promise<TabSearch> }) {
  const ctx = await requireCtx();
  const { slug, service } = await pageParams(params);
  const tab = await pageRead(getConfigTab(ctx, slug, service, await pageParams(searchParams)));
  if (!tab.ref) {
    return (
      <>
        <ConfigTabHeading title="Gray release" appId={tab.config.appId} environment={null} />
        <EmptyState title="No environment yet" description="Give the project an environment on its page; then its configuration can be released." />
      </>
    );
  }
  const data = await pageRead(getGrayEditor(ctx, tab.ref));
  return (
    <>
      <ConfigTabHeading title="Gray release" appId={data.appId} environment={data.environment} cluster={data.cluster} namespace={data.namespace.name} />
      <div className="space-y-6">
        <GrayEditor key={`${data.active?.id ?? "none"}-${data.active?.version ?? 0}-${data.main?.id ?? ""}`} data={data} refInput={tab.ref} />
        <Card>
          <CardHeader>
            <CardTitle>History</CardTitle>
          </CardHeader>
          <CardContent>
            <GrayHistory history={data.history} />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
