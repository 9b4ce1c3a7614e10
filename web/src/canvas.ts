// The sigma renderer over the graphology graph. Reducers turn the graph's
// attributes (graphModel's contract: kind colour, visibility, onPath, dimmed,
// pinned, annotation, group, badges) and the selection into what is drawn,
// so highlighting, filtering and collapsing never rebuild the graph.
//
// Nodes are one WebGL program in three passes (see nodeProgram): the disc,
// the kind's glyph on it (@sigma/node-image), and the rings of pinned and
// badged nodes (@sigma/node-border). Reducers run for every node and edge on
// each full refresh — every ForceAtlas2 step — so they allocate nothing but
// label strings, and look up nothing in the graph but the edge's ends.
import Sigma from "sigma";
import type { Settings } from "sigma/settings";
import type { EdgeDisplayData, NodeDisplayData } from "sigma/types";
import { pauseDuringBulk } from "./bulkPause";
import type { EdgeAttrs, NodeAttrs, RGraph } from "./graphModel";
import { createHoverCard, type HoverCard } from "./hoverCard";
import { edgeNear, reduceEdge, reduceNode, type DrawnEdge } from "./canvasLook";
import { edgePrograms, edgeType, isLean, nodeProgram, redrawWhenStill } from "./canvasPrograms";
import type { FlowLabels } from "./flowLabels";
import { LabelCull } from "./labelCull";
import { createLabelDrawers, type LabelDrawers } from "./labels";
import { PALETTES, type CanvasPalette, type Theme } from "./style";
import { currentTheme } from "./theme";

/** A hovered or focused node with more edges than this gets no edge labels: they would pile up. */
const MAX_LABELLED_EDGES = 16;

/** Past this many nodes, nodes are drawn smaller (nodeScale). */
const FULL_SIZE_NODES = 1000;
/** The smallest share of their size that nodes are drawn at. */
const MIN_NODE_SCALE = 0.35;

/**
 * Node sizes are screen pixels, whatever the graph's size: at 10 k nodes
 * fitted to the screen, full-size discs would cover one another and the
 * drawing would be one blot (and costly to fill without a GPU). Past
 * FULL_SIZE_NODES they shrink with the square root of the count, down to
 * MIN_NODE_SCALE; zooming in enlarges them as usual.
 */
export function nodeScale(order: number): number {
  return order <= FULL_SIZE_NODES ? 1 : Math.max(MIN_NODE_SCALE, Math.sqrt(FULL_SIZE_NODES / order));
}

export type Selection = { type: "node"; id: string } | { type: "edge"; id: string } | null;

/** Modifier keys of a click; `ctrlKey` is true for Ctrl and for ⌘ (macOS). */
export interface ClickModifiers {
  shiftKey: boolean;
  ctrlKey: boolean;
}

export interface CanvasHandlers {
  clickNode(id: string, ev: ClickModifiers): void;
  doubleClickNode(id: string): void;
  clickEdge(id: string, ev: ClickModifiers): void;
  clickStage(): void;
  /** A node was dragged to a new place (its x/y are set; pinned or not is the controller's business). */
  dragged(id: string): void;
  dragStart(): void;
}

export interface Canvas {
  sigma: Sigma<NodeAttrs, EdgeAttrs>;
  /** Redraws everything from the attributes and the selection: call after changing either. */
  refresh(): void;
  fit(): void;
  /** Switches the drawing's colours (labels, dimming, rings, hover boxes) to a theme. */
  setTheme(t: Theme): void;
  kill(): void;
}

function modifiers(e: MouseEvent | TouchEvent): ClickModifiers {
  return { shiftKey: e.shiftKey, ctrlKey: e.ctrlKey || e.metaKey };
}

/**
 * Mounts sigma in `container` (whose parent must be positioned: the hover
 * card goes there). `getSelected` gives the selected node and edge IDs,
 * `getFocus` the one item the details panel shows; both are read on every
 * refresh, so call canvas.refresh() after changing them.
 */
