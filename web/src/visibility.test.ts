import { describe, expect, it } from "vitest";
import { createGraph, mergeSubgraph, type RGraph } from "./graphModel";
import { collapseGroup } from "./groups";
import {
  DEPOSIT,
  EXCHANGE,
  FRONT,
  HEIST,
  LAZARUS,
  MIXER,
  PEEL1,
  PEEL2,
  PEEL3,
  PERSONA,
  THEFT,
  edge,
  launderingCase,
  node,
} from "./testing/fixtures";
import { applyFilters, groupFilteredOut, visibleIds, type ViewFilters } from "./visibility";

const t = Date.parse;
const JUNE_2022 = { from: t("2022-06-01T00:00:00Z"), to: t("2022-06-30T23:59:59.999Z") };
const JANUARY_2023 = { from: t("2023-01-01T00:00:00Z"), to: t("2023-01-31T23:59:59.999Z") };
const tr = (from: string, to: string) => `${from}>TRANSFER>${to}`;

function scenario(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}

function filtered(g: RGraph): { nodes: string[]; edges: string[] } {
  return {
    nodes: g.filterNodes((_id, a) => a.filteredOut === true).sort(),
    edges: g.filterEdges((_id, a) => a.filteredOut === true).sort(),
  };
}

describe("applyFilters", () => {
  const cases: [string, ViewFilters, { nodes: string[]; edges: string[] }][] = [
    ["nothing", {}, { nodes: [], edges: [] }],
    [
      "June 2022: the withdrawal and deposit months later go, with the wallets active only then",
      { window: JUNE_2022 },
      { nodes: [DEPOSIT, EXCHANGE], edges: [`${DEPOSIT}>DEPOSITED_AT>${EXCHANGE}`, tr(MIXER, DEPOSIT)] },
    ],
    [
      "January 2023: the theft and the peel chain go; the incident stays by its timeless attribution",
      { window: JANUARY_2023 },
      {
        nodes: [PEEL1, PEEL2, PEEL3, THEFT],
        edges: [
          `${HEIST}>STOLE>${THEFT}`,
          tr(PEEL1, MIXER),
          tr(PEEL1, PEEL2),
          tr(PEEL2, MIXER),
          tr(PEEL2, PEEL3),
          tr(PEEL3, MIXER),
          tr(THEFT, PEEL1),
        ].sort(),
      },
    ],
    [
      "a window of one instant includes its ends",
      { window: { from: t("2022-06-27T10:00:00Z"), to: t("2022-06-27T10:00:00Z") } },
      {
        nodes: [DEPOSIT, EXCHANGE, PEEL1, PEEL2, THEFT],
        edges: [
          `${DEPOSIT}>DEPOSITED_AT>${EXCHANGE}`,
          `${HEIST}>STOLE>${THEFT}`,
          tr(MIXER, DEPOSIT),
          tr(PEEL1, MIXER),
          tr(PEEL1, PEEL2),
          tr(PEEL2, MIXER),
          tr(PEEL2, PEEL3),
          tr(THEFT, PEEL1),
        ].sort(),
      },
    ],
    ["hidden node kinds hide nodes, not edges", { hiddenKinds: ["SERVICE", "PERSON"] }, { nodes: [EXCHANGE, PERSONA, MIXER].sort(), edges: [] }],
    [
      "hidden edge kinds hide edges, not nodes",
      { hiddenEdgeKinds: ["EMPLOYS", "ASSOCIATED_WITH"] },
      { nodes: [], edges: [`${FRONT}>ASSOCIATED_WITH>${LAZARUS}`, `${FRONT}>EMPLOYS>${PERSONA}`] },
    ],
    [
      "all together",
      { window: JUNE_2022, hiddenKinds: ["ORGANIZATION"], hiddenEdgeKinds: ["STOLE"] },
      { nodes: [DEPOSIT, EXCHANGE, FRONT].sort(), edges: [`${DEPOSIT}>DEPOSITED_AT>${EXCHANGE}`, `${HEIST}>STOLE>${THEFT}`, tr(MIXER, DEPOSIT)] },
    ],
  ];

  it.each(cases)("%s", (_name, f, want) => {
    const g = scenario();
    const counts = applyFilters(g, f);
    expect(filtered(g)).toEqual({ nodes: [...want.nodes].sort(), edges: [...want.edges].sort() });
    expect(counts).toEqual({ hiddenNodes: want.nodes.length, hiddenEdges: want.edges.length });
  });

  it("updates attributes on the same graph and clears them again", () => {
    const g = scenario();
    const order = g.order;
    const events: string[] = [];
    g.on("cleared", () => events.push("cleared"));
    g.on("nodeDropped", () => events.push("nodeDropped"));
    applyFilters(g, { window: JANUARY_2023, hiddenKinds: ["SERVICE"] });
    expect(applyFilters(g, {})).toEqual({ hiddenNodes: 0, hiddenEdges: 0 });
    expect(filtered(g)).toEqual({ nodes: [], edges: [] });
    expect(g.order).toBe(order);
    expect(events).toEqual([]);
  });

  it("keeps nodes without edges and lets timeless or unparsable edges pass", () => {
    const g = scenario();
    mergeSubgraph(g, {
      nodes: [node("wallet:eth:0xlonely"), node("wallet:eth:0xodd")],
      edges: [edge(THEFT, "TRANSFER", "wallet:eth:0xodd", { time: "sometime in 2022" })],
    });
    applyFilters(g, { window: JANUARY_2023 });
    expect(g.getNodeAttribute("wallet:eth:0xlonely", "filteredOut")).toBe(false);
    expect(g.getNodeAttribute("wallet:eth:0xodd", "filteredOut")).toBe(false);
    // The theft wallet now has an edge that passes.
    expect(g.getNodeAttribute(THEFT, "filteredOut")).toBe(false);
    expect(g.getEdgeAttribute(`${THEFT}>TRANSFER>wallet:eth:0xodd`, "filteredOut")).toBe(false);
  });

  it("lets an aggregate edge pass when any of its members does, and hides a group only when all members are out", () => {
    const g = scenario();
    const grp = collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" });
    const toMixer = `agg:${grp}:TRANSFER:${MIXER}:out`;
    expect(g.getEdgeAttribute(toMixer, "aggregate")!.edgeIds).toHaveLength(3);

    // Only the last peel into the mixer (27 June) is in the window.
    applyFilters(g, { window: { from: t("2022-06-27T00:00:00Z"), to: t("2022-06-28T00:00:00Z") } });
    expect(g.getEdgeAttribute(toMixer, "filteredOut")).toBe(false);
    expect(g.getEdgeAttribute(`agg:${grp}:TRANSFER:${THEFT}:in`, "filteredOut")).toBe(true);
    expect(g.getNodeAttribute(grp, "filteredOut")).toBe(false);

    const r = applyFilters(g, { window: JANUARY_2023 });
    expect(g.getEdgeAttribute(toMixer, "filteredOut")).toBe(true);
    expect(g.getNodeAttribute(grp, "filteredOut")).toBe(true);
    expect(r.hiddenNodes).toBe(5); // theft, three peels, the group

    applyFilters(g, { hiddenEdgeKinds: ["TRANSFER"] });
    expect(g.getEdgeAttribute(toMixer, "filteredOut")).toBe(true);
    applyFilters(g, { hiddenKinds: ["WALLET"] });
    expect(g.getNodeAttribute(grp, "filteredOut")).toBe(true);
    applyFilters(g, {});
    expect(g.getNodeAttribute(grp, "filteredOut")).toBe(false);
  });

  it("filters out an aggregate whose members all left the canvas", () => {
    const g = scenario();
    const grp = collapseGroup(g, { members: [MIXER], origin: "manual", title: "Mixer" });
    g.dropNode(DEPOSIT);
    applyFilters(g, {});
    expect(g.getEdgeAttribute(`agg:${grp}:TRANSFER:${PEEL3}:in`, "filteredOut")).toBe(false);
    g.dropEdge(tr(PEEL3, MIXER));
    applyFilters(g, {});
    expect(g.getEdgeAttribute(`agg:${grp}:TRANSFER:${PEEL3}:in`, "filteredOut")).toBe(true);
  });
});

