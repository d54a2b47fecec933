"use client";

import Link from "@/components/ui/link";
import { LogIn, SearchX } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { NoAccess } from "./no-access";

/*
 * The not-found and 403 pages outside the signed-in shell, as client components: Next sends every layout's
 * not-found and forbidden boundary in the React data of every page, whether or not it is shown, so as server
 * components their whole trees (about 1.5 KB each, classes included) rode along with each page; as client
 * components they cost a reference (docs/performance.md). The same holds for the unauthorized boundary, which Next
 * otherwise fills with its own default page (about 1 KB of inline styles) on every page.
 */

export function NotFoundPage() {
  return (
    <main className="flex min-h-[60svh] items-center justify-center p-6">
      <EmptyState
        icon={SearchX}
        title="Not found"
        description="This page or record does not exist, or it was removed."
        action={
          <Button asChild>
            <Link href="/">Go home</Link>
          </Button>
        }
      />
    </main>
  );
}

export function ForbiddenPage() {
  return (
    <main className="flex min-h-[60svh] items-center justify-center p-6">
      <NoAccess
        action={
          <Button asChild>
            <Link href="/">Go home</Link>
          </Button>
        }
      />
    </main>
  );
}

/** unauthorized(): nobody is signed in (or the session ended) where a page needs someone. */
export function UnauthorizedPage() {
  return (
    <main className="flex min-h-[60svh] items-center justify-center p-6">
      <EmptyState
        icon={LogIn}
        title="Sign in to continue"
        description="This page needs you to be signed in; your session may have ended."
        action={
          <Button asChild>
            <Link href="/signin">Sign in</Link>
          </Button>
        }
      />
    </main>
  );
}
