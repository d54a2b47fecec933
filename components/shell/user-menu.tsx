"use client";

import { useTransition } from "react";
import Link from "@/components/ui/link";
import { signOut } from "next-auth/react";
import { KeyRound, LogOut, MonitorX } from "lucide-react";
import { toast } from "sonner";
import { Avatar, AvatarFallback } from "@/components/ui/avatar";
import { Badge } from "@/components/ui/badge";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import type { ActionResult } from "@/lib/http/action";
import { signOutAction, signOutEverywhereAction } from "@/lib/access/session-actions";
import { useHydrated } from "@/hooks/use-hydrated";
import styles from "./header.module.css";

export function UserMenu({ name, email, role }: { name: string; email: string; role: string }) {
  const [pending, startTransition] = useTransition();
  const hydrated = useHydrated();
  const initials = name
    .split(/\s+/)
    .map((p) => p[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();

  // The session is ended on the server first, then the cookie is cleared: a copy of the cookie must not outlive the sign-out.
  function end(everywhere: boolean) {
    startTransition(async () => {
      let result: ActionResult<object>;
      try {
        result = await (everywhere ? signOutEverywhereAction({}) : signOutAction({}));
      } catch {
        result = { ok: false, error: { code: "UNAVAILABLE", message: "Wharf could not be reached." } };
      }
      // A session that had already ended has nothing left to end on the server.
      if (!result.ok && result.error.code !== "UNAUTHENTICATED") {
        toast.error(`You are still signed in: ${result.error.message} Try again.`);
        return;
      }
      await signOut({ callbackUrl: "/signin" });
    });
  }

  const button = (
    <button type="button" className={`${styles.base} ${styles.user}`} aria-label="User menu">
      <Avatar className="size-7">
        <AvatarFallback className="text-xs">{initials}</AvatarFallback>
      </Avatar>
      <span className="hidden text-sm md:inline">{name}</span>
    </button>
  );
  // The server renders the button alone, and the menu around it comes with hydration (docs/performance.md, ninth pass).
  if (!hydrated) return button;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>{button}</DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel className="space-y-1">
          <div className="font-medium">{name}</div>
          <div className="text-xs font-normal text-muted-foreground">{email}</div>
          <Badge variant="secondary" data-testid="platform-role">
            {role}
          </Badge>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/settings/tokens">
            <KeyRound /> Git access tokens
          </Link>
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem disabled={pending} onSelect={() => end(false)}>
          <LogOut /> Sign out
        </DropdownMenuItem>
        <DropdownMenuItem disabled={pending} onSelect={() => end(true)}>
          <MonitorX /> Sign out everywhere
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
