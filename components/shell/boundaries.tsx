"use client";

import Link from "next/link";
import { SearchX } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { NoAccess } from "./no-access";

/*
 * The not-found and 403 pages outside the signed-in shell, as client components: Next sends every layout's
 * not-found and forbidden boundary in the React data of every page, whether or not it is shown, so as server
 * components their whole trees (about 1.5 KB each, classes included) rode along with each page; as client
 * components they cost a reference (docs/performance.md).
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