export function createCanvas(
  container: HTMLElement,
  graph: RGraph,
  handlers: CanvasHandlers,
  getSelected: () => ReadonlySet<string>,
  getFocus: () => Selection,
  getFlowLabels: () => FlowLabels | null = () => null,
): Canvas {
  let palette: CanvasPalette = PALETTES[currentTheme()];
  let hovered: string | null = null;
  // Edges at the hovered and focused nodes, and whether to label them;
  // gathered when those change, so the edge reducer needs one lookup.
  const emphasis = new Map<string, boolean>();
  const labels = createLabelDrawers(() => palette);

  const collectEmphasis = () => {
    emphasis.clear();
    const add = (node: string) => {
      if (!graph.hasNode(node)) return;
      const label = graph.degree(node) <= MAX_LABELLED_EDGES;
      graph.forEachEdge(node, (e) => {
        emphasis.set(e, label || emphasis.get(e) === true);
      });
    };
    const f = getFocus();
    if (f?.type === "node") add(f.id);
    if (hovered !== null) add(hovered);
  };

  const cull = new LabelCull(graph);
  const nodeReducer = (id: string, attrs: NodeAttrs) => {
    const focused = id === hovered || getSelected().has(id);
    // A highlighted money flow forces only the labels it keeps (flowLabels.ts); its other nodes are labelled like any.
    const kept = getFlowLabels();
    const pathLabel = attrs.onPath === true && (kept === null || kept.nodes.has(id));
    const d = reduceNode(id, attrs, palette, focused, pathLabel);
    // Past a few hundred nodes only the best connected keep a label (a path's and the focused nodes' are forced).
    if (!focused && !pathLabel && d.label && cull.hides(id)) d.label = null;
    if (d.size !== undefined) d.size *= nodeScale(graph.order);
    return d;
  };
  const edgeReducer = (id: string, attrs: EdgeAttrs) => {
    const kept = getFlowLabels();
    const d = reduceEdge(graph, id, attrs, palette, getSelected().has(id), emphasis, kept === null ? undefined : (kept.edges.get(id) ?? null));
    d.type = edgeType(lean, d.zIndex ?? 0);
    return d;
  };

  // Tuned for the graph's size from the start: a setSettings now would schedule a second full render.
  // A lean canvas (canvasPrograms.ts) has no edge events: a click beside an edge still picks it (clickStage).
  let lean = isLean(graph.size);
  const sigma = new Sigma<NodeAttrs, EdgeAttrs>(graph, container, { ...sigmaSettings(palette, labels, nodeReducer, edgeReducer), enableEdgeEvents: !lean });
  sigma.on("beforeRender", labels.reset);
  const stopStill = redrawWhenStill(sigma);

  const tuneForSize = () => {
    lean = isLean(graph.size);
    if (sigma.getSetting("enableEdgeEvents") === lean) sigma.setSettings({ enableEdgeEvents: !lean });
  };

  const host = container.parentElement ?? container;
  const card = createHoverCard(host, sigma);
  sigma.on("afterRender", card.follow);

  /**
   * Re-reduces the given nodes and their edges in place (hover changes only
   * their look, not the drawing order). Items added since the last full
   * render cannot be repainted in place: sigma throws, and a full refresh
   * does it instead.
   */
  const refreshAround = (nodes: (string | null)[]) => {
    const ns = nodes.filter((n): n is string => n !== null && graph.hasNode(n));
    const es = new Set<string>();
    for (const n of ns) graph.forEachEdge(n, (e) => es.add(e));
    try {
      sigma.refresh({ partialGraph: { nodes: ns, edges: [...es] }, skipIndexation: true });
    } catch {
      sigma.refresh();
    }
  };

  const setHovered = (node: string | null) => {
    const prev = hovered;
    hovered = node;
    collectEmphasis();
    refreshAround([prev, node]);
  };

  wireEvents({ sigma, graph, container, handlers, card, setHovered });

  const stopBulk = pauseDuringBulk(sigma, graph);

  const observer = followResize(sigma, container);

  return {
    sigma,
    refresh: () => {
      if (hovered !== null && !graph.hasNode(hovered)) hovered = null;
      collectEmphasis();
      tuneForSize();
      sigma.refresh();
    },
    fit: () => {
      void sigma.getCamera().animatedReset({ duration: 400 });
    },
    setTheme: (t) => {
      palette = PALETTES[t];
      // setSettings re-runs the reducers (a full refresh) on the next frame.
      sigma.setSettings({ labelColor: { color: palette.label }, edgeLabelColor: { color: palette.edgeLabel } });
    },
    kill: () => {
      stopStill();
      stopBulk();
      observer.disconnect();
      card.destroy();
      sigma.kill();
    },
  };
}

/**
 * Sigma only follows window resizes; the canvas also changes size when the
 * legend or the timeline under it appears or wraps. The observer's first
 * call (on observe) and calls without a change of size are no news: a full
 * render of a big graph costs seconds without a GPU.
 */
function followResize(sigma: Sigma<NodeAttrs, EdgeAttrs>, container: HTMLElement): ResizeObserver {
  let size = { width: container.offsetWidth, height: container.offsetHeight };
  const observer = new ResizeObserver(() => {
    const now = { width: container.offsetWidth, height: container.offsetHeight };
    if (now.width === size.width && now.height === size.height) return;
    size = now;
    sigma.resize();
    sigma.refresh();
  });
  observer.observe(container);
  return observer;
}

interface EventDeps {
  sigma: Sigma<NodeAttrs, EdgeAttrs>;
  graph: RGraph;
  container: HTMLElement;
  handlers: CanvasHandlers;
  card: HoverCard;
  setHovered: (node: string | null) => void;
}

