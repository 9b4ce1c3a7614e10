import { describe, expect, it } from "vitest";
import { reduceNode } from "./canvasLook";
import { createGraph, mergeSubgraph } from "./graphModel";
import { combinedShare, ILLUSTRATIVE_MARK, illustrativeLevel } from "./illustrative";
import { PALETTES } from "./style";
import { node } from "./testing/fixtures";

describe("illustrativeLevel", () => {
  it.each([
    ["NONE", null],
    ["SOME", "partly synthetic"],
    ["ALL", "synthetic"],
  ] as const)("%s → %s", (share, want) => {
    expect(illustrativeLevel({ illustrativeShare: share })).toBe(want);
  });
});

describe("combinedShare", () => {
  it.each([
    [[], "NONE"],
    [["NONE", "NONE"], "NONE"],
    [["NONE", "ALL"], "SOME"],
    [["SOME", "ALL"], "SOME"],
    [["ALL", "ALL"], "ALL"],
  ] as const)("%j → %s", (shares, want) => {
    expect(combinedShare(shares.map((s) => ({ illustrativeShare: s })))).toBe(want);
  });
});

describe("the canvas mark", () => {
  it("follows the label of a node with an illustrative source, and only then", () => {
    const g = createGraph();
    mergeSubgraph(g, {
      nodes: [{ ...node("threat_group:lazarus-group", "THREAT_GROUP", "Lazarus Group"), illustrativeShare: "SOME" }, node("wallet:eth:0xreal")],
      edges: [],
    });
    const label = (id: string) => reduceNode(id, { ...g.getNodeAttributes(id) }, PALETTES.light, false).label;
    expect(label("threat_group:lazarus-group")).toBe(`Lazarus Group ${ILLUSTRATIVE_MARK}`);
    expect(label("wallet:eth:0xreal")).not.toContain(ILLUSTRATIVE_MARK);
  });
});
