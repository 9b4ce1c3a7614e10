// Pure graph transforms on the graphology graph that sigma renders: merging API
// answers without duplicates, placing new nodes, highlighting a path. No DOM
// here, so everything is unit-tested in Node.
import Graph from "graphology";
import { packByCommunity } from "./initialLayout";
import { edgeColor, edgeSize, nodeColor, nodeSize } from "./style";
import type { EdgeKind, GEdge, GNode, NodeKind, Path, Risk } from "./types";

// The attribute contract between the transforms (graphModel, visibility,
// groups, timeline, history, caseView) and the renderer (canvas reducers).
// Everything a filter, highlight, hide, pin or collapse changes is one of
// these attributes: the graph is never rebuilt for them.

/** Why a node wears a badge: a sanctions designation, or a high-risk role. */
export type Badge = "sanctioned" | "high-risk";

/** What a group node (a collapsed cluster) stands for. */
export interface GroupInfo {
  /** The member node IDs, in the order given. */
  members: string[];
  /** Where the grouping came from. */
  origin: "cluster" | "community" | "persona" | "manual";
  /** A title for people, e.g. "Co-spend cluster of 14 wallets". */
  title: string;
  /** True while the members are folded into this node; false when it is open (the group node is then hidden). */
  collapsed: boolean;
}

export interface NodeAttrs {
  x: number;
  y: number;
  size: number;
  color: string;
  label: string;
  kind: NodeKind;
  /** The node as the API gave it; for a group node, a synthesized GNode (id = the group's ID). */
  data: GNode;
  /** On the highlighted path (or money flow). */
  onPath?: boolean;
  /** Faded because a path is highlighted and this node is not on it. */
  dimmed?: boolean;
  /** Pinned by the user: the layout does not move it (ForceAtlas2 reads `fixed`). */
  pinned?: boolean;
  fixed?: boolean;
  /** Hidden by the user. */
  userHidden?: boolean;
  /** Hidden by the view's filters (timeline window, hidden kinds). */
  filteredOut?: boolean;
  /** Folded into this group node (its ID) while that group is collapsed. */
  collapsedInto?: string;
  /** The user's note on this node. */
  annotation?: string;
  /** Set on group nodes only. */
  group?: GroupInfo;
  /** Sanctioned / high-risk markers drawn on the node (badges.ts, from `risk`). */
  badges?: Badge[];
  /** The node's risk as the server computed it from the store (controllers/risk.ts); absent until it arrives. */
  risk?: Risk;
}

export interface EdgeAttrs {
  kind: EdgeKind;
  color: string;
  /** Width: grows with the edge's USD value (style.edgeSize). */
  size: number;
  label: string;
  /** The edge as the API gave it; for an aggregate edge, a synthesized GEdge (amount and valueUSD summed). */
  data: GEdge;
  onPath?: boolean;
  dimmed?: boolean;
  /** Outside the timeline window (edges without a time are never filtered out). */
  filteredOut?: boolean;
  /** Replaced by an aggregate edge of this group node (its ID) while the group is collapsed. */
  collapsedInto?: string;
  /** Set on the edges that stand in for collapsed ones: the real edges they sum up. */
  aggregate?: { edgeIds: string[] };
  /** Never stored: set by the renderer's reducer; named here for sigma's update hints. */
  zIndex?: number;
}

/** Whether a node is drawn: not hidden by the user, the filters or a collapsed group (nor an open group's own node). */
export function nodeVisible(a: NodeAttrs): boolean {
  if (a.userHidden || a.filteredOut || a.collapsedInto !== undefined) return false;
  return !(a.group && !a.group.collapsed);
}

/** Whether an edge is drawn: both ends visible, not filtered out, not folded into an aggregate. */
export function edgeVisible(graph: RGraph, id: string, a: EdgeAttrs): boolean {
  if (a.filteredOut || a.collapsedInto !== undefined) return false;
  return nodeVisible(graph.getSourceAttributes(id)) && nodeVisible(graph.getTargetAttributes(id));
}

export type RGraph = Graph<NodeAttrs, EdgeAttrs>;

export interface Point {
  x: number;
  y: number;
}

