"use client";

/**
 * The items of a key/value namespace: key, value, comment, secret. Rows are
 * edited in place and every change is saved to the draft at once (nothing is
 * published until someone publishes); problems come back at their key.
 * Secrets are shown masked; editing one leaves its value unchanged unless a
 * new one is typed.
 */
import { useState } from "react";
import { Lock, Pencil, Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Badge } from "@/components/ui/badge";
import { ZConfigKey } from "@/lib/config/formats";
import type { ErrorBody } from "@/lib/errors";

export interface ItemRow {
  key: string;
  value: string;
  comment: string;
  secret: boolean;
}

export type ItemChange = { op: "set"; key: string; value: string; comment: string; secret: boolean; keepValue?: boolean } | { op: "delete"; key: string };

interface Props {
  items: ItemRow[];
  canEdit: boolean;
  pending: boolean;
  /** Saves changes to the draft; the error, when refused. */
  onSave: (changes: ItemChange[]) => Promise<ErrorBody | null>;
}

/** Problems of a refusal at a key: the domain's `items.<key>` and zod's `changes.0.<field>`. */
function problemsAt(error: ErrorBody | null, key: string, field: "key" | "value" | "comment"): string | undefined {
  const fe = error?.fieldErrors;
  if (!fe) return undefined;
  const messages = [...(field === "key" ? (fe[`items.${key}`] ?? []) : []), ...(fe[`changes.0.${field}`] ?? [])];
  return messages.length ? messages.join(" ") : undefined;
}

function FieldProblem({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-xs text-destructive" role="alert">
      {message}
    </p>
  );
}

function EditRow({ item, pending, onSave, onCancel }: { item: ItemRow; pending: boolean; onSave: Props["onSave"]; onCancel: () => void }) {
  const [value, setValue] = useState(item.secret ? "" : item.value);
  const [comment, setComment] = useState(item.comment);
  const [secret, setSecret] = useState(item.secret);
  const [error, setError] = useState<ErrorBody | null>(null);
  const id = `edit-${item.key}`;
  async function save() {
    const keepValue = item.secret && secret && value === "";
    const e = await onSave([{ op: "set", key: item.key, value: keepValue ? "" : value, comment, secret, keepValue }]);
    setError(e);
    if (!e) onCancel();
  }
  const keyProblem = problemsAt(error, item.key, "key");
  const valueProblem = problemsAt(error, item.key, "value");
  return (
    <TableRow data-testid={`item-${item.key}`}>
      <TableCell className="align-top font-mono text-sm break-all">
        {item.key}
        <FieldProblem id={`${id}-key-problem`} message={keyProblem} />
      </TableCell>
      <TableCell className="align-top">
        <Input
          aria-label={`Value of ${item.key}`}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={item.secret ? "unchanged (type to replace)" : ""}
          aria-invalid={Boolean(valueProblem)}
          autoFocus
          onKeyDown={(e) => {
            if (e.key === "Enter") void save();
            if (e.key === "Escape") onCancel();
          }}
          className="min-w-36 font-mono"
        />
        <FieldProblem id={`${id}-value-problem`} message={valueProblem} />
      </TableCell>
      <TableCell className="align-top">
        <Input aria-label={`Comment of ${item.key}`} value={comment} onChange={(e) => setComment(e.target.value)} className="min-w-28" />
      </TableCell>
      <TableCell className="align-top">
        <Checkbox aria-label={`${item.key} is a secret`} checked={secret} onCheckedChange={(v) => setSecret(v === true)} className="mt-2.5" />
      </TableCell>
      <TableCell className="text-right align-top whitespace-nowrap">
        <Button size="sm" onClick={() => void save()} disabled={pending}>
          Save
        </Button>{" "}
        <Button size="sm" variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </TableCell>
    </TableRow>
  );
}

