import type { Metadata } from "next";
import { requireCtx } from "@/lib/access/session";
import { getRunPage } from "@/lib/ci/run-view";
import { env } from "@/lib/env";
import { pageParams, pageRead } from "@/lib/http/page";
import { RunDetail } from "@/components/ci/run-detail";

export async function generateMetadata({ params }: { params: Promise<{ slug: string; number: string }> }): Promise<Metadata> {
  const { slug, number } = await params;
  return { title: `Run #${number} · ${slug}` };
}

/** A CI run: its task graph, live step logs, results and promotions, with Cancel and Re-run for those allowed. */
export default async function RunPage({ params }: { params: Promise<{ slug: string; number: string }> }) {
  const ctx = await requireCtx();
  const { slug, number } = await pageParams(params);
  const page = await pageRead(getRunPage(ctx, slug, number), { hide: true });
  // A new key per run: navigating to a re-run starts its page (and its stream) afresh.
  return <RunDetail key={page.id} page={page} capBytes={env().WHARF_CI_LOG_CAP_BYTES} />;
}