export function createGraph(): RGraph {
  // Directed multigraph: one pair of nodes can have edges of several kinds.
  return new Graph<NodeAttrs, EdgeAttrs>({ type: "directed", multi: true, allowSelfLoops: true });
}

/** Spacing used when the canvas has no edges yet to measure. */
export const DEFAULT_SPACING = 10;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** Median length of the edges on the canvas, so new nodes match its scale. */
export function typicalEdgeLength(graph: RGraph): number {
  const lengths: number[] = [];
  graph.forEachEdge((_e, _a, _s, _t, sa, ta) => {
    const d = Math.hypot(sa.x - ta.x, sa.y - ta.y);
    if (d > 0 && Number.isFinite(d)) lengths.push(d);
  });
  if (lengths.length === 0) return DEFAULT_SPACING;
  lengths.sort((a, b) => a - b);
  return lengths[Math.floor(lengths.length / 2)] ?? DEFAULT_SPACING;
}

function hashAngle(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return ((h >>> 0) / 4294967296) * 2 * Math.PI;
}

/** From this many unanchored new nodes on, they are packed by community rather than spread on one spiral. */
export const PACK_MIN_NODES = 100;

/**
 * Positions for nodes that are not yet on the canvas. Each new node goes next
 * to the already placed nodes it is linked to (by `edges`), spread on a
 * sunflower spiral around them so that siblings do not overlap; a node linked
 * to nothing placed goes around `fallback`, or beside the drawing when there
 * is no fallback; a big batch of such nodes is packed by community instead
 * (initialLayout.ts). Deterministic.
 */
export function placeNewNodes(
  graph: RGraph,
  newIds: readonly string[],
  edges: readonly Pick<GEdge, "from" | "to">[],
  fallback?: Point,
): Map<string, Point> {
  const out = new Map<string, Point>();
  if (newIds.length === 0) return out;
  const spacing = typicalEdgeLength(graph);

  const adjacency = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    const list = adjacency.get(a);
    if (list) list.push(b);
    else adjacency.set(a, [b]);
  };
  for (const e of edges) {
    link(e.from, e.to);
    link(e.to, e.from);
  }

  const positionOf = (id: string): Point | undefined => {
    const placed = out.get(id);
    if (placed) return placed;
    if (graph.hasNode(id)) {
      const a = graph.getNodeAttributes(id);
      return { x: a.x, y: a.y };
    }
    return undefined;
  };

  // How many nodes were already put around a given centre (sunflower index).
  const crowd = new Map<string, number>();
  const around = (centre: Point, centreKey: string): Point => {
    const k = crowd.get(centreKey) ?? 0;
    crowd.set(centreKey, k + 1);
    const angle = hashAngle(centreKey) + k * GOLDEN_ANGLE;
    const r = spacing * (1 + 0.6 * Math.sqrt(k));
    return { x: centre.x + r * Math.cos(angle), y: centre.y + r * Math.sin(angle) };
  };

  let pending = newIds.filter((id) => !graph.hasNode(id));
  for (let progress = true; pending.length > 0 && progress; ) {
    progress = false;
    const next: string[] = [];
    for (const id of pending) {
      const anchors = (adjacency.get(id) ?? []).filter((n) => n !== id && positionOf(n) !== undefined);
      if (anchors.length === 0) {
        next.push(id);
        continue;
      }
      const pts = anchors.map((n) => positionOf(n) as Point);
      const centre = {
        x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
        y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
      };
      out.set(id, around(centre, [...anchors].sort().join("|")));
      progress = true;
    }
    pending = next;
  }

  if (pending.length > 0) {
    let centre = fallback;
    let key = "fallback";
    if (!centre) {
      if (graph.order === 0 && out.size === 0) {
        centre = { x: 0, y: 0 };
        key = "origin";
      } else {
        // Beside the current drawing, to its right.
        let maxX = -Infinity;
        let sumY = 0;
        let n = 0;
        const visit = (p: Point) => {
          maxX = Math.max(maxX, p.x);
          sumY += p.y;
          n++;
        };
        graph.forEachNode((_id, a) => { visit(a); });
        out.forEach(visit);
        centre = { x: maxX + spacing * 2, y: sumY / n };
        key = "beside";
      }
    }
    if (pending.length >= PACK_MIN_NODES) {
      // A big batch with nothing to hang on: a structured first picture (initialLayout.ts).
      const shift = key === "beside" ? spacing * Math.sqrt(pending.length) : 0;
      for (const [id, p] of packByCommunity(pending, edges, { x: centre.x + shift, y: centre.y }, spacing)) out.set(id, p);
      return out;
    }
    for (const [i, id] of pending.entries()) {
      // The very first node of an empty canvas sits exactly at the centre.
      if (key === "origin" && i === 0) out.set(id, { ...centre });
      else out.set(id, around(centre, key));
    }
  }
  return out;
}

