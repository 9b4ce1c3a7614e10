import { describe, expect, it } from "vitest";
import { createGraph, edgeVisible, highlightPath, mergeSubgraph, nodeVisible, removeNode, type RGraph } from "./graphModel";
import { MARKINGS, collapseGroup, expandGroup, groupId, groupOf, listGroups, moreRestrictive, refreshGroups, ungroup } from "./groups";
import { DEPOSIT, EXCHANGE, HEIST, MIXER, PEEL1, PEEL2, PEEL3, THEFT, edge, launderingCase, wallet } from "./testing/fixtures";
import type { Marking } from "./types";
import { applyFilters } from "./visibility";

const PEELS = [PEEL1, PEEL2, PEEL3];
const tr = (from: string, to: string) => `${from}>TRANSFER>${to}`;

function scenario(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}

function visible(g: RGraph): { nodes: string[]; edges: string[] } {
  return {
    nodes: g.filterNodes((_id, a) => nodeVisible(a)).sort(),
    edges: g.filterEdges((id, a) => edgeVisible(g, id, a)).sort(),
  };
}

function aggregates(g: RGraph): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  g.forEachEdge((id, a) => {
    if (a.aggregate) out[id] = [...a.aggregate.edgeIds].sort();
  });
  return out;
}

describe("groupId", () => {
  it("is stable whatever the order or repetition of members, and differs between sets", () => {
    expect(groupId([PEEL3, PEEL1, PEEL2])).toBe(groupId(PEELS));
    expect(groupId([PEEL1, PEEL1, PEEL2, PEEL3])).toBe(groupId(PEELS));
    expect(groupId(PEELS)).toMatch(/^group:[0-9a-z]+$/);
    expect(groupId([PEEL1, PEEL2])).not.toBe(groupId(PEELS));
    // The separator keeps ["ab", "c"] and ["a", "bc"] apart.
    expect(groupId(["ab", "c"])).not.toBe(groupId(["a", "bc"]));
  });
});

describe("moreRestrictive", () => {
  it.each<[Marking, Marking, Marking]>([
    ["TLP_CLEAR", "TLP_GREEN", "TLP_GREEN"],
    ["TLP_AMBER", "TLP_GREEN", "TLP_AMBER"],
    ["TLP_AMBER", "TLP_AMBER_STRICT", "TLP_AMBER_STRICT"],
    ["TLP_RED", "TLP_AMBER_STRICT", "TLP_RED"],
    ["TLP_CLEAR", "TLP_CLEAR", "TLP_CLEAR"],
  ])("%s, %s → %s", (a, b, want) => {
    expect(moreRestrictive(a, b)).toBe(want);
    expect(moreRestrictive(b, a)).toBe(want);
  });

  it("orders TLP from clear to red", () => {
    expect(MARKINGS).toEqual(["TLP_CLEAR", "TLP_GREEN", "TLP_AMBER", "TLP_AMBER_STRICT", "TLP_RED"]);
  });
});

