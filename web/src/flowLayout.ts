// A left-to-right layout for a money flow: the sources in the first column,
// every other node of the flow in the column of its hop depth (the fewest
// flow edges from a source, following the money), the sinks in the last
// column. Within a column nodes follow the mean height of the nodes that
// pay them, which keeps most edges from crossing. Pure: it sets x and y on
// the flow's nodes (pinned ones stay put) and touches nothing else.
import { typicalEdgeLength, type RGraph } from "./graphModel";

export interface FlowShape {
  sources: readonly string[];
  sinks: readonly string[];
  /** The flow's edges (tainted transfers, ties from sink services to their wallets). */
  edgeIds: readonly string[];
  /** What the investigator traced from (an incident, an entity) when it is not a source itself: a column before the sources. */
  origins?: readonly string[];
}

/** Columns as wide as this share of the flow's tallest column times the row gap, so the picture is about as wide as a canvas. */
const ASPECT = 1.6;

/** Each flow node's column: 0 for the sources, hop depth for the rest, the last column for the sinks. */
export function flowColumns(graph: RGraph, shape: FlowShape): Map<string, number> {
  const out = new Map<string, number>();
  const succ = new Map<string, string[]>();
  const nodes = new Set<string>();
  const link = (a: string, b: string) => {
    let l = succ.get(a);
    if (!l) succ.set(a, (l = []));
    l.push(b);
  };
  for (const e of shape.edgeIds) {
    if (!graph.hasEdge(e)) continue;
    const [s, t] = graph.extremities(e);
    nodes.add(s).add(t);
    link(s, t);
  }
  for (const id of [...shape.sources, ...shape.sinks]) if (graph.hasNode(id)) nodes.add(id);
  // Breadth first from the sources, along the money.
  let frontier = shape.sources.filter((id) => graph.hasNode(id));
  for (const id of frontier) out.set(id, 0);
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const t of succ.get(id) ?? []) {
        if (out.has(t)) continue;
        out.set(t, depth);
        next.push(t);
      }
    }
    frontier = next;
  }
  // What the money does not reach from a source (a tie from a sink service
  // to its wallet points backwards) sits one column after a placed neighbour.
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of shape.edgeIds) {
      if (!graph.hasEdge(e)) continue;
      const [s, t] = graph.extremities(e);
      const ds = out.get(s);
      const dt = out.get(t);
      if (ds === undefined && dt !== undefined) {
        out.set(s, dt + 1);
        changed = true;
      } else if (dt === undefined && ds !== undefined) {
        out.set(t, ds + 1);
        changed = true;
      }
    }
  }
  for (const id of nodes) if (!out.has(id)) out.set(id, 0);
  const origins = (shape.origins ?? []).filter((id) => graph.hasNode(id) && !out.has(id));
  if (origins.length > 0) {
    for (const [id, d] of out) out.set(id, d + 1);
    for (const id of origins) out.set(id, 0);
  }
  const sinks = new Set(shape.sinks.filter((id) => graph.hasNode(id)));
  let last = 0;
  for (const [id, d] of out) if (!sinks.has(id)) last = Math.max(last, d);
  for (const id of sinks) out.set(id, last + 1);
  return out;
}

/** Lays the flow out left to right around where its nodes were; returns how many nodes moved. */
export function layoutFlow(graph: RGraph, shape: FlowShape): number {
  const cols = flowColumns(graph, shape);
  if (cols.size === 0) return 0;
  const byCol: string[][] = [];
  for (const [id, c] of cols) (byCol[c] ??= []).push(id);
  const gap = typicalEdgeLength(graph);
  const rowGap = gap * 1.2;
  // Wide enough for labels: the canvas is wider than tall, and a flow has many more rows than columns.
  const tallest = Math.max(...byCol.map((ids) => ids.length));
  const colGap = Math.max(gap * 2.5, (ASPECT * tallest * rowGap) / Math.max(1, byCol.length - 1));
  let cx = 0;
  let cy = 0;
  for (const id of cols.keys()) {
    const a = graph.getNodeAttributes(id);
    cx += a.x;
    cy += a.y;
  }
  cx /= cols.size;
  cy /= cols.size;
  const width = (byCol.length - 1) * colGap;
  const ys = new Map<string, number>();
  let moved = 0;
  byCol.forEach((ids, c) => {
    // Order a column by the mean row of the nodes that pay into it (ties and the first column by ID, for a stable picture).
    const key = (id: string) => {
      let sum = 0;
      let n = 0;
      graph.forEachInNeighbor(id, (p) => {
        const y = ys.get(p);
        if (y === undefined) return;
        sum += y;
        n++;
      });
      return n > 0 ? sum / n : Infinity;
    };
    const keyed = ids.map((id) => ({ id, k: key(id) }));
    keyed.sort((a, b) => a.k - b.k || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    keyed.forEach(({ id }, i) => {
      // sigma's y axis points up: the first of a column is on top.
      const y = cy + ((keyed.length - 1) / 2 - i) * rowGap;
      ys.set(id, -y); // a row rank: smaller is higher
      if (graph.getNodeAttribute(id, "pinned")) return;
      graph.mergeNodeAttributes(id, { x: cx - width / 2 + c * colGap, y });
      moved++;
    });
  });
  return moved;
}
