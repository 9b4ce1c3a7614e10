import { describe, expect, it } from "vitest";
import {
  BULK_END,
  BULK_MIN_ITEMS,
  BULK_START,
  DEFAULT_SPACING,
  clearHighlight,
  createGraph,
  edgeLabel,
  highlightPath,
  isHighlighted,
  mergeSubgraph,
  pathHops,
  placeNewNodes,
  removeNode,
  typicalEdgeLength,
} from "./graphModel";
import { NODE_COLORS } from "./style";
import { edge, node } from "./testing/fixtures";

const LAZ = "threat_group:lazarus-group";
const HEIST = "incident:coincheck-2018";
const W1 = "wallet:eth:0x01";
const W2 = "wallet:eth:0x02";
const EXCH = "service:unnamed-russian-exchange";

function dist(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

describe("mergeSubgraph", () => {
  it("announces a big batch, all its additions between one bulk start and one bulk end, and a small one not", () => {
    const cases = [
      { name: "big", nodes: BULK_MIN_ITEMS, want: ["start", ...Array<string>(BULK_MIN_ITEMS).fill("add"), "end"] },
      { name: "small", nodes: 3, want: ["add", "add", "add"] },
    ];
    for (const c of cases) {
      const g = createGraph();
      const seen: string[] = [];
      const bus = g as unknown as { on(ev: string, fn: () => void): void };
      bus.on(BULK_START, () => seen.push("start"));
      bus.on(BULK_END, () => seen.push("end"));
      g.on("nodeAdded", () => seen.push("add"));
      const nodes = Array.from({ length: c.nodes }, (_, i) => node(`wallet:eth:0x${i}`, "WALLET"));
      mergeSubgraph(g, { nodes, edges: [] });
      expect(seen, c.name).toEqual(c.want);
    }
  });

  it("ends a bulk batch even when the merge throws", () => {
    const g = createGraph();
    let ends = 0;
    (g as unknown as { on(ev: string, fn: () => void): void }).on(BULK_END, () => ends++);
    g.on("nodeAdded", () => {
      throw new Error("listener failed");
    });
    const nodes = Array.from({ length: BULK_MIN_ITEMS }, (_, i) => node(`wallet:eth:0x${i}`, "WALLET"));
    expect(() => mergeSubgraph(g, { nodes, edges: [] })).toThrow("listener failed");
    expect(ends).toBe(1);
  });

  it("adds nodes and edges with kind colours and data", () => {
    const g = createGraph();
    const r = mergeSubgraph(g, {
      nodes: [node(LAZ, "THREAT_GROUP", "Lazarus Group"), node(HEIST, "INCIDENT")],
      edges: [edge(HEIST, "ATTRIBUTED_TO", LAZ)],
    });
    expect(r.addedNodes).toEqual([LAZ, HEIST]);
    expect(r.addedEdges).toEqual([`${HEIST}>ATTRIBUTED_TO>${LAZ}`]);
    expect(g.order).toBe(2);
    expect(g.size).toBe(1);
    expect(g.getNodeAttribute(LAZ, "color")).toBe(NODE_COLORS.THREAT_GROUP);
    expect(g.getNodeAttribute(LAZ, "label")).toBe("Lazarus Group");
    expect(g.getNodeAttribute(LAZ, "data").kind).toBe("THREAT_GROUP");
    expect(g.source(`${HEIST}>ATTRIBUTED_TO>${LAZ}`)).toBe(HEIST);
    expect(g.target(`${HEIST}>ATTRIBUTED_TO>${LAZ}`)).toBe(LAZ);
  });

  it("never duplicates nodes or edges, in one answer or across answers, and updates their data", () => {
    const g = createGraph();
    const sub = {
      nodes: [node(W1), node(W2), node(W1)],
      edges: [edge(W1, "TRANSFER", W2), edge(W1, "TRANSFER", W2)],
    };
    mergeSubgraph(g, sub);
    const before = { ...g.getNodeAttributes(W1) };
    const r = mergeSubgraph(g, {
      nodes: [{ ...node(W1), label: "renamed" }, node(W2)],
      edges: [edge(W1, "TRANSFER", W2)],
    });
    expect(r.addedNodes).toEqual([]);
    expect(r.addedEdges).toEqual([]);
    expect(g.order).toBe(2);
    expect(g.size).toBe(1);
    expect(g.getNodeAttribute(W1, "label")).toBe("renamed");
    // An update keeps the node where it was.
    expect(g.getNodeAttribute(W1, "x")).toBe(before.x);
    expect(g.getNodeAttribute(W1, "y")).toBe(before.y);
  });

  it("keeps parallel edges of different kinds between one pair", () => {
    const g = createGraph();
    mergeSubgraph(g, {
      nodes: [node(W1), node(W2)],
      edges: [edge(W1, "TRANSFER", W2), edge(W1, "SAME_AS", W2)],
    });
    expect(g.size).toBe(2);
  });

  it("skips edges whose endpoints are missing instead of failing", () => {
    const g = createGraph();
    const r = mergeSubgraph(g, { nodes: [node(W1)], edges: [edge(W1, "TRANSFER", W2)] });
    expect(r.skippedEdges).toEqual([`${W1}>TRANSFER>${W2}`]);
    expect(g.size).toBe(0);
  });

  it("places new neighbours near the expanded node, apart from one another", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes: [node(LAZ, "THREAT_GROUP")], edges: [] });
    g.mergeNodeAttributes(LAZ, { x: 500, y: -300 });
    const ids = Array.from({ length: 30 }, (_, i) => `wallet:eth:0x${i.toString(16)}`);
    mergeSubgraph(
      g,
      {
        nodes: [node(LAZ, "THREAT_GROUP"), ...ids.map((id) => node(id))],
        edges: ids.map((id) => edge(id, "ATTRIBUTED_TO", LAZ)),
      },
      { anchor: LAZ },
    );
    const centre = g.getNodeAttributes(LAZ);
    expect(centre.x).toBe(500);
    const pts = ids.map((id) => g.getNodeAttributes(id));
    for (const p of pts) {
      expect(dist(p, centre)).toBeGreaterThan(0);
      expect(dist(p, centre)).toBeLessThan(DEFAULT_SPACING * 6);
    }
    for (let i = 0; i < pts.length; i++) {
      for (let j = i + 1; j < pts.length; j++) {
        expect(dist(pts[i]!, pts[j]!)).toBeGreaterThan(DEFAULT_SPACING * 0.3);
      }
    }
  });

  it("sizes nodes by degree", () => {
    const g = createGraph();
    const ids = ["wallet:eth:0xa", "wallet:eth:0xb", "wallet:eth:0xc"];
    mergeSubgraph(g, { nodes: [node(W1), ...ids.map((id) => node(id))], edges: ids.map((id) => edge(W1, "TRANSFER", id)) });
    expect(g.getNodeAttribute(W1, "size")).toBeGreaterThan(g.getNodeAttribute("wallet:eth:0xa", "size"));
  });
});