describe("collapseGroup", () => {
  it("folds the peel chain into one node with summed aggregate edges", () => {
    const g = scenario();
    const positions = PEELS.map((id) => ({ x: g.getNodeAttribute(id, "x"), y: g.getNodeAttribute(id, "y") }));
    const id = collapseGroup(g, { members: [PEEL3, PEEL1, PEEL2], origin: "cluster", title: "Peel chain" });
    expect(id).toBe(groupId(PEELS));

    const a = g.getNodeAttributes(id);
    expect(a.x).toBeCloseTo(positions.reduce((s, p) => s + p.x, 0) / 3, 9);
    expect(a.y).toBeCloseTo(positions.reduce((s, p) => s + p.y, 0) / 3, 9);
    expect(a.group).toEqual({ members: [PEEL3, PEEL1, PEEL2], origin: "cluster", title: "Peel chain", collapsed: true });
    expect(a.kind).toBe("WALLET");
    expect(a.label).toBe("Peel chain");
    expect(a.data).toMatchObject({
      id,
      kind: "WALLET",
      label: "Peel chain",
      sources: [],
      confidence: 60,
      marking: "TLP_AMBER",
      properties: [
        { key: "members", value: 3 },
        { key: "usdIn", value: 30000 * 1100 },
        { key: "usdOut", value: 30000 * 1100 },
        { key: "origin", value: "cluster" },
      ],
    });
    expect(a.size).toBeGreaterThan(g.getNodeAttribute(PEEL1, "size"));

    for (const m of PEELS) expect(g.getNodeAttribute(m, "collapsedInto")).toBe(id);
    // Edges along the chain are folded away, with no aggregate.
    expect(g.getEdgeAttribute(tr(PEEL1, PEEL2), "collapsedInto")).toBe(id);
    expect(g.getEdgeAttribute(tr(PEEL2, PEEL3), "collapsedInto")).toBe(id);
    expect(aggregates(g)).toEqual({
      [`agg:${id}:TRANSFER:${THEFT}:in`]: [tr(THEFT, PEEL1)],
      [`agg:${id}:TRANSFER:${MIXER}:out`]: [tr(PEEL1, MIXER), tr(PEEL2, MIXER), tr(PEEL3, MIXER)].sort(),
    });
    const out = g.getEdgeAttributes(`agg:${id}:TRANSFER:${MIXER}:out`);
    expect(g.source(`agg:${id}:TRANSFER:${MIXER}:out`)).toBe(id);
    expect(g.target(`agg:${id}:TRANSFER:${MIXER}:out`)).toBe(MIXER);
    expect(out.data).toMatchObject({
      kind: "TRANSFER",
      from: id,
      to: MIXER,
      amount: 30000,
      asset: "ETH",
      valueUSD: 30000 * 1100,
      time: "2022-06-24T10:00:00Z",
      txHash: null,
      confidence: 50,
      properties: [{ key: "edges", value: 3 }],
    });
    expect(out.label).toBe("transfer 30,000 ETH (3 edges)");
    expect(g.getEdgeAttribute(`agg:${id}:TRANSFER:${THEFT}:in`, "data").txHash).toBe(g.getEdgeAttribute(tr(THEFT, PEEL1), "data").txHash);

    const v = visible(g);
    expect(v.nodes).not.toContain(PEEL1);
    expect(v.nodes).toContain(id);
    expect(v.edges).toContain(`agg:${id}:TRANSFER:${MIXER}:out`);
    expect(v.edges).not.toContain(tr(PEEL1, MIXER));
  });

  it("sums USD but not amounts across assets, and keeps the most restrictive marking", () => {
    const g = scenario();
    mergeSubgraph(g, {
      nodes: [wallet(PEEL1)],
      edges: [
        edge(PEEL1, "TRANSFER", MIXER, { id: `${tr(PEEL1, MIXER)}#usdt`, amount: 5000, asset: "USDT", valueUSD: 5000, time: "2022-06-20T00:00:00Z", marking: "TLP_RED" }),
      ],
    });
    const id = collapseGroup(g, { members: [PEEL1], origin: "manual", title: "One wallet" });
    const d = g.getEdgeAttribute(`agg:${id}:TRANSFER:${MIXER}:out`, "data");
    expect(d.amount).toBeNull();
    expect(d.asset).toBeNull();
    expect(d.valueUSD).toBe(1000 * 1100 + 5000);
    expect(d.time).toBe("2022-06-20T00:00:00Z");
    expect(d.marking).toBe("TLP_RED");
  });

  it("gives a mixed group its most common kind", () => {
    const g = scenario();
    const id = collapseGroup(g, { members: [MIXER, EXCHANGE, DEPOSIT], origin: "community", title: "Cash-out" });
    expect(g.getNodeAttribute(id, "kind")).toBe("SERVICE");
    expect(g.getNodeAttribute(id, "data").marking).toBe("TLP_AMBER_STRICT");
  });

  it("carries highlights and filters over to the group", () => {
    const g = scenario();
    highlightPath(g, { nodeIds: [THEFT, PEEL1, MIXER], edgeIds: [tr(THEFT, PEEL1), tr(PEEL1, MIXER)] });
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    expect(g.getNodeAttribute(id, "onPath")).toBe(true);
    expect(g.getNodeAttribute(id, "dimmed")).toBe(false);
    expect(g.getEdgeAttribute(`agg:${id}:TRANSFER:${MIXER}:out`, "onPath")).toBe(true);

    const h = scenario();
    applyFilters(h, { hiddenKinds: ["WALLET"] });
    const hid = collapseGroup(h, { members: PEELS, origin: "cluster", title: "Peel chain" });
    expect(h.getNodeAttribute(hid, "filteredOut")).toBe(true);
    expect(h.getEdgeAttribute(`agg:${hid}:TRANSFER:${MIXER}:out`, "filteredOut")).toBe(false);
  });

  it("takes an explicit ID and re-uses an open group node", () => {
    const g = scenario();
    const id = collapseGroup(g, { id: "group:persona-1", members: [PEEL1, PEEL2], origin: "persona", title: "Persona" });
    expect(id).toBe("group:persona-1");
    expandGroup(g, id);
    const order = g.order;
    collapseGroup(g, { id, members: [PEEL1, PEEL2, PEEL3], origin: "persona", title: "Persona, 3 wallets" });
    expect(g.order).toBe(order);
    expect(g.getNodeAttribute(id, "group")!.members).toEqual([PEEL1, PEEL2, PEEL3]);
    expect(g.getNodeAttribute(PEEL3, "collapsedInto")).toBe(id);
    // Collapsing a collapsed group again with fewer members lets the others go.
    collapseGroup(g, { id, members: [PEEL1], origin: "persona", title: "Persona" });
    expect(g.getNodeAttribute(PEEL3, "collapsedInto")).toBeUndefined();
    expect(nodeVisible(g.getNodeAttributes(PEEL3))).toBe(true);
    expect(g.getEdgeAttribute(tr(PEEL2, PEEL3), "collapsedInto")).toBeUndefined();
    expect(aggregates(g)[`agg:${id}:TRANSFER:${PEEL2}:out`]).toEqual([tr(PEEL1, PEEL2)]);
  });

  describe("overlapping and nested groups", () => {
    it("moves a member out of an open group, and drops that group when it empties", () => {
      const g = scenario();
      const a = collapseGroup(g, { members: [PEEL1, PEEL2], origin: "cluster", title: "A" });
      expandGroup(g, a);
      const b = collapseGroup(g, { members: [PEEL2, PEEL3], origin: "cluster", title: "B" });
      expect(g.getNodeAttribute(a, "group")!.members).toEqual([PEEL1]);
      expect(groupOf(g, PEEL2)).toBe(b);
      expandGroup(g, b);
      collapseGroup(g, { members: [PEEL1, THEFT], origin: "manual", title: "C" });
      expect(g.hasNode(a)).toBe(false);
    });

    const refusals: [string, (g: RGraph) => string[], RegExp][] = [
      [
        "a member folded into another collapsed group",
        (g) => {
          collapseGroup(g, { members: [PEEL1, PEEL2], origin: "cluster", title: "A" });
          return [PEEL2, PEEL3];
        },
        /folded into the collapsed group group:.+; expand it first/,
      ],
      ["a group as a member", (g) => [collapseGroup(g, { members: [PEEL1], origin: "manual", title: "A" }), PEEL2], /is a group; groups do not nest/],
      ["a member not on the canvas", () => [PEEL1, "wallet:eth:0xnowhere"], /wallet:eth:0xnowhere is not on the canvas/],
      ["no members", () => [], /at least one member/],
    ];
    it.each(refusals)("refuses %s and changes nothing", (_name, setup, error) => {
      const g = scenario();
      const members = setup(g);
      const before = JSON.stringify(g.export());
      expect(() => collapseGroup(g, { members, origin: "manual", title: "X" })).toThrow(error);
      expect(JSON.stringify(g.export())).toBe(before);
    });

    it("refuses an ID that names a real node", () => {
      const g = scenario();
      expect(() => collapseGroup(g, { id: MIXER, members: [PEEL1], origin: "manual", title: "X" })).toThrow(/is a node, not a group/);
    });
  });

  it("aggregates edges between two collapsed groups once, whatever the order of collapsing", () => {
    const build = (first: "peels" | "cashout") => {
      const g = scenario();
      const spec = {
        peels: { members: PEELS, origin: "cluster" as const, title: "Peel chain" },
        cashout: { members: [MIXER, DEPOSIT], origin: "community" as const, title: "Cash-out" },
      };
      const order = first === "peels" ? (["peels", "cashout"] as const) : (["cashout", "peels"] as const);
      const ids = order.map((k) => collapseGroup(g, spec[k]));
      return { g, peels: ids[order.indexOf("peels")]!, cashout: ids[order.indexOf("cashout")]! };
    };
    const one = build("peels");
    const two = build("cashout");
    expect(aggregates(one.g)).toEqual(aggregates(two.g));
    const { g, peels, cashout } = one;
    expect(aggregates(g)[`agg:${peels}:TRANSFER:${cashout}:out`]).toEqual([tr(PEEL1, MIXER), tr(PEEL2, MIXER), tr(PEEL3, MIXER)].sort());
    expect(g.getEdgeAttribute(tr(PEEL1, MIXER), "collapsedInto")).toBe(peels);
    expect(visible(g).edges.filter((e) => e.startsWith("agg:"))).toEqual(
      [`agg:${peels}:TRANSFER:${THEFT}:in`, `agg:${peels}:TRANSFER:${cashout}:out`, `agg:${cashout}:DEPOSITED_AT:${EXCHANGE}:out`].sort(),
    );

    // Opening the peel group re-homes those edges on the cash-out group.
    expandGroup(g, peels);
    expect(aggregates(g)).toEqual({
      [`agg:${cashout}:TRANSFER:${PEEL1}:in`]: [tr(PEEL1, MIXER)],
      [`agg:${cashout}:TRANSFER:${PEEL2}:in`]: [tr(PEEL2, MIXER)],
      [`agg:${cashout}:TRANSFER:${PEEL3}:in`]: [tr(PEEL3, MIXER)],
      [`agg:${cashout}:DEPOSITED_AT:${EXCHANGE}:out`]: [`${DEPOSIT}>DEPOSITED_AT>${EXCHANGE}`],
    });
    expect(g.getEdgeAttribute(tr(PEEL1, MIXER), "collapsedInto")).toBe(cashout);
    expect(g.getEdgeAttribute(tr(MIXER, DEPOSIT), "collapsedInto")).toBe(cashout);
    expandGroup(g, cashout);
    expect(aggregates(g)).toEqual({});
    g.forEachEdge((_id, a) => {
      expect(a.collapsedInto).toBeUndefined();
    });
  });
});

