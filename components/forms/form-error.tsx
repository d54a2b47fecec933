import { AlertCircle } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import type { ErrorBody } from "@/lib/errors";

const TITLES: Partial<Record<ErrorBody["code"], string>> = {
  CONFLICT: "Not saved: this record changed meanwhile",
  FORBIDDEN: "No permission",
  INVALID_INPUT: "Some fields need attention",
  ALREADY_EXISTS: "Already taken",
  PRECONDITION_FAILED: "Not possible right now",
  INTERNAL: "Something went wrong",
  UNAVAILABLE: "Wharf could not be reached",
  UNAUTHENTICATED: "Signed out",
};

/** The form-level error, kept on screen above the buttons (field errors stay at their fields). */
export function FormError({ error }: { error: ErrorBody | null }) {
  if (!error) return null;
  return (
    <Alert variant="destructive" role="alert">
      <AlertCircle />
      <AlertTitle>{TITLES[error.code] ?? "Not saved"}</AlertTitle>
      <AlertDescription>
        {error.message}
        {error.requestId && error.code === "INTERNAL" && <span className="block text-xs">Request id: {error.requestId}</span>}
      </AlertDescription>
    </Alert>
  );
}
