"use client";

/**
 * The Items tab: the namespaces, and for the chosen one its draft as a table
 * or as text, the draft's diff against the latest release (always in view
 * while editing), and publishing. Rights come from the working copy: a
 * viewer reads, a developer edits, a maintainer (or owner) publishes.
 */
import { useDeferredValue, useMemo, useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { CheckCircle2, Eye, Save, Ticket, Users } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { TimeAgo } from "@/components/shell/time-ago";
import { editConfigItemsAction, editConfigTextAction } from "@/lib/config/actions";
import type { ConfigFormat, TextProblem } from "@/lib/config/formats";
import type { WorkingCopy } from "@/lib/config/read";
import type { ErrorBody } from "@/lib/errors";
import { ConfigTextEditor, serverProblems, textProblemsOf } from "./editor-text";
import { DiffSummary, DiffView } from "./diff-view";
import { ItemsTable, type ItemChange } from "./items-table";
import { NamespaceList, type NamespaceRow } from "./pickers-namespaces";
import { PublishDialog, type PublishOutcome } from "./publish-dialog";

interface Props {
  wc: WorkingCopy;
  serviceId: string;
  /** /projects/<p>/services/<s> */
  base: string;
  choice: { env: string; cluster: string };
  namespaces: NamespaceRow[];
  linkable: { id: string; name: string; format: string; comment: string }[];
  canManage: boolean;
  production: boolean;
  /** Who may publish here (names), for those who may not. */
  publishers: string[];
  instances: { onLatest: number; total: number };
}

function query(choice: { env: string; cluster: string }, ns: string) {
  const q = new URLSearchParams({ env: choice.env });
  if (choice.cluster !== "default") q.set("cluster", choice.cluster);
  if (ns !== "application") q.set("ns", ns);
  return q.toString();
}

export function ItemsWorkspace({ wc, serviceId, base, choice, namespaces, linkable, canManage, production, publishers, instances }: Props) {
  const router = useRouter();
  const format = wc.namespace.format as ConfigFormat;
  const setRef = wc.ref;
  const canEdit = wc.rights.edit;
  const [outcome, setOutcome] = useState<PublishOutcome | null>(null);

  // Items: each change is saved to the draft at once.
  const items = useAction(editConfigItemsAction);
  async function saveItems(changes: ItemChange[]): Promise<ErrorBody | null> {
    setOutcome(null);
    const r = await items.run({ ...setRef, draftVersion: wc.draftVersion, changes });
    if (r.ok) {
      router.refresh();
      return null;
    }
    return r.error;
  }

  // Text: edited locally, saved with "Save draft"; problems at their line as you type.
  const [text, setText] = useState(wc.text);
  const [textOf, setTextOf] = useState(wc.draftVersion);
  const [dirty, setDirty] = useState(false);
  const [fromServer, setFromServer] = useState<TextProblem[]>([]);
  if (textOf !== wc.draftVersion && !dirty) {
    // A newer draft (saved here or in the table): show its text unless this one has unsaved edits.
    setTextOf(wc.draftVersion);
    setText(wc.text);
  }
  const deferred = useDeferredValue(text);
  const live = useMemo(() => textProblemsOf(format, deferred), [format, deferred]);
  const problems = [...live, ...fromServer.filter((p) => !live.some((l) => l.line === p.line && l.message === p.message))].sort((a, b) => a.line - b.line);
  const saveText = useAction(editConfigTextAction, { success: "Draft saved" });
  async function onSaveText() {
    setOutcome(null);
    const r = await saveText.run({ ...setRef, draftVersion: wc.draftVersion, text });
    if (r.ok) {
      setDirty(false);
      setFromServer([]);
      router.refresh();
    } else if (r.error.fieldErrors?.text) setFromServer(serverProblems(r.error.fieldErrors.text));
  }

  const where = `${choice.env}${choice.cluster === "default" ? "" : ` / ${choice.cluster}`}`;
  const textEditor = (
    <div className="space-y-3">
      <ConfigTextEditor
        format={format}
        value={text}
        onChange={(v) => {
          setText(v);
          setDirty(true);
          setFromServer([]);
        }}
        readOnly={!canEdit}
        label={`${wc.namespace.name} text`}
        extraProblems={fromServer}
      />
      {problems.length > 0 ? (
        <ul aria-label="Text problems" className="space-y-0.5 text-sm text-destructive">
          {problems.map((p) => (
            <li key={`${p.line}:${p.message}`}>
              line {p.line}: {p.message}
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-muted-foreground">
          {format === "properties" ? "Valid .properties: a # line above a key is its comment; secrets show as ••••••, which keeps them." : `Valid ${format}.`}
        </p>
      )}
      {canEdit && (
        <div className="flex flex-wrap items-center gap-3">
          <Button onClick={() => void onSaveText()} disabled={!dirty || saveText.pending}>
            <Save /> Save draft
          </Button>
          {dirty && <Badge variant="secondary">unsaved text</Badge>}
        </div>
      )}
      <FormError error={saveText.formError?.fieldErrors?.text && saveText.formError.code === "INVALID_INPUT" ? null : saveText.formError} />
    </div>
  );

  return (
    <div className="grid gap-6 lg:grid-cols-[14rem_minmax(0,1fr)]">
      <NamespaceList
        serviceId={serviceId}
        namespaces={namespaces}
        linkable={linkable}
        current={wc.namespace.name}
        hrefOf={(ns) => `${base}/config?${query(choice, ns)}`}
        canManage={canManage}
      />
      <div className="min-w-0 space-y-6">
        <div className="space-y-2">
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="font-mono text-lg font-semibold break-all">{wc.namespace.name}</h2>
            <Badge variant="outline">{format}</Badge>
            {wc.namespace.public && <Badge variant="secondary">public: your overrides</Badge>}
            <Badge variant="outline">{where}</Badge>
          </div>
          <p className="text-sm text-muted-foreground" data-testid="latest-release">
            {wc.latestRelease ? (
              <>
                Latest release <span className="font-medium text-foreground">#{wc.latestRelease.number}</span> “{wc.latestRelease.comment}” by{" "}
                {wc.latestRelease.author}, <TimeAgo date={wc.latestRelease.at} />.{" "}
                <Link href={`${base}/config/instances?${query(choice, wc.namespace.name)}`} className="underline" data-testid="instances-line">
                  {instances.total === 0
                    ? "No instance has read it in the last hour"
                    : `${instances.onLatest} of ${instances.total} instances on the latest release`}
                </Link>
                .
              </>
            ) : (
              "Never published here: clients get nothing from this namespace yet."
            )}
          </p>
        </div>

        {outcome?.status === "published" && (
          <Alert role="status">
            <CheckCircle2 />
            <AlertTitle>
              Release #{outcome.releaseNumber} published to {where}
            </AlertTitle>
            <AlertDescription>
              Clients get it within a second.{" "}
              <Link href={`${base}/config/instances?${query(choice, wc.namespace.name)}`} className="underline">
                {instances.onLatest} of {instances.total} instances on the latest release
              </Link>{" "}
              so far.
            </AlertDescription>
          </Alert>
        )}
        {(outcome?.status === "pending_approval" || wc.pendingTicket) && (
          <Alert role="status">
            <Ticket />
            <AlertTitle>Waiting for approval</AlertTitle>
            <AlertDescription>
              <span>
                The publish to {where} waits on{" "}
                <Link href={`/tickets/${outcome?.status === "pending_approval" ? outcome.ticketNumber : wc.pendingTicket}`} className="font-medium underline">
                  ticket #{outcome?.status === "pending_approval" ? outcome.ticketNumber : wc.pendingTicket}
                </Link>
                ; ops approve it, and approval publishes exactly what it shows.
              </span>
            </AlertDescription>
          </Alert>
        )}
        {!canEdit && (
          <Alert>
            <Eye />
            <AlertTitle>Read only</AlertTitle>
            <AlertDescription>Your role lets you read this configuration (secrets stay masked), not change it.</AlertDescription>
          </Alert>
        )}
        {wc.gray && (
          <Alert>
            <AlertTitle>A gray release is active: {wc.gray.description}</AlertTitle>
            <AlertDescription>
              <Link href={`${base}/config/gray?${query(choice, wc.namespace.name)}`} className="underline">
                See it under Gray
              </Link>
            </AlertDescription>
          </Alert>
        )}

        {format === "properties" ? (
          <Tabs defaultValue="table" className="min-w-0 gap-3">
            <TabsList>
              <TabsTrigger value="table">Table</TabsTrigger>
              <TabsTrigger value="text">Text</TabsTrigger>
            </TabsList>
            <TabsContent value="table" className="min-w-0">
              <ItemsTable items={wc.items} canEdit={canEdit} pending={items.pending} onSave={saveItems} />
              {items.formError && !items.formError.fieldErrors && (
                <div className="mt-3">
                  <FormError error={items.formError} />
                </div>
              )}
            </TabsContent>
            <TabsContent value="text" className="min-w-0">
              {textEditor}
            </TabsContent>
          </Tabs>
        ) : (
          textEditor
        )}

        <Card>
          <CardHeader>
            <CardTitle>Draft changes</CardTitle>
            <CardDescription>
              {wc.latestRelease ? `Against release #${wc.latestRelease.number}, key by key.` : "Nothing was published yet: every key is new."}
              {wc.lastEdit && (
                <>
                  {" "}
                  Last edit by {wc.lastEdit.actorLabel}, <TimeAgo date={wc.lastEdit.at} />.
                </>
              )}
            </CardDescription>
            <CardAction>
              <DiffSummary changes={wc.changes} />
            </CardAction>
          </CardHeader>
          <CardContent className="space-y-4">
            <DiffView
              changes={wc.changes}
              label="Draft changes"
              empty={wc.latestRelease ? "The draft is the same as the latest release." : "Nothing to publish yet: add keys above."}
            />
            {wc.rights.publish ? (
              <PublishDialog
                setRef={setRef}
                draftVersion={wc.draftVersion}
                baseReleaseId={wc.latestRelease?.id ?? null}
                changes={wc.changes}
                namespace={wc.namespace.name}
                production={production}
                onPublished={setOutcome}
              />
            ) : canEdit ? (
              <p className="flex items-start gap-2 rounded-md border border-dashed p-3 text-sm" data-testid="publish-by-maintainer">
                <Users className="mt-0.5 size-4 shrink-0" aria-hidden />
                <span>
                  A maintainer publishes: your edits wait in the draft until one of them does.
                  {publishers.length > 0 && <> Who can: {publishers.join(", ")}.</>}
                </span>
              </p>
            ) : null}
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
