"use client";

/** A project's silences in Alertmanager (from lib/alerting/silences.ts listSilences), with Expire for those who may. */
import { useRouter } from "next/navigation";
import { Loader2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Badge } from "@/components/ui/badge";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { useAction } from "@/components/forms/use-action";
import { expireSilenceAction } from "@/lib/alerting/silence-actions";

export interface SilenceRow {
  id: string;
  matchers: { name: string; op: string; value: string }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: "active" | "pending" | "expired" };
}

function ExpireButton({ projectId, id }: { projectId: string; id: string }) {
  const router = useRouter();
  const expire = useAction(expireSilenceAction, { success: "Silence expired", onSuccess: () => router.refresh() });
  return (
    <Button size="sm" variant="outline" disabled={expire.pending} onClick={() => void expire.run({ projectId, silenceId: id })}>
      {expire.pending && <Loader2 className="animate-spin" />} Expire
    </Button>
  );
}

export function SilenceList({ projectId, data }: { projectId: string; data: { ok: boolean; reason: string; silences: SilenceRow[]; canExpire?: boolean } }) {
  if (!data.ok) {
    return (
      <Alert>
        <AlertDescription>Silences cannot be read now: {data.reason}</AlertDescription>
      </Alert>
    );
  }
  if (!data.silences.length) return <p className="text-sm text-muted-foreground">No silences.</p>;
  return (
    <ul className="divide-y" aria-label="Silences">
      {data.silences.map((s) => (
        <li key={s.id} className="flex flex-wrap items-center gap-2 py-2">
          <Badge variant={s.status.state === "active" ? "default" : "secondary"}>{s.status.state}</Badge>
          <code className="min-w-0 flex-1 text-xs break-all">{s.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ")}</code>
          <span className="basis-full text-xs text-muted-foreground sm:basis-auto">
            until {new Date(s.endsAt).toLocaleString()} · {s.createdBy}: {s.comment}
          </span>
          {data.canExpire && s.status.state !== "expired" && <ExpireButton projectId={projectId} id={s.id} />}
        </li>
      ))}
    </ul>
  );
}
