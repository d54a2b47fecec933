"use client";

/**
 * The gray release editor: a rule (labels as key=value rows, pod names, IPs,
 * a percentage) with the instances it selects right now, the changes (set or
 * delete keys, which Apollo's gray cannot: apolloconfig/apollo#4539), and
 * start / widen / merge / abandon behind dialogs that say what happens.
 * Those who may not publish see it read-only.
 */
import { useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { Loader2, Merge, Plus, Trash2, TriangleAlert, Undo2, Users, Rocket } from "lucide-react";
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { FieldErrors } from "@/components/forms/field-errors";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { abandonGrayAction, mergeGrayAction, startGrayAction, updateGrayAction } from "@/lib/config/gray-actions";
import type { GrayEditor as GrayEditorData } from "@/lib/config/gray-read";
import type { TGrayRule } from "@/lib/config/gray-rule";
import type { TSetRef } from "@/lib/config/schemas";
import { InstancesTable, useConfigInstances } from "./instances-table";

interface LabelRow {
  key: string;
  value: string;
}
interface ChangeRow {
  op: "set" | "delete";
  key: string;
  value: string;
  secret: boolean;
}

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** The rule as the editor holds it, or null while it selects nothing (no label, pod, IP or share). */
function ruleOf(labels: LabelRow[], pods: string, ips: string, percent: string): TGrayRule | null {
  const rule: TGrayRule = {
    labels: Object.fromEntries(labels.filter((l) => l.key.trim()).map((l) => [l.key.trim(), l.value.trim()])),
    pods: lines(pods),
    ips: lines(ips),
    percent: Number(percent) || 0,
  };
  return Object.keys(rule.labels).length || rule.pods.length || rule.ips.length || rule.percent ? rule : null;
}

function describe(rule: TGrayRule | null) {
  if (!rule) return "no instance";
  const parts = [
    ...Object.entries(rule.labels).map(([k, v]) => `${k}=${v}`),
    ...(rule.pods.length ? [`pods ${rule.pods.join(", ")}`] : []),
    ...(rule.ips.length ? [`IPs ${rule.ips.join(", ")}`] : []),
    ...(rule.percent ? [`${rule.percent}% of instances`] : []),
  ];
  return parts.join(" or ");
}

/** Field errors under a path prefix (`rule`, `changes`), flattened. */
function errorsUnder(fieldErrors: Record<string, string[]> | undefined, prefix: string) {
  return Object.entries(fieldErrors ?? {})
    .filter(([k]) => k === prefix || k.startsWith(`${prefix}.`))
    .flatMap(([k, v]) => v.map((m) => (k === prefix ? m : `${k.slice(prefix.length + 1)}: ${m}`)));
}

export function GrayEditor({ data, refInput }: { data: GrayEditorData; refInput: TSetRef }) {
  const router = useRouter();
  const active = data.active;
  const canPublish = data.rights.publish;
  const [labels, setLabels] = useState<LabelRow[]>(
    active
      ? Object.entries(active.rule.labels).map(([key, value]) => ({ key, value }))
      : // A suggestion for those who may start one; an empty row for those who only read.
        [canPublish ? { key: "track", value: "canary" } : { key: "", value: "" }],
  );
  const [pods, setPods] = useState(active ? active.rule.pods.join("\n") : "");
  const [ips, setIps] = useState(active ? active.rule.ips.join("\n") : "");
  const [percent, setPercent] = useState(active ? String(active.rule.percent || "") : "");
  const [changes, setChanges] = useState<ChangeRow[]>(
    active
      ? [
          ...active.changes.set.map((e) => ({ op: "set" as const, key: e.key, value: e.secret ? "" : e.value, secret: e.secret })),
          ...active.changes.delete.map((key) => ({ op: "delete" as const, key, value: "", secret: false })),
        ]
      : [{ op: "set", key: "", value: "", secret: false }],
  );
  const [comment, setComment] = useState("");
  const rule = useMemo(() => ruleOf(labels, pods, ips, percent), [labels, pods, ips, percent]);
  const preview = useConfigInstances(refInput, { rule });
  // While the rule's answer loads (or after it changed), the last answer stays on screen, marked as checking.
  const checking = preview.isPending || preview.isPlaceholderData;
  const instances = preview.data?.instances ?? data.instances.instances.map((i) => ({ ...i, matchesRule: false }));
  const selected = instances.filter((i) => i.matchesRule);
  const mainKeys = new Map((data.main?.entries ?? []).map((e) => [e.key, e]));

  const payloadChanges = {
    set: changes.filter((c) => c.op === "set" && c.key.trim()).map((c) => ({ key: c.key.trim(), value: c.value, comment: "", secret: c.secret })),
    delete: changes.filter((c) => c.op === "delete" && c.key.trim()).map((c) => c.key.trim()),
  };
  const refresh = () => router.refresh();
  const start = useAction(startGrayAction, { success: (d) => `Gray release #${d.releaseNumber} started`, onSuccess: refresh });
  const widen = useAction(updateGrayAction, { success: (d) => `Gray release changed: release #${d.releaseNumber}`, onSuccess: refresh });
  const merge = useAction(mergeGrayAction, {
    success: (d) => (d.status === "pending_approval" ? `The merge waits for approval (ticket #${d.ticketNumber})` : `Merged: main release #${d.releaseNumber}`),
    onSuccess: (d) => (d.status === "pending_approval" && d.ticketNumber ? router.push(`/tickets/${d.ticketNumber}`) : refresh()),
  });
  const abandon = useAction(abandonGrayAction, { success: "Gray release abandoned: its instances are back on the main release", onSuccess: refresh });
  const error = start.formError ?? widen.formError ?? merge.formError ?? abandon.formError;
  const pending = start.pending || widen.pending || merge.pending || abandon.pending;
  const where = `${data.appId} ${data.environment}${data.cluster === "default" ? "" : ` (${data.cluster})`} ${data.namespace.name}`;
  const summary = [
    payloadChanges.set.length ? `sets ${payloadChanges.set.map((e) => e.key).join(", ")}` : "",
    payloadChanges.delete.length ? `deletes ${payloadChanges.delete.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  const readOnly = !canPublish;

  if (!data.main) {
    return (
      <Alert>
        <TriangleAlert />
        <AlertTitle>No main release yet</AlertTitle>
        <AlertDescription>A gray release changes the main release for some instances: publish {data.namespace.name} on the Items tab first.</AlertDescription>
      </Alert>
    );
  }

  return (
    <div className="space-y-6">
      {active && (
        <Alert data-testid="gray-active">
          <Users />
          <AlertTitle>A gray release is active: {active.description}</AlertTitle>
          <AlertDescription>
            Started by {active.author}; its instances hold release #{active.releases.at(-1)?.number}, the others main release #{data.main.number}.
          </AlertDescription>
        </Alert>
      )}
      <div className="grid gap-6 2xl:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Rule</CardTitle>
            <CardDescription>Which instances get the gray release: all labels match, or a listed pod or IP, or a stable share of instances.</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <fieldset className="space-y-2" disabled={readOnly}>
              <legend className="text-sm font-medium">Pod labels</legend>
              {labels.map((l, i) => (
                <div key={i} className="flex items-center gap-2">
                  <Input
                    aria-label={`Label ${i + 1} key`}
                    value={l.key}
                    placeholder="track"
                    className="font-mono"
                    onChange={(e) => setLabels(labels.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
                  />
                  <span aria-hidden>=</span>
                  <Input
                    aria-label={`Label ${i + 1} value`}
                    value={l.value}
                    placeholder="canary"
                    className="font-mono"
                    onChange={(e) => setLabels(labels.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
                  />
                  {!readOnly && (
                    <Button
                      type="button"
                      size="icon"
                      variant="ghost"
                      aria-label={`Remove label ${i + 1}`}
                      onClick={() => setLabels(labels.filter((_, j) => j !== i))}
                    >
                      <Trash2 />
                    </Button>
                  )}
                </div>
              ))}
              {!readOnly && (
                <Button type="button" size="sm" variant="outline" onClick={() => setLabels([...labels, { key: "", value: "" }])}>
                  <Plus /> Add a label
                </Button>
              )}
            </fieldset>
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="space-y-1">
                <Label htmlFor="gray-pods">Pod names (one per line)</Label>
                <Textarea id="gray-pods" rows={2} className="font-mono" value={pods} disabled={readOnly} onChange={(e) => setPods(e.target.value)} />
              </div>
              <div className="space-y-1">
                <Label htmlFor="gray-ips">IPs (one per line)</Label>
                <Textarea id="gray-ips" rows={2} className="font-mono" value={ips} disabled={readOnly} onChange={(e) => setIps(e.target.value)} />
              </div>
            </div>
            <div className="space-y-1">
              <Label htmlFor="gray-percent">Share of instances (%)</Label>
              <Input
                id="gray-percent"
                type="number"
                min={0}
                max={100}
                className="w-32"
                value={percent}
                disabled={readOnly}
                onChange={(e) => setPercent(e.target.value)}
              />
            </div>
            <FieldErrors label="the rule" errors={errorsUnder(error?.fieldErrors, "rule")} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Instances it selects now</CardTitle>
            <CardDescription>
              {rule ? `${describe(rule)}: ` : ""}
              <span data-testid="gray-match-count">
                {selected.length} of {instances.length} instance{instances.length === 1 ? "" : "s"} seen in the last hour
              </span>
            </CardDescription>
          </CardHeader>
          <CardContent className="space-y-3">
            {preview.isError && (
              <Alert variant="destructive">
                <TriangleAlert />
                <AlertTitle>The instances could not be read</AlertTitle>
                <AlertDescription>{preview.error.message}</AlertDescription>
              </Alert>
            )}
            {!rule ? (
              <p className="text-sm text-muted-foreground">Give a label, a pod, an IP or a share to see which instances the rule selects.</p>
            ) : checking ? (
              <p className="text-sm text-muted-foreground" aria-live="polite">
                Checking which instances the rule selects…
              </p>
            ) : (
              selected.length === 0 && (
                <Alert className="border-warning" data-testid="gray-no-match">
                  <TriangleAlert className="text-warning" />
                  <AlertTitle>This rule selects no instance right now</AlertTitle>
                  <AlertDescription>
                    You can still start it: instances that match later (a canary pod that starts) get the gray release at once.
                  </AlertDescription>
                </Alert>
              )
            )}
            {instances.length > 0 ? (
              <InstancesTable instances={instances} showRule caption="Instances and the rule" />
            ) : (
              <p className="text-sm text-muted-foreground">No instance has read this namespace in the last hour.</p>
            )}
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Changes</CardTitle>
          <CardDescription>
            What selected instances see instead of main release #{data.main.number}: keys set (changed or new) and keys deleted.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          <datalist id="gray-main-keys">
            {[...mainKeys.keys()].map((k) => (
              <option key={k} value={k} />
            ))}
          </datalist>
          <fieldset className="space-y-3" disabled={readOnly}>
            {changes.map((c, i) => {
              const main = mainKeys.get(c.key.trim());
              return (
                <div key={i} className="grid gap-2 rounded-md border p-3 sm:grid-cols-[8rem_1fr_1fr_auto] sm:items-start" data-testid={`gray-change-${i}`}>
                  <NativeSelect
                    aria-label={`Change ${i + 1}`}
                    value={c.op}
                    onChange={(e) => setChanges(changes.map((x, j) => (j === i ? { ...x, op: e.target.value as ChangeRow["op"] } : x)))}
                  >
                    <option value="set">set</option>
                    <option value="delete">delete</option>
                  </NativeSelect>
                  <div className="space-y-1">
                    <Input
                      aria-label={`Change ${i + 1} key`}
                      list="gray-main-keys"
                      placeholder="key"
                      className="font-mono"
                      value={c.key}
                      onChange={(e) => setChanges(changes.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
                    />
                    <p className="text-xs break-all text-muted-foreground">
                      {c.key.trim() ? (main ? `main: ${main.value}` : c.op === "delete" ? "not in the main release" : "a new key") : ""}
                    </p>
                  </div>
                  {c.op === "set" ? (
                    <Input
                      aria-label={`Change ${i + 1} value`}
                      placeholder={c.secret ? "secret value (enter it again)" : "value"}
                      className="font-mono"
                      value={c.value}
                      onChange={(e) => setChanges(changes.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
                    />
                  ) : (
                    <p className="self-center text-sm text-muted-foreground">Selected instances no longer see this key.</p>
                  )}
                  {!readOnly && (
                    <Button
                      type="button"
                      size="icon"
                      variant="ghost"
                      aria-label={`Remove change ${i + 1}`}
                      onClick={() => setChanges(changes.filter((_, j) => j !== i))}
                    >
                      <Trash2 />
                    </Button>
                  )}
                </div>
              );
            })}
          </fieldset>
          {!readOnly && (
            <Button type="button" size="sm" variant="outline" onClick={() => setChanges([...changes, { op: "set", key: "", value: "", secret: false }])}>
              <Plus /> Add a change
            </Button>
          )}
          <FieldErrors label="the changes" errors={errorsUnder(error?.fieldErrors, "changes")} />
        </CardContent>
      </Card>
      {readOnly ? (
        <Alert data-testid="gray-read-only">
          <Users />
          <AlertTitle>A maintainer does this</AlertTitle>
          <AlertDescription>
            Starting, widening, merging and abandoning a gray release is for those who publish this service&apos;s configuration (its owner and maintainers).
          </AlertDescription>
        </Alert>
      ) : (
        <Card>
          <CardContent className="space-y-3">
            <div className="space-y-1">
              <Label htmlFor="gray-comment">{active ? "Comment (optional)" : "What the gray release tries"}</Label>
              <Input
                id="gray-comment"
                value={comment}
                placeholder={active ? "Widen to half of the instances" : "Try the new greeting on canaries"}
                onChange={(e) => setComment(e.target.value)}
                aria-invalid={Boolean(error?.fieldErrors?.comment)}
              />
              <FieldErrors label="the comment" errors={error?.fieldErrors?.comment} />
            </div>
            <FormError error={error && !error.fieldErrors ? error : null} />
            <div className="flex flex-wrap gap-2">
              {!active ? (
                <Confirm
                  trigger={
                    <>
                      <Rocket /> Start gray release
                    </>
                  }
                  title={`Start a gray release of ${where}?`}
                  description={`Selected instances (${describe(rule)}; ${selected.length} now) get main release #${data.main.number} with these changes: ${summary || "none yet"}. Every other instance keeps release #${data.main.number}.`}
                  action="Start"
                  pending={pending}
                  disabled={!rule}
                  onConfirm={() =>
                    void start.run({ ...refInput, rule: rule ?? { labels: {}, pods: [], ips: [], percent: 0 }, changes: payloadChanges, comment })
                  }
                />
              ) : (
                <>
                  <Confirm
                    trigger={
                      <>
                        <Users /> Widen
                      </>
                    }
                    title="Release the gray release again with this rule and these changes?"
                    description={`From now on ${describe(rule)} (${selected.length} instance${selected.length === 1 ? "" : "s"} now) get main release #${data.main.number} with: ${summary || "no change"}. Instances the rule no longer selects return to the main release.`}
                    action="Widen"
                    pending={pending}
                    disabled={!rule}
                    onConfirm={() => void widen.run({ grayId: active.id, version: active.version, rule: rule ?? undefined, changes: payloadChanges, comment })}
                  />
                  <Confirm
                    trigger={
                      <>
                        <Merge /> Merge
                      </>
                    }
                    title={`Merge the gray release into ${where}?`}
                    description={`Its changes (${describe(active.rule)}: ${[
                      active.changes.set.length ? `sets ${active.changes.set.map((e) => e.key).join(", ")}` : "",
                      active.changes.delete.length ? `deletes ${active.changes.delete.join(", ")}` : "",
                    ]
                      .filter(Boolean)
                      .join(" and ")}) become a new main release that every instance gets, and the draft. The gray release ends.${
                      data.environment === "prod" ? " In production this may wait for an approval by ops." : ""
                    }`}
                    action="Merge"
                    pending={pending}
                    onConfirm={() => void merge.run({ grayId: active.id, version: active.version, comment })}
                  />
                  <Confirm
                    trigger={
                      <>
                        <Undo2 /> Abandon
                      </>
                    }
                    title="Abandon the gray release?"
                    description={`Its instances (${active.description}) return to main release #${data.main.number} at once; its changes are dropped (they stay in the history below).`}
                    action="Abandon"
                    destructive
                    pending={pending}
                    onConfirm={() => void abandon.run({ grayId: active.id, version: active.version, comment })}
                  />
                </>
              )}
            </div>
          </CardContent>
        </Card>
      )}
    </div>
  );
}

