"use client";

/**
 * The application spec editor of a service: a form for the common fields, a
 * YAML editor for all of it, and the manifests the spec renders to. Form and
 * YAML edit one document: leaving the YAML tab takes its text into the form,
 * and is refused while the text has problems. Saving sends the version the
 * edit started from, so a save over someone else's is refused (CONFLICT) and
 * the edits stay on screen.
 */
import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useForm, useFormState, type Path } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { CheckCircle2, History, Loader2, RotateCw, Save } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Form } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { TimeAgo } from "@/components/shell/time-ago";
import { ZAppSpec, parseSpecYaml, specToYaml, type EnvKind, type TAppSpec, type TAppSpecInput } from "@/lib/deploy/spec";
import { flattenFieldErrors, problemText, specFieldErrors, stableJson } from "@/lib/deploy/spec-editing";
import { saveSpecAction } from "@/lib/deploy/spec-actions";
import { SpecForm } from "./spec-form";
import { YamlEditor } from "./yaml-editor";
import { RenderedManifests } from "./rendered-manifests";

export interface SpecVersionRow {
  version: number;
  comment: string;
  /** ISO time. */
  createdAt: string;
  author: string;
}

interface Props {
  service: { id: string; slug: string; name: string };
  /** The project's environments (for overrides and the rendered manifests). */
  environments: EnvKind[];
  /** The latest saved version, 0 when none was saved. */
  version: number;
  spec: TAppSpec;
  /** Version 0 came from the project template's wharf.yaml (else from defaults). */
  fromTemplate: boolean;
  versions: SpecVersionRow[];
  canEdit: boolean;
}

type Tab = "form" | "yaml" | "manifests";
const MAX_LISTED = 12;

/** A document's identity for "unsaved changes": normalized by the schema (defaults filled), keys sorted. */
function specKey(values: unknown): string {
  const r = ZAppSpec.safeParse(values);
  return r.success ? stableJson(r.data) : `invalid:${stableJson(values)}`;
}

