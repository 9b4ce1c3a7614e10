import { describe, expect, it } from "vitest";
import { createGraph, mergeSubgraph } from "./graphModel";
import { degreeCut, LabelCull } from "./labelCull";
import { edge, node } from "./testing/fixtures";

describe("degreeCut", () => {
  it("culls nothing up to the threshold", () => {
    expect(degreeCut([5, 1, 1], 3, 1)).toBe(0);
  });
  it("keeps the best-connected nodes, ties included", () => {
    expect(degreeCut([1, 9, 3, 3, 2], 4, 2)).toBe(3);
    expect(degreeCut([1, 9, 3, 7, 2], 4, 2)).toBe(7);
  });
});

describe("LabelCull", () => {
  it("hides the labels of poorly connected nodes on a big canvas, and follows the graph", () => {
    const g = createGraph();
    const hub = "wallet:eth:0xhub";
    const leaves = Array.from({ length: 400 }, (_, i) => `wallet:eth:0x${i.toString(16)}`);
    mergeSubgraph(g, { nodes: [node(hub), ...leaves.map((id) => node(id))], edges: leaves.slice(0, 200).map((id) => edge(hub, "TRANSFER", id)) });
    const cull = new LabelCull(g);
    expect(cull.hides(hub)).toBe(false);
    expect(cull.hides(leaves[0]!)).toBe(false); // degree 1: among the 150 kept (ties)
    expect(cull.hides(leaves[399]!)).toBe(true); // degree 0
    g.clear();
    mergeSubgraph(g, { nodes: [node(hub), node(leaves[399]!)], edges: [] });
    expect(cull.hides(leaves[399]!)).toBe(false); // a small canvas labels everything
  });
});
