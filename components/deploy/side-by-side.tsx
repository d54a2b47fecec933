"use client";

import { diffLines } from "diff";

/** Two texts side by side, removed lines red on the left, added lines green on the right. */
export function SideBySide({ left, right, leftTitle, rightTitle }: { left: string; right: string; leftTitle: string; rightTitle: string }) {
  const rows: { l?: string; r?: string; kind: "same" | "changed" }[] = [];
  const parts = diffLines(left, right);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const lines = p.value.replace(/\n$/, "").split("\n");
    if (!p.added && !p.removed) lines.forEach((line) => rows.push({ l: line, r: line, kind: "same" }));
    else if (p.removed && parts[i + 1]?.added) {
      const added = parts[i + 1]!.value.replace(/\n$/, "").split("\n");
      for (let j = 0; j < Math.max(lines.length, added.length); j++) rows.push({ l: lines[j], r: added[j], kind: "changed" });
      i++;
    } else if (p.removed) lines.forEach((line) => rows.push({ l: line, kind: "changed" }));
    else lines.forEach((line) => rows.push({ r: line, kind: "changed" }));
  }
  const changed = rows.filter((r) => r.kind === "changed").length;
  return (
    <div className="overflow-hidden rounded-md border text-xs" data-testid="diff">
      <div className="grid grid-cols-2 border-b bg-muted/50 font-medium">
        <div className="px-3 py-1.5">{leftTitle}</div>
        <div className="border-l px-3 py-1.5">
          {rightTitle} <span className="font-normal text-muted-foreground">({changed === 0 ? "no difference" : `${changed} lines differ`})</span>
        </div>
      </div>
      {/* Side by side where there is room; on a phone one column, each changed line as removed (-) then added (+). */}
      <div className="hidden max-h-[32rem] overflow-auto font-mono sm:block">
        {rows.map((row, i) => (
          <div key={i} className="grid grid-cols-2">
            <pre className={`px-3 whitespace-pre-wrap ${row.kind === "changed" && row.l !== undefined ? "bg-destructive/15" : ""}`}>{row.l ?? ""}</pre>
            <pre className={`border-l px-3 whitespace-pre-wrap ${row.kind === "changed" && row.r !== undefined ? "bg-success/15" : ""}`}>{row.r ?? ""}</pre>
          </div>
        ))}
      </div>
      <div className="max-h-[32rem] overflow-auto font-mono sm:hidden">
        {rows.flatMap((row, i) =>
          row.kind === "same"
            ? [
                <pre key={i} className="px-3 whitespace-pre-wrap">
                  {"  "}
                  {row.l}
                </pre>,
              ]
            : [
                ...(row.l !== undefined
                  ? [
                      <pre key={`${i}-l`} className="bg-destructive/15 px-3 whitespace-pre-wrap">
                        {"- "}
                        {row.l}
                      </pre>,
                    ]
                  : []),
                ...(row.r !== undefined
                  ? [
                      <pre key={`${i}-r`} className="bg-success/15 px-3 whitespace-pre-wrap">
                        {"+ "}
                        {row.r}
                      </pre>,
                    ]
                  : []),
              ],
        )}
      </div>
    </div>
  );
}
