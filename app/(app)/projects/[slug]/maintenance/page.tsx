import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { listMaintenanceWindows } from "@/lib/alerting/maintenance";
import { pageParams, pageRead } from "@/lib/http/page";
import { PageHeader } from "@/components/shell/page-header";
import { MaintenanceWindows } from "@/components/alerting/maintenance-windows";

export const metadata: Metadata = { title: "Maintenance windows" };

export default async function MaintenancePage({ params }: { params: Promise<{ slug: string }> }) {
  const ctx = await requireCtx();
  const { slug } = await pageParams(params);
  const page = await pageRead(listMaintenanceWindows(ctx, slug));
  return (
    <>
      <PageHeader
        title={`Maintenance windows of ${page.project.name}`}
        description="Times when this project's alerts are not sent: planned work, backups, upgrades."
      />
      <MaintenanceWindows projectId={page.project.id} windows={page.windows} canEdit={page.canEdit} environments={page.project.environments} />
    </>
  );
}
