"use client";

import { AlertTriangle } from "lucide-react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** Any unexpected error of a page: a sentence and a retry, never a stack trace. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="flex min-h-[60svh] items-center justify-center p-6">
      <EmptyState
        icon={AlertTriangle}
        title="Something went wrong"
        description={`This page could not be shown. The error was logged${error.digest ? ` (reference ${error.digest})` : ""}; try again in a moment.`}
        action={<Button onClick={reset}>Try again</Button>}
      />
    </main>
  );
}
