import { describe, expect, it } from "vitest";
import type { Bin, TimeWindow } from "../timeline";
import { caseGraph } from "../testing/controllers";
import { DEPOSIT, HEIST, PEEL1, THEFT } from "../testing/fixtures";
import { FiltersController, timelineBins } from "./filters";

function setup() {
  const graph = caseGraph();
  const data: { extent: TimeWindow | null; bins: readonly Bin[] }[] = [];
  const windows: (TimeWindow | null)[] = [];
  let changed = 0;
  const filters = new FiltersController(
    graph,
    { setData: (extent, bins) => { data.push({ extent, bins }); }, setWindow: (w) => { windows.push(w); } },
    () => { changed++; },
  );
  return { graph, filters, data, windows, changed: () => changed };
}

describe("FiltersController", () => {
  it("hides a node kind and shows it again", () => {
    const { graph, filters, changed } = setup();
    filters.toggleKind("INCIDENT");
    expect(filters.current.hiddenKinds).toEqual(["INCIDENT"]);
    expect(graph.getNodeAttribute(HEIST, "filteredOut")).toBe(true);
    expect(graph.getNodeAttribute(THEFT, "filteredOut")).toBeFalsy();
    filters.toggleKind("INCIDENT");
    expect(filters.current).toEqual({});
    expect(graph.getNodeAttribute(HEIST, "filteredOut")).toBeFalsy();
    expect(changed()).toBe(2);
  });

  it("filters transfers outside the brushed window and drops the window on null", () => {
    const { graph, filters } = setup();
    const june = { from: Date.parse("2022-06-23T00:00:00Z"), to: Date.parse("2022-06-30T00:00:00Z") };
    filters.setWindow(june);
    expect(filters.current.window).toEqual(june);
    const late = graph.edges().find((e) => graph.target(e) === DEPOSIT)!;
    const early = graph.edges().find((e) => graph.source(e) === THEFT && graph.target(e) === PEEL1)!;
    expect(graph.getEdgeAttribute(late, "filteredOut")).toBe(true);
    expect(graph.getEdgeAttribute(early, "filteredOut")).toBeFalsy();
    filters.setWindow(null);
    expect(filters.current.window).toBeUndefined();
    expect(graph.getEdgeAttribute(late, "filteredOut")).toBeFalsy();
  });

  it("says what filters the view, and drops every filter (the brush too) on reset", () => {
    const { graph, filters, windows, changed } = setup();
    expect(filters.active()).toEqual([]);
    filters.toggleKind("INCIDENT");
    filters.setWindow({ from: Date.parse("2022-06-23T00:00:00Z"), to: Date.parse("2022-06-30T00:00:00Z") });
    expect(filters.active()).toEqual(["time 2022-06-23 – 2022-06-30", "1 node kind hidden"]);
    filters.reset();
    expect(filters.current).toEqual({});
    expect(filters.active()).toEqual([]);
    expect(windows.at(-1)).toBeNull();
    expect(graph.getNodeAttribute(HEIST, "filteredOut")).toBeFalsy();
    expect(changed()).toBe(3);
    filters.reset(); // nothing to drop: no change
    expect(changed()).toBe(3);
  });

  it("feeds the timeline the canvas's transfers in calendar bins", () => {
    const { filters, data } = setup();
    filters.refreshTimeline();
    const last = data.at(-1)!;
    expect(last.extent).not.toBeNull();
    expect(last.bins.length).toBeGreaterThan(1);
    expect(last.bins.length).toBeLessThanOrEqual(120);
    expect(last.bins.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(0);
    expect(filters.hasTimeline()).toBe(true);
  });

  it("restores saved filters and shows their window on the brush", () => {
    const { filters, windows, data } = setup();
    const w = { from: 1, to: 2 };
    filters.restore({ window: w, hiddenKinds: ["PERSON"] });
    expect(filters.current).toEqual({ window: w, hiddenKinds: ["PERSON"] });
    expect(windows).toEqual([w]);
    expect(data.length).toBe(1);
    filters.restore({});
    expect(windows.at(-1)).toBeNull();
  });
});

describe("timelineBins", () => {
  it.each([
    ["two days in hours", "2022-06-23T11:08:00Z", "2022-06-24T10:00:00Z", 3_600_000, 24],
    ["months in days", "2022-06-23T11:08:00Z", "2022-09-01T00:00:00Z", 86_400_000, 71],
    ["seven months in weeks", "2022-06-23T00:00:00Z", "2023-01-14T00:00:00Z", 7 * 86_400_000, 30],
  ])("%s", (_name, from, to, step, bins) => {
    const r = timelineBins({ from: Date.parse(from), to: Date.parse(to) });
    expect(r.bins).toBe(bins);
    expect(r.extent.from % step).toBe(0);
    expect(r.bins).toBeLessThanOrEqual(120);
  });
});
