import type { Metadata } from "next";
import Link from "@/components/ui/link";
import { requireCtx } from "@/lib/access/session";
import { can, platform } from "@/lib/access/policy";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { listGitTokens } from "@/lib/git/tokens";
import { gitStoreSettings } from "@/lib/git/store";
import { PageHeader } from "@/components/shell/page-header";
import { RelativeTime } from "@/components/shell/relative-time";
import { TimeAgo } from "@/components/shell/time-ago";
import { CreateGitToken } from "@/components/git/create-git-token";
import { RevokeGitTokenButton } from "@/components/git/revoke-git-token";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";

export const metadata: Metadata = { title: "Git access tokens" };

function status(t: { expiresAt: Date; revokedAt: Date | null }, now: Date) {
  if (t.revokedAt) return <Badge variant="destructive">Revoked</Badge>;
  if (t.expiresAt <= now) return <Badge variant="secondary">Expired</Badge>;
  return <Badge variant="outline">Active</Badge>;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export default async function GitTokensPage({ searchParams }: { searchParams: Promise<{ user?: string }> }) {
  const ctx = await requireCtx();
  const manage = can(ctx.actor, "git.token.manage", platform);
  const { user } = await searchParams;
  const asked = manage && user?.trim() ? user : undefined;
  let listed: Awaited<ReturnType<typeof listGitTokens>> | null = null;
  let problem: string | null = null;
  try {
    listed = await listGitTokens(ctx, { userEmail: asked });
  } catch (e) {
    if (!isAppError(e) || !["NOT_FOUND", "INVALID_INPUT"].includes(e.code)) throw e;
    problem = e.code === "NOT_FOUND" ? e.userMessage : `"${asked}" is not an e-mail address.`;
  }
  const own = !listed || listed.owner.id === ctx.actor.id;
  const { publicUrl, remoteUrl } = gitStoreSettings();
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Git access tokens"
        description={`Clone your projects' repositories from ${publicUrl}/git/<project>.git with your e-mail address as the user name and a token as the password.`}
      />
      <div className="space-y-6">
        {remoteUrl && (
          <Alert>
            <AlertTitle>New projects live on your company&apos;s Git server</AlertTitle>
            <AlertDescription>Tokens here only open repositories kept by Wharf itself (projects created before the Git server was set).</AlertDescription>
          </Alert>
        )}
        {own && can(ctx.actor, "git.token.create", platform) && (
          <CreateGitToken email={ctx.actor.email} maxDays={env().WHARF_GIT_TOKEN_DAYS} publicUrl={publicUrl} />
        )}
        {problem && (
          <Alert variant="destructive">
            <AlertTitle>No such person</AlertTitle>
            <AlertDescription>{problem}</AlertDescription>
          </Alert>
        )}
        {listed && (
          <section className="space-y-2" aria-labelledby="tokens-heading">
            <div className="flex items-baseline justify-between gap-2">
              <h2 id="tokens-heading" className="text-lg font-semibold">
                {own ? "Your tokens" : `Tokens of ${listed.owner.name} (${listed.owner.email})`}
              </h2>
              {!own && (
                <Link href="/settings/tokens" className="text-sm text-muted-foreground hover:underline">
                  Back to your tokens
                </Link>
              )}
            </div>
            <div className="rounded-md border">
              <Table aria-labelledby="tokens-heading">
                <TableHeader>
                  <TableRow>
                    <TableHead>Name</TableHead>
                    <TableHead>Token</TableHead>
                    <TableHead>Created</TableHead>
                    <TableHead>Last used</TableHead>
                    <TableHead>Expires</TableHead>
                    <TableHead>Status</TableHead>
                    <TableHead className="w-28" />
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {listed.tokens.length === 0 && (
                    <TableRow>
                      <TableCell colSpan={7} className="text-center text-sm text-muted-foreground">
                        No tokens yet.
                      </TableCell>
                    </TableRow>
                  )}
                  {listed.tokens.map((t) => (
                    <TableRow key={t.id} data-testid="git-token-row">
                      <TableCell className="font-medium">{t.name}</TableCell>
                      <TableCell>
                        <code className="text-xs text-muted-foreground">{t.hint}…</code>
                      </TableCell>
                      <TableCell className="text-sm">
                        <RelativeTime date={t.createdAt} />
                      </TableCell>
                      <TableCell className="text-sm">
                        <TimeAgo date={t.lastUsedAt} />
                      </TableCell>
                      <TableCell className="text-sm">{day(t.expiresAt)}</TableCell>
                      <TableCell className="text-sm">
                        {status(t, now)}
                        {t.revokedAt && (
                          <span className="ml-2 text-xs text-muted-foreground">
                            {day(t.revokedAt)}
                            {t.revokedBy && t.revokedBy.email !== listed.owner.email ? ` by ${t.revokedBy.name}` : ""}
                          </span>
                        )}
                      </TableCell>
                      <TableCell className="text-right">
                        {!t.revokedAt && t.expiresAt > now && <RevokeGitTokenButton id={t.id} name={t.name} owner={own ? undefined : listed.owner.email} />}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
          </section>
        )}
        {manage && (
          <form method="get" className="flex max-w-xl items-end gap-2" aria-label="Another person's tokens">
            <div className="flex-1 space-y-1">
              <label htmlFor="token-user" className="text-sm font-medium">
                Another person&apos;s tokens (admins)
              </label>
              <Input id="token-user" name="user" type="email" placeholder="name@example.com" defaultValue={asked ?? ""} />
            </div>
            <Button type="submit" variant="outline">
              Show
            </Button>
          </form>
        )}
      </div>
    </>
  );
}