export interface MergeResult {
  addedNodes: string[];
  addedEdges: string[];
  /** Edges whose endpoints were not in the answer nor on the canvas. */
  skippedEdges: string[];
}

function nodeAttrs(n: GNode, p: Point): NodeAttrs {
  return {
    x: p.x,
    y: p.y,
    size: nodeSize(n.kind, 0),
    color: nodeColor(n.kind),
    label: n.label || n.key || n.id,
    kind: n.kind,
    data: n,
    ...(n.risk ? { risk: n.risk } : {}),
  };
}

/**
 * Merges nodes and edges (a neighbourhood, a path, a search hit) into the
 * graph. Nodes and edges already present are updated in place, never
 * duplicated; new nodes are placed near the nodes they link to, or around
 * `anchor` (a node ID) when given. Sizes follow the new degrees.
 */
export function mergeSubgraph(
  graph: RGraph,
  sub: { nodes: readonly GNode[]; edges: readonly GEdge[] },
  opts: { anchor?: string } = {},
): MergeResult {
  // A big batch is announced, so that listeners that do work per added item (sigma) can wait for its end.
  const bulk = sub.nodes.length + sub.edges.length >= BULK_MIN_ITEMS;
  const bus = graph as unknown as { emit(ev: string): void };
  if (bulk) bus.emit(BULK_START);
  try {
    return mergeInto(graph, sub, opts);
  } finally {
    if (bulk) bus.emit(BULK_END);
  }
}

/** From this many nodes and edges on, mergeSubgraph is a bulk change (BULK_START … BULK_END on the graph). */
export const BULK_MIN_ITEMS = 500;
export const BULK_START = "bulkStart";
export const BULK_END = "bulkEnd";

function mergeInto(graph: RGraph, sub: { nodes: readonly GNode[]; edges: readonly GEdge[] }, opts: { anchor?: string }): MergeResult {
  const fresh: GNode[] = [];
  const seen = new Set<string>();
  for (const n of sub.nodes) {
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (graph.hasNode(n.id)) {
      graph.mergeNodeAttributes(n.id, { data: n, label: n.label || n.key || n.id, kind: n.kind, color: nodeColor(n.kind), ...(n.risk ? { risk: n.risk } : {}) });
    } else {
      fresh.push(n);
    }
  }

  let fallback: Point | undefined;
  if (opts.anchor !== undefined && graph.hasNode(opts.anchor)) {
    const a = graph.getNodeAttributes(opts.anchor);
    fallback = { x: a.x, y: a.y };
  }
  const positions = placeNewNodes(
    graph,
    fresh.map((n) => n.id),
    sub.edges,
    fallback,
  );
  const addedNodes: string[] = [];
  for (const n of fresh) {
    graph.addNode(n.id, nodeAttrs(n, positions.get(n.id) ?? { x: 0, y: 0 }));
    addedNodes.push(n.id);
  }

  const addedEdges: string[] = [];
  const skippedEdges: string[] = [];
  for (const e of sub.edges) {
    if (graph.hasEdge(e.id)) {
      graph.mergeEdgeAttributes(e.id, { data: e, size: edgeSize(e), label: edgeLabel(e) });
      continue;
    }
    if (!graph.hasNode(e.from) || !graph.hasNode(e.to)) {
      skippedEdges.push(e.id);
      continue;
    }
    graph.addDirectedEdgeWithKey(e.id, e.from, e.to, {
      kind: e.kind,
      color: edgeColor(e.kind),
      size: edgeSize(e),
      label: edgeLabel(e),
      data: e,
    });
    addedEdges.push(e.id);
  }

  if (addedEdges.length > 0 || addedNodes.length > 0) resize(graph);
  return { addedNodes, addedEdges, skippedEdges };
}

