"use client";

/**
 * The webhook trigger of a project: the URL each Git host posts push events
 * to, and its secret. A new secret is shown once, right after "Rotate
 * secret", with where to paste it; the old one stops verifying at once.
 */
import { useState } from "react";
import { KeyRound, Loader2 } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import {
  AlertDialog,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from "@/components/ui/alert-dialog";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { TimeAgo } from "@/components/shell/time-ago";
import { useAction } from "@/components/forms/use-action";
import { rotateWebhookSecretAction } from "@/lib/ci/settings-actions";
import { CopyButton } from "./copy-button";

const PROVIDERS: Record<string, { name: string; where: string }> = {
  github: {
    name: "GitHub",
    where: "Settings → Webhooks → Add webhook: Payload URL, content type application/json, Secret; events: Just the push event.",
  },
  gitlab: { name: "GitLab", where: "Settings → Webhooks: URL, Secret token; trigger: Push events and Tag push events." },
  gitea: { name: "Gitea", where: "Settings → Webhooks → Add webhook → Gitea: Target URL, POST, content type application/json, Secret; trigger: Push events." },
};

export function WebhookSettings({
  projectSlug,
  endpoints,
  secretCreatedAt,
}: {
  projectSlug: string;
  endpoints: { provider: string; url: string }[];
  secretCreatedAt: Date | null;
}) {
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const rotate = useAction(rotateWebhookSecretAction, {
    success: "New webhook secret made",
    onSuccess: (d) => {
      setSecret(d.secret);
      setOpen(false);
    },
  });
  return (
    <Card>
      <CardHeader>
        <CardTitle>Webhooks</CardTitle>
        <CardDescription>
          Pushes to a repository on GitHub, GitLab or Gitea start runs when the host posts them here, signed with this project&apos;s secret. A request that
          does not verify is refused and runs nothing.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <ul className="grid gap-3" aria-label="Webhook URLs">
          {endpoints.map((e) => (
            <li key={e.provider} className="grid gap-1">
              <span className="text-sm font-medium">{PROVIDERS[e.provider]?.name ?? e.provider}</span>
              <div className="flex items-center gap-2">
                <code className="min-w-0 flex-1 rounded bg-muted px-2 py-1.5 font-mono text-xs break-all" data-testid={`webhook-url-${e.provider}`}>
                  {e.url}
                </code>
                <CopyButton text={e.url} label={`Copy the ${PROVIDERS[e.provider]?.name ?? e.provider} webhook URL`} size="icon" />
              </div>
            </li>
          ))}
        </ul>
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <span className="text-muted-foreground" data-testid="webhook-secret-state">
            {secretCreatedAt ? (
              <>
                Secret made <TimeAgo date={secretCreatedAt} />.
              </>
            ) : (
              "No secret yet: webhooks are refused until you make one."
            )}
          </span>
          <AlertDialog open={open} onOpenChange={setOpen}>
            <AlertDialogTrigger asChild>
              <Button variant="outline">
                <KeyRound /> {secretCreatedAt ? "Rotate secret" : "Make a secret"}
              </Button>
            </AlertDialogTrigger>
            <AlertDialogContent>
              <AlertDialogHeader>
                <AlertDialogTitle>{secretCreatedAt ? "Rotate the webhook secret?" : "Make a webhook secret?"}</AlertDialogTitle>
                <AlertDialogDescription>
                  {secretCreatedAt
                    ? "The current secret stops working at once: pushes are refused until each Git host has the new one."
                    : "The secret is shown once; paste it into each Git host's webhook."}
                </AlertDialogDescription>
              </AlertDialogHeader>
              <AlertDialogFooter>
                <AlertDialogCancel>Cancel</AlertDialogCancel>
                <Button type="button" disabled={rotate.pending} onClick={() => void rotate.run({ projectSlug })}>
                  {rotate.pending && <Loader2 className="animate-spin" />}
                  {secretCreatedAt ? "Rotate secret" : "Make secret"}
                </Button>
              </AlertDialogFooter>
            </AlertDialogContent>
          </AlertDialog>
        </div>
        {secret && (
          <Alert data-testid="new-webhook-secret">
            <KeyRound />
            <AlertTitle>The new secret, shown this once</AlertTitle>
            <AlertDescription className="grid gap-2">
              <div className="flex w-full items-center gap-2">
                <code className="min-w-0 flex-1 rounded bg-muted px-2 py-1.5 font-mono text-xs break-all text-foreground">{secret}</code>
                <CopyButton text={secret} label="Copy the webhook secret" size="icon" />
              </div>
              <ul className="grid gap-1">
                {endpoints.map((e) => (
                  <li key={e.provider}>
                    <strong>{PROVIDERS[e.provider]?.name ?? e.provider}</strong>: {PROVIDERS[e.provider]?.where}
                  </li>
                ))}
              </ul>
              <p>Wharf keeps it sealed and cannot show it again: rotate it to get a new one.</p>
            </AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
