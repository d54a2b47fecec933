"use client";

/**
 * The namespaces of a service: its own (`application` and files such as
 * `app.yaml`) and the public ones of its team it links. Choosing one keeps
 * the environment and cluster. Maintainers create a namespace (its format
 * follows from the name) or link a public one.
 */
import { useState } from "react";
import Link from "@/components/ui/link";
import { useRouter } from "next/navigation";
import { Link2, Plus } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { createConfigNamespaceAction, linkConfigNamespaceAction } from "@/lib/config/actions";
import { formatOfName, ZNamespaceName } from "@/lib/config/formats";
import { cn } from "@/lib/utils";

export interface NamespaceRow {
  id: string;
  name: string;
  format: string;
  comment: string;
  public: boolean;
  team: string | null;
}

interface Props {
  serviceId: string;
  namespaces: NamespaceRow[];
  linkable: { id: string; name: string; format: string; comment: string }[];
  current: string;
  hrefOf: (ns: string) => string;
  canManage: boolean;
}

export function NamespaceList({ serviceId, namespaces, linkable, current, hrefOf, canManage }: Props) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [nameProblem, setNameProblem] = useState<string | null>(null);
  const [linkId, setLinkId] = useState(linkable[0]?.id ?? "");
  const create = useAction(createConfigNamespaceAction, { success: (ns) => `Namespace ${ns.name} created` });
  const link = useAction(linkConfigNamespaceAction, { success: "Public namespace linked" });
  const format = name.trim() ? formatOfName(name.trim()) : null;

  async function onCreate() {
    const parsed = ZNamespaceName.safeParse(name);
    if (!parsed.success) return setNameProblem(parsed.error.issues[0]!.message);
    setNameProblem(null);
    const r = await create.run({ serviceId, name: parsed.data, comment: "" });
    if (r.ok) {
      setName("");
      router.push(hrefOf(r.data.name));
    } else if (r.error.fieldErrors?.name) setNameProblem(r.error.fieldErrors.name.join(" "));
  }

  async function onLink() {
    const chosen = linkable.find((l) => l.id === linkId);
    if (!chosen) return;
    const r = await link.run({ serviceId, namespaceId: chosen.id });
    if (r.ok) router.push(hrefOf(chosen.name));
  }

  return (
    <div className="space-y-4">
      <nav aria-label="Namespaces">
        <ul className="flex gap-1 overflow-x-auto lg:flex-col">
          {namespaces.map((n) => (
            <li key={n.id} className="shrink-0">
              <Link
                href={hrefOf(n.name)}
                aria-current={n.name === current ? "page" : undefined}
                title={n.comment || undefined}
                className={cn(
                  "flex items-center gap-2 rounded-md px-3 py-1.5 text-sm",
                  n.name === current ? "bg-muted font-medium" : "text-muted-foreground hover:bg-muted/60 hover:text-foreground",
                )}
              >
                <span className="truncate font-mono">{n.name}</span>
                {n.format !== "properties" && <Badge variant="outline">{n.format}</Badge>}
                {n.public && (
                  <Badge variant="secondary" title={n.team ? `Shared by ${n.team}` : "Shared by the team"}>
                    public
                  </Badge>
                )}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {canManage && (
        <details className="rounded-md border p-3 text-sm">
          <summary className="cursor-pointer font-medium">New namespace</summary>
          <div className="mt-3 grid gap-1.5">
            <Label htmlFor="new-namespace">Name</Label>
            <Input
              id="new-namespace"
              value={name}
              placeholder="redis or app.yaml"
              onChange={(e) => {
                setName(e.target.value);
                setNameProblem(null);
              }}
              aria-invalid={Boolean(nameProblem)}
              aria-describedby="new-namespace-hint"
              className="font-mono"
            />
            <p
              id="new-namespace-hint"
              className={cn("text-xs", nameProblem ? "text-destructive" : "text-muted-foreground")}
              role={nameProblem ? "alert" : undefined}
            >
              {nameProblem ??
                (format
                  ? `Format: ${format}${format === "properties" ? " (keys and values)" : " (one file)"}`
                  : "The name's ending sets the format: .yaml, .json, .txt; none is properties.")}
            </p>
            <FormError error={create.formError} />
            <Button size="sm" variant="outline" onClick={() => void onCreate()} disabled={create.pending}>
              <Plus /> Create
            </Button>
          </div>
        </details>
      )}
      {canManage && linkable.length > 0 && (
        <details className="rounded-md border p-3 text-sm">
          <summary className="cursor-pointer font-medium">Link a public namespace of the team</summary>
          <div className="mt-3 grid gap-1.5">
            <Label htmlFor="link-namespace">Public namespace</Label>
            <NativeSelect id="link-namespace" value={linkId} onChange={(e) => setLinkId(e.target.value)}>
              {linkable.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </NativeSelect>
            <p className="text-xs text-muted-foreground">The service reads its values and may override keys of its own.</p>
            <FormError error={link.formError} />
            <Button size="sm" variant="outline" onClick={() => void onLink()} disabled={link.pending}>
              <Link2 /> Link
            </Button>
          </div>
        </details>
      )}
    </div>
  );
}