/**
 * Reports clicks, double-clicks and drags to the handlers; shows the hover
 * card and the pointer over items. Dragging a node moves it (and holds the
 * camera still while dragging).
 */
function wireEvents({ sigma, graph, container, handlers, card, setHovered }: EventDeps): void {
  let dragged: string | null = null;
let moved = false;
sigma.on("downNode", ({ node }) => {
  dragged = node;
  moved = false;
});
sigma.getMouseCaptor().on("mousemovebody", (e) => {
  if (dragged === null) return;
  if (!moved) {
    handlers.dragStart();
    card.hide();
  }
  moved = true;
  const p = sigma.viewportToGraph(e);
  graph.mergeNodeAttributes(dragged, { x: p.x, y: p.y });
  e.preventSigmaDefault();
  e.original.preventDefault();
  e.original.stopPropagation();
});
const endDrag = () => {
  if (dragged !== null && moved) handlers.dragged(dragged);
  dragged = null;
};
sigma.getMouseCaptor().on("mouseup", endDrag);
sigma.getMouseCaptor().on("mouseleave", endDrag);

sigma.on("clickNode", ({ node, event }) => {
  if (moved) return;
  handlers.clickNode(node, modifiers(event.original));
});
sigma.on("doubleClickNode", (e) => {
  e.preventSigmaDefault(); // no zoom on double-click: it expands instead
  handlers.doubleClickNode(e.node);
});
sigma.on("clickEdge", ({ edge, event }) => {
  handlers.clickEdge(edge, modifiers(event.original));
});
sigma.on("clickStage", ({ event }) => {
  // A click just beside a thin edge picks it (EDGE_HIT_RADIUS).
  const edge = edgeNear(drawnEdges(sigma, graph), { x: event.x, y: event.y });
  if (edge !== null) handlers.clickEdge(edge, modifiers(event.original));
  else handlers.clickStage();
});
sigma.on("enterNode", ({ node }) => {
  container.style.cursor = "pointer";
  setHovered(node);
  if (dragged === null) card.showNode(node);
});
sigma.on("leaveNode", () => {
  container.style.cursor = "";
  card.hide();
  setHovered(null);
});
sigma.on("enterEdge", ({ edge }) => {
  container.style.cursor = "pointer";
  if (dragged === null) card.showEdge(edge);
});
sigma.on("leaveEdge", () => {
  container.style.cursor = "";
  card.hide();
});
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

/** Sigma's settings: the node program, labels, camera bounds and the reducers. */
function sigmaSettings(
  palette: CanvasPalette,
  labels: LabelDrawers,
  nodeReducer: (id: string, a: NodeAttrs) => Partial<NodeDisplayData>,
  edgeReducer: (id: string, a: EdgeAttrs) => Partial<EdgeDisplayData>,
): Partial<Settings<NodeAttrs, EdgeAttrs>> {
  return {
  nodeProgramClasses: { icon: nodeProgram() },
  edgeProgramClasses: edgePrograms(),
  defaultNodeType: "icon",
  defaultEdgeType: "arrow",
  renderEdgeLabels: true,
  // Labels are not drawn while the camera moves (nor are glyphs and picking: canvasPrograms.ts); edges are, but on a lean canvas.
  hideLabelsOnMove: true,
  hideEdgesOnMove: false,
  zIndex: true,
  labelFont: FONT,
  labelSize: 13,
  labelWeight: "500",
  labelColor: { color: palette.label },
  // One label candidate per 100 px cell at the initial zoom (more as one
  // zooms in); labels.ts drops the ones that would still overlap.
  labelDensity: 1,
  labelGridCellSize: 100,
  labelRenderedSizeThreshold: 6,
  edgeLabelFont: FONT,
  edgeLabelSize: 12,
  edgeLabelColor: { color: palette.edgeLabel },
  stagePadding: 70,
  minCameraRatio: 0.05,
  maxCameraRatio: 10,
  defaultDrawNodeLabel: labels.drawLabel,
  defaultDrawNodeHover: labels.drawHover,
  defaultDrawEdgeLabel: labels.drawEdgeLabel,
  nodeReducer,
  edgeReducer,
  };
}

/** The edges on screen with their ends in viewport pixels, for edgeNear. */
function* drawnEdges(sigma: Sigma<NodeAttrs, EdgeAttrs>, graph: RGraph): Generator<DrawnEdge> {
  for (const id of graph.edges()) {
    if (sigma.getEdgeDisplayData(id)?.hidden) continue;
    const s = sigma.getNodeDisplayData(graph.source(id));
    const t = sigma.getNodeDisplayData(graph.target(id));
    if (!s || !t || s.hidden || t.hidden) continue;
    yield { id, a: sigma.framedGraphToViewport(s), b: sigma.framedGraphToViewport(t) };
  }
}
