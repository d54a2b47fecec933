import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Anchor } from "lucide-react";
import { env, oidcEnabled } from "@/lib/env";
import { getActor } from "@/lib/access/session";
import { db } from "@/lib/db/client";
import { Card, CardContent, CardDescription, CardHeader } from "@/components/ui/card";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { SignInButtons } from "./signin-buttons";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

const ERRORS: Record<string, string> = {
  NoEmail: "Your identity provider did not share an e-mail address. Ask its administrator to release the email claim to Wharf.",
  Disabled: "Your Wharf account is disabled. Ask a Wharf admin to enable it.",
  CredentialsSignin: "That demo user is not available. Pick one from the list.",
  OAuthSignin: "The sign-in with your identity provider could not start. Try again, or ask an admin to check the OIDC settings.",
  OAuthCallback: "Your identity provider answered with an error. Try again.",
  AccessDenied: "Access was denied.",
  SessionRequired: "Sign in to continue.",
  RateLimited: "Too many sign-in attempts from your network. Wait a minute and try again.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string; callbackUrl?: string }> }) {
  const { error, callbackUrl } = await searchParams;
  if (await getActor()) redirect(safeCallback(callbackUrl));
  const c = env();
  const demoUsers = c.WHARF_DEV_LOGIN
    ? await db().user.findMany({
        where: { isDemo: true, disabled: false },
        orderBy: { platformRole: "asc" },
        select: { email: true, name: true, platformRole: true },
      })
    : [];
  const oidc = oidcEnabled(c) ? { name: c.OIDC_DISPLAY_NAME } : null;
  return (
    <main className="flex min-h-svh items-center justify-center bg-muted/40 p-6">
      <Card className="w-full max-w-md">
        <CardHeader className="text-center">
          <div className="mx-auto mb-2 flex size-11 items-center justify-center rounded-xl bg-primary text-primary-foreground">
            <Anchor className="size-6" aria-hidden />
          </div>
          <h1 className="text-2xl leading-none font-semibold">Sign in to Wharf</h1>
          <CardDescription>Your self-service platform for services on Kubernetes.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          {error && (
            <Alert variant="destructive">
              <AlertTitle>Sign-in failed</AlertTitle>
              <AlertDescription>{ERRORS[error] ?? "Sign-in failed. Try again."}</AlertDescription>
            </Alert>
          )}
          {!oidc && demoUsers.length === 0 && (
            <Alert>
              <AlertTitle>No sign-in method is configured</AlertTitle>
              <AlertDescription>
                Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (or WHARF_DEV_LOGIN=1 on a dev machine) and restart Wharf.
              </AlertDescription>
            </Alert>
          )}
          <SignInButtons oidc={oidc} demoUsers={demoUsers} callbackUrl={safeCallback(callbackUrl)} />
        </CardContent>
      </Card>
    </main>
  );
}

/** Only paths on this site: never redirect to another origin after sign-in. */
function safeCallback(url?: string): string {
  if (!url) return "/";
  try {
    const base = new URL(env().NEXTAUTH_URL ?? "http://localhost:3000");
    const parsed = new URL(url, base);
    return parsed.origin === base.origin ? parsed.pathname + parsed.search : "/";
  } catch {
    return "/";
  }
}
