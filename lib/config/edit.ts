/**
 * Editing a working copy (the draft): items one by one, or the whole text of
 * a namespace, checked in its format and against its JSON Schema, with
 * problems at their key or line. Every edit is audited (secret values never
 * appear in the record) and bumps the draft version, so an edit or publish
 * made from an older draft is refused with who edited in between.
 */
import { z } from "zod";
import Ajv2020 from "ajv/dist/2020";
import { db, type Tx } from "@/lib/db/client";
import { AppError, parseInput, type FieldErrors } from "@/lib/errors";
import { recordAudit } from "@/lib/audit/record";
import { authorize, type Ctx } from "@/lib/context";
import { CONTENT_KEY, checkFileText, documentOf, lineOfPath, parsePropertiesText, LIMITS, type ConfigEntry, type TextProblem } from "./formats";
import { actionFor, ensureSet, resolveRef, sealValue, storedItems, type ResolvedRef, type StoredEntry } from "./store";
import { ZEditItems, ZEditText, type TItemChange } from "./schemas";

/** Problems of a text as one INVALID_INPUT: each at `text` with its line, so the editor marks them. */
function textProblems(problems: TextProblem[]): AppError {
  const fieldErrors: FieldErrors = { text: problems.map((p) => `line ${p.line}: ${p.message}`) };
  for (const p of problems) if (p.key) (fieldErrors[`items.${p.key}`] ??= []).push(p.message);
  return new AppError(
    "INVALID_INPUT",
    problems.length === 1 ? `Line ${problems[0]!.line}: ${problems[0]!.message}` : `${problems.length} problems in the text`,
    { fieldErrors },
  );
}

const ajv = new Ajv2020({ allErrors: true, strict: false });

