"use client";

import Link from "next/link";
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
  /** "slug · description" */
  summary: string;
  labels: [key: string, value: string][];
  team: { slug: string; name: string };
  tier: "critical" | "standard" | "experimental";
  /** "Go · Gin", or "—" */
  stack: string;
  owner: string;
  lifecycle: string;
  updated: { iso: string; text: string };
}

const TIER_VARIANT: Record<ProjectRow["tier"], string> = { critical: "destructive", experimental: "secondary", standard: "outline" };

/** The list's table body (the header, with its sort links, stays on the server). */
export function ProjectRows({ rows }: { rows: ProjectRow[] }) {
  return (
    <tbody className={s.rows}>
      {rows.map((p) => {
        const tone = statusTone(p.lifecycle);
        return (
          <tr key={p.slug}>
            <td className={s.main}>
              <Link href={`/projects/${p.slug}`} className={s.name}>
                {p.name}
              </Link>
              <div className={s.sub}>{p.summary}</div>
              {p.labels.length > 0 && (
                <div className={s.labels}>
                  {p.labels.map(([k, v]) => (
                    <span key={k} className={`${s.badge} ${s.label}`} data-variant="outline">
                      {k}={v}
                    </span>
                  ))}
                </div>
              )}
            </td>
            <td>
              <Link href={`/teams/${p.team.slug}`} className={s.link}>
                {p.team.name}
              </Link>
            </td>
            <td>
              <span className={s.badge} data-variant={TIER_VARIANT[p.tier]}>
                {p.tier}
              </span>
            </td>
            <td className={`${s.lg} ${s.quiet}`}>{p.stack}</td>
            <td className={s.md}>{p.owner}</td>
            <td>
              <span className={`${s.badge} ${s.status}`} data-variant="outline" data-status={p.lifecycle} data-tone={tone}>
                <span aria-hidden="true" className={s.dot} data-tone={tone} />
                {statusLabel(p.lifecycle)}
              </span>
            </td>
            <td className={`${s.md} ${s.quiet}`}>
              <time dateTime={p.updated.iso} title={p.updated.iso.replace("T", " ").slice(0, 19) + " UTC"}>
                {p.updated.text}
              </time>
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}
