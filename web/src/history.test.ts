import { describe, expect, it } from "vitest";
import { createGraph, highlightPath, mergeSubgraph, removeNode, type RGraph } from "./graphModel";
import { collapseGroup } from "./groups";
import { History, restore, snapshot, type Chunk } from "./history";
import { EXCHANGE, MIXER, PEEL1, PEEL2, PEEL3, THEFT, bigCase, edge, launderingCase, wallet } from "./testing/fixtures";
import { applyFilters } from "./visibility";

function scenario(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}

/** The graph as plain data (attributes copied: the graph updates its own in place), for comparisons. */
function dump(g: RGraph): unknown {
  return {
    nodes: Object.fromEntries(g.mapNodes((id, a) => [id, { ...a }])),
    edges: Object.fromEntries(g.mapEdges((id, a, s, t) => [id, { s, t, a: { ...a } }])),
  };
}

function savedOf<T>(chunks: readonly Chunk<T>[], id: string): T | undefined {
  for (const ch of chunks) {
    const i = ch.ids.indexOf(id);
    if (i >= 0) return ch.values[i];
  }
  return undefined;
}

const count = (chunks: readonly Chunk<unknown>[]) => chunks.reduce((s, ch) => s + ch.ids.length, 0);

describe("History", () => {
  type Step = ["push", string] | ["undo" | "redo", string | undefined];
  it.each<[string, Step[], { canUndo: boolean; canRedo: boolean }]>([
    ["empty", [["undo", undefined], ["redo", undefined]], { canUndo: false, canRedo: false }],
    ["one state cannot be undone", [["push", "a"], ["undo", undefined]], { canUndo: false, canRedo: false }],
    [
      "undo and redo walk the states",
      [["push", "a"], ["push", "b"], ["push", "c"], ["undo", "b"], ["undo", "a"], ["undo", undefined], ["redo", "b"], ["redo", "c"], ["redo", undefined]],
      { canUndo: true, canRedo: false },
    ],
    [
      "a push after an undo drops the redo branch",
      [["push", "a"], ["push", "b"], ["undo", "a"], ["push", "c"], ["redo", undefined], ["undo", "a"], ["redo", "c"]],
      { canUndo: true, canRedo: false },
    ],
    ["in the middle both ways are open", [["push", "a"], ["push", "b"], ["push", "c"], ["undo", "b"]], { canUndo: true, canRedo: true }],
  ])("%s", (_name, steps, want) => {
    const h = new History<string>();
    for (const [op, value] of steps) {
      if (op === "push") h.push(value);
      else expect(h[op]()).toBe(value);
    }
    expect({ canUndo: h.canUndo(), canRedo: h.canRedo() }).toEqual(want);
  });

  it("keeps at most `depth` steps back", () => {
    const h = new History<number>(3);
    for (let i = 0; i < 10; i++) h.push(i);
    const back: (number | undefined)[] = [];
    while (h.canUndo()) back.push(h.undo());
    expect(back).toEqual([8, 7, 6]);
    expect(new History().depth).toBe(100);
  });

  it.each([0, -1, 1.5])("rejects a depth of %d", (depth) => {
    expect(() => new History(depth)).toThrow(RangeError);
  });
});

