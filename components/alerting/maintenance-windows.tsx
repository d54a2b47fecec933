"use client";

/**
 * A project's maintenance windows: the list (with Remove for those who may
 * edit) and a small form to add one. The same zod schema as the server
 * (ZMaintenanceWindowInput) checks the fields here; the server's answer is
 * shown at the same fields.
 */
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { zodResolver } from "@hookform/resolvers/zod";
import { z } from "zod";
import { CalendarClock, Loader2, Plus, Trash2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Form, FormControl, FormField, FormItem, FormLabel, FormMessage } from "@/components/ui/form";
import { FormError } from "@/components/forms/form-error";
import { TextField } from "@/components/forms/fields";
import { useAction } from "@/components/forms/use-action";
import { ENVIRONMENTS } from "@/lib/catalog/environments";
import { WEEKDAYS, ZMaintenanceWindowInput, type RoutingWindow } from "@/lib/alerting/routing";
import { addMaintenanceWindowAction, removeMaintenanceWindowAction } from "@/lib/alerting/maintenance-actions";

const ZForm = z.object({ window: ZMaintenanceWindowInput });
type TFormIn = z.input<typeof ZForm>;
type TFormOut = z.output<typeof ZForm>;

const cap = (s: string) => s.slice(0, 1).toUpperCase() + s.slice(1);

function describeWindow(w: RoutingWindow) {
  const days = w.weekdays.length === 0 || w.weekdays.length === 7 ? "Every day" : w.weekdays.map((d) => cap(d.slice(0, 3))).join(", ");
  const envs = w.environments.length ? w.environments.join(", ") : "all environments";
  return `${days}, ${w.startTime}–${w.endTime} (${w.location}) · ${envs}`;
}

function RemoveButton({ projectId, window }: { projectId: string; window: RoutingWindow }) {
  const router = useRouter();
  const remove = useAction(removeMaintenanceWindowAction, { success: `Removed ${window.name}`, onSuccess: () => router.refresh() });
  return (
    <Button
      variant="ghost"
      size="sm"
      aria-label={`Remove ${window.name}`}
      disabled={remove.pending}
      onClick={() => void remove.run({ projectId, windowId: window.id })}
    >
      {remove.pending ? <Loader2 className="animate-spin" /> : <Trash2 />} Remove
    </Button>
  );
}

function CheckboxGroup({ legend, options, value, onChange }: { legend: string; options: readonly string[]; value: string[]; onChange: (v: string[]) => void }) {
  return (
    <fieldset className="flex flex-wrap gap-x-4 gap-y-2">
      <legend className="sr-only">{legend}</legend>
      {options.map((o) => (
        <label key={o} className="flex items-center gap-1.5 text-sm">
          <input
            type="checkbox"
            className="size-4 accent-primary"
            checked={value.includes(o)}
            onChange={(e) => onChange(e.target.checked ? [...value, o] : value.filter((x) => x !== o))}
          />
          {cap(o)}
        </label>
      ))}
    </fieldset>
  );
}

function AddWindowForm({ projectId, environments }: { projectId: string; environments: string[] }) {
  const router = useRouter();
  const form = useForm<TFormIn, unknown, TFormOut>({
    resolver: zodResolver(ZForm),
    defaultValues: { window: { name: "", weekdays: [], startTime: "22:00", endTime: "23:00", location: "UTC", environments: [] } },
  });
  const add = useAction(addMaintenanceWindowAction, {
    form,
    success: (w) => `Added ${w.name}: its alerts are muted from ${w.startTime}`,
    onSuccess: () => {
      form.reset();
      router.refresh();
    },
  });
  const envOptions = ENVIRONMENTS.filter((e) => environments.length === 0 || environments.includes(e));
  return (
    <Form {...form}>
      <form
        className="grid gap-4"
        noValidate
        aria-label="Add a maintenance window"
        onSubmit={form.handleSubmit((v) => add.run({ projectId, window: v.window }))}
      >
        <TextField control={form.control} name="window.name" label="Name" placeholder="Nightly database backup" autoComplete="off" />
        <div className="grid gap-4 sm:grid-cols-3">
          <TextField control={form.control} name="window.startTime" label="From (HH:MM)" placeholder="22:00" inputMode="numeric" autoComplete="off" />
          <TextField control={form.control} name="window.endTime" label="To (HH:MM)" placeholder="02:00" inputMode="numeric" autoComplete="off" />
          <TextField control={form.control} name="window.location" label="Time zone" placeholder="Europe/Berlin" autoComplete="off" />
        </div>
        <FormField
          control={form.control}
          name="window.weekdays"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Days (none: every day)</FormLabel>
              <FormControl>
                <CheckboxGroup legend="Days" options={WEEKDAYS} value={field.value ?? []} onChange={field.onChange} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="window.environments"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Environments (none: all)</FormLabel>
              <FormControl>
                <CheckboxGroup legend="Environments" options={envOptions} value={field.value ?? []} onChange={field.onChange} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormError error={add.formError} />
        <div>
          <Button type="submit" disabled={add.pending}>
            {add.pending ? <Loader2 className="animate-spin" /> : <Plus />} Add window
          </Button>
        </div>
      </form>
    </Form>
  );
}

export function MaintenanceWindows({
  projectId,
  windows,
  canEdit,
  environments,
}: {
  projectId: string;
  windows: RoutingWindow[];
  canEdit: boolean;
  environments: string[];
}) {
  return (
    <div className="grid gap-6">
      <Card>
        <CardHeader>
          <CardTitle>Windows</CardTitle>
          <CardDescription>
            During a window Alertmanager sends none of this project&apos;s alerts (a window over midnight continues the next day). Alerts still fire and show in
            Wharf.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {windows.length === 0 ? (
            <p className="text-sm text-muted-foreground">No maintenance window: every alert is sent.</p>
          ) : (
            <ul className="grid gap-2" aria-label="Maintenance windows">
              {windows.map((w) => (
                <li key={w.id} className="flex flex-wrap items-center gap-2 rounded-md border p-3" data-testid="maintenance-window">
                  <CalendarClock className="size-4 text-muted-foreground" aria-hidden />
                  <span className="font-medium">{w.name}</span>
                  <span className="text-sm break-words text-muted-foreground">{describeWindow(w)}</span>
                  {canEdit && (
                    <span className="ml-auto">
                      <RemoveButton projectId={projectId} window={w} />
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      {canEdit ? (
        <Card>
          <CardHeader>
            <CardTitle>Add a window</CardTitle>
            <CardDescription>Alertmanager gets the change within seconds.</CardDescription>
          </CardHeader>
          <CardContent>
            <AddWindowForm projectId={projectId} environments={environments} />
          </CardContent>
        </Card>
      ) : (
        <p className="text-sm text-muted-foreground">Only the project&apos;s owners and maintainers (and ops) change its maintenance windows.</p>
      )}
    </div>
  );
}