function Confirm({
  trigger,
  title,
  description,
  action,
  onConfirm,
  pending,
  disabled = false,
  destructive = false,
}: {
  trigger: React.ReactNode;
  title: string;
  description: string;
  action: string;
  onConfirm: () => void;
  pending: boolean;
  disabled?: boolean;
  destructive?: boolean;
}) {
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button variant={destructive ? "outline" : "default"} disabled={pending || disabled}>
          {pending ? <Loader2 className="animate-spin" /> : null}
          {trigger}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>{title}</AlertDialogTitle>
          <AlertDialogDescription>{description}</AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={onConfirm}>{action}</AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/** Every gray release of the working copy, newest first: rule, changes, who, when, its releases and how it ended. */
export function GrayHistory({ history }: { history: GrayEditorData["history"] }) {
  if (!history.length) return <p className="text-sm text-muted-foreground">No gray release yet.</p>;
  return (
    <ol className="space-y-3" aria-label="Gray release history">
      {history.map((g) => (
        <li key={g.id} className="rounded-md border p-3 text-sm" data-testid={`gray-history-${g.status}`}>
          <div className="flex flex-wrap items-center gap-2">
            <Badge variant={g.status === "active" ? "default" : g.status === "merged" ? "secondary" : "outline"}>{g.status}</Badge>
            <span className="font-mono break-all">{g.description}</span>
          </div>
          <p className="mt-1 text-muted-foreground">
            {[
              g.changes.set.length ? `sets ${g.changes.set.map((e) => e.key).join(", ")}` : "",
              g.changes.delete.length ? `deletes ${g.changes.delete.join(", ")}` : "",
            ]
              .filter(Boolean)
              .join(" · ")}
          </p>
          <p className="text-muted-foreground">
            Started by {g.author} on {new Date(g.startedAt).toISOString().slice(0, 16).replace("T", " ")} UTC
            {g.endedAt ? `; ${g.status} ${new Date(g.endedAt).toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}
          </p>
          <ul className="mt-1 list-disc pl-5">
            {g.releases.map((r) => (
              <li key={r.id}>
                release #{r.number} by {r.author}
                {r.comment ? `: ${r.comment}` : ""}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
