import { describe, expect, it } from "vitest";
import type { Bin, TimeWindow } from "../timeline";
import {
  barHeights,
  binEdge,
  binOf,
  compactUSD,
  formatInstant,
  formatSpan,
  instantText,
  keyToRange,
  moveEnd,
  nearestEdge,
  playRanges,
  precisionFor,
  rangeOrNull,
  rangeToWindow,
  rangeTotals,
  shiftRange,
  spanEdges,
  stepDuration,
  timeToFraction,
  windowLabel,
  windowToRange,
  xToFraction,
  type BinRange,
} from "./brush";

const DAY = 86_400_000;
const T0 = Date.UTC(2018, 0, 20); // 2018-01-20
// Ten days in ten bins; the extent's end is the last millisecond of the tenth day.
const TEN_DAYS: TimeWindow = { from: T0, to: T0 + 10 * DAY - 1 };

describe("binOf and binEdge agree with histogram()", () => {
  const extents: [string, TimeWindow, number][] = [
    ["ten days in ten bins", TEN_DAYS, 10],
    ["an uneven span", { from: 1000, to: 1000 + 12345 }, 7],
    ["a span not divisible by the bins", { from: 0, to: 10 }, 3],
    ["one bin", { from: 5, to: 500 }, 1],
  ];
  it.each(extents)("%s", (_d, extent, bins) => {
    expect(binEdge(extent, bins, 0)).toBe(extent.from);
    expect(binEdge(extent, bins, bins)).toBe(extent.to + 1);
    for (let i = 1; i < bins; i++) {
      const e = binEdge(extent, bins, i);
      expect(binOf(extent, bins, e)).toBe(i);
      expect(binOf(extent, bins, e - 1)).toBe(i - 1);
    }
  });

  it.each([
    ["before the extent", T0 - DAY, 0],
    ["the first instant", T0, 0],
    ["the middle of day 4", T0 + 3.5 * DAY, 3],
    ["the last instant", T0 + 10 * DAY - 1, 9],
    ["after the extent", T0 + 20 * DAY, 9],
  ])("binOf: %s", (_d, t, want) => {
    expect(binOf(TEN_DAYS, 10, t)).toBe(want);
  });

  it("puts everything in bin 0 of an instant extent", () => {
    expect(binOf({ from: 7, to: 7 }, 5, 7)).toBe(0);
  });
});

describe("ranges and windows", () => {
  it.each([
    ["the whole extent", { start: 0, end: 10 }, TEN_DAYS],
    ["day 3", { start: 2, end: 3 }, { from: T0 + 2 * DAY, to: T0 + 3 * DAY - 1 }],
    ["days 2–5", { start: 1, end: 5 }, { from: T0 + DAY, to: T0 + 5 * DAY - 1 }],
  ])("rangeToWindow: %s", (_d, r, want) => {
    expect(rangeToWindow(TEN_DAYS, 10, r)).toEqual(want);
  });

  it.each([
    ["null is everything", null, { start: 0, end: 10, exact: true }],
    ["a window on bin edges", { from: T0 + DAY, to: T0 + 5 * DAY - 1 }, { start: 1, end: 5, exact: true }],
    ["a window inside one bin widens to it", { from: T0 + DAY + 5, to: T0 + DAY + 50 }, { start: 1, end: 2, exact: false }],
    ["a window across edges widens outward", { from: T0 + 1.5 * DAY, to: T0 + 3.5 * DAY }, { start: 1, end: 4, exact: false }],
    ["a window beyond the extent is clamped", { from: T0 - DAY, to: T0 + 30 * DAY }, { start: 0, end: 10, exact: false }],
  ])("windowToRange: %s", (_d, w, want) => {
    expect(windowToRange(TEN_DAYS, 10, w)).toEqual(want);
  });

  it("round-trips every range", () => {
    for (let s = 0; s < 10; s++) {
      for (let e = s + 1; e <= 10; e++) {
        expect(windowToRange(TEN_DAYS, 10, rangeToWindow(TEN_DAYS, 10, { start: s, end: e }))).toEqual({ start: s, end: e, exact: true });
      }
    }
  });

  it.each([
    [{ start: 0, end: 10 }, null],
    [{ start: 0, end: 9 }, { start: 0, end: 9 }],
    [{ start: 1, end: 10 }, { start: 1, end: 10 }],
  ])("rangeOrNull(%j)", (r, want) => {
    expect(rangeOrNull(r, 10)).toEqual(want);
  });
});

