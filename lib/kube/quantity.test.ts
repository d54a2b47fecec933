import { describe, expect, it } from "vitest";
import { cpuCores, memoryGi, parseQuantity } from "./quantity";

describe("resource quantities", () => {
  it("reads CPU, memory and counts as Kubernetes writes them", () => {
    expect(cpuCores("500m")).toBe(0.5);
    expect(cpuCores("4")).toBe(4);
    expect(memoryGi("32Gi")).toBe(32);
    expect(memoryGi("33554432Ki")).toBe(32);
    expect(parseQuantity("1.5G")).toBe(1.5e9);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity(undefined)).toBe(0);
  });
  it("refuses what is not a quantity", () => {
    expect(() => parseQuantity("lots")).toThrow(/Not a quantity|Unknown quantity suffix/);
  });
});