describe("groupFilteredOut", () => {
  const GONE = "wallet:eth:0xgone";
  it.each<[string, string[], string[], boolean]>([
    ["all members out", [PEEL1, PEEL2], [PEEL1, PEEL2], true],
    ["one member in", [PEEL1, PEEL2], [PEEL1], false],
    ["missing members do not count", [PEEL1, GONE], [PEEL1], true],
    ["no member on the canvas", [GONE], [], false],
  ])("%s", (_name, members, out, want) => {
    const g = scenario();
    for (const id of out) g.setNodeAttribute(id, "filteredOut", true);
    expect(groupFilteredOut(g, members)).toBe(want);
  });
});

describe("visibleIds", () => {
  it("lists what is drawn: not filtered, hidden or folded", () => {
    const g = scenario();
    const grp = collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" });
    g.setNodeAttribute(PERSONA, "userHidden", true);
    applyFilters(g, { window: JUNE_2022 });
    const v = visibleIds(g);
    expect(v.nodes.sort()).toEqual([FRONT, grp, HEIST, LAZARUS, MIXER, THEFT].sort());
    expect(v.edges.sort()).toEqual(
      [
        `${HEIST}>ATTRIBUTED_TO>${LAZARUS}`,
        `${HEIST}>STOLE>${THEFT}`,
        `${FRONT}>ASSOCIATED_WITH>${LAZARUS}`,
        `agg:${grp}:TRANSFER:${THEFT}:in`,
        `agg:${grp}:TRANSFER:${MIXER}:out`,
      ].sort(),
    );
  });
});