export function SpecEditor({ service, environments, version, spec, fromTemplate, versions, canEdit }: Props) {
  const router = useRouter();
  const form = useForm<TAppSpecInput, unknown, TAppSpec>({
    resolver: zodResolver(ZAppSpec),
    defaultValues: spec as TAppSpecInput,
    mode: "onTouched",
  });
  const { errors } = useFormState({ control: form.control });
  // "Unsaved changes" are measured against the last saved document, not react-hook-form's defaults: those are
  // replaced whenever YAML is taken into the form (see takeYaml).
  const savedKey = useRef<string | null>(null);
  savedKey.current ??= specKey(spec);
  const [formDirty, setFormDirty] = useState(false);
  useEffect(() => {
    return form.subscribe({ formState: { values: true }, callback: ({ values }) => setFormDirty(specKey(values) !== savedKey.current) });
  }, [form]);
  const [tab, setTab] = useState<Tab>("form");
  const [yamlText, setYamlText] = useState("");
  const [yamlEdited, setYamlEdited] = useState(false);
  // The form values (as JSON) the YAML text was made from: coming back unchanged keeps the user's own text and layout.
  const yamlMadeFrom = useRef<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [previewSpec, setPreviewSpec] = useState<unknown>(null);
  const [baseVersion, setBaseVersion] = useState(version);
  const [savedNow, setSavedNow] = useState<number | null>(null);
  const [triedSave, setTriedSave] = useState(false);
  const [comment, setComment] = useState("");
  const save = useAction(saveSpecAction, { success: (d) => `Saved version ${d.version}` });

  const deferredYaml = useDeferredValue(yamlText);
  const yamlCheck = useMemo(() => (tab === "yaml" ? parseSpecYaml(deferredYaml) : null), [tab, deferredYaml]);
  const formProblems = triedSave ? flattenFieldErrors(errors) : [];
  const dirty = formDirty || yamlEdited;

  // Leaving with unsaved edits asks first.
  useEffect(() => {
    if (!dirty || !canEdit) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty, canEdit]);

  /** The YAML text into the form; null (and the tab stays) while it has problems. */
  function takeYaml(): TAppSpec | null {
    const r = parseSpecYaml(yamlText);
    if (!r.ok) {
      setRefusal(
        `The YAML has ${r.problems.length === 1 ? "a problem" : `${r.problems.length} problems`} (listed under the editor). Fix ${r.problems.length === 1 ? "it" : "them"} first: the form shows only a valid spec.`,
      );
      return null;
    }
    // New defaults too: a field registering afresh falls back to its default when its value is undefined, which
    // would bring back what the YAML removed (e.g. a priority class).
    form.reset(r.spec as TAppSpecInput);
    yamlMadeFrom.current = JSON.stringify(form.getValues());
    setYamlEdited(false);
    setFormDirty(specKey(r.spec) !== savedKey.current);
    return r.spec;
  }

  function onTabChange(next: Tab) {
    if (next === tab) return;
    if (tab === "yaml" && !takeYaml()) return;
    const values = form.getValues();
    if (next === "yaml") {
      const key = JSON.stringify(values);
      if (yamlMadeFrom.current !== key) {
        setYamlText(specToYaml(values));
        yamlMadeFrom.current = key;
      }
    }
    if (next === "manifests") setPreviewSpec(structuredClone(values));
    setRefusal(null);
    setTab(next);
  }

  async function onSave() {
    setRefusal(null);
    setSavedNow(null);
    let toSave: TAppSpec | null;
    if (tab === "yaml") {
      toSave = takeYaml();
    } else {
      setTriedSave(true);
      const valid = await form.trigger(undefined, { shouldFocus: tab === "form" });
      if (!valid && tab !== "form") setTab("form");
      toSave = valid ? ZAppSpec.parse(form.getValues()) : null;
    }
    if (!toSave) return;
    const r = await save.run({ serviceId: service.id, baseVersion, spec: toSave, comment });
    if (r.ok) {
      setBaseVersion(r.data.version);
      setSavedNow(r.data.version);
      setComment("");
      setTriedSave(false);
      // The saved document is the new baseline of "unsaved changes".
      savedKey.current = specKey(toSave);
      form.reset(toSave as TAppSpecInput);
      setFormDirty(false);
      if (tab === "yaml") yamlMadeFrom.current = JSON.stringify(form.getValues());
      router.refresh();
    } else {
      // Field errors of the server belong to the document's paths (spec.<path>).
      const problems = specFieldErrors(r.error.fieldErrors);
      problems.forEach((p) => form.setError(p.path as Path<TAppSpecInput>, { type: "server", message: p.message }));
      if (problems.length) setTriedSave(true);
    }
  }

  return (
    <Form {...form}>
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_20rem]">
        <Tabs value={tab} onValueChange={(v) => onTabChange(v as Tab)} className="min-w-0 gap-4">
          <div className="flex flex-wrap items-center justify-between gap-3">
            <TabsList>
              <TabsTrigger value="form">Form</TabsTrigger>
              <TabsTrigger value="yaml">YAML</TabsTrigger>
              <TabsTrigger value="manifests">Rendered manifests</TabsTrigger>
            </TabsList>
            <div className="flex items-center gap-2 text-sm" data-testid="spec-status">
              <Badge variant="outline">{baseVersion === 0 ? "not saved yet" : `version ${baseVersion}`}</Badge>
              {dirty && canEdit && <Badge variant="secondary">unsaved changes</Badge>}
            </div>
          </div>
          {!canEdit && (
            <Alert>
              <AlertTitle>Read only</AlertTitle>
              <AlertDescription>Your role lets you view this spec and its manifests, not change them.</AlertDescription>
            </Alert>
          )}
          {refusal && (
            <Alert variant="destructive" role="alert">
              <AlertTitle>Still on YAML</AlertTitle>
              <AlertDescription>{refusal}</AlertDescription>
            </Alert>
          )}
          <TabsContent value="form" className="grid gap-4">
            {formProblems.length > 0 && (
              <Alert variant="destructive">
                <AlertTitle>Not saved: {formProblems.length === 1 ? "a field needs" : `${formProblems.length} fields need`} attention</AlertTitle>
                <AlertDescription>
                  <ul className="list-disc pl-4" aria-label="Form problems">
                    {formProblems.map((p) => (
                      <li key={p.path}>{problemText(p)}</li>
                    ))}
                  </ul>
                </AlertDescription>
              </Alert>
            )}
            <SpecForm environments={environments} readOnly={!canEdit} />
          </TabsContent>
          <TabsContent value="yaml" className="grid gap-3">
            <YamlEditor
              value={yamlText}
              readOnly={!canEdit}
              label="Spec YAML"
              onChange={(text) => {
                setYamlText(text);
                setYamlEdited(true);
                setRefusal(null);
              }}
            />
            {yamlCheck && !yamlCheck.ok && (
              <ul className="grid gap-1 font-mono text-sm text-destructive" aria-label="YAML problems">
                {/* A syntax error makes the parser report every line after it: the first ones say where to look. */}
                {yamlCheck.problems.slice(0, MAX_LISTED).map((p, i) => (
                  <li key={i}>{problemText(p)}</li>
                ))}
                {yamlCheck.problems.length > MAX_LISTED && <li className="text-muted-foreground">… and {yamlCheck.problems.length - MAX_LISTED} more</li>}
              </ul>
            )}
            {yamlCheck?.ok && (
              <p className="flex items-center gap-2 text-sm text-muted-foreground">
                <CheckCircle2 className="size-4 text-success" /> A valid spec.
              </p>
            )}
          </TabsContent>
          <TabsContent value="manifests">
            {tab === "manifests" && <RenderedManifests serviceId={service.id} environments={environments} spec={previewSpec} />}
          </TabsContent>
        </Tabs>

        <aside className="grid content-start gap-6 xl:sticky xl:top-4 xl:self-start">
          {canEdit && (
            <Card>
              <CardHeader>
                <CardTitle>Save</CardTitle>
                <CardDescription>A new version; releases deploy a saved version.</CardDescription>
              </CardHeader>
              <CardContent className="grid gap-3">
                <div className="grid gap-2">
                  <Label htmlFor="spec-comment">Comment</Label>
                  <Input id="spec-comment" value={comment} maxLength={500} onChange={(e) => setComment(e.target.value)} placeholder="Why this change" />
                </div>
                <FormError error={save.formError} />
                {save.formError?.code === "CONFLICT" && (
                  <Button type="button" variant="outline" onClick={() => window.location.reload()}>
                    <RotateCw /> Reload the latest version
                  </Button>
                )}
                {savedNow !== null && !dirty && (
                  <p className="flex items-center gap-2 text-sm" role="status">
                    <CheckCircle2 className="size-4 text-success" /> Saved as version {savedNow}.
                  </p>
                )}
                <Button type="button" onClick={() => void onSave()} disabled={save.pending}>
                  {save.pending ? <Loader2 className="animate-spin" /> : <Save />}
                  Save spec
                </Button>
              </CardContent>
            </Card>
          )}
          <Card>
            <CardHeader>
              <CardTitle className="flex items-center gap-2">
                <History className="size-4" /> Versions
              </CardTitle>
              <CardDescription>Every save, newest first.</CardDescription>
            </CardHeader>
            <CardContent>
              {versions.length === 0 ? (
                <p className="text-sm text-muted-foreground">
                  Not saved yet. This is {fromTemplate ? "the service as the project template's wharf.yaml describes it" : "a default spec for its kind"};
                  saving makes it version 1.
                </p>
              ) : (
                <ol className="grid gap-3 text-sm" aria-label="Versions">
                  {versions.map((v) => (
                    <li key={v.version} className="grid gap-0.5">
                      <div className="flex items-center gap-2">
                        <Badge variant={v.version === baseVersion ? "default" : "outline"}>v{v.version}</Badge>
                        <span className="font-medium">{v.author}</span>
                        <span className="text-xs text-muted-foreground">
                          <TimeAgo date={v.createdAt} />
                        </span>
                      </div>
                      <p className={v.comment ? "" : "text-muted-foreground italic"}>{v.comment || "no comment"}</p>
                    </li>
                  ))}
                </ol>
              )}
            </CardContent>
          </Card>
        </aside>
      </div>
    </Form>
  );
}
