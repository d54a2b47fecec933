import { cn } from "@/lib/utils";

/**
 * A field's problems, one item each: never run together in one sentence.
 * One problem reads as a line, several as a bulleted list.
 */
export function FieldErrors({ errors, label, id, className }: { errors?: string[]; label?: string; id?: string; className?: string }) {
  const unique = [...new Set(errors ?? [])];
  if (!unique.length) return null;
  return (
    <ul
      id={id}
      aria-label={label ? `Problems with ${label}` : "Problems"}
      className={cn("space-y-0.5 text-sm text-destructive", unique.length > 1 && "list-disc pl-5", className)}
      data-testid="field-errors"
    >
      {unique.map((e) => (
        <li key={e}>{e}</li>
      ))}
    </ul>
  );
}