describe("placeNewNodes", () => {
  it("puts the first node of an empty canvas at the origin", () => {
    const g = createGraph();
    expect(placeNewNodes(g, [W1], [])).toEqual(new Map([[W1, { x: 0, y: 0 }]]));
  });

  it("extends a chain outward from the node it hangs on", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes: [node(LAZ, "THREAT_GROUP")], edges: [] });
    const chain = [HEIST, W1, W2, EXCH];
    const edges = [edge(HEIST, "ATTRIBUTED_TO", LAZ), edge(HEIST, "STOLE", W1), edge(W1, "TRANSFER", W2), edge(W2, "DEPOSITED_AT", EXCH)];
    const pos = placeNewNodes(g, chain, edges);
    expect([...pos.keys()].sort()).toEqual([...chain].sort());
    // each node sits one spacing from its predecessor
    const order = [LAZ, ...chain];
    for (let i = 1; i < order.length; i++) {
      const prev = i === 1 ? { x: 0, y: 0 } : pos.get(order[i - 1]!)!;
      expect(dist(pos.get(order[i]!)!, prev)).toBeCloseTo(DEFAULT_SPACING, 5);
    }
  });

  it("puts unconnected newcomers beside the drawing", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes: [node(W1), node(W2)], edges: [edge(W1, "TRANSFER", W2)] });
    const maxX = Math.max(g.getNodeAttribute(W1, "x"), g.getNodeAttribute(W2, "x"));
    const p = placeNewNodes(g, [EXCH], []).get(EXCH)!;
    expect(p.x).toBeGreaterThan(maxX);
  });

  it("matches the scale of the drawing", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes: [node(W1), node(W2)], edges: [edge(W1, "TRANSFER", W2)] });
    g.mergeNodeAttributes(W1, { x: 0, y: 0 });
    g.mergeNodeAttributes(W2, { x: 300, y: 400 });
    expect(typicalEdgeLength(g)).toBe(500);
    const p = placeNewNodes(g, [EXCH], [edge(W2, "DEPOSITED_AT", EXCH)]).get(EXCH)!;
    expect(dist(p, { x: 300, y: 400 })).toBeCloseTo(500, 5);
  });
});