/** Sets every node's size from its kind and degree. */
export function resize(graph: RGraph): void {
  graph.updateEachNodeAttributes((id, a) => ({ ...a, size: nodeSize(a.kind, graph.degree(id)) }), NODE_HINTS);
}

/** A short label for an edge: its kind, plus the amount when there is one. */
export function edgeLabel(e: Pick<GEdge, "kind" | "amount" | "asset">): string {
  const kind = e.kind.replace(/_/g, " ").toLowerCase();
  if (e.amount != null) return `${kind} ${formatAmount(e.amount)}${e.asset ? ` ${e.asset}` : ""}`;
  return kind;
}

// toLocaleString builds a formatter per call: most of a 10k-edge merge's time.
const WHOLE = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const FINE = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });

export function formatAmount(v: number): string {
  return (Math.abs(v) >= 1000 ? WHOLE : FINE).format(v);
}

/** Removes a node and its edges from the canvas. */
export function removeNode(graph: RGraph, id: string): void {
  if (graph.hasNode(id)) graph.dropNode(id);
  resize(graph);
}

// Bulk-update hints for sigma. Our reducers change sizes and z-indices from
// these attributes, so sigma must re-index (not just repaint): no hint for
// nodes means "layout changed"; for edges sigma re-indexes only when told
// that zIndex changed. Re-indexing also covers items added since the last
// render, which a repaint-only refresh rejects ("can't be repaint").
const NODE_HINTS = undefined;
const EDGE_HINTS: { attributes: (keyof EdgeAttrs)[] } = { attributes: ["onPath", "dimmed", "zIndex"] };

export interface Hop {
  index: number;
  from: GNode;
  to: GNode;
  edge: GEdge;
  /** True when the edge points along the path (from → to), false when it is walked backwards. */
  forward: boolean;
}

/** The path as hops; throws when an edge does not join its two nodes. */
export function pathHops(path: Pick<Path, "nodes" | "edges">): Hop[] {
  if (path.edges.length === 0) return [];
  if (path.nodes.length !== path.edges.length + 1) {
    throw new Error(`Malformed path: ${path.nodes.length} nodes for ${path.edges.length} edges`);
  }
  return path.edges.map((edge, i) => {
    const from = path.nodes[i] as GNode;
    const to = path.nodes[i + 1] as GNode;
    let forward: boolean;
    if (edge.from === from.id && edge.to === to.id) forward = true;
    else if (edge.to === from.id && edge.from === to.id) forward = false;
    else throw new Error(`Malformed path: edge ${edge.id} does not join ${from.id} and ${to.id}`);
    return { index: i, from, to, edge, forward };
  });
}

/**
 * Marks the nodes and edges of the path `onPath` and dims all others, by
 * attributes only (the renderer's reducers read them). Returns how many path
 * nodes and edges were found on the canvas.
 */
export function highlightPath(
  graph: RGraph,
  path: { nodeIds: readonly string[]; edgeIds: readonly string[] },
): { nodes: number; edges: number } {
  const nodeSet = new Set(path.nodeIds);
  const edgeSet = new Set(path.edgeIds);
  let nodes = 0;
  let edges = 0;
  graph.updateEachNodeAttributes(
    (id, a) => {
      const on = nodeSet.has(id);
      if (on) nodes++;
      return { ...a, onPath: on, dimmed: !on };
    },
    NODE_HINTS,
  );
  graph.updateEachEdgeAttributes(
    (id, a) => {
      const on = edgeSet.has(id);
      if (on) edges++;
      return { ...a, onPath: on, dimmed: !on };
    },
    EDGE_HINTS,
  );
  return { nodes, edges };
}

/** Undoes highlightPath. */
export function clearHighlight(graph: RGraph): void {
  graph.updateEachNodeAttributes((_id, a) => ({ ...a, onPath: false, dimmed: false }), NODE_HINTS);
  graph.updateEachEdgeAttributes((_id, a) => ({ ...a, onPath: false, dimmed: false }), EDGE_HINTS);
}

export function isHighlighted(graph: RGraph): boolean {
  return graph.someNode((_id, a) => a.onPath === true || a.dimmed === true);
}
