import { describe, expect, it } from "vitest";
import { checkPromql, clusterMatcher, withMatcher } from "./promql";

describe("checkPromql (Prometheus' own grammar)", () => {
  it("accepts the queries dashboards are made of", () => {
    for (const q of [
      'sum by (cluster) (rate(http_requests_total{namespace="shop-dev"}[5m]))',
      "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
      "max_over_time(kube_deployment_spec_replicas[1h]) offset 1d",
    ])
      expect(checkPromql(q)).toEqual({ ok: true });
  });

  it("names an unclosed bracket where the expression ends", () => {
    const r = checkPromql("sum(rate(up[1m])");
    expect(r).toMatchObject({ ok: false, position: { offset: 16, line: 1, column: 17 } });
    if (!r.ok) expect(r.message).toBe("The expression ends too early at line 1, column 17: something is missing (a closing bracket, an operand)");
  });

  it("names what it did not expect, with its line and column", () => {
    const r = checkPromql("sum(rate(up[1m]))\n  by (cluster) ) + 1");
    expect(r).toMatchObject({ ok: false, position: { line: 2, column: 16 } });
    if (!r.ok) expect(r.message).toBe('Unexpected ")" at line 2, column 16');
  });

  it("asks for an expression when there is none", () => {
    expect(checkPromql("  ")).toMatchObject({ ok: false, message: expect.stringContaining("Enter a PromQL expression") });
  });
});

describe("withMatcher", () => {
  it("adds the matcher to every selector, with or without labels", () => {
    expect(withMatcher('sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))', clusterMatcher(["east", "west"]))).toBe(
      'sum(rate(http_requests_total{cluster=~"east|west", code=~"5.."}[5m])) / sum(rate(http_requests_total{cluster=~"east|west"}[5m]))',
    );
    expect(withMatcher("up{}", clusterMatcher(["east"]))).toBe('up{cluster="east"}');
    expect(withMatcher('{__name__="up"}', 'namespace="a"')).toBe('{namespace="a", __name__="up"}');
  });

  it("refuses a cluster name that is not one", () => {
    expect(() => clusterMatcher(['east"} or vector(1) #'])).toThrow(/not a cluster name/);
  });
});
