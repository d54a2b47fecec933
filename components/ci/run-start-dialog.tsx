"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { Loader2, Play, Plus, Trash2 } from "lucide-react";
import { startRunAction } from "@/lib/ci/actions";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FieldErrors } from "@/components/forms/field-errors";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";

const FIELDS = new Set(["service", "refKind", "branch", "commit", "params"]);

interface Param {
  key: string;
  value: string;
}

/**
 * "Run" by hand: a service's pipeline for a branch or tag, at its head or a
 * given commit, with extra parameters. The server checks everything; its
 * answers are shown at their fields and what was typed stays.
 */
export function RunStartDialog({ slug, services, defaultService }: { slug: string; services: string[]; defaultService?: string }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [service, setService] = useState(defaultService && services.includes(defaultService) ? defaultService : (services[0] ?? ""));
  const [refKind, setRefKind] = useState<"branch" | "tag">("branch");
  const [branch, setBranch] = useState("develop");
  const [commit, setCommit] = useState("");
  const [params, setParams] = useState<Param[]>([]);
  const [localErrors, setLocalErrors] = useState<Record<string, string[]>>({});
  const start = useAction(startRunAction, {
    success: (d) => `Run #${d.number} started`,
    onSuccess: () => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: ["ci-runs", slug] });
      router.refresh();
    },
  });
  const server = start.formError?.fieldErrors ?? {};
  const errors: Record<string, string[]> = { ...server, ...localErrors };
  // A parameter's own problem names it ("Bad Key: ..."); the server files it under params.<name>.
  const paramErrors = Object.entries(errors).flatMap(([k, v]) => (k === "params" ? v : k.startsWith("params.") ? v.map((m) => `${k.slice(7)}: ${m}`) : []));
  // Problems with no field of their own here are kept on screen above the button.
  const elsewhere = Object.entries(server).flatMap(([k, v]) => (FIELDS.has(k) || k.startsWith("params.") ? [] : v));
  const formError = start.formError && (!start.formError.fieldErrors || elsewhere.length) ? { ...start.formError, fieldErrors: { _form: elsewhere } } : null;

  function submit() {
    const seen = new Set<string>();
    const dupes = params.filter((p) => p.key.trim() && (seen.has(p.key.trim()) || !seen.add(p.key.trim())));
    if (dupes.length) {
      setLocalErrors({ params: [`The parameter ${dupes[0]!.key.trim()} is given twice: keep one row`] });
      return;
    }
    setLocalErrors({});
    void start.run({
      projectSlug: slug,
      service,
      branch,
      refKind,
      ...(commit.trim() ? { commit: commit.trim() } : {}),
      params: Object.fromEntries(params.filter((p) => p.key.trim() || p.value).map((p) => [p.key.trim(), p.value])),
    });
  }

  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>
          <Play /> Run
        </Button>
      </DialogTrigger>
      <DialogContent className="max-h-[90dvh] overflow-y-auto">
        <DialogHeader>
          <DialogTitle>Run a pipeline</DialogTitle>
          <DialogDescription>
            Builds a service at the head of a branch or tag, or at one commit. The branch policy decides what the run builds, pushes and deploys.
          </DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <div className="space-y-2">
            <Label htmlFor="run-service">Service</Label>
            <NativeSelect id="run-service" value={service} onChange={(e) => setService(e.target.value)}>
              {services.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </NativeSelect>
            <FieldErrors errors={errors.service} label="Service" />
          </div>
          <div className="grid gap-4 sm:grid-cols-[8rem_1fr]">
            <div className="space-y-2">
              <Label htmlFor="run-kind">Kind</Label>
              <NativeSelect id="run-kind" value={refKind} onChange={(e) => setRefKind(e.target.value === "tag" ? "tag" : "branch")}>
                <option value="branch">branch</option>
                <option value="tag">tag</option>
              </NativeSelect>
              <FieldErrors errors={errors.refKind} label="Kind" />
            </div>
            <div className="space-y-2">
              <Label htmlFor="run-ref">{refKind === "tag" ? "Tag" : "Branch"}</Label>
              <Input
                id="run-ref"
                value={branch}
                maxLength={200}
                placeholder={refKind === "tag" ? "v1.2.0" : "develop"}
                onChange={(e) => setBranch(e.target.value)}
                aria-invalid={errors.branch ? true : undefined}
                aria-describedby={errors.branch ? "run-ref-errors" : undefined}
              />
              <FieldErrors id="run-ref-errors" errors={errors.branch} label={refKind === "tag" ? "Tag" : "Branch"} />
            </div>
          </div>
          <div className="space-y-2">
            <Label htmlFor="run-commit">Commit (optional)</Label>
            <Input
              id="run-commit"
              value={commit}
              maxLength={40}
              className="font-mono"
              placeholder="the head of the branch or tag"
              onChange={(e) => setCommit(e.target.value)}
              aria-invalid={errors.commit ? true : undefined}
            />
            <FieldErrors errors={errors.commit} label="Commit" />
          </div>
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium">Parameters</legend>
            {params.length === 0 && <p className="text-xs text-muted-foreground">None: the pipeline&apos;s defaults.</p>}
            {params.map((p, i) => (
              <div key={i} className="flex items-center gap-2">
                <Input
                  aria-label={`Parameter ${i + 1} name`}
                  value={p.key}
                  placeholder="name"
                  className="font-mono"
                  maxLength={63}
                  onChange={(e) => setParams((all) => all.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))}
                />
                <Input
                  aria-label={`Parameter ${i + 1} value`}
                  value={p.value}
                  placeholder="value"
                  maxLength={4000}
                  onChange={(e) => setParams((all) => all.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))}
                />
                <Button
                  type="button"
                  variant="ghost"
                  size="icon"
                  aria-label={`Remove parameter ${i + 1}`}
                  onClick={() => setParams((all) => all.filter((_, j) => j !== i))}
                >
                  <Trash2 />
                </Button>
              </div>
            ))}
            <Button type="button" variant="outline" size="sm" onClick={() => setParams((all) => [...all, { key: "", value: "" }])}>
              <Plus /> Add parameter
            </Button>
            <FieldErrors errors={paramErrors} label="Parameters" />
          </fieldset>
          <FormError error={formError} />
          <DialogFooter>
            <Button type="submit" disabled={start.pending || !service}>
              {start.pending && <Loader2 className="animate-spin" />} Start run
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
