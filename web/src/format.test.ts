import { describe, expect, it } from "vitest";
import { formatTime, formatUSD, formatValue, kindWords, markingLabel, plural, safeUrl } from "./format";

describe("format", () => {
  it("writes TLP markings as TLP 2.0 does", () => {
    expect(markingLabel("TLP_CLEAR")).toBe("TLP:CLEAR");
    expect(markingLabel("TLP_AMBER_STRICT")).toBe("TLP:AMBER+STRICT");
  });

  it("formats times in UTC", () => {
    expect(formatTime("2018-01-26T00:00:00Z")).toBe("2018-01-26");
    expect(formatTime("2018-01-26T03:02:00+01:00")).toBe("2018-01-26 02:02 UTC");
    expect(formatTime("2018-01-26T03:02:05Z")).toBe("2018-01-26 03:02:05 UTC");
    expect(formatTime("yesterday")).toBe("yesterday");
    expect(formatTime(null)).toBe("");
  });

  it("formats JSON values", () => {
    expect(formatValue(null)).toBe("—");
    expect(formatValue(1234567)).toBe("1,234,567");
    expect(formatValue(0.5)).toBe("0.5");
    expect(formatValue(true)).toBe("yes");
    expect(formatValue(["a", 2])).toBe("a, 2");
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });

  it("links only http(s) URLs", () => {
    expect(safeUrl("https://www.justice.gov/opa/pr/x")).toBe("https://www.justice.gov/opa/pr/x");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });

  it("formats money, counts and kinds", () => {
    expect(formatUSD(532000000)).toBe("$532,000,000");
    expect(formatUSD(null)).toBe("");
    expect(plural(1, "hop")).toBe("1 hop");
    expect(plural(1200, "node")).toBe("1,200 nodes");
    expect(kindWords("DEPOSITED_AT")).toBe("deposited at");
  });
});
