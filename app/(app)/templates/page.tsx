import type { Metadata } from "next";
import { LayoutTemplate } from "lucide-react";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { defaultTemplateDirs, listTemplates } from "@/lib/templates/gallery";
import { PageHeader } from "@/components/shell/page-header";
import { allowPage } from "@/lib/http/page";
import { EmptyState } from "@/components/ui/empty-state";
import { InvalidTemplates } from "@/components/templates/invalid-templates";
import { TemplateCard } from "@/components/templates/template-card";

export const metadata: Metadata = { title: "Templates" };

export default async function TemplatesPage() {
  const ctx = await requireCtx();
  allowPage(can(ctx.actor, "template.read", platform));
  const { templates, invalid } = await listTemplates(ctx);
  const canManage = can(ctx.actor, "template.manage", platform);
  const dirs = canManage ? defaultTemplateDirs() : null;
  return (
    <>
      <PageHeader
        title="Templates"
        description="Start a project from a template: working code with health checks and graceful shutdown, a Dockerfile, CI pipelines and the deployment spec, committed on day one."
      />
      {templates.length === 0 ? (
        <EmptyState
          icon={LayoutTemplate}
          title="No templates yet"
          description={
            canManage
              ? "Add a folder with a template.yaml and files/ to the templates directory; see docs/templates.md."
              : "An admin adds templates; ask them for the stack you need."
          }
        />
      ) : (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {templates.map((t) => (
            <TemplateCard key={t.id} template={t} />
          ))}
        </div>
      )}
      {canManage && <InvalidTemplates invalid={invalid} />}
      {dirs && (
        <p className="mt-8 text-xs text-muted-foreground">
          Read from <span className="font-mono">{dirs.builtin}</span>
          {dirs.extra ? (
            <>
              {" "}
              and <span className="font-mono">{dirs.extra}</span> (WHARF_TEMPLATES_DIR)
            </>
          ) : (
            "; set WHARF_TEMPLATES_DIR to add your own"
          )}
          . See docs/templates.md for the format.
        </p>
      )}
    </>
  );
}
