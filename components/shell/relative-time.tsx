import { formatDistanceToNowStrict } from "date-fns";

/** "3 minutes ago" rendered on the server (for long lists; use TimeAgo where it must stay current). */
export function RelativeTime({ date }: { date: Date }) {
  return (
    <time dateTime={date.toISOString()} title={date.toISOString().replace("T", " ").slice(0, 19) + " UTC"}>
      {formatDistanceToNowStrict(date, { addSuffix: true })}
    </time>
  );
}
