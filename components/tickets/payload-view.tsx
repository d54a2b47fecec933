import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { describeQuota, quotaOf, type QuotaPreset } from "@/lib/provisioning/quota";

type Payload = Record<string, unknown>;

/** What was asked, per ticket type, in words; the raw request under it. */
export function PayloadView({
  type,
  payload,
  names,
}: {
  type: string;
  payload: Payload;
  names: { clusters: Record<string, string>; users: Record<string, string>; teams: Record<string, string> };
}) {
  const rows: [string, React.ReactNode][] = [];
  if (type === "onboarding") {
    const project = (payload.project ?? {}) as Payload;
    rows.push([
      "Template",
      <Badge key="t" variant="outline">
        {String(payload.templateId)}
      </Badge>,
    ]);
    rows.push(["Project", `${project.name} (${project.slug}), tier ${project.tier}`]);
    rows.push(["Team", names.teams[String(project.teamId)] ?? String(project.teamId)]);
    rows.push(["Owner", names.users[String(project.ownerId)] ?? String(project.ownerId)]);
    const envs = (payload.environments ?? []) as { kind: string; clusterIds: string[]; preset: string; gpu: number }[];
    rows.push([
      "Environments",
      <ul key="e" className="space-y-1">
        {envs.map((e) => (
          <li key={e.kind}>
            <span className="font-medium">{e.kind}</span> on {e.clusterIds.map((c) => names.clusters[c] ?? c).join(", ")} · {e.preset} (
            {describeQuota(quotaOf(e.preset as QuotaPreset, e.gpu))})
          </li>
        ))}
      </ul>,
    ]);
    const members = (payload.members ?? []) as { userId: string; role: string }[];
    if (members.length) rows.push(["Members", members.map((m) => `${names.users[m.userId] ?? m.userId} (${m.role})`).join(", ")]);
    const params = (payload.params ?? {}) as Payload;
    if (Object.keys(params).length)
      rows.push([
        "Parameters",
        Object.entries(params)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(", "),
      ]);
  } else if (type === "permission") {
    rows.push(["Who", String(payload.email)]);
    rows.push(["Role asked", <Badge key="r">{String(payload.role)}</Badge>]);
    rows.push(["Current role", String(payload.currentRole ?? "none")]);
    rows.push(["Why", String(payload.reason)]);
  } else if (type === "quota") {
    rows.push(["Environment", String(payload.environment)]);
    rows.push(["New quota", `${payload.preset}: ${payload.describe}`]);
    rows.push(["Why", String(payload.reason)]);
  } else if (type === "archive") {
    rows.push(["Why", String(payload.reason)]);
  }
  return (
    <div className="space-y-3">
      <dl className="grid grid-cols-[9rem_1fr] gap-x-4 gap-y-2 text-sm">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-muted-foreground">{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <details className="text-xs">
        <summary className="cursor-pointer text-muted-foreground">The request as submitted</summary>
        <pre className="mt-2 max-h-64 overflow-auto rounded bg-muted p-2">{JSON.stringify(payload, null, 2)}</pre>
      </details>
      {type === "onboarding" && (
        <p className="text-xs text-muted-foreground">
          See{" "}
          <Link className="underline" href="/templates">
            the template gallery
          </Link>{" "}
          for what the template generates.
        </p>
      )}
    </div>
  );
}
