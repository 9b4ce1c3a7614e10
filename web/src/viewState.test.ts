import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_HOPS, decodeView, encodeView } from "./viewState";

describe("view state in the URL", () => {
  it("round-trips IDs with reserved characters", () => {
    const v = { sel: "wallet:eth:0xabc", from: "threat_group:lazarus-group", to: "service:a&b=c#d", dir: "OUT" as const, hops: 9 };
    expect(decodeView(encodeView(v))).toEqual(v);
  });

  it("leaves defaults out and reads an empty fragment as nothing", () => {
    expect(encodeView({ dir: "BOTH", hops: DEFAULT_MAX_HOPS })).toBe("");
    expect(decodeView("")).toEqual({});
    expect(decodeView("#")).toEqual({});
  });

  it("ignores invalid values", () => {
    expect(decodeView("#dir=SIDEWAYS&hops=99&sel=")).toEqual({});
    expect(decodeView("#hops=abc")).toEqual({});
    expect(decodeView("#hops=3")).toEqual({ hops: 3 });
  });
});