describe("pixels and positions", () => {
  it.each([
    [0, 800, 0],
    [400, 800, 0.5],
    [-20, 800, 0],
    [900, 800, 1],
    [10, 0, 0],
  ])("xToFraction(%d, %d) = %d", (x, width, want) => {
    expect(xToFraction(x, width)).toBe(want);
  });

  it.each([
    [T0, 0],
    [T0 + 5 * DAY, 0.5],
    [T0 - DAY, 0],
    [T0 + 11 * DAY, 1],
  ])("timeToFraction(%d)", (t, want) => {
    expect(timeToFraction(TEN_DAYS, t)).toBeCloseTo(want, 6);
  });

  it("puts an instant extent at 0", () => {
    expect(timeToFraction({ from: 5, to: 5 }, 5)).toBe(0);
  });

  it.each([
    [0, 0],
    [0.04, 0],
    [0.06, 1],
    [0.5, 5],
    [1, 10],
  ])("nearestEdge(%d) = %d", (f, want) => {
    expect(nearestEdge(f, 10)).toBe(want);
  });
});

describe("moving the window", () => {
  const r: BinRange = { start: 3, end: 6 };
  it.each([
    ["start left", "start", 1, { start: 1, end: 6 }],
    ["start past the end stops one bin before it", "start", 8, { start: 5, end: 6 }],
    ["start before 0", "start", -4, { start: 0, end: 6 }],
    ["end right", "end", 9, { start: 3, end: 9 }],
    ["end before the start stops one bin after it", "end", 1, { start: 3, end: 4 }],
    ["end past the extent", "end", 14, { start: 3, end: 10 }],
  ] as const)("moveEnd: %s", (_d, which, edge, want) => {
    expect(moveEnd(r, which, edge, 10)).toEqual(want);
  });

  it.each([
    [2, { start: 5, end: 8 }],
    [-2, { start: 1, end: 4 }],
    [9, { start: 7, end: 10 }],
    [-9, { start: 0, end: 3 }],
  ])("shiftRange by %d keeps the width", (delta, want) => {
    expect(shiftRange(r, delta, 10)).toEqual(want);
  });

  it.each([
    [2, 6, { start: 2, end: 6 }],
    [6, 2, { start: 2, end: 6 }],
    [4, 4, { start: 4, end: 5 }],
    [10, 10, { start: 9, end: 10 }],
  ])("spanEdges(%d, %d)", (a, b, want) => {
    expect(spanEdges(a, b, 10)).toEqual(want);
  });
});

describe("keyToRange", () => {
  const r: BinRange = { start: 3, end: 6 };
  const cases: [string, "start" | "end" | "body", string, boolean, BinRange | null][] = [
    ["start ← one bin", "start", "ArrowLeft", false, { start: 2, end: 6 }],
    ["start ↓ one bin", "start", "ArrowDown", false, { start: 2, end: 6 }],
    ["start → one bin", "start", "ArrowRight", false, { start: 4, end: 6 }],
    ["start shift+← ten bins, stops at 0", "start", "ArrowLeft", true, { start: 0, end: 6 }],
    ["start End stops a bin before the end", "start", "End", false, { start: 5, end: 6 }],
    ["start Home", "start", "Home", false, { start: 0, end: 6 }],
    ["end ↑ one bin", "end", "ArrowUp", false, { start: 3, end: 7 }],
    ["end Page Up ten bins, stops at the extent", "end", "PageUp", false, { start: 3, end: 10 }],
    ["end Page Down stops a bin after the start", "end", "PageDown", false, { start: 3, end: 4 }],
    ["end End", "end", "End", false, { start: 3, end: 10 }],
    ["body → moves whole", "body", "ArrowRight", false, { start: 4, end: 7 }],
    ["body Home", "body", "Home", false, { start: 0, end: 3 }],
    ["body End", "body", "End", false, { start: 7, end: 10 }],
    ["not a slider key", "body", "Enter", false, null],
    ["a letter", "start", "a", false, null],
  ];
  it.each(cases)("%s", (_d, part, key, shift, want) => {
    expect(keyToRange(r, part, key, shift, 10)).toEqual(want);
  });
});

describe("rangeTotals and barHeights", () => {
  const bins: Bin[] = [
    { count: 2, usd: 100 },
    { count: 0, usd: 0 },
    { count: 5, usd: 534_000_000 },
    { count: 1, usd: 0 },
  ];
  it.each([
    [{ start: 0, end: 4 }, { count: 8, usd: 534_000_100 }],
    [{ start: 1, end: 3 }, { count: 5, usd: 534_000_000 }],
    [{ start: 3, end: 9 }, { count: 1, usd: 0 }],
  ])("rangeTotals(%j)", (r, want) => {
    expect(rangeTotals(bins, r)).toEqual(want);
  });

  it.each([
    ["count", [0.4, 0, 1, 0.2]],
    // The 100 USD bin stays visible next to 534 M USD; a bin with transfers but no USD value has no USD bar.
    ["usd", [0.06, 0, 1, 0]],
  ] as const)("barHeights by %s", (metric, want) => {
    const got = barHeights(bins, metric);
    want.forEach((w, i) => { expect(got[i]).toBeCloseTo(w, 6); });
  });

  it("draws nothing for empty bins", () => {
    expect(barHeights([{ count: 0, usd: 0 }], "count")).toEqual([0]);
    expect(barHeights([], "usd")).toEqual([]);
  });
});

