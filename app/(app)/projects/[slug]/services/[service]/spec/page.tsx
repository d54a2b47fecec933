import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { notFound } from "next/navigation";
import { requireCtx } from "@/lib/access/session";
import { can, projectResource } from "@/lib/access/policy";
import { getProjectOverview } from "@/lib/catalog/projects";
import { listUserOptions } from "@/lib/catalog/users";
import { getServiceSpec } from "@/lib/deploy/specs";
import { PageHeader } from "@/components/shell/page-header";
import { Badge } from "@/components/ui/badge";
import { SpecEditor } from "@/components/deploy/spec-editor";
import { allowPage, pageParams, pageRead } from "@/lib/http/page";

type Params = { params: Promise<{ slug: string; service: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { slug, service } = await params;
  return { title: `Spec of ${slug}/${service}` };
}

export default async function ServiceSpecPage({ params }: Params) {
  const ctx = await requireCtx();
  const { slug, service: serviceSlug } = await pageParams(params);
  const project = await pageRead(getProjectOverview(ctx, slug), { hide: true });
  const service = project.services.find((s) => s.slug === serviceSlug);
  if (!service) notFound();
  const resource = projectResource(project.id);
  allowPage(can(ctx.actor, "deploy.read", resource));
  const canEdit = can(ctx.actor, "service.spec.update", resource) && project.lifecycle !== "archived";
  const current = await pageRead(getServiceSpec(ctx, service.id));
  const users = current.versions.length ? await listUserOptions(ctx) : [];
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  return (
    <>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            Spec of {service.name}
            <Badge variant="secondary">{service.kind}</Badge>
          </span>
        }
        description={
          <>
            <Link href={`/projects/${project.slug}`} className="hover:underline">
              {project.name}
            </Link>{" "}
            · <span className="font-mono">{service.slug}</span> · image, resources, probes, scaling and rollout, per environment.
          </>
        }
      />
      <SpecEditor
        service={{ id: service.id, slug: service.slug, name: service.name }}
        environments={project.environments.map((e) => e.kind)}
        version={current.version}
        spec={current.spec}
        fromTemplate={Boolean(project.templateId)}
        canEdit={canEdit}
        versions={current.versions.map((v) => ({
          version: v.version,
          comment: v.comment,
          createdAt: v.createdAt.toISOString(),
          author: v.createdById ? (nameOf.get(v.createdById) ?? "a former user") : "Wharf",
        }))}
      />
    </>
  );
}
