import { describe, expect, it } from "vitest";
import { exportFileName, fileSlug } from "./download";

describe("fileSlug", () => {
  it.each([
    ["Coincheck 2018", "coincheck-2018"],
    ["  Lazarus → Tornado Cash / Binance  ", "lazarus-tornado-cash-binance"],
    ["Café Ronin: bridge (v2)", "cafe-ronin-bridge-v2"],
    ["라자루스 그룹", "라자루스-그룹"],
    ["हिन्दी नाम", "हिन्दी-नाम"],
    ["../../etc/passwd", "etc-passwd"],
    ['a<b>c:d"e|f?g*h', "a-b-c-d-e-f-g-h"],
    ["", "view"],
    ["***", "view"],
    ["x".repeat(80), "x".repeat(60)],
    [`${"a".repeat(59)} b`, "a".repeat(59)],
  ])("%j → %j", (name, want) => {
    expect(fileSlug(name)).toBe(want);
  });
});

describe("exportFileName", () => {
  // Local time, as the user's clock shows it.
  const at = new Date(2026, 10, 21, 15, 30, 59);
  it.each([
    ["Ronin bridge", "png", undefined, "redthread-ronin-bridge-2026-11-21T1530.png"],
    ["view", ".svg", undefined, "redthread-view-2026-11-21T1530.svg"],
    ["Harmony", "csv", "nodes", "redthread-harmony-2026-11-21T1530-nodes.csv"],
    ["", "graphml", undefined, "redthread-view-2026-11-21T1530.graphml"],
  ])("%j.%s", (name, ext, suffix, want) => {
    expect(exportFileName(name, ext, at, suffix)).toBe(want);
  });

  it("pads months, days, hours and minutes", () => {
    expect(exportFileName("x", "json", new Date(2027, 0, 2, 3, 4))).toBe("redthread-x-2027-01-02T0304.json");
  });
});
