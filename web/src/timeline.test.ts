import { describe, expect, it } from "vitest";
import { createGraph, mergeSubgraph, type RGraph } from "./graphModel";
import { collapseGroup } from "./groups";
import { PEEL1, PEEL2, PEEL3, THEFT, edge, launderingCase, node } from "./testing/fixtures";
import { clampWindow, histogram, parseTime, playFrames, snapWindow, timeExtent, type TimeWindow } from "./timeline";

const t = Date.parse;
const DAY = 86_400_000;

function scenario(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}

describe("parseTime", () => {
  it.each([
    ["2022-06-23T11:08:00Z", t("2022-06-23T11:08:00Z")],
    ["2022-06-23T13:08:00+02:00", t("2022-06-23T11:08:00Z")],
    [null, NaN],
    ["", NaN],
    ["last summer", NaN],
    ["sometime in 2022", NaN],
    ["2022-06-24", t("2022-06-24T00:00:00Z")],
    ["2022-06-24T09:00Z", t("2022-06-24T09:00:00Z")],
    ["2022-06-24T09:00:00", NaN],
    ["2022-13-45T00:00:00Z", NaN],
  ])("%j → %d", (input, want) => {
    expect(parseTime(input)).toBe(want);
  });
});

describe("timeExtent", () => {
  it("spans the theft to the exchange deposit", () => {
    expect(timeExtent(scenario())).toEqual({ from: t("2022-06-23T11:08:00Z"), to: t("2023-01-14T12:00:00Z") });
  });

  it("is null without usable times, ignoring unparsable ones", () => {
    expect(timeExtent(createGraph())).toBeNull();
    const g = createGraph();
    mergeSubgraph(g, {
      nodes: [node(THEFT), node(PEEL1), node(PEEL2)],
      edges: [edge(THEFT, "TRANSFER", PEEL1), edge(PEEL1, "TRANSFER", PEEL2, { time: "not a time" })],
    });
    expect(timeExtent(g)).toBeNull();
    mergeSubgraph(g, { nodes: [], edges: [edge(THEFT, "TRANSFER", PEEL2, { time: "2022-06-24T00:00:00Z" })] });
    expect(timeExtent(g)).toEqual({ from: t("2022-06-24T00:00:00Z"), to: t("2022-06-24T00:00:00Z") });
  });

  it("skips aggregate edges, whose members are still on the canvas", () => {
    const g = scenario();
    const before = timeExtent(g);
    collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" });
    expect(timeExtent(g)).toEqual(before);
  });
});

describe("histogram", () => {
  it("counts timed edges and sums their USD per bin", () => {
    const g = scenario();
    const extent = timeExtent(g)!;
    const bins = histogram(g, 4, extent);
    expect(bins).toHaveLength(4);
    // June 2022: the theft and six transfers; January 2023: withdrawal and deposit (the last bin includes `to`).
    expect(bins.map((b) => b.count)).toEqual([7, 0, 0, 2]);
    expect(bins[0]!.usd).toBe((40000 + 30000 + 1000 + 29000 + 1000 + 28000 + 28000) * 1100);
    expect(bins[3]!.usd).toBe(1000 * 1100);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(9);
  });

  it("leaves out edges outside the extent and handles a zero-length extent", () => {
    const g = scenario();
    const june24 = { from: t("2022-06-24T00:00:00Z"), to: t("2022-06-24T23:59:59.999Z") };
    // 09:00 and 10:00 both fall in the first half of the day.
    expect(histogram(g, 2, june24).map((b) => b.count)).toEqual([2, 0]);
    const instant = { from: t("2022-06-24T09:00:00Z"), to: t("2022-06-24T09:00:00Z") };
    expect(histogram(g, 3, instant).map((b) => b.count)).toEqual([1, 0, 0]);
  });

  it.each([0, -1, 2.5, NaN])("rejects %d bins", (bins) => {
    expect(() => histogram(scenario(), bins, { from: 0, to: 1 })).toThrow(RangeError);
  });
});

