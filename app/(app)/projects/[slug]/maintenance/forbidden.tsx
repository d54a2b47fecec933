"use client";

// A client component: forbidden.tsx gets no props, and the page's parameters name what was refused.
import { useParams } from "next/navigation";
import { NoAccess } from "@/components/shell/no-access";

/** The 403 page of a project's maintenance windows (pageRead in page.tsx). */
export default function Forbidden() {
  const { slug } = useParams<{ slug: string }>();
  return <NoAccess what={`the maintenance windows of ${slug}`} />;
}
