"use client";

/**
 * The "rendered manifests" tab: the objects the (unsaved) spec becomes in an
 * environment, exactly as the server renders them for a release, and the
 * clusters they would go to.
 */
import { useEffect, useMemo, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { FormError } from "@/components/forms/form-error";
import { ENVIRONMENTS } from "@/lib/catalog/schemas";
import { ZAppSpec, type EnvKind } from "@/lib/deploy/spec";
import { toYaml } from "@/lib/yaml";
import { problemText } from "@/lib/deploy/spec-editing";
import { previewManifestsAction } from "@/lib/deploy/spec-actions";

interface Props {
  serviceId: string;
  /** The project's environments; every kind when it has none yet. */
  environments: EnvKind[];
  /** The spec being edited (form values), checked here before asking the server. */
  spec: unknown;
}

export function RenderedManifests({ serviceId, environments, spec }: Props) {
  const options = environments.length ? environments : [...ENVIRONMENTS];
  const [environment, setEnvironment] = useState<EnvKind>(options[0]!);
  const [tagDraft, setTagDraft] = useState("");
  const [tag, setTag] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setTag(tagDraft.trim()), 400);
    return () => clearTimeout(t);
  }, [tagDraft]);

  const checked = useMemo(() => ZAppSpec.safeParse(spec), [spec]);
  const specKey = useMemo(() => JSON.stringify(spec), [spec]);
  const { data, isFetching } = useQuery({
    queryKey: ["spec-preview", serviceId, environment, tag, specKey],
    queryFn: () => previewManifestsAction({ serviceId, spec, environment, tag: tag || undefined }),
    enabled: checked.success,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });

  if (!checked.success) {
    return (
      <Alert variant="destructive">
        <AlertTitle>Fix the spec first</AlertTitle>
        <AlertDescription>
          <ul className="list-disc pl-4" aria-label="Spec problems">
            {checked.error.issues.map((i, k) => (
              <li key={k}>{problemText({ path: i.path.join("."), message: i.message })}</li>
            ))}
          </ul>
        </AlertDescription>
      </Alert>
    );
  }

  const tagError = data && !data.ok ? data.error.fieldErrors?.tag?.join(" ") : undefined;
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-end gap-4">
        <div className="grid w-44 gap-2">
          <Label htmlFor="preview-environment">Environment</Label>
          <NativeSelect id="preview-environment" value={environment} onChange={(e) => setEnvironment(e.target.value as EnvKind)}>
            {options.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="grid w-56 gap-2">
          <Label htmlFor="preview-tag">Image tag</Label>
          <Input
            id="preview-tag"
            value={tagDraft}
            onChange={(e) => setTagDraft(e.target.value)}
            placeholder="latest"
            className="font-mono"
            aria-invalid={Boolean(tagError)}
          />
        </div>
        {isFetching && <Loader2 className="mb-2 size-4 animate-spin text-muted-foreground" aria-label="Rendering" />}
      </div>
      {tagError && <p className="text-sm text-destructive">Image tag {tagError}</p>}
      {data && !data.ok && !tagError && <FormError error={data.error} />}
      {data?.ok && (
        <>
          <p className="flex flex-wrap items-center gap-2 text-sm" data-testid="preview-clusters">
            {data.data.clusters.length ? (
              <>
                Applied in namespace <code className="font-mono">{data.data.objects[0]?.metadata?.namespace}</code> on
                {data.data.clusters.map((c) => (
                  <Badge key={c} variant="outline" className="font-mono">
                    {c}
                  </Badge>
                ))}
              </>
            ) : (
              <span className="text-muted-foreground">{environment} has no cluster yet: a release would apply these objects nowhere.</span>
            )}
          </p>
          {data.data.objects.map((o) => (
            <Card key={`${o.kind}/${o.metadata?.name}`} className="gap-3 py-4">
              <CardHeader className="px-4">
                <CardTitle className="flex items-center gap-2 text-sm">
                  {o.kind} <span className="font-mono font-normal text-muted-foreground">{o.metadata?.name}</span>
                  <Badge variant="secondary" className="font-mono font-normal">
                    {o.apiVersion}
                  </Badge>
                </CardTitle>
              </CardHeader>
              <CardContent className="px-4">
                <pre className="overflow-x-auto rounded-md bg-muted p-3 font-mono text-xs leading-relaxed" aria-label={`${o.kind} YAML`}>
                  {toYaml(o)}
                </pre>
              </CardContent>
            </Card>
          ))}
        </>
      )}
    </div>
  );
}
