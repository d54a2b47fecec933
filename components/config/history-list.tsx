"use client";

/**
 * The releases of a namespace, newest first: number, comment, author, time,
 * gray and restored-from. Pick any two to compare (the comparison is in the
 * URL, so it can be shared); restore an earlier main release after a
 * confirmation that lists what it changes against the latest.
 */
import { useEffect, useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { GitCompare, History, RotateCcw } from "lucide-react";
import { toast } from "sonner";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
} from "@/components/ui/alert-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Textarea } from "@/components/ui/textarea";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { TimeAgo } from "@/components/shell/time-ago";
import { previewConfigRestoreAction, restoreConfigReleaseAction } from "@/lib/config/actions";
import type { KeyChange } from "@/lib/config/diff";
import type { ErrorBody } from "@/lib/errors";
import { DiffView } from "./diff-view";

export interface ReleaseRow {
  id: string;
  number: number;
  comment: string;
  at: Date;
  author: string;
  gray: boolean;
  restoredFrom: number | null;
  latest: boolean;
  keys: number;
}

interface Props {
  releases: ReleaseRow[];
  canRestore: boolean;
  production: boolean;
  where: string;
  from: string | null;
  to: string | null;
}

export function CompareForm({ releases, from, to }: Pick<Props, "releases" | "from" | "to">) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [a, setA] = useState(from ?? releases[1]?.id ?? "");
  const [b, setB] = useState(to ?? releases[0]?.id ?? "");
  const label = (r: ReleaseRow) => `#${r.number}${r.gray ? " (gray)" : ""} ${r.comment}`.slice(0, 60);
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        const q = new URLSearchParams(params.toString());
        q.set("from", a);
        q.set("to", b);
        router.push(`${pathname}?${q.toString()}`);
      }}
    >
      <div className="grid min-w-0 gap-1">
        <Label htmlFor="compare-from">From</Label>
        <NativeSelect id="compare-from" value={a} onChange={(e) => setA(e.target.value)} className="max-w-72">
          {releases.map((r) => (
            <option key={r.id} value={r.id}>
              {label(r)}
            </option>
          ))}
        </NativeSelect>
      </div>
      <div className="grid min-w-0 gap-1">
        <Label htmlFor="compare-to">To</Label>
        <NativeSelect id="compare-to" value={b} onChange={(e) => setB(e.target.value)} className="max-w-72">
          {releases.map((r) => (
            <option key={r.id} value={r.id}>
              {label(r)}
            </option>
          ))}
        </NativeSelect>
      </div>
      <Button type="submit" variant="outline" disabled={!a || !b || a === b}>
        <GitCompare /> Compare
      </Button>
    </form>
  );
}

