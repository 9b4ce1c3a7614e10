import { describe, expect, it } from "vitest";
import { edgeVisible, highlightPath, mergeSubgraph, createGraph } from "./graphModel";
import { flowLabels, FLOW_LABEL_RULE, tracedAmount } from "./flowLabels";
import { reduceEdge, reduceNode } from "./canvasLook";
import { PALETTES } from "./style";
import { edge, wallet } from "./testing/fixtures";
import type { MoneyFlow } from "./types";

type Flow = Parameters<typeof flowLabels>[0];
type Route = MoneyFlow["routes"][number];

/** A hop of a route: a transfer of 2 ETH of which 1.5 ETH traced, or a crossing (no edge, no amount). */
function hop(from: string, to: string, edgeId: string | null, service: string | null = null): Route["hops"][number] {
  const amounts = edgeId ? { amount: { asset: "ETH", amount: 2 }, taintedAmount: { asset: "ETH", amount: 1.5 } } : { amount: null, taintedAmount: null };
  return { from, to, service, edge: edgeId ? { id: edgeId } : null, time: null, value: null, tainted: null, usdFrom: null, price: null, ...amounts };
}

function route(sink: string, hops: Route["hops"]): Route {
  return { value: null, usdFrom: null, amount: { asset: "ETH", amount: 1 }, alike: 1, sink, hops };
}

/** A tainted transfer: `amount` traced of a transfer of `whole` (the same when omitted). */
function transfer(id: string, asset: string, amount: number, whole = amount): Flow["tainted"][number] {
  return { tainted: null, taintedAmount: { asset, amount }, edge: { id, amount: whole, asset } } as Flow["tainted"][number];
}

/**
 * A theft fanned out: source S sends 100 ETH through peels p1…p6 to two
 * sinks X and Y; routes listed largest first, r0…r4. Transfers: 40, 30, 9,
 * 5 ETH, and 4 and 1 BTC (bridged: the sources sent no BTC; 15 BTC reached
 * the sinks).
 */
function fanOut(): Flow {
  return {
    sources: [wallet("S")],
    sinks: [
      { node: wallet("X"), amounts: [{ asset: "ETH", amount: 60 }, { asset: "BTC", amount: 4 }] },
      { node: wallet("Y"), amounts: [{ asset: "ETH", amount: 14 }, { asset: "BTC", amount: 11 }] },
    ],
    sourceAmounts: [{ asset: "ETH", amount: 100 }],
    routes: [
      route("X", [hop("S", "p1", "e1"), hop("p1", "X", "e2")]),
      route("X", [hop("S", "p2", "e3"), hop("p2", "bridge-out", null, "service:bridge"), hop("bridge-out", "X", "e4")]),
      route("Y", [hop("S", "p3", "e5"), hop("p3", "Y", "e6")]),
      route("Y", [hop("S", "p4", "e7"), hop("p4", "p5", "e8"), hop("p5", "Y", "e9")]),
      route("Y", [hop("S", "p6", "e10"), hop("p6", "Y", "e11")]),
    ],
    tainted: [transfer("e1", "ETH", 40), transfer("e3", "ETH", 30, 1200), transfer("e5", "ETH", 9), transfer("e7", "ETH", 5), transfer("e4", "BTC", 4), transfer("e9", "BTC", 1)],
  } as unknown as Flow;
}

const sorted = (s: Iterable<string>) => [...s].sort();

