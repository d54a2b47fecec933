"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { FieldErrors } from "@/components/forms/field-errors";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import type { ActionResult } from "@/lib/http/action";

/**
 * A comment on a record's timeline (a ticket, an incident): the text, its error at the field (the action's `body`)
 * or above the button, cleared and the page refreshed once it is saved; what was typed stays when it fails.
 */
export function CommentBox<I, O>({
  id,
  placeholder,
  hideLabel = false,
  action,
  input,
}: {
  id: string;
  placeholder: string;
  hideLabel?: boolean;
  action: (input: I) => Promise<ActionResult<O>>;
  /** The action's input for this text. */
  input: (body: string) => I;
}) {
  const router = useRouter();
  const [body, setBody] = useState("");
  const add = useAction(action, {
    onSuccess: () => {
      setBody("");
      router.refresh();
    },
  });
  const bodyErrors = add.formError?.fieldErrors?.body;
  return (
    <form
      className="space-y-2"
      onSubmit={(e) => {
        e.preventDefault();
        void add.run(input(body));
      }}
    >
      <Label htmlFor={id} className={hideLabel ? "sr-only" : undefined}>
        Comment
      </Label>
      <Textarea id={id} rows={2} value={body} onChange={(e) => setBody(e.target.value)} placeholder={placeholder} aria-invalid={Boolean(bodyErrors)} />
      <FieldErrors errors={bodyErrors} label="Comment" />
      <FormError error={add.formError?.fieldErrors ? null : add.formError} />
      <Button size="sm" type="submit" disabled={add.pending || !body.trim()}>
        Comment
      </Button>
    </form>
  );
}