describe("playRanges", () => {
  it("grows from the first bin to all of them", () => {
    expect(playRanges(TEN_DAYS, 5, "grow")).toEqual([1, 2, 3, 4, 5].map((end) => ({ start: 0, end })));
  });

  it("slides a window of the given width one bin a step", () => {
    expect(playRanges(TEN_DAYS, 10, "slide", 3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((start) => ({ start, end: start + 3 })));
  });

  it("slides one bin by default", () => {
    expect(playRanges({ from: 0, to: 999 }, 4, "slide")).toEqual([0, 1, 2, 3].map((start) => ({ start, end: start + 1 })));
  });

  it("has one frame when the window is everything", () => {
    expect(playRanges(TEN_DAYS, 10, "slide", 10)).toEqual([{ start: 0, end: 10 }]);
  });

  it.each([
    [60, 1, 8000 / 60],
    [60, 4, 8000 / 240],
    [10, 0.5, 1600],
    [0, 1, 8000],
  ])("stepDuration(%d steps, %d×)", (steps, speed, want) => {
    expect(stepDuration(steps, speed)).toBeCloseTo(want, 6);
  });
});

describe("formatting", () => {
  it.each([
    [DAY, "day"],
    [7 * DAY, "day"],
    [3_600_000, "minute"],
    [60_000, "minute"],
    [59_999, "second"],
  ] as const)("precisionFor(%d) = %s", (ms, want) => {
    expect(precisionFor(ms)).toBe(want);
  });

  const t = Date.UTC(2018, 0, 26, 3, 2, 5);
  it.each([
    ["day", "2018-01-26", "2018-01-26"],
    ["minute", "2018-01-26 03:02", "2018-01-26 03:02 UTC"],
    ["second", "2018-01-26 03:02:05", "2018-01-26 03:02:05 UTC"],
  ] as const)("formatInstant / instantText at %s precision", (p, short, spoken) => {
    expect(formatInstant(t, p)).toBe(short);
    expect(instantText(t, p)).toBe(spoken);
  });

  it.each([
    [0, "0 USD"],
    [812, "812 USD"],
    [12_345, "12.3 K USD"],
    [534_000_000, "534 M USD"],
    [999_999, "1 M USD"],
    [1_200_000_000, "1.2 B USD"],
  ])("compactUSD(%d) = %s", (v, want) => {
    expect(compactUSD(v)).toBe(want);
  });

  it.each([
    ["days", { from: Date.UTC(2018, 0, 26), to: Date.UTC(2018, 1, 4) - 1 }, "day", "2018-01-26 → 2018-02-03"],
    ["one day", { from: Date.UTC(2018, 0, 26), to: Date.UTC(2018, 0, 27) - 1 }, "day", "2018-01-26"],
    ["hours", { from: Date.UTC(2018, 0, 26, 3), to: Date.UTC(2018, 0, 26, 9) - 1 }, "minute", "2018-01-26 03:00 → 2018-01-26 08:59 UTC"],
  ] as const)("formatSpan: %s", (_d, w, p, want) => {
    expect(formatSpan(w, p)).toBe(want);
  });

  const w = { from: Date.UTC(2018, 0, 26), to: Date.UTC(2018, 1, 4) - 1 };
  it.each([
    ["a window", { count: 41, usd: 534_000_000 }, {}, "2018-01-26 → 2018-02-03 · 41 transfers · 534 M USD"],
    ["one transfer without a USD value", { count: 1, usd: 0 }, {}, "2018-01-26 → 2018-02-03 · 1 transfer"],
    ["a window off the bin edges", { count: 41, usd: 534_000_000 }, { approx: true }, "2018-01-26 → 2018-02-03 · ≈ 41 transfers · ≈ 534 M USD"],
    ["no filter", { count: 1234, usd: 1_200_000_000 }, { all: true }, "All time: 2018-01-26 → 2018-02-03 · 1,234 transfers · 1.2 B USD"],
  ])("windowLabel: %s", (_d, totals, opts, want) => {
    expect(windowLabel(w, totals, { precision: "day", ...opts })).toBe(want);
  });
});