/** Checks a namespace's values against its JSON Schema (when it has one); problems at their key or line. */
export function schemaProblems(ref: Pick<ResolvedRef, "namespace">, entries: readonly ConfigEntry[]): TextProblem[] {
  const schema = ref.namespace.jsonSchema;
  if (!schema || typeof schema !== "object") return [];
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch {
    return [];
  }
  let doc: unknown;
  try {
    doc = documentOf(ref.namespace.format, entries);
  } catch {
    return []; // the format check reports unreadable text
  }
  if (validate(doc)) return [];
  const text = entries.find((e) => e.key === CONTENT_KEY)?.value ?? "";
  return (validate.errors ?? []).map((e) => {
    const key =
      ref.namespace.format === "properties" ? (e.instancePath.split("/")[1] ?? (e.params as { missingProperty?: string }).missingProperty) : undefined;
    const where = e.instancePath || (e.params as { missingProperty?: string }).missingProperty || "";
    const line = ref.namespace.format === "properties" ? Math.max(1, entries.findIndex((x) => x.key === key) + 1) : lineOfPath(text, e.instancePath);
    return { line, key, message: `${where ? `${where.replace(/^\//, "").replace(/\//g, ".")} ` : ""}${e.message ?? "does not match the schema"}` };
  });
}

async function authorizedRef(ctx: Ctx, raw: z.infer<typeof ZEditItems> | z.infer<typeof ZEditText>) {
  const ref = await resolveRef(raw);
  authorize(ctx, actionFor(ref, "edit"), ref.resource);
  return ref;
}

async function staleDraft(tx: Tx, setId: string, draftVersion: number, given: number) {
  const last = await tx.auditEvent.findFirst({
    where: { targetType: "config", targetId: setId, action: { startsWith: "config.edit" } },
    orderBy: { at: "desc" },
    select: { actorLabel: true, at: true },
  });
  return new AppError(
    "CONFLICT",
    `Someone else${last ? ` (${last.actorLabel}, ${last.at.toISOString().slice(0, 16).replace("T", " ")} UTC)` : ""} changed this draft while you were editing (version ${draftVersion}, yours ${given}). Your changes were not saved: reload to see theirs.`,
  );
}

/** Writes the new items of a working copy (replacing all), audited with what changed (secrets as "secret"). */
async function writeItems(tx: Tx, ctx: Ctx, ref: ResolvedRef, draftVersion: number, next: StoredEntry[], via: string) {
  const set = await ensureSet(tx, ref);
  await tx.$queryRaw`select id from "ConfigSet" where id = ${set.id} for update`;
  const fresh = await tx.configSet.findUniqueOrThrow({ where: { id: set.id } });
  if (fresh.draftVersion !== draftVersion) throw await staleDraft(tx, set.id, fresh.draftVersion, draftVersion);
  const before = await storedItems(tx, set.id);
  if (next.length > LIMITS.items) throw new AppError("INVALID_INPUT", `At most ${LIMITS.items} keys in a namespace.`);
  await tx.configItem.deleteMany({ where: { setId: set.id } });
  await tx.configItem.createMany({
    data: next.map((e, position) => ({
      setId: set.id,
      key: e.key,
      value: e.value,
      comment: e.comment,
      secret: e.secret,
      position,
      updatedById: ctx.actor.kind === "user" ? ctx.actor.id : null,
    })),
  });
  const updated = await tx.configSet.update({ where: { id: set.id }, data: { draftVersion: { increment: 1 } } });
  const show = (entries: StoredEntry[]) => Object.fromEntries(entries.map((e) => [e.key, e.secret ? "(secret)" : e.value]));
  await recordAudit(tx, ctx, {
    action: `config.edit.${via}`,
    target: { type: "config", id: set.id, label: `${ref.appId} ${ref.environment}/${ref.cluster} ${ref.namespace.name}` },
    projectId: ref.service?.projectId ?? null,
    before: show(before),
    after: show(next),
  });
  return { setId: set.id, draftVersion: updated.draftVersion };
}

/** Applies item changes (set, delete) to the draft. */
export async function editItems(ctx: Ctx, raw: z.input<typeof ZEditItems>) {
  const input = parseInput(ZEditItems, raw);
  const ref = await authorizedRef(ctx, input);
  if (ref.namespace.format !== "properties" && input.changes.some((c) => c.key !== CONTENT_KEY)) {
    throw new AppError("INVALID_INPUT", `A ${ref.namespace.format} namespace holds one file: edit its text.`);
  }
  return db().$transaction(async (tx) => {
    const set = await ensureSet(tx, ref);
    const current = await storedItems(tx, set.id);
    const next = applyChanges(ref, current, input.changes);
    const problems = [
      ...(ref.namespace.format === "properties" ? [] : checkFileText(ref.namespace.format, next.find((e) => e.key === CONTENT_KEY)?.value ?? "")),
      ...schemaProblems(ref, plainForChecks(next)),
    ];
    if (problems.length) throw textProblems(problems);
    return writeItems(tx, ctx, ref, input.draftVersion, next, "items");
  });
}

/** Secrets are checked by their presence, not their (sealed) value: schemas see a placeholder string. */
function plainForChecks(entries: readonly StoredEntry[]): ConfigEntry[] {
  return entries.map((e) => (e.secret ? { ...e, value: "secret" } : e));
}

function applyChanges(ref: ResolvedRef, current: StoredEntry[], changes: TItemChange[]): StoredEntry[] {
  const next = [...current];
  const fieldErrors: FieldErrors = {};
  for (const c of changes) {
    const i = next.findIndex((e) => e.key === c.key);
    if (c.op === "delete") {
      if (i < 0) (fieldErrors[`items.${c.key}`] ??= []).push(`"${c.key}" is not in the draft`);
      else next.splice(i, 1);
      continue;
    }
    let value: string;
    if (c.keepValue) {
      const old = next[i];
      if (!old || !old.secret || !c.secret) {
        (fieldErrors[`items.${c.key}`] ??= []).push("Only a stored secret keeps its value; enter one");
        continue;
      }
      value = old.value;
    } else value = c.secret ? sealValue(ref.namespace.id, c.key, c.value) : c.value;
    const entry = { key: c.key, value, comment: c.comment, secret: c.secret };
    if (i < 0) next.push(entry);
    else next[i] = entry;
  }
  if (Object.keys(fieldErrors).length) throw new AppError("INVALID_INPUT", "Some changes cannot be made.", { fieldErrors });
  return next;
}

/**
 * Replaces the draft from text: `.properties` for a properties namespace
 * (a secret shown masked keeps its value; a new value replaces it), the file
 * itself otherwise.
 */
export async function editText(ctx: Ctx, raw: z.input<typeof ZEditText>) {
  const input = parseInput(ZEditText, raw);
  const ref = await authorizedRef(ctx, input);
  return db().$transaction(async (tx) => {
    const set = await ensureSet(tx, ref);
    const current = await storedItems(tx, set.id);
    let next: StoredEntry[];
    if (ref.namespace.format === "properties") {
      const secrets = new Map(current.filter((e) => e.secret).map((e) => [e.key, e]));
      const parsed = parsePropertiesText(input.text, new Set(secrets.keys()));
      if (!parsed.ok) throw textProblems(parsed.problems);
      const schema = schemaProblems(ref, parsed.entries);
      if (schema.length) throw textProblems(schema);
      next = parsed.entries.map((e) => {
        const old = secrets.get(e.key);
        if (!old) return e;
        // The editor shows secrets masked: the mask keeps the stored value, anything else replaces it.
        return e.value === "••••••" ? { ...e, value: old.value, secret: true } : { ...e, value: sealValue(ref.namespace.id, e.key, e.value), secret: true };
      });
    } else {
      const problems = [
        ...checkFileText(ref.namespace.format, input.text),
        ...schemaProblems(ref, [{ key: CONTENT_KEY, value: input.text, comment: "", secret: false }]),
      ];
      if (problems.length) throw textProblems(problems);
      next = [{ key: CONTENT_KEY, value: input.text, comment: current[0]?.comment ?? "", secret: false }];
    }
    return writeItems(tx, ctx, ref, input.draftVersion, next, "text");
  });
}
