"use client";

import { statusLabel, statusTone } from "@/components/ui/status-badge";
import s from "./project-table.module.css";

/**
 * One project of the list, as the rows need it and nothing more: the page
 * sends these as data (a few hundred bytes a row) rather than a rendered
 * tree, and the relative time is worded on the server so that hydration
 * shows the same text.
 */
export interface ProjectRow {
  slug: string;
  name: string;
  /** Left out when empty. */
  description?: string;
  labels: [key: string, value: string][];
  team: { slug: string; name: string };
  tier: "critical" | "standard" | "experimental";
  /** "Go · Gin", or "—" */
  stack: string;
  owner: string;
  lifecycle: string;
  updated: { iso: string; text: string };
}

/**
 * The list's table body (the header, with its sort links, stays on the server). The cells carry no classes:
 * project-table.module.css styles them by column under `.rows`, and the badges by their data attributes, so a
 * row is about 600 bytes of HTML (it was 1 KB with a class per cell and badge; docs/performance.md).
 *
 * Its links are plain anchors that navigate in the client from one listener (`data-client-nav`,
 * components/shell/intent-prefetch.tsx, which also prefetches on hover or focus): forty next/link components,
 * each with its hooks, were about 2 ms of the server's render of every list page.
 */
export function ProjectRows({ rows }: { rows: ProjectRow[] }) {
  return (
    <tbody className={s.rows} data-client-nav="">
      {rows.map((p) => (
        <tr key={p.slug}>
          <td>
            <a href={`/projects/${p.slug}`}>{p.name}</a>
            <div>{p.description ? `${p.slug} · ${p.description}` : p.slug}</div>
            {p.labels.length > 0 && (
              <div>
                {p.labels.map(([k, v]) => (
                  <span key={k}>{`${k}=${v}`}</span>
                ))}
              </div>
            )}
          </td>
          <td>
            <a href={`/teams/${p.team.slug}`}>{p.team.name}</a>
          </td>
          <td>
            <span data-tier={p.tier}>{p.tier}</span>
          </td>
          <td>{p.stack}</td>
          <td>{p.owner}</td>
          <td>
            <span data-status={p.lifecycle} data-tone={statusTone(p.lifecycle)}>
              {statusLabel(p.lifecycle)}
            </span>
          </td>
          <td>
            <time dateTime={p.updated.iso} title={p.updated.iso.replace("T", " ").slice(0, 19) + " UTC"}>
              {p.updated.text}
            </time>
          </td>
        </tr>
      ))}
    </tbody>
  );
}
