/** One template in the gallery: icon, name, description, stack and the two ways forward. */
import Link from "@/components/ui/link";
import { ArrowRight, Cpu } from "lucide-react";
import type { Template } from "@/lib/templates/gallery";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { TemplateIcon } from "./template-icon";

export function onboardHref(id: string) {
  return `/projects/onboard?template=${encodeURIComponent(id)}`;
}

export function TemplateCard({ template }: { template: Template }) {
  const m = template.manifest;
  return (
    <Card className="h-full" data-testid={`template-${template.id}`}>
      <CardHeader>
        <div className="flex items-start gap-3">
          <div className="flex size-10 shrink-0 items-center justify-center rounded-lg bg-muted">
            <TemplateIcon name={m.icon} className="size-5" />
          </div>
          <div className="min-w-0 space-y-1">
            <CardTitle>
              <Link href={`/templates/${template.id}`} className="hover:underline">
                {m.name}
              </Link>
            </CardTitle>
            <CardDescription className="line-clamp-3">{m.description}</CardDescription>
          </div>
        </div>
      </CardHeader>
      <CardContent className="mt-auto space-y-3">
        <div className="flex flex-wrap gap-1.5">
          <Badge variant="secondary">{m.language}</Badge>
          <Badge variant="secondary">{m.framework}</Badge>
          {m.gpu && (
            <Badge variant="outline">
              <Cpu /> GPU flavour
            </Badge>
          )}
          {template.source === "extra" && <Badge variant="outline">custom</Badge>}
        </div>
        <p className="text-xs text-muted-foreground">
          {m.services.map((s) => `${s.slug} (${s.kind}${s.port ? `, :${s.port}` : ""})`).join(" · ")} · {m.parameters.length} parameters · v{m.version}
        </p>
      </CardContent>
      <CardFooter className="gap-2">
        <Button asChild size="sm">
          <Link href={onboardHref(template.id)}>
            Use this template <ArrowRight />
          </Link>
        </Button>
        <Button asChild size="sm" variant="outline">
          <Link href={`/templates/${template.id}`}>Details</Link>
        </Button>
      </CardFooter>
    </Card>
  );
}