describe("flow labels", () => {
  it.each([
    {
      name: "sources, sinks, origins and the top routes' nodes; transfers of at least a tenth of their asset",
      rule: FLOW_LABEL_RULE,
      origins: ["incident:theft"],
      route: null,
      nodes: ["S", "X", "Y", "bridge-out", "incident:theft", "p1", "p2", "p3", "service:bridge"],
      // e1 40/100, e3 30/100 ETH; e4 4/15 BTC (measured against the BTC that reached the sinks); e5 9/100 ETH and e9 1/15 BTC are under a tenth.
      edges: ["e1", "e3", "e4"],
    },
    {
      name: "an opened route keeps all its names and amounts",
      rule: FLOW_LABEL_RULE,
      origins: [],
      route: 3,
      nodes: ["S", "X", "Y", "bridge-out", "p1", "p2", "p3", "p4", "p5", "service:bridge"],
      edges: ["e1", "e3", "e4", "e7", "e8", "e9"],
    },
    {
      name: "at most maxEdges amounts, the largest shares first",
      rule: { topRoutes: 1, edgeShare: 0.05, maxEdges: 2 },
      origins: [],
      route: null,
      nodes: ["S", "X", "Y", "p1"],
      edges: ["e1", "e3"],
    },
    {
      name: "a route index out of range keeps nothing more",
      rule: { topRoutes: 0, edgeShare: 1.1, maxEdges: 12 },
      origins: [],
      route: 9,
      nodes: ["S", "X", "Y"],
      edges: [],
    },
  ])("$name", ({ rule, origins, route: r, nodes, edges }) => {
    const l = flowLabels(fanOut(), origins, r, rule);
    expect(sorted(l.nodes)).toEqual([...nodes].sort());
    expect(sorted(l.edges.keys())).toEqual([...edges].sort());
  });

  it("labels a transfer with its traced amount: whole, or the part of it", () => {
    const l = flowLabels(fanOut(), [], 3);
    expect(l.edges.get("e1")).toBe("40 ETH");
    expect(l.edges.get("e3")).toBe("30 of 1,200 ETH");
    expect(l.edges.get("e8")).toBe("1.5 of 2 ETH"); // from the opened route's hop
    expect(tracedAmount({ asset: "BTC", amount: 0.25 }, null)).toBe("0.25 BTC");
    // Read at a glance: 4 significant digits, whole numbers from 1,000.
    expect(tracedAmount({ asset: "BTC", amount: 0.0126612 }, 225.098726)).toBe("0.01266 of 225.1 BTC");
    expect(tracedAmount({ asset: "ETH", amount: 1577.4 }, 1577.4)).toBe("1,577 ETH");
  });

  it("culls forced labels on the canvas: a flow node or transfer not kept is drawn unforced", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes: [wallet("S"), wallet("p1"), wallet("X")], edges: [edge("S", "TRANSFER", "p1", { id: "e1" }), edge("p1", "TRANSFER", "X", { id: "e2" })] });
    highlightPath(g, { nodeIds: ["S", "p1", "X"], edgeIds: ["e1", "e2"] });
    const node = (id: string, kept: boolean, focused = false) => reduceNode(id, { ...g.getNodeAttributes(id) }, PALETTES.light, focused, kept);
    expect(node("S", true).forceLabel).toBe(true);
    const culled = node("p1", false);
    expect(culled.forceLabel).toBe(false);
    expect(culled.label).toBeTruthy(); // still drawn where it has room (zoom), and on hover
    expect(node("p1", false, true).forceLabel).toBe(true);
    const e = (id: string, text: string | null | undefined, hovered = false) =>
      reduceEdge(g, id, { ...g.getEdgeAttributes(id) }, PALETTES.light, false, new Map(hovered ? [[id, true]] : []), text);
    expect(edgeVisible(g, "e1", g.getEdgeAttributes("e1"))).toBe(true);
    // A path keeps the edge's own label; a flow gives its text, or none.
    expect(e("e1", undefined)).toMatchObject({ forceLabel: true, label: g.getEdgeAttribute("e1", "label") });
    expect(e("e1", "40 ETH")).toMatchObject({ forceLabel: true, label: "40 ETH" });
    expect(e("e2", null).label).toBeNull();
    expect(e("e2", null).forceLabel).toBeFalsy();
    expect(e("e2", null, true).label).toBe(g.getEdgeAttribute("e2", "label"));
  });
});
