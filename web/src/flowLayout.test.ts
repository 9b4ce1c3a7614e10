import { describe, expect, it } from "vitest";
import { flowColumns, layoutFlow } from "./flowLayout";
import { createGraph, mergeSubgraph } from "./graphModel";
import { edge, node } from "./testing/fixtures";

// theft → a → b → deposit ← service (a tie: service CONTROLS deposit); theft → c → deposit2
const THEFT = "wallet:eth:0xtheft";
const A = "wallet:eth:0xa";
const B = "wallet:eth:0xb";
const C = "wallet:eth:0xc";
const DEP = "wallet:eth:0xdep";
const DEP2 = "wallet:eth:0xdep2";
const SVC = "service:exchange";
const OTHER = "wallet:eth:0xother";

function flowGraph() {
  const g = createGraph();
  const edges = [
    edge(THEFT, "TRANSFER", A),
    edge(A, "TRANSFER", B),
    edge(B, "TRANSFER", DEP),
    edge(THEFT, "TRANSFER", C),
    edge(C, "TRANSFER", DEP2),
    edge(SVC, "CONTROLS", DEP),
    edge(OTHER, "TRANSFER", A),
  ];
  mergeSubgraph(g, { nodes: [THEFT, A, B, C, DEP, DEP2, OTHER].map((id) => node(id)).concat(node(SVC, "SERVICE")), edges });
  const ids = edges.slice(0, 6).map((e) => e.id);
  return { g, shape: { sources: [THEFT], sinks: [SVC, DEP2], edgeIds: ids } };
}

describe("flowColumns", () => {
  it("puts the sources first, each node at its hop depth, the sinks last", () => {
    const { g, shape } = flowGraph();
    const cols = flowColumns(g, shape);
    expect(Object.fromEntries(cols)).toEqual({ [THEFT]: 0, [A]: 1, [C]: 1, [B]: 2, [DEP]: 3, [DEP2]: 4, [SVC]: 4 });
    expect(cols.has(OTHER)).toBe(false);
  });

  it("puts what was traced from, when not a source, a column before the sources", () => {
    const { g, shape } = flowGraph();
    const cols = flowColumns(g, { ...shape, origins: [OTHER, THEFT] });
    expect(cols.get(OTHER)).toBe(0);
    expect(cols.get(THEFT)).toBe(1);
    expect(cols.get(SVC)).toBe(5);
  });
});

describe("layoutFlow", () => {
  it("lays the flow out left to right, keeps pinned nodes and leaves the rest alone", () => {
    const { g, shape } = flowGraph();
    g.mergeNodeAttributes(B, { pinned: true, x: 123, y: 456 });
    const other = { x: g.getNodeAttribute(OTHER, "x"), y: g.getNodeAttribute(OTHER, "y") };
    expect(layoutFlow(g, shape)).toBe(6);
    const x = (id: string) => g.getNodeAttribute(id, "x");
    expect(x(THEFT)).toBeLessThan(x(A));
    expect(x(A)).toBe(x(C));
    expect(x(A)).toBeLessThan(x(DEP));
    expect(x(DEP)).toBeLessThan(x(SVC));
    expect(x(SVC)).toBe(x(DEP2));
    expect({ x: x(B), y: g.getNodeAttribute(B, "y") }).toEqual({ x: 123, y: 456 });
    expect({ x: x(OTHER), y: g.getNodeAttribute(OTHER, "y") }).toEqual(other);
    // One column's nodes do not sit on top of each other.
    expect(g.getNodeAttribute(A, "y")).not.toBe(g.getNodeAttribute(C, "y"));
  });
});
