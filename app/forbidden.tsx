import Link from "next/link";
import { NoAccess } from "@/components/shell/no-access";
import { Button } from "@/components/ui/button";

/** The 403 page outside the signed-in shell (forbidden() anywhere else). */
export default function Forbidden() {
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
