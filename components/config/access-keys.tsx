"use client";

/**
 * A service's Apollo access keys per environment: created (the secret shown
 * once, with how a client uses it), enabled or disabled, deleted once
 * disabled. Read-only (secrets masked) for those who may not manage them.
 */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { Copy, KeyRound, Loader2, Plus, Trash2 } from "lucide-react";
import { toast } from "sonner";
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
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Switch } from "@/components/ui/switch";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { createAccessKeyAction, deleteAccessKeyAction, setAccessKeyEnabledAction } from "@/lib/config/actions";

type Env = "dev" | "test" | "staging" | "prod";

export interface AccessKeyRow {
  id: string;
  environment: Env;
  enabled: boolean;
  createdAt: Date | string;
  secret: string;
}

export function AccessKeys({
  serviceId,
  appId,
  keys,
  environments,
  current,
  canManage,
}: {
  serviceId: string;
  appId: string;
  keys: AccessKeyRow[];
  environments: Env[];
  current: Env;
  canManage: boolean;
}) {
  const router = useRouter();
  const [environment, setEnvironment] = useState<Env>(current);
  const [created, setCreated] = useState<{ secret: string; environment: Env } | null>(null);
  const create = useAction(createAccessKeyAction, {
    onSuccess: (d) => {
      setCreated({ secret: d.secret, environment: d.environment });
      router.refresh();
    },
  });
  const toggle = useAction(setAccessKeyEnabledAction, {
    success: (d) => (d.enabled ? "Access key enabled: unsigned clients are refused" : "Access key disabled"),
    onSuccess: () => router.refresh(),
  });
  const remove = useAction(deleteAccessKeyAction, { success: "Access key deleted", onSuccess: () => router.refresh() });
  const error = create.formError ?? toggle.formError ?? remove.formError;

  return (
    <div className="space-y-4">
      <p className="text-sm text-muted-foreground">
        While an environment has an enabled key, the config service serves <span className="font-mono">{appId}</span> there only to clients that sign their
        requests with one of its secrets (Apollo&apos;s <span className="font-mono">apollo.access-key.secret</span>); unsigned requests get 401. Only signed
        clients get secret items. At most five keys per environment: to rotate, add one, move the clients, disable the old one.
      </p>
      {keys.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="access-keys-empty">
          No access key: any client that knows the appId reads its configuration (without secret items).
        </p>
      ) : (
        <div className="rounded-md border">
          <Table aria-label="Access keys">
            <TableHeader>
              <TableRow>
                <TableHead>Environment</TableHead>
                <TableHead>Secret</TableHead>
                <TableHead>Created</TableHead>
                <TableHead>Enabled</TableHead>
                {canManage && <TableHead className="text-right">Delete</TableHead>}
              </TableRow>
            </TableHeader>
            <TableBody>
              {keys.map((k) => (
                <TableRow key={k.id} data-testid={`access-key-${k.secret.slice(-4)}`}>
                  <TableCell>{k.environment}</TableCell>
                  <TableCell className="font-mono">{k.secret}</TableCell>
                  <TableCell className="text-xs whitespace-nowrap">{new Date(k.createdAt).toISOString().slice(0, 16).replace("T", " ")} UTC</TableCell>
                  <TableCell>
                    {canManage ? (
                      <Switch
                        checked={k.enabled}
                        disabled={toggle.pending}
                        aria-label={`Key ${k.secret} in ${k.environment} enabled`}
                        onCheckedChange={(enabled) => void toggle.run({ id: k.id, enabled })}
                      />
                    ) : (
                      <Badge variant={k.enabled ? "default" : "outline"}>{k.enabled ? "enabled" : "disabled"}</Badge>
                    )}
                  </TableCell>
                  {canManage && (
                    <TableCell className="text-right">
                      <AlertDialog>
                        <AlertDialogTrigger asChild>
                          <Button
                            size="icon"
                            variant="ghost"
                            aria-label={`Delete key ${k.secret} in ${k.environment}`}
                            disabled={k.enabled || remove.pending}
                            title={k.enabled ? "Disable it first" : undefined}
                          >
                            <Trash2 />
                          </Button>
                        </AlertDialogTrigger>
                        <AlertDialogContent>
                          <AlertDialogHeader>
                            <AlertDialogTitle>Delete the key {k.secret}?</AlertDialogTitle>
                            <AlertDialogDescription>
                              Clients that still sign with it are refused while another key of {k.environment} is enabled. It cannot be restored.
                            </AlertDialogDescription>
                          </AlertDialogHeader>
                          <AlertDialogFooter>
                            <AlertDialogCancel>Cancel</AlertDialogCancel>
                            <AlertDialogAction onClick={() => void remove.run({ id: k.id })}>Delete</AlertDialogAction>
                          </AlertDialogFooter>
                        </AlertDialogContent>
                      </AlertDialog>
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
      <FormError error={error} />
      {canManage ? (
        <div className="flex flex-wrap items-end gap-2">
          <div className="space-y-1">
            <Label htmlFor="access-key-env">Environment</Label>
            <NativeSelect id="access-key-env" value={environment} onChange={(e) => setEnvironment(e.target.value as Env)} className="w-40">
              {environments.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </NativeSelect>
          </div>
          <Button type="button" disabled={create.pending} onClick={() => void create.run({ serviceId, environment })}>
            {create.pending ? <Loader2 className="animate-spin" /> : <Plus />} Create access key
          </Button>
        </div>
      ) : (
        <p className="text-sm text-muted-foreground">A maintainer does this: access keys are managed by the project&apos;s owner and maintainers.</p>
      )}
      <Dialog open={created !== null} onOpenChange={(open) => !open && setCreated(null)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>
              <KeyRound className="mr-2 inline size-4" />
              Access key for {created?.environment}
            </DialogTitle>
            <DialogDescription>
              Copy the secret now: Wharf shows it this once. Clients of {appId} in {created?.environment} must sign with it from now on.
            </DialogDescription>
          </DialogHeader>
          <div className="space-y-1">
            <Label htmlFor="access-key-secret">Secret</Label>
            <div className="flex gap-2">
              <Input id="access-key-secret" readOnly value={created?.secret ?? ""} className="font-mono" data-testid="access-key-secret" />
              <Button
                type="button"
                size="icon"
                variant="outline"
                aria-label="Copy the secret"
                onClick={() => void navigator.clipboard?.writeText(created?.secret ?? "").then(() => toast.success("Secret copied"))}
              >
                <Copy />
              </Button>
            </div>
            <p className="text-xs break-all text-muted-foreground">
              Java: <span className="font-mono">apollo.access-key.secret={created?.secret}</span>
            </p>
          </div>
          <DialogFooter>
            <Button type="button" onClick={() => setCreated(null)}>
              I have copied it
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}
