/**
 * The URL of a Prometheus-API source (WHARF_PROMETHEUS_URL, or a cluster's own
 * Prometheus pasted by an admin). Untrusted: only http(s), no credentials in
 * it (they would be stored and shown in plain text), no query or fragment
 * (Wharf appends the API paths itself). Shared by lib/env.ts and the cluster form.
 */
import { z } from "zod";

export const ZPrometheusUrl = z
  .string()
  .trim()
  .max(2048, { message: "At most 2048 characters" })
  .superRefine((v, ctx) => {
    let url: URL;
    try {
      // "prometheus:9090" parses as the scheme "prometheus:": ask for a full URL instead of naming that scheme.
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw new Error("no scheme");
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter the Prometheus URL, e.g. http://prometheus.monitoring:9090 or https://thanos.example.com" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: `Use an http:// or https:// URL (not ${url.protocol.replace(/:$/, "")})` });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "Remove the user name and password from the URL: Wharf sends no credentials to Prometheus" });
    } else if (url.search || url.hash) {
      ctx.addIssue({ code: "custom", message: "Remove the query (?...) and fragment (#...): give the base URL Prometheus' /api/v1 lives under" });
    }
  })
  .overwrite((v) => v.replace(/\/+$/, ""));

/** A cluster's optional override: "" means "the global source". */
export const ZClusterPrometheusUrl = z.union([z.literal(""), ZPrometheusUrl]);
