"use client";

import { useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { GitCompare, Loader2, RotateCcw, RotateCw, Rocket, Skull, Undo2 } from "lucide-react";
import { Button, buttonVariants } from "@/components/ui/button";
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
import { Input } from "@/components/ui/input";
import { Checkbox } from "@/components/ui/checkbox";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { StatusBadge } from "@/components/ui/status-badge";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { createReleaseAction, killPodAction, restartAction, restoreAction, rollbackAction } from "@/lib/deploy/actions";
import { createReleaseWithSilenceAction } from "@/lib/alerting/silence-actions";

type Env = "dev" | "test" | "staging" | "prod";

function useGoToRelease() {
  const router = useRouter();
  return (d: { id: string; status: string; ticketNumber: number | null }) =>
    router.push(d.status === "pending_approval" && d.ticketNumber ? `/tickets/${d.ticketNumber}` : `/releases/${d.id}`);
}

export function DeployForm({
  serviceId,
  environment,
  knownTags,
  specVersion,
}: {
  serviceId: string;
  environment: Env;
  knownTags: string[];
  specVersion: number;
}) {
  const [tag, setTag] = useState("");
  const [strategy, setStrategy] = useState<"all_at_once" | "one_cluster_first">("all_at_once");
  const go = useGoToRelease();
  const started = (d: { number: number; status: string; ticketNumber: number | null }) =>
    d.status === "pending_approval" ? `Release #${d.number} waits for approval (ticket #${d.ticketNumber})` : `Release #${d.number} started`;
  const plain = useAction(createReleaseAction, { success: started, onSuccess: go });
  // "Silence this service's alerts for the release window" (lib/alerting/silences.ts): the silence, then the release.
  const [silence, setSilence] = useState(false);
  const [silenceMinutes, setSilenceMinutes] = useState("30");
  const silenced = useAction(createReleaseWithSilenceAction, { success: (d) => `${started(d)}, alerts silenced for ${silenceMinutes} min`, onSuccess: go });
  const deploy = silence ? silenced : plain;
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (silence) void silenced.run({ serviceId, environment, tag, strategy, silenceMinutes: Number(silenceMinutes) });
        else void plain.run({ serviceId, environment, tag, strategy });
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="deploy-tag">Image tag</Label>
        <Input
          id="deploy-tag"
          list="known-tags"
          value={tag}
          onChange={(e) => setTag(e.target.value)}
          placeholder="v1.4.2"
          className="w-48"
          aria-invalid={Boolean(deploy.formError?.fieldErrors?.tag)}
        />
        <datalist id="known-tags">
          {knownTags.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </div>
      <div className="space-y-1">
        <Label htmlFor="deploy-strategy">Clusters</Label>
        <NativeSelect id="deploy-strategy" value={strategy} onChange={(e) => setStrategy(e.target.value as typeof strategy)} className="w-56">
          <option value="all_at_once">all at once</option>
          <option value="one_cluster_first">one cluster first, then the rest</option>
        </NativeSelect>
      </div>
      <Button type="submit" disabled={deploy.pending || !tag.trim()}>
        {deploy.pending ? <Loader2 className="animate-spin" /> : <Rocket />} Deploy to {environment}
      </Button>
      <span className="text-xs text-muted-foreground">
        spec version {specVersion}
        {environment === "prod" ? " · production needs an approval" : ""}
      </span>
      <div className="flex basis-full flex-wrap items-center gap-2 text-sm">
        <Checkbox id="deploy-silence" checked={silence} onCheckedChange={(v) => setSilence(v === true)} />
        <Label htmlFor="deploy-silence" className="font-normal">
          Silence this service&apos;s alerts in {environment} for the release window
        </Label>
        <Input
          aria-label="Release window in minutes"
          type="number"
          value={silenceMinutes}
          onChange={(e) => setSilenceMinutes(e.target.value)}
          disabled={!silence}
          className="h-8 w-20"
          aria-invalid={Boolean(deploy.formError?.fieldErrors?.silenceMinutes)}
        />
        <span>minutes</span>
        {deploy.formError?.fieldErrors?.silenceMinutes && (
          <p className="basis-full text-destructive">{deploy.formError.fieldErrors.silenceMinutes.join(" ")}</p>
        )}
      </div>
      <div className="basis-full">
        {deploy.formError?.fieldErrors?.tag && <p className="text-sm text-destructive">{deploy.formError.fieldErrors.tag.join(" ")}</p>}
        <FormError error={deploy.formError?.fieldErrors ? null : deploy.formError} />
      </div>
    </form>
  );
}

interface ReleaseRow {
  id: string;
  number: number;
  tag: string;
  status: string;
  reason: string;
  createdAt: string;
  specVersion: number;
  automatic: boolean;
  rollbackOfNumber: number | null;
  restoreOfNumber: number | null;
  /** Clusters this release went to (a restore: one). */
  clusters: string[];
  /** Clusters where this is the release Wharf last applied, and that no longer run it. */
  driftedOn: string[];
  by: string;
}

/** "a", "a and b", "a, b and c". */
function names(list: string[]) {
  return list.length <= 1 ? (list[0] ?? "") : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

/** Rolling back, after a dialog that says what goes where: which release, which clusters, approval in production. */
function RollbackButton({ release, service, environment, clusters }: { release: ReleaseRow; service: string; environment: Env; clusters: string[] }) {
  const go = useGoToRelease();
  const rollback = useAction(rollbackAction, {
    success: (d) => `Rollback release #${d.number} ${d.status === "pending_approval" ? "waits for approval" : "started"}`,
    onSuccess: go,
  });
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button size="sm" variant="ghost" disabled={rollback.pending}>
          {rollback.pending ? <Loader2 className="animate-spin" /> : <RotateCcw />} Roll back to this
        </Button>
      </AlertDialogTrigger>
      <FormError error={rollback.formError} />
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>
            Roll {service} in {environment} back to release #{release.number}?
          </AlertDialogTitle>
          <AlertDialogDescription>
            Deploys release #{release.number}&apos;s image <span className="font-mono">{release.tag}</span> and spec v{release.specVersion} again, as a new
            release, on {names(clusters)}.{" "}
            {environment === "prod"
              ? "In production it waits for an approval: a ticket opens and nothing changes until ops approve it."
              : "Pods are replaced as in any rollout; where the cluster still has that release's ReplicaSet, it is scaled back up."}
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={() => void rollback.run({ releaseId: release.id })}>
            {environment === "prod" ? "Ask to roll back" : "Roll back"}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

export function ReleaseHistory({
  releases,
  diffBase,
  canDeploy,
  service,
  environment,
  clusters,
}: {
  releases: ReleaseRow[];
  diffBase: string;
  canDeploy: boolean;
  service: string;
  environment: Env;
  /** The environment's clusters now: where a rollback goes. */
  clusters: string[];
}) {
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  return (
    <div className="space-y-2">
      <div className="flex items-center gap-2">
        <Button asChild={picked.length === 2} size="sm" variant="outline" disabled={picked.length !== 2}>
          {picked.length === 2 ? (
            <Link href={`${diffBase}?a=${picked[0]}&b=${picked[1]}`}>
              <GitCompare /> Compare the two
            </Link>
          ) : (
            <>
              <GitCompare /> Pick two to compare
            </>
          )}
        </Button>
      </div>
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead className="w-8" />
            <TableHead>Release</TableHead>
            <TableHead>Tag</TableHead>
            <TableHead>Spec</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>By</TableHead>
            <TableHead />
          </TableRow>
        </TableHeader>
        <TableBody>
          {releases.map((r) => (
            <TableRow key={r.id} data-testid={`release-${r.number}`}>
              <TableCell>
                <input type="checkbox" aria-label={`Compare release #${r.number}`} checked={picked.includes(r.id)} onChange={() => toggle(r.id)} />
              </TableCell>
              <TableCell>
                <Link className="font-medium hover:underline" href={`/releases/${r.id}`}>
                  #{r.number}
                </Link>{" "}
                {r.rollbackOfNumber && <Badge variant="outline">rollback to #{r.rollbackOfNumber}</Badge>}{" "}
                {r.restoreOfNumber && (
                  <Badge variant="outline">
                    restore of #{r.restoreOfNumber} on {names(r.clusters)}
                  </Badge>
                )}{" "}
                {r.automatic && <Badge variant="secondary">automatic</Badge>}
                <div className="text-xs text-muted-foreground">{new Date(r.createdAt).toLocaleString()}</div>
              </TableCell>
              <TableCell className="font-mono text-sm">{r.tag}</TableCell>
              <TableCell className="text-sm">v{r.specVersion}</TableCell>
              <TableCell className="max-w-sm whitespace-normal">
                <span className="flex flex-wrap items-center gap-1">
                  <StatusBadge status={r.status} />
                  {r.driftedOn.length > 0 && (
                    <Badge variant="warning" title="The cluster no longer runs this release: it was changed outside Wharf">
                      drifted on {names(r.driftedOn)}
                    </Badge>
                  )}
                </span>
                {r.reason && <div className="mt-1 text-xs text-destructive">{r.reason}</div>}
              </TableCell>
              <TableCell className="text-sm">{r.by}</TableCell>
              <TableCell>
                {canDeploy && (r.status === "succeeded" || r.status === "rolled_back" || r.status === "failed") && (
                  <RollbackButton release={r} service={service} environment={environment} clusters={clusters} />
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

export function RestartButton({ serviceId, environment }: { serviceId: string; environment: Env }) {
  const router = useRouter();
  const restart = useAction(restartAction, { success: "Rolling restart started", onSuccess: () => setTimeout(() => router.refresh(), 1500) });
  return (
    <Button size="sm" variant="outline" disabled={restart.pending} onClick={() => void restart.run({ serviceId, environment })}>
      <RotateCw /> Rolling restart
    </Button>
  );
}

/**
 * Re-applies the last good release to one cluster that drifted from it (changed outside Wharf), after a
 * dialog that says what differs and what happens where.
 */
export function RestoreButton({
  release,
  cluster,
  clusterId,
  environment,
  differences,
  drifted,
}: {
  release: { id: string; number: number; tag: string; specVersion: number };
  cluster: string;
  clusterId: string;
  environment: Env;
  /** How the cluster differs from the release Wharf last applied there. */
  differences: string[];
  /** That release's number. */
  drifted: number;
}) {
  const go = useGoToRelease();
  const restore = useAction(restoreAction, {
    success: (d) => `Restore release #${d.number} ${d.status === "pending_approval" ? "waits for approval" : "started"}`,
    onSuccess: go,
  });
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button size="sm" variant="outline" disabled={restore.pending}>
          {restore.pending ? <Loader2 className="animate-spin" /> : <Undo2 />} Restore release #{release.number} on {cluster}
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>
            Restore release #{release.number} on {cluster}?
          </AlertDialogTitle>
          <AlertDialogDescription asChild>
            <div className="space-y-2">
              <p>
                {cluster} no longer runs release #{drifted}: {differences.join("; ")}.
              </p>
              <p>
                Applies release #{release.number}&apos;s image <span className="font-mono">{release.tag}</span> and spec v{release.specVersion} to {cluster}{" "}
                only, as a new release; the other clusters are not touched.{" "}
                {environment === "prod" ? "In production it waits for an approval: a ticket opens and nothing changes until ops approve it." : ""}
              </p>
            </div>
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction onClick={() => void restore.run({ releaseId: release.id, clusterId })}>
            {environment === "prod" ? "Ask to restore" : "Restore"}
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

/** Kills a pod (the chaos action) after a dialog naming the pod, its cluster and the ReplicaSet that replaces it; `onKilled` lets a live list show the replacement at once. */
export function KillPodButton({
  serviceId,
  environment,
  clusterId,
  cluster,
  pod,
  replicaSet,
  onKilled,
}: {
  serviceId: string;
  environment: Env;
  clusterId: string;
  cluster: string;
  pod: string;
  replicaSet: string;
  onKilled?: () => void;
}) {
  const router = useRouter();
  const kill = useAction(killPodAction, {
    success: `${pod} killed: watch it be replaced`,
    onSuccess: () => (onKilled ? onKilled() : setTimeout(() => router.refresh(), 1500)),
  });
  return (
    <AlertDialog>
      <AlertDialogTrigger asChild>
        <Button size="icon-sm" variant="ghost" aria-label={`Kill ${pod}`} title="Kill this pod (chaos)" disabled={kill.pending}>
          <Skull />
        </Button>
      </AlertDialogTrigger>
      <AlertDialogContent>
        <AlertDialogHeader>
          <AlertDialogTitle>
            Kill pod {pod} on {cluster}?
          </AlertDialogTitle>
          <AlertDialogDescription>
            The pod is deleted on {cluster}
            {environment === "prod" ? ", in production" : ""}; its requests stop at once.{" "}
            {replicaSet ? (
              <>
                Its ReplicaSet <span className="font-mono">{replicaSet}</span> replaces it with a new pod
              </>
            ) : (
              "Nothing owns it, so nothing replaces it"
            )}
            ; the other pods keep serving meanwhile.
          </AlertDialogDescription>
        </AlertDialogHeader>
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <AlertDialogAction className={buttonVariants({ variant: "destructive" })} onClick={() => void kill.run({ serviceId, environment, clusterId, pod })}>
            Kill pod
          </AlertDialogAction>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}
