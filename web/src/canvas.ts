// The sigma renderer over the graphology graph: reducers turn the graph's
// attributes (kind colour, onPath, dimmed) and the current selection into
// what is drawn, so highlighting never rebuilds the graph.
import Sigma from "sigma";
import type { EdgeDisplayData, NodeDisplayData } from "sigma/types";
import type { EdgeAttrs, NodeAttrs, RGraph } from "./graphModel";
import { drawHover, drawLabel } from "./labels";
import { DIM_EDGE_COLOR, DIM_NODE_COLOR, PATH_COLOR } from "./style";

const MAX_LABELLED_EDGES = 16;

export type Selection = { type: "node"; id: string } | { type: "edge"; id: string } | null;

export interface CanvasHandlers {
  clickNode(id: string, ev: { shiftKey: boolean }): void;
  doubleClickNode(id: string): void;
  clickEdge(id: string): void;
  clickStage(): void;
  /** A node was dragged to a new place. */
  dragged(id: string): void;
  dragStart(): void;
}

export interface Canvas {
  sigma: Sigma<NodeAttrs, EdgeAttrs>;
  refresh(): void;
  fit(): void;
  kill(): void;
}

export function createCanvas(
  container: HTMLElement,
  graph: RGraph,
  handlers: CanvasHandlers,
  getSelection: () => Selection,
): Canvas {
  let hovered: string | null = null;

  const nodeReducer = (id: string, a: NodeAttrs): Partial<NodeDisplayData> => {
    const sel = getSelection();
    const out: Partial<NodeDisplayData> = { ...a, zIndex: 1 };
    if (a.dimmed) {
      out.color = DIM_NODE_COLOR;
      out.label = null;
      out.zIndex = 0;
    }
    if (a.onPath) {
      out.forceLabel = true;
      out.zIndex = 2;
    }
    if ((sel?.type === "node" && sel.id === id) || hovered === id) {
      out.highlighted = true;
      out.forceLabel = true;
      out.zIndex = 3;
      if (a.dimmed) out.color = a.color;
      out.label = a.label;
    }
    return out;
  };

  const edgeReducer = (id: string, a: EdgeAttrs): Partial<EdgeDisplayData> => {
    const sel = getSelection();
    const out: Partial<EdgeDisplayData> = { ...a, label: null, zIndex: 1 };
    if (a.dimmed) {
      out.color = DIM_EDGE_COLOR;
      out.zIndex = 0;
    }
    if (a.onPath) {
      out.color = PATH_COLOR;
      out.size = 3.5;
      out.label = a.label;
      out.forceLabel = true;
      out.zIndex = 2;
    }
    // Label the selected node's edges, unless it has so many that they would pile up.
    const touchesSelected =
      sel?.type === "node" &&
      !a.dimmed &&
      (graph.source(id) === sel.id || graph.target(id) === sel.id) &&
      graph.degree(sel.id) <= MAX_LABELLED_EDGES;
    const touchesHovered = hovered !== null && (graph.source(id) === hovered || graph.target(id) === hovered);
    if ((sel?.type === "edge" && sel.id === id) || touchesHovered || touchesSelected) {
      out.size = Math.max(out.size ?? a.size, 2.5);
      out.label = a.label;
      out.zIndex = 3;
      if (sel?.type === "edge" && sel.id === id) {
        out.size = 4;
        out.forceLabel = true;
      }
    }
    return out;
  };

  const sigma = new Sigma<NodeAttrs, EdgeAttrs>(graph, container, {
    defaultEdgeType: "arrow",
    renderEdgeLabels: true,
    enableEdgeEvents: true,
    zIndex: true,
    labelFont: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    labelSize: 12,
    labelWeight: "500",
    labelColor: { color: "#1d232a" },
    labelDensity: 0.6,
    labelGridCellSize: 90,
    labelRenderedSizeThreshold: 5,
    edgeLabelFont: "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    edgeLabelSize: 10,
    edgeLabelColor: { color: "#5d6773" },
    stagePadding: 70,
    minCameraRatio: 0.05,
    maxCameraRatio: 10,
    defaultDrawNodeLabel: drawLabel,
    defaultDrawNodeHover: drawHover,
    nodeReducer,
    edgeReducer,
  });

  // Dragging a node moves it (and pins the view while dragging).
  let dragged: string | null = null;
  let moved = false;
  sigma.on("downNode", ({ node }) => {
    dragged = node;
    moved = false;
  });
  sigma.getMouseCaptor().on("mousemovebody", (e) => {
    if (dragged === null) return;
    if (!moved) handlers.dragStart();
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
    handlers.clickNode(node, { shiftKey: event.original.shiftKey });
  });
  sigma.on("doubleClickNode", (e) => {
    const { node } = e;
    e.preventSigmaDefault(); // no zoom on double-click: it expands instead
    handlers.doubleClickNode(node);
  });
  sigma.on("clickEdge", ({ edge }) => {
    handlers.clickEdge(edge);
  });
  sigma.on("clickStage", () => {
    handlers.clickStage();
  });
  sigma.on("enterNode", ({ node }) => {
    hovered = node;
    container.style.cursor = "pointer";
    sigma.refresh();
  });
  sigma.on("leaveNode", () => {
    hovered = null;
    container.style.cursor = "";
    sigma.refresh();
  });
  sigma.on("enterEdge", () => {
    container.style.cursor = "pointer";
  });
  sigma.on("leaveEdge", () => {
    container.style.cursor = "";
  });

  // Sigma only follows window resizes; the canvas also changes size when the
  // legend under it appears or wraps.
  const observer = new ResizeObserver(() => {
    sigma.resize();
    sigma.refresh();
  });
  observer.observe(container);

  return {
    sigma,
    refresh: () => {
      sigma.refresh();
    },
    fit: () => {
      void sigma.getCamera().animatedReset({ duration: 400 });
    },
    kill: () => {
      observer.disconnect();
      sigma.kill();
    },
  };
}
