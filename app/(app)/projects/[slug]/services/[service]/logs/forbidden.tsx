"use client";

// A client component: forbidden.tsx gets no props, and the page's parameters name what was refused.
import { useParams } from "next/navigation";
import { NoAccess } from "@/components/shell/no-access";

/** The 403 page of a service's logs (no log.read, or no log.read.production for production). */
export default function Forbidden() {
  const { slug, service } = useParams<{ slug: string; service: string }>();
  return <NoAccess what={`the logs of ${slug}/${service} in this environment`} />;
}
