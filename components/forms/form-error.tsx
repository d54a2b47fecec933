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
  UNAVAILABLE: "Not done: try again in a moment",
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
        {/* Problems of the input as a whole (no field to show them at), e.g. a value the database refused. */}
        {error.fieldErrors?._form?.map((m) => (
          <span key={m} className="block">
            {m}
          </span>
        ))}
        {error.requestId && error.code === "INTERNAL" && <span className="block text-xs">Request id: {error.requestId}</span>}
      </AlertDescription>
    </Alert>
  );
}
