import { NextResponse } from "next/server";
import { defineRoute } from "@/lib/http/route";
import { AppError } from "@/lib/errors";
import { previewInstances } from "@/lib/config/gray-read";

/**
 * The instances of a config working copy and which release each holds
 * (config.read), polled by the instances page while some are behind; with
 * `rule` (a gray rule as JSON), which of them the rule selects now (the gray
 * release editor).
 */
export const GET = defineRoute("/api/config/instances", async (req, { ctx }) => {
  const q = req.nextUrl.searchParams;
  let rule: unknown;
  const ruleText = q.get("rule");
  if (ruleText) {
    try {
      rule = JSON.parse(ruleText);
    } catch {
      throw new AppError("INVALID_INPUT", "The rule is not JSON.", { fieldErrors: { rule: ["Send the gray rule as JSON"] } });
    }
  }
  const data = await previewInstances(ctx!, {
    namespaceId: q.get("namespaceId") ?? "",
    serviceId: q.get("serviceId"),
    environment: q.get("environment"),
    cluster: q.get("cluster") ?? "default",
    rule,
  });
  return NextResponse.json(data, { headers: { "cache-control": "no-store" } });
});
