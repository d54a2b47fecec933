"use client";

/** The team page's "On call" section: the rota in order (add, remove, reorder), who is on call now, the time to acknowledge. */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { ArrowDown, ArrowUp, Loader2, Plus, X } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Badge } from "@/components/ui/badge";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { setOnCallAction } from "@/lib/alerting/oncall-actions";

interface Person {
  id: string;
  name: string;
  email: string;
}

export interface OnCallData {
  teamId: string;
  ackMinutes: number;
  rota: Person[];
  onCallNow: Person | null;
  members: Person[];
  canEdit: boolean;
}

export function OnCallSection({ data }: { data: OnCallData }) {
  const router = useRouter();
  const [rota, setRota] = useState<Person[]>(data.rota);
  const [ackMinutes, setAckMinutes] = useState(String(data.ackMinutes));
  const [adding, setAdding] = useState("");
  const save = useAction(setOnCallAction, { success: "On-call rota saved", onSuccess: () => router.refresh() });
  const candidates = data.members.filter((m) => !rota.some((r) => r.id === m.id));
  const move = (i: number, by: -1 | 1) =>
    setRota((list) => {
      const next = [...list];
      [next[i], next[i + by]] = [next[i + by]!, next[i]!];
      return next;
    });
  const ackError = save.formError?.fieldErrors?.ackMinutes;

  return (
    <div className="space-y-4" data-testid="on-call">
      <p className="text-sm text-muted-foreground">
        {data.onCallNow ? (
          <>
            On call this week: <span className="font-medium text-foreground">{data.onCallNow.name}</span>. The rota turns on Mondays (00:00 UTC); an incident
            not acknowledged within {data.ackMinutes} minutes goes to the next person.
          </>
        ) : (
          "Nobody is on call: add team members to the rota so incidents not acknowledged in time go to someone."
        )}
      </p>
      {rota.length > 0 && (
        <ol className="divide-y rounded-md border" aria-label="On-call rota">
          {rota.map((p, i) => (
            <li key={p.id} className="flex flex-wrap items-center gap-2 px-3 py-2">
              <span className="w-6 text-sm text-muted-foreground">{i + 1}.</span>
              <span className="min-w-0 flex-1 truncate">
                {p.name} <span className="text-xs text-muted-foreground">{p.email}</span>
              </span>
              {data.onCallNow?.id === p.id && <Badge>on call</Badge>}
              {save.formError?.fieldErrors?.[`userIds.${i}`] && (
                <span className="basis-full text-sm text-destructive">{save.formError.fieldErrors[`userIds.${i}`]!.join(" ")}</span>
              )}
              {data.canEdit && (
                <span className="flex gap-1">
                  <Button type="button" size="icon" variant="ghost" aria-label={`Move ${p.name} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    <ArrowUp />
                  </Button>
                  <Button
                    type="button"
                    size="icon"
                    variant="ghost"
                    aria-label={`Move ${p.name} down`}
                    disabled={i === rota.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    <ArrowDown />
                  </Button>
                  <Button
                    type="button"
                    size="icon"
                    variant="ghost"
                    aria-label={`Remove ${p.name} from the rota`}
                    onClick={() => setRota(rota.filter((r) => r.id !== p.id))}
                  >
                    <X />
                  </Button>
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {data.canEdit ? (
        <form
          noValidate
          className="flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run({ teamId: data.teamId, userIds: rota.map((r) => r.id), ackMinutes: Number(ackMinutes) });
          }}
        >
          <div className="space-y-1">
            <Label htmlFor="oncall-add">Add to the rota</Label>
            <div className="flex gap-2">
              <NativeSelect id="oncall-add" value={adding} onChange={(e) => setAdding(e.target.value)} className="w-56">
                <option value="">{candidates.length ? "Choose a team member" : "Every member is in the rota"}</option>
                {candidates.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </NativeSelect>
              <Button
                type="button"
                variant="outline"
                disabled={!adding}
                onClick={() => {
                  const person = candidates.find((c) => c.id === adding);
                  if (person) setRota([...rota, person]);
                  setAdding("");
                }}
              >
                <Plus /> Add
              </Button>
            </div>
          </div>
          <div className="space-y-1">
            <Label htmlFor="oncall-ack">Minutes to acknowledge</Label>
            <Input
              id="oncall-ack"
              type="number"
              min={1}
              max={1440}
              value={ackMinutes}
              onChange={(e) => setAckMinutes(e.target.value)}
              className="w-28"
              aria-invalid={Boolean(ackError)}
              aria-describedby={ackError ? "oncall-ack-error" : undefined}
            />
          </div>
          <Button type="submit" disabled={save.pending}>
            {save.pending && <Loader2 className="animate-spin" />} Save rota
          </Button>
          <div className="basis-full space-y-2">
            {ackError && (
              <p id="oncall-ack-error" className="text-sm text-destructive">
                {ackError.join(" ")}
              </p>
            )}
            <FormError error={save.formError?.fieldErrors ? null : save.formError} />
          </div>
        </form>
      ) : (
        <p className="text-sm text-muted-foreground">Minutes to acknowledge: {data.ackMinutes}. The team&apos;s leads edit the rota.</p>
      )}
    </div>
  );
}