function AddRow({ items, pending, onSave }: { items: ItemRow[]; pending: boolean; onSave: Props["onSave"] }) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [comment, setComment] = useState("");
  const [secret, setSecret] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [keyProblem, setKeyProblem] = useState<string | undefined>();
  async function add() {
    const k = ZConfigKey.safeParse(key);
    if (!k.success) return setKeyProblem(k.error.issues[0]!.message);
    if (items.some((i) => i.key === key)) return setKeyProblem(`"${key}" is set already: edit it in its row`);
    setKeyProblem(undefined);
    const e = await onSave([{ op: "set", key, value, comment, secret }]);
    setError(e);
    if (!e) {
      setKey("");
      setValue("");
      setComment("");
      setSecret(false);
    }
  }
  const shownKeyProblem = keyProblem ?? problemsAt(error, key, "key");
  const valueProblem = problemsAt(error, key, "value");
  return (
    <TableRow className="bg-muted/30 hover:bg-muted/30">
      <TableCell className="align-top">
        <Input
          aria-label="New key"
          placeholder="new.key"
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setKeyProblem(undefined);
          }}
          aria-invalid={Boolean(shownKeyProblem)}
          aria-describedby={shownKeyProblem ? "new-key-problem" : undefined}
          className="min-w-28 font-mono"
        />
        <FieldProblem id="new-key-problem" message={shownKeyProblem} />
      </TableCell>
      <TableCell className="align-top">
        <Input
          aria-label="New value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && void add()}
          aria-invalid={Boolean(valueProblem)}
          className="min-w-36 font-mono"
        />
        <FieldProblem id="new-value-problem" message={valueProblem} />
      </TableCell>
      <TableCell className="align-top">
        <Input aria-label="New comment" value={comment} onChange={(e) => setComment(e.target.value)} className="min-w-28" />
      </TableCell>
      <TableCell className="align-top">
        <Checkbox aria-label="New key is a secret" checked={secret} onCheckedChange={(v) => setSecret(v === true)} className="mt-2.5" />
      </TableCell>
      <TableCell className="text-right align-top">
        <Button size="sm" variant="outline" onClick={() => void add()} disabled={pending}>
          <Plus /> Add
        </Button>
      </TableCell>
    </TableRow>
  );
}

export function ItemsTable({ items, canEdit, pending, onSave }: Props) {
  const [editing, setEditing] = useState<string | null>(null);
  const [deleteError, setDeleteError] = useState<{ key: string; error: ErrorBody } | null>(null);
  return (
    <div className="overflow-x-auto rounded-md border" data-testid="items-table">
      <Table>
        <TableHeader>
          <TableRow>
            <TableHead className="w-[22%]">Key</TableHead>
            <TableHead>Value</TableHead>
            <TableHead className="w-[22%]">Comment</TableHead>
            <TableHead className="w-16">Secret</TableHead>
            {canEdit && (
              <TableHead className="w-36 text-right">
                <span className="sr-only">Actions</span>
              </TableHead>
            )}
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.length === 0 && (
            <TableRow>
              <TableCell colSpan={canEdit ? 5 : 4} className="text-sm text-muted-foreground">
                No keys yet{canEdit ? ": add the first one below." : "."}
              </TableCell>
            </TableRow>
          )}
          {items.map((item) =>
            editing === item.key ? (
              <EditRow key={item.key} item={item} pending={pending} onSave={onSave} onCancel={() => setEditing(null)} />
            ) : (
              <TableRow key={item.key} data-testid={`item-${item.key}`}>
                <TableCell className="align-top font-mono text-sm break-all">
                  {item.key}
                  {deleteError?.key === item.key && <FieldProblem id={`delete-${item.key}-problem`} message={deleteError.error.message} />}
                </TableCell>
                <TableCell className="max-w-md align-top font-mono text-sm break-all whitespace-pre-wrap">
                  {item.secret ? (
                    <span className="text-muted-foreground">••••••</span>
                  ) : (
                    item.value || <span className="text-muted-foreground italic">(empty)</span>
                  )}
                </TableCell>
                <TableCell className="align-top text-sm break-words whitespace-pre-wrap text-muted-foreground">{item.comment}</TableCell>
                <TableCell className="align-top">
                  {item.secret && (
                    <Badge variant="outline" className="gap-1">
                      <Lock className="size-3" aria-hidden />
                      <span className="sr-only">secret</span>
                    </Badge>
                  )}
                </TableCell>
                {canEdit && (
                  <TableCell className="text-right align-top whitespace-nowrap">
                    <Button size="icon" variant="ghost" aria-label={`Edit ${item.key}`} onClick={() => setEditing(item.key)}>
                      <Pencil />
                    </Button>
                    <Button
                      size="icon"
                      variant="ghost"
                      aria-label={`Delete ${item.key}`}
                      disabled={pending}
                      onClick={async () => {
                        const error = await onSave([{ op: "delete", key: item.key }]);
                        setDeleteError(error ? { key: item.key, error } : null);
                      }}
                    >
                      <Trash2 />
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ),
          )}
          {canEdit && <AddRow items={items} pending={pending} onSave={onSave} />}
        </TableBody>
      </Table>
      {canEdit && (
        <p className="border-t px-3 py-2 text-xs text-muted-foreground">
          Keys hold letters, digits and <span className="font-mono">_ . - [ ] : /</span>. Each change is saved to the draft; clients see it once it is
          published.
        </p>
      )}
    </div>
  );
}