function RestoreDialog({
  release,
  latest,
  production,
  where,
  onClose,
}: {
  release: ReleaseRow;
  latest: ReleaseRow;
  production: boolean;
  where: string;
  onClose: () => void;
}) {
  const router = useRouter();
  const [changes, setChanges] = useState<KeyChange[] | null>(null);
  const [comment, setComment] = useState("");
  const [previewError, setPreviewError] = useState<ErrorBody | null>(null);
  const restore = useAction(restoreConfigReleaseAction);
  useEffect(() => {
    let live = true;
    previewConfigRestoreAction({ fromId: latest.id, toId: release.id }).then(
      (r) => live && (r.ok ? setChanges(r.data.changes) : setPreviewError(r.error)),
      () => live && setPreviewError({ code: "UNAVAILABLE", message: "Wharf could not be reached. Check your connection and try again." }),
    );
    return () => {
      live = false;
    };
  }, [latest.id, release.id]);
  async function onRestore() {
    const r = await restore.run({ releaseId: release.id, comment });
    if (!r.ok) return;
    if (r.data.status === "pending_approval") toast.success(`Ticket #${r.data.ticketNumber} opened: ops approve the restore`);
    else toast.success(`Release #${r.data.releaseNumber} restores #${release.number}`);
    onClose();
    router.refresh();
  }
  return (
    <AlertDialog open onOpenChange={(o) => !o && onClose()}>
      <AlertDialogContent className="max-h-[90dvh] overflow-y-auto sm:max-w-2xl">
        <AlertDialogHeader>
          <AlertDialogTitle>
            Restore release #{release.number} in {where}?
          </AlertDialogTitle>
          <AlertDialogDescription>
            A new release with the values of #{release.number} (“{release.comment}”) replaces #{latest.number}, and the draft follows it.
            {production ? " In production this opens a ticket; ops approve it first." : " Clients get it within a second."}
          </AlertDialogDescription>
        </AlertDialogHeader>
        {changes === null ? (
          previewError ? (
            <FormError error={previewError} />
          ) : (
            <p className="text-sm text-muted-foreground">Reading what changes…</p>
          )
        ) : (
          <DiffView changes={changes} label="Changes of the restore" empty={`#${release.number} has the same values as #${latest.number}.`} />
        )}
        <div className="grid gap-1.5">
          <Label htmlFor="restore-comment">Comment (optional)</Label>
          <Textarea id="restore-comment" value={comment} onChange={(e) => setComment(e.target.value)} placeholder={`Restore release #${release.number}`} />
        </div>
        <FormError error={restore.formError} />
        <AlertDialogFooter>
          <AlertDialogCancel>Cancel</AlertDialogCancel>
          <Button onClick={() => void onRestore()} disabled={restore.pending || changes === null}>
            <RotateCcw /> {production ? `Ask to restore #${release.number}` : `Restore #${release.number}`}
          </Button>
        </AlertDialogFooter>
      </AlertDialogContent>
    </AlertDialog>
  );
}

export function HistoryList({ releases, canRestore, production, where }: Props) {
  const [restoring, setRestoring] = useState<ReleaseRow | null>(null);
  const latest = releases.find((r) => r.latest) ?? null;
  return (
    <>
      <div className="overflow-x-auto rounded-md border">
        <Table aria-label="Releases">
          <TableHeader>
            <TableRow>
              <TableHead className="w-16">#</TableHead>
              <TableHead>Comment</TableHead>
              <TableHead>By</TableHead>
              <TableHead>When</TableHead>
              <TableHead className="w-40">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {releases.map((r) => (
              <TableRow key={r.id} data-testid={`release-${r.number}`}>
                <TableCell className="align-top font-medium">#{r.number}</TableCell>
                <TableCell className="align-top">
                  <div className="flex flex-wrap items-center gap-1.5">
                    <span className="break-words">{r.comment || <span className="text-muted-foreground italic">no comment</span>}</span>
                    {r.latest && <Badge>latest</Badge>}
                    {r.gray && <Badge variant="secondary">gray</Badge>}
                    {r.restoredFrom !== null && (
                      <Badge variant="outline" className="gap-1">
                        <History className="size-3" aria-hidden /> restored from #{r.restoredFrom}
                      </Badge>
                    )}
                  </div>
                  <span className="text-xs text-muted-foreground">
                    {r.keys} {r.keys === 1 ? "key" : "keys"}
                  </span>
                </TableCell>
                <TableCell className="align-top whitespace-nowrap">{r.author}</TableCell>
                <TableCell className="align-top whitespace-nowrap">
                  <TimeAgo date={r.at} />
                </TableCell>
                <TableCell className="text-right align-top whitespace-nowrap">
                  {canRestore && latest && !r.latest && !r.gray && (
                    <Button size="sm" variant="outline" onClick={() => setRestoring(r)} aria-label={`Restore release #${r.number}`}>
                      <RotateCcw /> Restore
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
      {restoring && latest && <RestoreDialog release={restoring} latest={latest} production={production} where={where} onClose={() => setRestoring(null)} />}
    </>
  );
}