describe("snapshot and restore", () => {
  it("copies attributes but shares the API data", () => {
    const g = scenario();
    const snap = snapshot(g, { camera: { x: 0.5, y: 0.5, ratio: 1 } });
    expect(snap.extra.camera.ratio).toBe(1);
    expect(count(snap.nodes)).toBe(g.order);
    expect(count(snap.edges)).toBe(g.size);
    const saved = savedOf(snap.nodes, THEFT)!;
    expect(saved).not.toBe(g.getNodeAttributes(THEFT));
    expect(saved.data).toBe(g.getNodeAttribute(THEFT, "data"));
    expect(savedOf(snap.edges, `${THEFT}>TRANSFER>${PEEL1}`)!.attrs.data).toBe(g.getEdgeAttribute(`${THEFT}>TRANSFER>${PEEL1}`, "data"));
    // In-place updates of the live graph leave the snapshot alone.
    g.setNodeAttribute(THEFT, "x", 1234);
    applyFilters(g, { hiddenKinds: ["WALLET"] });
    expect(saved.x).not.toBe(1234);
    expect(saved.filteredOut).toBeUndefined();
  });

  it.each<[string, (g: RGraph) => void, { added: number; removed: number; updated: number }]>([
    ["nothing changed", () => undefined, { added: 0, removed: 0, updated: 0 }],
    ["a node moved and pinned", (g) => g.mergeNodeAttributes(THEFT, { x: 42, pinned: true, fixed: true }), { added: 0, removed: 0, updated: 1 }],
    // The exchange and its edge; resize() changes the deposit wallet's size.
    ["a node removed", (g) => { removeNode(g, EXCHANGE); }, { added: 2, removed: 0, updated: 1 }],
    [
      "an expansion added a node and an edge",
      (g) => mergeSubgraph(g, { nodes: [wallet("wallet:eth:0xnew")], edges: [edge(PEEL3, "TRANSFER", "wallet:eth:0xnew")] }),
      { added: 0, removed: 2, updated: 1 },
    ],
    [
      "a collapse: group node and aggregates added, members and edges folded",
      (g) => collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" }),
      { added: 0, removed: 3, updated: 3 + 6 },
    ],
    ["a highlight", (g) => highlightPath(g, { nodeIds: [THEFT, PEEL1], edgeIds: [`${THEFT}>TRANSFER>${PEEL1}`] }), { added: 0, removed: 0, updated: 11 + 12 }],
  ])("undoes %s by difference", (_name, change, want) => {
    const g = scenario();
    applyFilters(g, {});
    const before = dump(g);
    const snap = snapshot(g, null);
    change(g);
    const events: string[] = [];
    g.on("cleared", () => events.push("cleared"));
    expect(restore(g, snap)).toEqual(want);
    expect(dump(g)).toEqual(before);
    expect(events).toEqual([]);
  });

  it("restores the same snapshot again after later changes (redo)", () => {
    const g = scenario();
    const base = snapshot(g, null);
    collapseGroup(g, { members: [MIXER], origin: "manual", title: "Mixer" });
    const collapsed = snapshot(g, null);
    const collapsedDump = dump(g);
    restore(g, base);
    g.setNodeAttribute(THEFT, "x", -1);
    restore(g, collapsed);
    expect(dump(g)).toEqual(collapsedDump);
    // Restoring replaced the attribute objects: mutating them now leaves the snapshot intact.
    g.setNodeAttribute(MIXER, "x", 777);
    expect(savedOf(collapsed.nodes, MIXER)!.x).not.toBe(777);
  });

  it("re-adds an edge whose ends changed under the same key", () => {
    const g = scenario();
    const snap = snapshot(g, null);
    const id = `${THEFT}>TRANSFER>${PEEL1}`;
    const attrs = g.getEdgeAttributes(id);
    g.dropEdge(id);
    g.addDirectedEdgeWithKey(id, PEEL1, THEFT, attrs);
    expect(restore(g, snap)).toEqual({ added: 1, removed: 1, updated: 0 });
    expect(g.source(id)).toBe(THEFT);
  });

  it("shares unchanged copies and chunks with the previous snapshot, on 10k nodes", () => {
    const g = createGraph();
    mergeSubgraph(g, bigCase(10_000));
    const before = dump(g);
    const first = snapshot(g, null);
    const again = snapshot(g, null);
    expect(again.nodes.every((ch, i) => ch === first.nodes[i])).toBe(true);
    expect(again.edges.every((ch, i) => ch === first.edges[i])).toBe(true);

    const moved = "wallet:eth:0x000258"; // node 600: in the second chunk of 512
    g.setNodeAttribute(moved, "x", 1e6);
    const dragged = snapshot(g, null);
    expect(dragged.edges.every((ch, i) => ch === first.edges[i])).toBe(true);
    expect(dragged.nodes.filter((ch, i) => ch !== first.nodes[i])).toHaveLength(1);
    const changed = dragged.nodes[1]!;
    expect(changed.values.filter((v, i) => v !== first.nodes[1]!.values[i])).toEqual([expect.objectContaining({ x: 1e6 })]);

    // A removal shifts the chunks after it, but the copies are still shared.
    removeNode(g, "wallet:eth:0x000000");
    const removed = snapshot(g, null);
    expect(savedOf(removed.nodes, "wallet:eth:0x002000")).toBe(savedOf(first.nodes, "wallet:eth:0x002000"));

    // The node and its one edge come back; the drag and the neighbour's size are undone.
    expect(restore(g, first)).toEqual({ added: 2, removed: 0, updated: 2 });
    expect(dump(g)).toEqual(before);
  });
});
