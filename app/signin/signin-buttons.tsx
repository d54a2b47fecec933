"use client";

import { useState } from "react";
import { signIn } from "next-auth/react";
import { KeyRound, Loader2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Separator } from "@/components/ui/separator";
import { Badge } from "@/components/ui/badge";
import { useHydrated } from "@/hooks/use-hydrated";

interface Props {
  oidc: { name: string } | null;
  demoUsers: { email: string; name: string; platformRole: string }[];
  callbackUrl: string;
}

const ROLE_HINT: Record<string, string> = {
  developer: "onboards projects, deploys, reads logs",
  ops: "approves tickets, watches provisioning",
  manager: "reads the dashboards",
  admin: "registers clusters, manages everything",
};

export function SignInButtons({ oidc, demoUsers, callbackUrl }: Props) {
  const [pending, setPending] = useState<string | null>(null);
  // Until hydrated a click would be lost (signIn is JavaScript): the buttons wait, so nobody clicks into the void.
  const hydrated = useHydrated();
  return (
    <div className="space-y-4">
      {oidc && (
        <Button
          className="w-full"
          size="lg"
          disabled={!hydrated || pending !== null}
          onClick={() => {
            setPending("oidc");
            void signIn("oidc", { callbackUrl });
          }}
        >
          {pending === "oidc" ? <Loader2 className="animate-spin" /> : <KeyRound />}
          Continue with {oidc.name}
        </Button>
      )}
      {oidc && demoUsers.length > 0 && (
        <div className="flex items-center gap-3 text-xs text-muted-foreground">
          <Separator className="flex-1" /> or a demo user <Separator className="flex-1" />
        </div>
      )}
      {demoUsers.length > 0 && (
        <ul className="space-y-2" aria-label="Demo users">
          {demoUsers.map((u) => (
            <li key={u.email}>
              <Button
                variant="outline"
                className="h-auto w-full justify-between px-4 py-3 text-left"
                disabled={!hydrated || pending !== null}
                onClick={() => {
                  setPending(u.email);
                  void signIn("dev", { email: u.email, callbackUrl });
                }}
              >
                <span className="flex flex-col">
                  <span className="font-medium">Sign in as {u.name}</span>
                  <span className="text-xs font-normal text-muted-foreground">{ROLE_HINT[u.platformRole]}</span>
                </span>
                {pending === u.email ? <Loader2 className="animate-spin" /> : <Badge variant="secondary">{u.platformRole}</Badge>}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {demoUsers.length > 0 && (
        <p className="text-center text-xs text-muted-foreground">Demo sign-in is on because WHARF_DEV_LOGIN is set. Never enable it in production.</p>
      )}
    </div>
  );
}
