import Link from "@/components/ui/link";
import { Badge } from "@/components/ui/badge";
import { SideBySide } from "@/components/deploy/side-by-side";
import type { TicketView as TView, ViewField, ViewValue } from "@/lib/tickets/types";

const TONE = { default: "secondary", warning: "warning", danger: "destructive", success: "success" } as const;

function Value({ value }: { value: ViewValue }) {
  switch (value.kind) {
    case "text":
      return <span className={value.mono ? "font-mono text-xs break-all" : "break-words whitespace-pre-wrap"}>{value.text}</span>;
    case "badge":
      return <Badge variant={TONE[value.tone ?? "default"]}>{value.text}</Badge>;
    case "link":
      return (
        <Link className="underline" href={value.href}>
          {value.text}
        </Link>
      );
    case "list":
      return (
        <ul className="space-y-1">
          {value.items.map((item, i) => (
            <li key={i}>
              <Value value={item} />
            </li>
          ))}
        </ul>
      );
    case "row":
      return (
        <span className="flex min-w-0 flex-wrap items-center gap-2">
          {value.items.map((item, i) => (
            <Value key={i} value={item} />
          ))}
        </span>
      );
    case "code":
      return <pre className="max-h-64 overflow-auto rounded bg-muted p-2 text-xs">{value.text}</pre>;
    case "diff":
      return <SideBySide left={value.before} right={value.after} leftTitle="now" rightTitle={value.title} />;
    case "section":
      return (
        <section aria-label={value.title} className="space-y-2 rounded-md border p-3">
          <h3 className="text-sm font-semibold">{value.title}</h3>
          <Fields fields={value.fields} />
        </section>
      );
  }
}

function Fields({ fields }: { fields: ViewField[] }) {
  return (
    <dl className="grid grid-cols-1 gap-x-4 gap-y-2 text-sm sm:grid-cols-[9rem_1fr]">
      {fields.map((f, i) =>
        f.value.kind === "section" ? (
          // A section carries its own title and spans both columns.
          <div key={`${f.label}-${i}`} className="min-w-0 sm:col-span-2">
            <Value value={f.value} />
          </div>
        ) : (
          <div key={`${f.label}-${i}`} className="contents">
            <dt className="text-muted-foreground">{f.label}</dt>
            <dd className="min-w-0">
              <Value value={f.value} />
            </dd>
          </div>
        ),
      )}
    </dl>
  );
}

/** A ticket's request as its type describes it (lib/<domain>: the ticket type's `view`), never raw JSON. */
export function TicketView({ view }: { view: TView }) {
  return (
    <div className="space-y-3">
      <Fields fields={view.fields} />
      {view.notes?.length ? (
        <p className="flex flex-wrap gap-3 text-xs text-muted-foreground">
          {view.notes.map((n, i) => (
            <Value key={i} value={n} />
          ))}
        </p>
      ) : null}
    </div>
  );
}
