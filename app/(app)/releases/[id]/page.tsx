import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { getRelease } from "@/lib/deploy/observe";
import { isAppError } from "@/lib/errors";
import { PageHeader } from "@/components/shell/page-header";
import { ReleaseLive } from "@/components/deploy/release-live";

export const metadata: Metadata = { title: "Release" };

export default async function ReleasePage({ params }: { params: Promise<{ id: string }> }) {
  const ctx = await requireCtx();
  const { id } = await params;
  const view = await getRelease(ctx, id).catch((e) => {
    if (isAppError(e) && e.code === "NOT_FOUND") notFound();
    throw e;
  });
  const r = view.release;
  return (
    <>
      <PageHeader title={`${r.service.project.slug}/${r.service.slug} → ${r.environment}, release #${r.number}`} description="Each cluster's rollout, read live from the cluster." />
      <ReleaseLive initial={JSON.parse(JSON.stringify(view))} canRetry={can(ctx.actor, "provisioning.retry", platform)} />
    </>
  );
}
