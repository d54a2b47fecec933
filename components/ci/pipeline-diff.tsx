/**
 * A unified diff of one generated resource against what the build cluster
 * has (the plan's text, from the `diff` package), line by line: removed lines
 * red, added green, hunk headers muted. The file headers are dropped.
 */
import { cn } from "@/lib/utils";

function tone(line: string) {
  if (line.startsWith("@@")) return "text-muted-foreground bg-muted/60";
  if (line.startsWith("+")) return "bg-emerald-500/10 text-emerald-900 dark:text-emerald-200";
  if (line.startsWith("-")) return "bg-red-500/10 text-red-900 dark:text-red-200";
  return "";
}

export function PipelineDiff({ diff, label }: { diff: string; label: string }) {
  const lines = diff.split("\n").filter((l) => !/^(Index: |=+$|--- |\+\+\+ )/.test(l) && l !== "\\ No newline at end of file");
  while (lines.length && lines.at(-1) === "") lines.pop();
  return (
    <pre className="max-h-[28rem] overflow-auto rounded-md border bg-background text-xs" aria-label={label} data-testid="resource-diff">
      <code className="block min-w-max py-1">
        {lines.map((l, i) => (
          <span key={i} className={cn("block px-3 font-mono whitespace-pre", tone(l))}>
            {l || " "}
          </span>
        ))}
      </code>
    </pre>
  );
}
