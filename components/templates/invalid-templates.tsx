/** For admins: template folders that cannot be used, each with its reasons and where it lives. */
import { TriangleAlert } from "lucide-react";
import type { InvalidTemplate } from "@/lib/templates/gallery";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";

export function InvalidTemplates({ invalid }: { invalid: InvalidTemplate[] }) {
  if (invalid.length === 0) return null;
  return (
    <section aria-labelledby="invalid-templates" className="mt-10 space-y-3">
      <div>
        <h2 id="invalid-templates" className="text-lg font-semibold tracking-tight">
          Templates that cannot be used ({invalid.length})
        </h2>
        <p className="text-sm text-muted-foreground">Only admins see this list. Fix the folder and reload the page: templates are read on every visit.</p>
      </div>
      {invalid.map((t) => (
        <Alert key={`${t.source}:${t.dir}`} variant="destructive" data-testid={`invalid-template-${t.id}`}>
          <TriangleAlert />
          <AlertTitle>
            {t.name ?? t.id} <span className="font-mono text-xs font-normal">({t.dir})</span>
          </AlertTitle>
          <AlertDescription>
            <ul className="list-disc space-y-0.5 pl-4">
              {t.errors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          </AlertDescription>
        </Alert>
      ))}
    </section>
  );
}