describe("expandGroup and ungroup", () => {
  it("brings members and edges back where they were and keeps the group node open for later", () => {
    const g = scenario();
    const before = visible(g);
    const positions = PEELS.map((id) => [g.getNodeAttribute(id, "x"), g.getNodeAttribute(id, "y")]);
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    g.setNodeAttribute(id, "x", 999);
    expandGroup(g, id);
    expect(visible(g)).toEqual(before);
    expect(PEELS.map((m) => [g.getNodeAttribute(m, "x"), g.getNodeAttribute(m, "y")])).toEqual(positions);
    expect(g.getNodeAttribute(id, "group")!.collapsed).toBe(false);
    expect(nodeVisible(g.getNodeAttributes(id))).toBe(false);
    expect(aggregates(g)).toEqual({});
    expect(groupOf(g, PEEL1)).toBe(id);
    // Expanding twice is harmless; collapsing again re-uses the node.
    expandGroup(g, id);
    expect(collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" })).toBe(id);
    expect(Object.keys(aggregates(g))).toHaveLength(2);
  });

  it("ungroup drops the group node, collapsed or open", () => {
    const g = scenario();
    const before = visible(g);
    const order = g.order;
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    ungroup(g, id);
    expect(g.order).toBe(order);
    expect(visible(g)).toEqual(before);
    expect(groupOf(g, PEEL1)).toBeUndefined();
  });

  it("throws for something that is not a group", () => {
    const g = scenario();
    expect(() => { expandGroup(g, MIXER); }).toThrow(/not a group/);
    expect(() => { ungroup(g, "group:none"); }).toThrow(/not a group/);
  });
});

describe("groupOf and listGroups", () => {
  it.each<[string, string, string | undefined]>([
    ["a collapsed member", PEEL1, "collapsed"],
    ["an open member", THEFT, "open"],
    ["a node in no group", HEIST, undefined],
    ["a node not on the canvas", "wallet:eth:0xnowhere", undefined],
  ])("%s", (_name, node, want) => {
    const g = scenario();
    const collapsed = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    const open = collapseGroup(g, { members: [THEFT], origin: "manual", title: "Theft wallet" });
    expandGroup(g, open);
    expect(groupOf(g, node)).toBe(want === "collapsed" ? collapsed : want === "open" ? open : undefined);
    expect(listGroups(g).map((x) => x.id).sort()).toEqual([collapsed, open].sort());
  });
});

describe("refreshGroups", () => {
  it("folds in edges that an expansion brings to a collapsed member, and restores sizes", () => {
    const g = scenario();
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    const size = g.getNodeAttribute(id, "size");
    const NEW = "wallet:eth:0xpeel4";
    mergeSubgraph(g, {
      nodes: [wallet(NEW)],
      edges: [
        edge(PEEL3, "TRANSFER", NEW, { amount: 2, asset: "ETH", valueUSD: 2200, time: "2022-06-28T00:00:00Z" }),
        edge(PEEL2, "TRANSFER", MIXER, { id: `${tr(PEEL2, MIXER)}#2`, amount: 10, asset: "ETH", valueUSD: 11000, time: "2022-06-29T00:00:00Z" }),
        edge(PEEL3, "SAME_AS", PEEL1),
      ],
    }, { anchor: PEEL3 });
    expect(g.getNodeAttribute(id, "size")).not.toBe(size); // resize() knows nothing of groups
    expect(refreshGroups(g)).toBe(3);
    expect(g.getNodeAttribute(id, "size")).toBe(size);
    expect(aggregates(g)[`agg:${id}:TRANSFER:${NEW}:out`]).toEqual([tr(PEEL3, NEW)]);
    expect(aggregates(g)[`agg:${id}:TRANSFER:${MIXER}:out`]).toHaveLength(4);
    expect(g.getEdgeAttribute(`agg:${id}:TRANSFER:${MIXER}:out`, "data").amount).toBe(30010);
    expect(g.getEdgeAttribute(`${PEEL3}>SAME_AS>${PEEL1}`, "collapsedInto")).toBe(id);
    expect(g.getNodeAttribute(id, "data").properties).toContainEqual({ key: "usdOut", value: 30000 * 1100 + 2200 + 11000 });
    // Nothing new: nothing to fold.
    expect(refreshGroups(g)).toBe(0);
  });

  it("forgets removed members, drops emptied groups and their aggregates", () => {
    const g = scenario();
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    removeNode(g, PEEL1);
    refreshGroups(g);
    expect(g.getNodeAttribute(id, "group")!.members).toEqual([PEEL2, PEEL3]);
    expect(aggregates(g)).toEqual({ [`agg:${id}:TRANSFER:${MIXER}:out`]: [tr(PEEL2, MIXER), tr(PEEL3, MIXER)].sort() });
    expect(g.getNodeAttribute(id, "data").properties).toContainEqual({ key: "members", value: 2 });
    removeNode(g, PEEL2);
    removeNode(g, PEEL3);
    refreshGroups(g);
    expect(g.hasNode(id)).toBe(false);
    expect(aggregates(g)).toEqual({});
  });

  it("re-folds a member whose collapsedInto was lost", () => {
    const g = scenario();
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    const folded = visible(g);
    g.setNodeAttribute(PEEL2, "collapsedInto", undefined);
    expect(visible(g)).not.toEqual(folded);
    refreshGroups(g);
    expect(g.getNodeAttribute(PEEL2, "collapsedInto")).toBe(id);
    expect(visible(g)).toEqual(folded);
  });

  it("unfolds members whose group node was removed", () => {
    const g = scenario();
    const before = visible(g);
    const id = collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
    removeNode(g, id);
    expect(visible(g)).not.toEqual(before);
    refreshGroups(g);
    expect(visible(g)).toEqual(before);
    g.forEachEdge((_e, a) => {
      expect(a.collapsedInto).toBeUndefined();
    });
  });
});
