import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { getConfigTab, type TabSearch } from "@/lib/config/tab-scope";
import { listConfigInstances } from "@/lib/config/read";
import { pageParams, pageRead } from "@/lib/http/page";
import { ConfigTabHeading } from "@/components/config/gray-heading";
import { InstancesList } from "@/components/config/instances-list";
import { EmptyState } from "@/components/ui/empty-state";

export async function generateMetadata({ params }: { params: Promise<{ slug: string; service: string }> }): Promise<Metadata> {
  const p = await params;
  return { title: `Config instances · ${p.slug}/${p.service}` };
}

/** Which instances hold which release of a service's namespace. */
export default async function InstancesPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; service: string }>;
  searchParams: Promise<TabSearch>;
}) {
  const ctx = await requireCtx();
  const { slug, service } = await pageParams(params);
  const tab = await pageRead(getConfigTab(ctx, slug, service, await pageParams(searchParams)));
  if (!tab.ref) {
    return (
      <>
        <ConfigTabHeading title="Instances" appId={tab.config.appId} environment={null} />
        <EmptyState title="No environment yet" description="Give the project an environment on its page; then its instances show here." />
      </>
    );
  }
  const initial = await pageRead(listConfigInstances(ctx, tab.ref));
  return (
    <>
      <ConfigTabHeading title="Instances" appId={tab.config.appId} environment={tab.environment} cluster={tab.cluster} namespace={tab.namespace?.name} />
      <InstancesList refInput={tab.ref} initial={{ ...initial, instances: initial.instances.map((i) => ({ ...i, lastSeenAt: i.lastSeenAt.toISOString() })) }} />
    </>
  );
}