describe("path", () => {
  const nodes = [node(LAZ, "THREAT_GROUP"), node(HEIST, "INCIDENT"), node(W1), node(EXCH, "SERVICE")];
  const edges = [edge(HEIST, "ATTRIBUTED_TO", LAZ), edge(HEIST, "STOLE", W1), edge(W1, "DEPOSITED_AT", EXCH)];

  it("lists hops with the direction each edge is walked", () => {
    const hops = pathHops({ nodes, edges });
    expect(hops.map((h) => [h.from.id, h.edge.kind, h.to.id, h.forward])).toEqual([
      [LAZ, "ATTRIBUTED_TO", HEIST, false],
      [HEIST, "STOLE", W1, true],
      [W1, "DEPOSITED_AT", EXCH, true],
    ]);
    expect(pathHops({ nodes: [], edges: [] })).toEqual([]);
  });

  it("rejects a malformed path", () => {
    expect(() => pathHops({ nodes: nodes.slice(0, 3), edges })).toThrow(/3 nodes for 3 edges/);
    expect(() => pathHops({ nodes: [nodes[0]!, nodes[2]!], edges: [edges[0]!] })).toThrow(/does not join/);
  });

  it("highlights by attributes and clears again, without rebuilding the graph", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes, edges });
    mergeSubgraph(g, { nodes: [node(W2)], edges: [edge(W1, "TRANSFER", W2)] });
    const sameGraph = g;
    const counts = highlightPath(g, {
      nodeIds: [LAZ, HEIST, W1, EXCH],
      edgeIds: edges.map((e) => e.id),
    });
    expect(counts).toEqual({ nodes: 4, edges: 3 });
    expect(g.getNodeAttribute(W1, "onPath")).toBe(true);
    expect(g.getNodeAttribute(W2, "dimmed")).toBe(true);
    expect(g.getNodeAttribute(W2, "onPath")).toBe(false);
    expect(g.getEdgeAttribute(`${W1}>TRANSFER>${W2}`, "dimmed")).toBe(true);
    expect(g.getEdgeAttribute(edges[1]!.id, "onPath")).toBe(true);
    expect(isHighlighted(g)).toBe(true);
    clearHighlight(g);
    expect(isHighlighted(g)).toBe(false);
    expect(g.getNodeAttribute(W2, "dimmed")).toBe(false);
    expect(g).toBe(sameGraph);
    expect(g.order).toBe(5);
  });
});

describe("misc", () => {
  it("labels edges with kind and amount", () => {
    expect(edgeLabel({ kind: "DEPOSITED_AT", amount: null, asset: null })).toBe("deposited at");
    expect(edgeLabel({ kind: "TRANSFER", amount: 1234567.5, asset: "ETH" })).toBe("transfer 1,234,568 ETH");
    expect(edgeLabel({ kind: "TRANSFER", amount: 0.125, asset: null })).toBe("transfer 0.125");
  });

  it("removes a node with its edges", () => {
    const g = createGraph();
    mergeSubgraph(g, { nodes: [node(W1), node(W2)], edges: [edge(W1, "TRANSFER", W2)] });
    removeNode(g, W2);
    expect(g.order).toBe(1);
    expect(g.size).toBe(0);
    removeNode(g, "missing");
    expect(g.order).toBe(1);
  });
});