describe("playFrames", () => {
  const ext = { from: 1000, to: 1100 };
  it.each<[string, Parameters<typeof playFrames>[1], TimeWindow[]]>([
    ["grow", { steps: 4, mode: "grow" }, [{ from: 1000, to: 1025 }, { from: 1000, to: 1050 }, { from: 1000, to: 1075 }, { from: 1000, to: 1100 }]],
    ["grow, one step", { steps: 1, mode: "grow" }, [{ from: 1000, to: 1100 }]],
    ["slide, tiles by default", { steps: 4, mode: "slide" }, [{ from: 1000, to: 1025 }, { from: 1025, to: 1050 }, { from: 1050, to: 1075 }, { from: 1075, to: 1100 }]],
    ["slide, overlapping", { steps: 3, mode: "slide", width: 50 }, [{ from: 1000, to: 1050 }, { from: 1025, to: 1075 }, { from: 1050, to: 1100 }]],
    ["slide, one step ends with the extent", { steps: 1, mode: "slide", width: 30 }, [{ from: 1070, to: 1100 }]],
    ["slide, too wide is the whole extent", { steps: 2, mode: "slide", width: 500 }, [{ from: 1000, to: 1100 }, { from: 1000, to: 1100 }]],
    ["grow, whole ms", { steps: 3, mode: "grow" }, [{ from: 1000, to: 1033 }, { from: 1000, to: 1067 }, { from: 1000, to: 1100 }]],
  ])("%s", (_name, opts, want) => {
    expect(playFrames(ext, opts)).toEqual(want);
  });

  it("plays the laundering forward: the deposit appears only in the last frame", () => {
    const g = scenario();
    const frames = playFrames(timeExtent(g)!, { steps: 10, mode: "grow" });
    const depositTime = t("2023-01-14T12:00:00Z");
    expect(frames.filter((f) => depositTime <= f.to)).toHaveLength(1);
  });

  it.each([0, 1.5])("rejects %d steps", (steps) => {
    expect(() => playFrames(ext, { steps, mode: "grow" })).toThrow(RangeError);
  });
});

describe("snapWindow", () => {
  it.each<[string, TimeWindow, number, TimeWindow]>([
    ["widens to whole days", { from: t("2022-06-24T09:00:00Z"), to: t("2022-06-25T10:00:00Z") }, DAY, { from: t("2022-06-24T00:00:00Z"), to: t("2022-06-26T00:00:00Z") - 1 }],
    ["keeps an aligned window", { from: t("2022-06-24T00:00:00Z"), to: t("2022-06-25T00:00:00Z") - 1 }, DAY, { from: t("2022-06-24T00:00:00Z"), to: t("2022-06-25T00:00:00Z") - 1 }],
    ["an instant becomes its step", { from: 1500, to: 1500 }, 1000, { from: 1000, to: 1999 }],
  ])("%s", (_name, w, step, want) => {
    expect(snapWindow(w, step)).toEqual(want);
  });

  it("rejects a step that is not positive", () => {
    expect(() => snapWindow({ from: 0, to: 1 }, 0)).toThrow(RangeError);
  });
});

describe("clampWindow", () => {
  const ext = { from: 0, to: 100 };
  it.each<[string, TimeWindow, Parameters<typeof clampWindow>[2], TimeWindow]>([
    ["inside stays", { from: 10, to: 20 }, {}, { from: 10, to: 20 }],
    ["reversed ends are put in order", { from: 20, to: 10 }, {}, { from: 10, to: 20 }],
    ["resized past the start is clipped", { from: -10, to: 20 }, {}, { from: 0, to: 20 }],
    ["resized past the end is clipped", { from: 90, to: 130 }, {}, { from: 90, to: 100 }],
    ["dragged past the start is shifted back whole", { from: -10, to: 20 }, { keepWidth: true }, { from: 0, to: 30 }],
    ["dragged past the end is shifted back whole", { from: 90, to: 130 }, { keepWidth: true }, { from: 60, to: 100 }],
    ["wider than the extent becomes the extent", { from: -50, to: 150 }, { keepWidth: true }, { from: 0, to: 100 }],
    ["too narrow grows to the right", { from: 10, to: 11 }, { minWidth: 5 }, { from: 10, to: 15 }],
    ["too narrow at the end grows to the left", { from: 99, to: 100 }, { minWidth: 5 }, { from: 95, to: 100 }],
    ["minimum wider than the extent is the extent", { from: 40, to: 40 }, { minWidth: 500 }, { from: 0, to: 100 }],
    ["wholly outside lands on the edge", { from: 200, to: 300 }, {}, { from: 100, to: 100 }],
  ])("%s", (_name, w, opts, want) => {
    expect(clampWindow(w, ext, opts)).toEqual(want);
  });
});
