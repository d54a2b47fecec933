/**
 * What the rules page says before the rules: whether monitoring is set up
 * and answering, what promtool said when the project's rule file was last
 * refused, which version Prometheus has, and the last deployment run.
 */
import Link from "@/components/ui/link";
import { AlertCircle, CheckCircle2, Info } from "lucide-react";
import type { RulesPage } from "@/lib/monitoring/rules-edit";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { StatusBadge } from "@/components/ui/status-badge";

export function RulesStatus({ page }: { page: RulesPage }) {
  const { status, file } = page;
  return (
    <div className="mb-4 grid gap-3">
      {status.state === "not_configured" && (
        <Alert role="status">
          <Info />
          <AlertTitle>Monitoring is not set up</AlertTitle>
          <AlertDescription>
            {status.message} The rules below are what Wharf would deploy. {status.install}
          </AlertDescription>
        </Alert>
      )}
      {status.state === "down" && (
        <Alert variant="destructive" role="alert">
          <AlertCircle />
          <AlertTitle>Monitoring is down</AlertTitle>
          <AlertDescription>{status.message}</AlertDescription>
        </Alert>
      )}
      {status.state === "up" && page.stateProblem && (
        <Alert variant="destructive" role="alert">
          <AlertCircle />
          <AlertTitle>Rule state unavailable</AlertTitle>
          <AlertDescription>{page.stateProblem}</AlertDescription>
        </Alert>
      )}
      <p className="text-sm" data-testid="rules-version">
        {page.version ? `Rules version ${page.version}` : "Rules as generated (no change saved yet)"}
      </p>
      {file.lastError ? (
        <Alert variant="destructive" role="alert" aria-label="promtool refused the rule file">
          <AlertCircle />
          <AlertTitle>promtool refused the last rule file: it was not written</AlertTitle>
          <AlertDescription>
            <pre className="mt-1 max-w-full overflow-x-auto whitespace-pre-wrap break-words font-mono text-xs">{file.lastError}</pre>
            <span className="block">
              Prometheus keeps the last accepted rules{file.writtenVersion ? ` (version ${file.writtenVersion})` : ""}.
              {file.lastErrorAt && ` Refused ${file.lastErrorAt.toISOString().replace("T", " ").slice(0, 16)} UTC.`}
            </span>
          </AlertDescription>
        </Alert>
      ) : (
        <p className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
          {file.writtenAt ? <CheckCircle2 className="size-4 text-emerald-600" aria-hidden /> : <Info className="size-4" aria-hidden />}
          {file.writtenAt
            ? `${file.name}: ${file.writtenVersion ? `version ${file.writtenVersion}` : "the generated rules"} loaded by Wharf's Prometheus since ${file.writtenAt.toISOString().replace("T", " ").slice(0, 16)} UTC.`
            : `${file.name}: not written yet (it is written at onboarding, when an environment is added and after each save).`}
          {page.lastRun && (
            <span className="flex items-center gap-1">
              Last deployment <StatusBadge status={page.lastRun.status} />
              <Link className="underline" href={`/projects/${page.project.slug}`}>
                in the project&apos;s activity
              </Link>
            </span>
          )}
        </p>
      )}
    </div>
  );
}
