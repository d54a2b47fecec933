import { roleGrants } from "@/lib/access/policy";
import { PRODUCTION } from "@/lib/catalog/environments";
import { getWorkingCopy, listConfigInstances } from "@/lib/config/read";
import { pageRead } from "@/lib/http/page";
import { EmptyState } from "@/components/ui/empty-state";
import { ItemsWorkspace } from "@/components/config/items-workspace";
import { loadConfigPage, type ConfigSearch } from "./load";

type Props = { params: Promise<{ slug: string; service: string }>; searchParams: Promise<ConfigSearch> };

/** Items: the chosen namespace's draft (table and text), its diff against the latest release, and publishing. */
export default async function ServiceConfigItemsPage({ params, searchParams }: Props) {
  const { ctx, project, service, config, environment, cluster, namespace } = await loadConfigPage(params, searchParams);
  if (!environment) {
    return <EmptyState title="No environment yet" description="Give the project an environment on its page; then this service has configuration." />;
  }
  const ref = { namespaceId: namespace.id, serviceId: service.id, environment: environment.kind, cluster };
  const [wc, instances] = await Promise.all([pageRead(getWorkingCopy(ctx, ref)), pageRead(listConfigInstances(ctx, ref))]);
  // Named for those who may edit but not publish: whom to ask.
  const publishers = [...new Map(project.members.filter((m) => roleGrants(m.role, "config.publish")).map((m) => [m.user.id, m.user.name])).values()];
  return (
    <ItemsWorkspace
      key={`${namespace.id}:${environment.kind}:${cluster}`}
      wc={wc}
      serviceId={service.id}
      base={`/projects/${project.slug}/services/${service.slug}`}
      choice={{ env: environment.kind, cluster }}
      namespaces={config.namespaces}
      linkable={config.linkable}
      canManage={config.rights.manage && project.lifecycle !== "archived"}
      production={environment.kind === PRODUCTION}
      publishers={publishers}
      instances={{ onLatest: instances.onLatest, total: instances.total }}
    />
  );
}
