// The view's filters (timeline window, hidden node and edge kinds) as the
// `filteredOut` attribute of nodes and edges: the renderer's reducers hide
// what is filtered out, the graph itself is never rebuilt.
import { edgeVisible, nodeVisible, type EdgeAttrs, type NodeAttrs, type RGraph } from "./graphModel";
import { parseTime, type TimeWindow } from "./timeline";
import type { EdgeKind, NodeKind } from "./types";

/** What the view filters out; an empty object filters nothing. */
export interface ViewFilters {
  /** Edges whose time is outside it (ms since epoch, inclusive) are hidden; timeless edges always pass. */
  window?: TimeWindow;
  hiddenKinds?: NodeKind[];
  hiddenEdgeKinds?: EdgeKind[];
}

// Sigma re-indexes edges only when told zIndex may have changed; hiding
// changes what is drawn, and a repaint-only refresh rejects new edges.
const EDGE_HINTS: { attributes: (keyof EdgeAttrs)[] } = { attributes: ["filteredOut", "zIndex"] };

/**
 * Sets `filteredOut` on every node and edge from `f` and returns how many are
 * filtered out. Rules:
 * - an edge is out when its kind is hidden or its time is outside the window;
 *   an aggregate edge passes the window when any of its members does;
 * - a node is out when its kind is hidden, or when the window is set, it has
 *   edges, and every one of them has a time outside the window (a wallet
 *   active only outside it); hidden edge kinds do not hide nodes;
 * - a group node is out when all its members are (so a collapsed cluster stays
 *   while anything in it passes).
 * One pass over edges and one over nodes; times are parsed once per edge
 * (members of aggregates once more).
 */
export function applyFilters(graph: RGraph, f: ViewFilters): { hiddenNodes: number; hiddenEdges: number } {
  const hiddenKinds = new Set<string>(f.hiddenKinds);
  const hiddenEdgeKinds = new Set<string>(f.hiddenEdgeKinds);
  const win = f.window;
  const inWindow = (time: string | null): boolean => {
    if (!win) return true;
    const t = parseTime(time);
    return Number.isNaN(t) || (t >= win.from && t <= win.to);
  };
  // Nodes with at least one edge that passes the window.
  const active = win ? new Set<string>() : undefined;

  let hiddenEdges = 0;
  graph.updateEachEdgeAttributes((_id, a, source, target) => {
    let passes: boolean;
    if (a.aggregate) {
      // Members no longer on the canvas count for nothing (refreshGroups drops them).
      passes = a.aggregate.edgeIds.some((e) => graph.hasEdge(e) && inWindow(graph.getEdgeAttribute(e, "data").time));
    } else {
      passes = inWindow(a.data.time);
      if (passes && active) {
        active.add(source);
        active.add(target);
      }
    }
    const out = !passes || hiddenEdgeKinds.has(a.kind);
    if (out) hiddenEdges++;
    // In place: this runs on every brush move, over up to 100k edges.
    a.filteredOut = out;
    return a;
  }, EDGE_HINTS);

  let hiddenNodes = 0;
  const groups: string[] = [];
  graph.updateEachNodeAttributes((id, a) => {
    if (a.group) {
      groups.push(id);
      return a;
    }
    const out = hiddenKinds.has(a.kind) || (active !== undefined && graph.degree(id) > 0 && !active.has(id));
    if (out) hiddenNodes++;
    a.filteredOut = out;
    return a;
  });
  for (const id of groups) {
    const out = groupFilteredOut(graph, graph.getNodeAttribute(id, "group")?.members ?? []);
    if (out) hiddenNodes++;
    if (graph.getNodeAttribute(id, "filteredOut") !== out) graph.setNodeAttribute(id, "filteredOut", out);
  }
  return { hiddenNodes, hiddenEdges };
}

/** Whether a group with these members is filtered out: all members on the canvas are (none on the canvas: no). */
export function groupFilteredOut(graph: RGraph, members: readonly string[]): boolean {
  let any = false;
  for (const m of members) {
    if (!graph.hasNode(m)) continue;
    if (graph.getNodeAttribute(m, "filteredOut") !== true) return false;
    any = true;
  }
  return any;
}

/** The IDs of the nodes and edges drawn now (nodeVisible / edgeVisible), e.g. for an export of what is on screen. */
export function visibleIds(graph: RGraph): { nodes: string[]; edges: string[] } {
  const nodes: string[] = [];
  const edges: string[] = [];
  graph.forEachNode((id, a: NodeAttrs) => {
    if (nodeVisible(a)) nodes.push(id);
  });
  graph.forEachEdge((id, a) => {
    if (edgeVisible(graph, id, a)) edges.push(id);
  });
  return { nodes, edges };
}
