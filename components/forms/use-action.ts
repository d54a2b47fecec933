"use client";

/**
 * Runs a server action from a form: shows field errors at their fields,
 * other errors in a toast and in `formError` (kept on screen), and never
 * clears what the user typed when something fails.
 */
import { useState, useTransition } from "react";
import type { FieldValues, Path, UseFormReturn } from "react-hook-form";
import { toast } from "sonner";
import type { ActionResult } from "@/lib/http/action";
import type { ErrorBody } from "@/lib/errors";

export function useAction<I, O, F extends FieldValues = FieldValues>(
  action: (input: I) => Promise<ActionResult<O>>,
  opts: { form?: UseFormReturn<F>; success?: string | ((data: O) => string); onSuccess?: (data: O) => void } = {},
) {
  const [pending, startTransition] = useTransition();
  const [formError, setFormError] = useState<ErrorBody | null>(null);

  function run(input: I): Promise<ActionResult<O>> {
    setFormError(null);
    return new Promise((resolve) => {
      startTransition(async () => {
        let result: ActionResult<O>;
        try {
          result = await action(input);
        } catch {
          result = { ok: false, error: { code: "UNAVAILABLE", message: "Wharf could not be reached. Check your connection and try again." } };
        }
        if (result.ok) {
          if (opts.success) toast.success(typeof opts.success === "function" ? opts.success(result.data) : opts.success);
          opts.onSuccess?.(result.data);
        } else {
          const { fieldErrors, message } = result.error;
          let shownAtField = false;
          if (opts.form && fieldErrors) {
            for (const [field, messages] of Object.entries(fieldErrors)) {
              if (field === "_form") continue;
              opts.form.setError(field as Path<F>, { type: "server", message: messages.join(" ") }, { shouldFocus: !shownAtField });
              shownAtField = true;
            }
          }
          // Errors shown at their fields are not repeated above the buttons; anything else is kept on screen.
          const onlyFieldErrors = shownAtField && Object.keys(fieldErrors ?? {}).every((f) => f !== "_form");
          setFormError(onlyFieldErrors ? null : result.error);
          if (!shownAtField) toast.error(message);
        }
        resolve(result);
      });
    });
  }

  return { run, pending, formError, clearFormError: () => setFormError(null) };
}
