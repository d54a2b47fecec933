import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { getConfigTab, type TabSearch } from "@/lib/config/tab-scope";
import { getWorkingCopy } from "@/lib/config/read";
import { listAccessKeys } from "@/lib/config/access-keys";
import { pageParams, pageRead } from "@/lib/http/page";
import { ConfigTabHeading } from "@/components/config/gray-heading";
import { SchemaEditor } from "@/components/config/schema-editor";
import { AccessKeys } from "@/components/config/access-keys";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export async function generateMetadata({ params }: { params: Promise<{ slug: string; service: string }> }): Promise<Metadata> {
  const p = await params;
  return { title: `Config settings · ${p.slug}/${p.service}` };
}

type Env = "dev" | "test" | "staging" | "prod";

/** A namespace's JSON Schema and the service's access keys. */
export default async function ConfigSettingsPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; service: string }>;
  searchParams: Promise<TabSearch>;
}) {
  const ctx = await requireCtx();
  const { slug, service } = await pageParams(params);
  const tab = await pageRead(getConfigTab(ctx, slug, service, await pageParams(searchParams)));
  if (!tab.ref || !tab.environment) {
    return (
      <>
        <ConfigTabHeading title="Settings" appId={tab.config.appId} environment={null} />
        <EmptyState title="No environment yet" description="Give the project an environment on its page; then its configuration has settings." />
      </>
    );
  }
  const [wc, keys] = await Promise.all([pageRead(getWorkingCopy(ctx, tab.ref)), pageRead(listAccessKeys(ctx, tab.config.service.id))]);
  const schemaText = wc.namespace.schema ? JSON.stringify(wc.namespace.schema, null, 2) : "";
  return (
    <>
      <ConfigTabHeading title="Settings" appId={tab.config.appId} environment={tab.environment} namespace={wc.namespace.name} />
      <div className="grid gap-6 xl:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>JSON Schema of {wc.namespace.name}</CardTitle>
            <CardDescription>
              {wc.namespace.public
                ? "A public namespace's schema is the team's: its lead sets it on the team page."
                : "Every edit of this namespace, in every environment and cluster, is checked against it; a value it forbids is refused at its key or line."}
            </CardDescription>
          </CardHeader>
          <CardContent>
            <SchemaEditor
              key={wc.namespace.version}
              namespace={{ id: wc.namespace.id, name: wc.namespace.name, version: wc.namespace.version }}
              initial={schemaText}
              canManage={tab.config.rights.manage && !wc.namespace.public}
            />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Access keys</CardTitle>
            <CardDescription>Apollo&apos;s access keys: only clients that sign with a secret read this service&apos;s configuration.</CardDescription>
          </CardHeader>
          <CardContent>
            <AccessKeys
              serviceId={tab.config.service.id}
              appId={tab.config.appId}
              keys={keys.map((k) => ({ ...k, environment: k.environment as Env }))}
              environments={tab.config.environments.map((e) => e.kind as Env)}
              current={tab.environment}
              canManage={tab.config.rights.manage}
            />
          </CardContent>
        </Card>
      </div>
    </>
  );
}
