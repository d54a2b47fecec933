import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireCtx } from "@/lib/access/session";
import { diffReleases } from "@/lib/deploy/observe";
import { PageHeader } from "@/components/shell/page-header";
import { SideBySide } from "@/components/deploy/side-by-side";
import { pageParams, pageRead } from "@/lib/http/page";
import { tagOfImage } from "@/lib/deploy/image";

export const metadata: Metadata = { title: "Compare releases" };

export default async function DiffPage({ searchParams }: { searchParams: Promise<{ a?: string; b?: string }> }) {
  const ctx = await requireCtx();
  const { a, b } = await pageParams(searchParams);
  if (!a || !b) notFound();
  const d = await pageRead(diffReleases(ctx, a, b), { hide: true });
  const [older, newer] = d.a.number < d.b.number ? (["a", "b"] as const) : (["b", "a"] as const);
  const title = (k: "a" | "b") => `#${d[k].number} ${tagOfImage(d[k].image)} (spec v${d[k].specVersion})`;
  return (
    <>
      <PageHeader
        title={`Release #${d[older].number} → #${d[newer].number}`}
        description="What changed between two releases: the spec each deployed, and the manifests on each cluster."
      />
      <section className="mb-8 space-y-2">
        <h2 className="text-lg font-semibold">Spec</h2>
        <SideBySide left={d.spec[older]} right={d.spec[newer]} leftTitle={title(older)} rightTitle={title(newer)} />
      </section>
      {d.manifests.map((m) => (
        <section key={m.cluster} className="mb-8 space-y-2">
          <h2 className="text-lg font-semibold">Manifests on {m.cluster}</h2>
          <SideBySide left={m[older]} right={m[newer]} leftTitle={title(older)} rightTitle={title(newer)} />
        </section>
      ))}
    </>
  );
}
