"use client";

/** The team page's Slack app for incidents: a channel id and a bot token (kept sealed, never shown again). */
import { useState } from "react";
import { useRouter } from "next/navigation";
import { Loader2 } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormError } from "@/components/forms/form-error";
import { useAction } from "@/components/forms/use-action";
import { setTeamSlackAppAction } from "@/lib/alerting/chat-actions";

export function ChatAppForm({ data }: { data: { teamId: string; channelId: string; hasToken: boolean; canEdit: boolean } }) {
  const router = useRouter();
  const [channelId, setChannelId] = useState(data.channelId);
  const [botToken, setBotToken] = useState("");
  const save = useAction(setTeamSlackAppAction, {
    success: (d) => (d.channelId ? "Slack app saved" : "Slack app disconnected"),
    onSuccess: () => {
      setBotToken("");
      router.refresh();
    },
  });
  const errors = save.formError?.fieldErrors;
  if (!data.canEdit) {
    return (
      <p className="text-sm text-muted-foreground">
        {data.channelId ? `Incidents are posted to Slack channel ${data.channelId} and updated there as alerts join or resolve.` : "No Slack app connected."}
      </p>
    );
  }
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run({ teamId: data.teamId, channelId, botToken });
      }}
    >
      <p className="text-sm text-muted-foreground">
        The team&apos;s webhook gets one message per incident and one more when it is acknowledged, escalated or resolved. A Slack app (chat:write) instead
        keeps one message per incident up to date as alerts join or resolve.
      </p>
      <div className="flex flex-wrap items-end gap-3">
        <div className="space-y-1">
          <Label htmlFor="slack-channel">Slack channel id</Label>
          <Input
            id="slack-channel"
            value={channelId}
            onChange={(e) => setChannelId(e.target.value)}
            placeholder="C0123ABCD"
            className="w-44"
            aria-invalid={Boolean(errors?.channelId)}
          />
        </div>
        <div className="space-y-1">
          <Label htmlFor="slack-token">Bot token</Label>
          <Input
            id="slack-token"
            type="password"
            autoComplete="off"
            value={botToken}
            onChange={(e) => setBotToken(e.target.value)}
            placeholder={data.hasToken ? "saved: leave empty to keep it" : "xoxb-..."}
            className="w-64"
            aria-invalid={Boolean(errors?.botToken)}
          />
        </div>
        <Button type="submit" variant="outline" disabled={save.pending}>
          {save.pending && <Loader2 className="animate-spin" />} Save Slack app
        </Button>
      </div>
      {errors?.channelId && <p className="text-sm text-destructive">{errors.channelId.join(" ")}</p>}
      {errors?.botToken && <p className="text-sm text-destructive">{errors.botToken.join(" ")}</p>}
      <FormError error={errors ? null : save.formError} />
    </form>
  );
}
