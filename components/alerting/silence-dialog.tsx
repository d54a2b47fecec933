"use client";

/**
 * Create a silence from an alert (its labels preselected) or an incident (project, service, environment,
 * alertname): matchers editable (=, !=, =~, !~), a duration or an end, a comment, and a preview ("mutes N active
 * alerts") before creating. The project matcher is added by the server when missing and cannot point elsewhere.
 */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { BellOff, Loader2, Plus, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { createSilenceAction, previewSilenceAction } from "@/lib/alerting/silence-actions";
import type { MatcherDraft, MatcherOp } from "@/lib/alerting/silence-matchers";

type Op = MatcherOp;
type SilenceMatcherDraft = MatcherDraft;

const DURATIONS: [string, number][] = [
  ["30 minutes", 30],
  ["1 hour", 60],
  ["2 hours", 120],
  ["4 hours", 240],
  ["1 day", 1440],
  ["1 week", 10080],
];

export function SilenceDialog({
  projectId,
  matchers: initial,
  incidentId,
  defaultOpen = false,
  trigger = "Silence",
}: {
  projectId: string;
  matchers: SilenceMatcherDraft[];
  incidentId?: string;
  /** Open at once (the incident page's ?action=silence link from chat). */
  defaultOpen?: boolean;
  trigger?: string;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(defaultOpen);
  const [matchers, setMatchers] = useState<SilenceMatcherDraft[]>(initial);
  const [minutes, setMinutes] = useState(120);
  const [comment, setComment] = useState("");
  const [preview, setPreview] = useState<{ count: number; alertnames: string[] } | null>(null);
  const check = useAction(previewSilenceAction, { onSuccess: (d) => setPreview(d) });
  const create = useAction(createSilenceAction, {
    success: (d) => `Silenced until ${new Date(d.endsAt).toLocaleString()}`,
    onSuccess: () => {
      setOpen(false);
      router.refresh();
    },
  });
  const errors = { ...check.formError?.fieldErrors, ...create.formError?.fieldErrors };
  const edit = (i: number, patch: Partial<SilenceMatcherDraft>) => {
    setPreview(null);
    setMatchers(matchers.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  };
  const error = create.formError ?? check.formError;

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <BellOff /> {trigger}
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Silence alerts</DialogTitle>
          <DialogDescription>Alerts matching every matcher are not sent while the silence lasts. Preview to see what it mutes.</DialogDescription>
        </DialogHeader>
        <form
          id="silence-form"
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run({ projectId, incidentId, matchers, endsAt: new Date(Date.now() + minutes * 60_000).toISOString(), comment });
          }}
        >
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Matchers</legend>
            {matchers.map((m, i) => (
              <div key={i} className="flex flex-wrap items-start gap-2" data-testid="silence-matcher">
                <Input aria-label={`Label ${i + 1}`} value={m.name} onChange={(e) => edit(i, { name: e.target.value })} className="w-36" />
                <NativeSelect aria-label={`Operator ${i + 1}`} value={m.op} onChange={(e) => edit(i, { op: e.target.value as Op })} className="w-20">
                  <option value="=">=</option>
                  <option value="!=">!=</option>
                  <option value="=~">=~</option>
                  <option value="!~">!~</option>
                </NativeSelect>
                <Input
                  aria-label={`Value ${i + 1}`}
                  value={m.value}
                  onChange={(e) => edit(i, { value: e.target.value })}
                  className="min-w-40 flex-1"
                  aria-invalid={Boolean(errors[`matchers.${i}.value`] ?? errors[`matchers.${i}`])}
                />
                <Button
                  type="button"
                  size="icon"
                  variant="ghost"
                  aria-label={`Remove matcher ${i + 1}`}
                  onClick={() => {
                    setPreview(null);
                    setMatchers(matchers.filter((_, j) => j !== i));
                  }}
                >
                  <X />
                </Button>
                {[errors[`matchers.${i}`], errors[`matchers.${i}.name`], errors[`matchers.${i}.value`]].flat().filter(Boolean).length > 0 && (
                  <p className="basis-full text-sm text-destructive">
                    {[errors[`matchers.${i}`], errors[`matchers.${i}.name`], errors[`matchers.${i}.value`]].flat().filter(Boolean).join(" ")}
                  </p>
                )}
              </div>
            ))}
            {errors.matchers && <p className="text-sm text-destructive">{errors.matchers.join(" ")}</p>}
            <Button type="button" size="sm" variant="ghost" onClick={() => setMatchers([...matchers, { name: "", op: "=", value: "" }])}>
              <Plus /> Add matcher
            </Button>
          </fieldset>
          <div className="flex flex-wrap gap-4">
            <div className="space-y-1">
              <Label htmlFor="silence-duration">Duration</Label>
              <NativeSelect id="silence-duration" value={String(minutes)} onChange={(e) => setMinutes(Number(e.target.value))} className="w-40">
                {DURATIONS.map(([label, m]) => (
                  <option key={m} value={m}>
                    {label}
                  </option>
                ))}
              </NativeSelect>
              {errors.endsAt && <p className="text-sm text-destructive">{errors.endsAt.join(" ")}</p>}
            </div>
          </div>
          <div className="space-y-1">
            <Label htmlFor="silence-comment">Comment</Label>
            <Textarea
              id="silence-comment"
              value={comment}
              onChange={(e) => {
                setComment(e.target.value);
                // The refusal said what to fix; once it is being fixed, it no longer stands.
                if (create.formError?.fieldErrors?.comment) create.clearFormError();
              }}
              placeholder="Why, e.g. rolling back release #4"
              aria-invalid={Boolean(errors.comment)}
            />
            {errors.comment && <p className="text-sm text-destructive">{errors.comment.join(" ")}</p>}
          </div>
          <div className="flex flex-wrap items-center gap-3" aria-live="polite">
            <Button type="button" variant="secondary" size="sm" disabled={check.pending} onClick={() => void check.run({ projectId, matchers })}>
              {check.pending && <Loader2 className="animate-spin" />} Preview
            </Button>
            {preview && (
              <span className="text-sm" data-testid="silence-preview">
                Mutes {preview.count} active alert{preview.count === 1 ? "" : "s"}
                {preview.alertnames.length ? ` (${preview.alertnames.join(", ")})` : ""}
              </span>
            )}
          </div>
          <FormError error={error?.fieldErrors ? null : error} />
        </form>
        <DialogFooter>
          <Button type="submit" form="silence-form" disabled={create.pending}>
            {create.pending && <Loader2 className="animate-spin" />} Create silence
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
