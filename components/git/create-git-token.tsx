"use client";

/**
 * Creates a Git access token (a POST: the server action) and shows it once,
 * with how to clone with it. The token lives only in this component's state:
 * it is gone on reload, as the page says.
 */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { Check, Copy, KeyRound, Loader2 } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Form, FormControl, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { NativeSelect } from "@/components/ui/native-select";
import { FormError } from "@/components/forms/form-error";
import { TextField } from "@/components/forms/fields";
import { useAction } from "@/components/forms/use-action";
import { ZGitTokenName } from "@/lib/git/schemas";
import { createGitTokenAction } from "@/lib/git/actions";

const ZForm = z.object({ name: ZGitTokenName, days: z.string() });
type TForm = z.infer<typeof ZForm>;

const CHOICES = [7, 30, 90, 180, 366];

export function CreateGitToken({ email, maxDays, publicUrl }: { email: string; maxDays: number; publicUrl: string }) {
  const router = useRouter();
  const [created, setCreated] = useState<{ name: string; token: string; expiresAt: Date } | null>(null);
  const [copied, setCopied] = useState(false);
  const choices = [...new Set([...CHOICES.filter((d) => d < maxDays), maxDays])];
  const form = useForm<TForm>({ resolver: zodResolver(ZForm), defaultValues: { name: "", days: String(maxDays) } });
  const create = useAction(createGitTokenAction, {
    form,
    success: (d) => `Token ${d.name} created`,
    onSuccess: (d) => {
      setCreated({ name: d.name, token: d.token, expiresAt: new Date(d.expiresAt) });
      setCopied(false);
      form.reset({ name: "", days: String(maxDays) });
      router.refresh();
    },
  });

  async function copy(token: string) {
    await navigator.clipboard.writeText(token);
    setCopied(true);
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>New token</CardTitle>
        <CardDescription>
          Name it after where you will use it. It reads the repositories of the projects you belong to, for as long as you belong to them.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <Form {...form}>
          <form
            className="flex flex-col gap-4 sm:flex-row sm:items-start"
            noValidate
            onSubmit={form.handleSubmit((v) => void create.run({ name: v.name, days: Number(v.days) }))}
          >
            <TextField control={form.control} name="name" label="Name" placeholder="laptop" autoComplete="off" className="sm:w-72" />
            <FormField
              control={form.control}
              name="days"
              render={({ field }) => (
                <FormItem className="sm:w-40">
                  <FormLabel>Expires in</FormLabel>
                  <FormControl>
                    <NativeSelect {...field}>
                      {choices.map((d) => (
                        <option key={d} value={String(d)}>
                          {d} days
                        </option>
                      ))}
                    </NativeSelect>
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <Button type="submit" className="sm:mt-[22px]" disabled={create.pending}>
              {create.pending ? <Loader2 className="animate-spin" /> : <KeyRound />} Create token
            </Button>
          </form>
        </Form>
        <FormError error={create.formError} />
        {created && (
          <Alert data-testid="new-git-token">
            <KeyRound />
            <AlertTitle>Your new token “{created.name}”: copy it now, it is shown only once</AlertTitle>
            <AlertDescription className="space-y-3">
              <div className="flex w-full items-center gap-2">
                <code className="min-w-0 flex-1 truncate rounded bg-muted px-2 py-1 font-mono text-sm text-foreground" data-testid="new-git-token-value">
                  {created.token}
                </code>
                <Button type="button" size="sm" variant="outline" onClick={() => void copy(created.token)}>
                  {copied ? <Check /> : <Copy />} {copied ? "Copied" : "Copy"}
                </Button>
              </div>
              <p>
                Valid until {created.expiresAt.toISOString().slice(0, 10)}. Clone with <strong>{email}</strong> as the user name and the token as the password:
              </p>
              <pre className="w-full overflow-x-auto rounded bg-muted p-2 font-mono text-xs text-foreground">
                {`git clone ${publicUrl}/git/<project-slug>.git\ngit config --global credential.helper store   # git asks once, then remembers`}
              </pre>
              <p>Wharf keeps only a fingerprint of it: if you lose it, revoke it and create another.</p>
            </AlertDescription>
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
