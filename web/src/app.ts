// The application controller: owns the graph, the selection and the path
// state, calls the API, and re-renders the panels when something changes.
import { RedthreadClient } from "./api";
import { createCanvas, type Canvas, type Selection } from "./canvas";
import {
  clearHighlight,
  createGraph,
  highlightPath,
  isHighlighted,
  mergeSubgraph,
  pathHops,
  removeNode,
  type RGraph,
} from "./graphModel";
import { LayoutController } from "./layout";
import { renderEdgeDetails, renderNodeDetails, renderNoSelection, type DetailsActions } from "./ui/details";
import { byId, clear, h } from "./ui/dom";
import { renderLegend } from "./ui/legend";
import { Notices } from "./ui/notices";
import { renderPathPanel, type PathView } from "./ui/pathPanel";
import { mountSearch } from "./ui/search";
import type { Direction, GNode } from "./types";
import { DEFAULT_MAX_HOPS, decodeView, encodeView, type ViewState } from "./viewState";

/** How many neighbours one expansion asks for. */
export const EXPAND_LIMIT = 50;

export class App {
  readonly client = new RedthreadClient();
  readonly graph: RGraph = createGraph();
  readonly canvas: Canvas;
  readonly layout: LayoutController;

  private selection: Selection = null;
  private path: PathView = {
    from: null,
    to: null,
    direction: "BOTH",
    maxHops: DEFAULT_MAX_HOPS,
    loading: false,
    result: null,
    highlighted: false,
  };
  private pending = 0;
  private serverStats: { nodes: number; edges: number } | null = null;
  private statsError: string | null = null;

  private readonly notices = new Notices(byId("notices"));
  private readonly details = byId("details");
  private readonly pathPanel = byId("path-panel");
  private readonly statsEl = byId("stats");
  private readonly legend = byId("legend");
  private readonly emptyHint = byId("empty-hint");

  constructor() {
    // Read the link before the first render rewrites the fragment.
    const linked = decodeView(window.location.hash);
    if (linked.dir) this.path.direction = linked.dir;
    if (linked.hops !== undefined) this.path.maxHops = linked.hops;
    this.canvas = createCanvas(
      byId("canvas"),
      this.graph,
      {
        clickNode: (id, ev) => {
          if (ev.shiftKey) this.pickPathEnd(id);
          else this.select({ type: "node", id });
        },
        doubleClickNode: (id) => { void this.expand(id); },
        clickEdge: (id) => { this.select({ type: "edge", id }); },
        clickStage: () => { this.select(null); },
        dragStart: () => { this.layout.stop(); },
        dragged: () => { this.canvas.refresh(); },
      },
      () => this.selection,
    );
    this.layout = new LayoutController(this.graph);
    this.layout.onChange(() => { this.renderToolbar(); });
    mountSearch(byId("search"), { client: this.client, onPick: (n) => { this.addFromSearch(n); } });
    for (const ev of ["nodeAdded", "nodeDropped", "edgeAdded", "edgeDropped", "cleared"] as const) {
      this.graph.on(ev, () => { this.scheduleCounts(); });
    }
    this.renderAll();
    void this.loadStats();
    void this.restore(linked);
  }

  /** True when no request is in flight and the layout is not moving nodes. */
  isIdle(): boolean {
    return this.pending === 0 && !this.layout.running;
  }

  // --- actions ---------------------------------------------------------------

  addFromSearch(n: GNode): void {
    const isNew = !this.graph.hasNode(n.id);
    mergeSubgraph(this.graph, { nodes: [n], edges: [] });
    this.select({ type: "node", id: n.id });
    if (isNew) {
      this.layout.settle(this.graph.order);
      this.canvas.fit();
    }
  }

  async expand(id: string): Promise<void> {
    const label = this.labelOf(id) ?? id;
    await this.run(`Expanding ${label}`, async () => {
      const sub = await this.client.neighbors(id, { depth: 1, direction: "BOTH", limit: EXPAND_LIMIT });
      const r = mergeSubgraph(this.graph, sub, { anchor: id });
      if (sub.truncated) {
        this.notices.warn(
          `Only part of the neighbourhood of ${label} is shown (at most ${EXPAND_LIMIT} neighbours)${sub.reason ? `: ${sub.reason}` : "."}`,
          "truncated-notice",
        );
      }
      if (r.addedNodes.length === 0 && r.addedEdges.length === 0) {
        this.notices.warn(`${label}: no new neighbours.`, "nothing-new-notice");
      } else {
        this.layout.settle(this.graph.order);
      }
      this.refreshPanels();
    });
  }

  async findPath(): Promise<void> {
    const { from, to, direction, maxHops } = this.path;
    if (!from || !to) return;
    this.path.loading = true;
    this.renderPath();
    try {
      await this.run(`Finding a path from ${from.label} to ${to.label}`, async () => {
        const p = await this.client.shortestPath(from.id, to.id, { direction, maxHops });
        const hops = pathHops(p);
        if (hops.length > 0) {
          const r = mergeSubgraph(this.graph, p);
          highlightPath(this.graph, { nodeIds: p.nodes.map((n) => n.id), edgeIds: p.edges.map((e) => e.id) });
          this.path.highlighted = true;
          if (r.addedNodes.length > 0) this.layout.settle(this.graph.order);
          this.canvas.fit();
        } else {
          this.clearHighlight();
        }
        this.path.result = { hops, truncated: p.truncated, reason: p.reason, fromLabel: from.label, toLabel: to.label, maxHops };
        this.canvas.refresh();
      });
    } finally {
      this.path.loading = false;
      this.renderPath();
    }
  }

  clearHighlight(): void {
    clearHighlight(this.graph);
    this.path.highlighted = false;
    this.canvas.refresh();
    this.renderPath();
  }

  setPathEnd(which: "from" | "to", id: string): void {
    this.path[which] = { id, label: this.labelOf(id) ?? id };
    this.renderPath();
  }

  /** Reopens the view a link describes (see viewState.ts). */
  async restore(v: ViewState): Promise<void> {
    const ids = [v.from, v.to, v.sel].filter((x): x is string => x !== undefined);
    if (ids.length === 0) return;
    await this.run("Opening the linked view", async () => {
      const found = await this.client.nodes(ids);
      const nodes = found.filter((n): n is GNode => n !== null);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const missing = ids.filter((id) => !byId.has(id));
      if (missing.length > 0) this.notices.warn(`Not in the graph: ${missing.join(", ")}`, "missing-notice");
      mergeSubgraph(this.graph, { nodes, edges: [] });
      if (v.from && byId.has(v.from)) this.setPathEnd("from", v.from);
      if (v.to && byId.has(v.to)) this.setPathEnd("to", v.to);
      if (v.sel && byId.has(v.sel)) this.select({ type: "node", id: v.sel });
      this.layout.settle(this.graph.order);
    });
    if (this.path.from && this.path.to) await this.findPath();
  }

  /** Keeps the URL's fragment in step with the view, without adding history entries. */
  private syncUrl(): void {
    const hash = encodeView({
      sel: this.selection?.type === "node" ? this.selection.id : undefined,
      from: this.path.from?.id,
      to: this.path.to?.id,
      dir: this.path.direction,
      hops: this.path.maxHops,
    });
    const url = `${window.location.pathname}${window.location.search}${hash}`;
    if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
      window.history.replaceState(null, "", url);
    }
  }

  /** Shift-click: the first pick is the start, later ones the end. */
  pickPathEnd(id: string): void {
    if (!this.path.from) this.setPathEnd("from", id);
    else if (this.path.from.id !== id) this.setPathEnd("to", id);
    this.select({ type: "node", id });
  }

  select(sel: Selection): void {
    if (sel?.type === "node" && !this.graph.hasNode(sel.id)) sel = null;
    if (sel?.type === "edge" && !this.graph.hasEdge(sel.id)) sel = null;
    this.selection = sel;
    this.canvas.refresh();
    this.renderDetails();
  }

  remove(id: string): void {
    if (this.selection?.id === id) this.selection = null;
    removeNode(this.graph, id);
    if (this.selection?.type === "edge" && !this.graph.hasEdge(this.selection.id)) this.selection = null;
    if (this.path.from?.id === id) this.path.from = null;
    if (this.path.to?.id === id) this.path.to = null;
    this.path.highlighted = isHighlighted(this.graph);
    this.refreshPanels();
  }

  clearCanvas(): void {
    this.layout.stop();
    this.graph.clear();
    this.selection = null;
    this.path = { ...this.path, from: null, to: null, result: null, highlighted: false };
    this.notices.clearAll();
    this.refreshPanels();
  }

  // --- plumbing ----------------------------------------------------------------

  /** Runs a request with a loading notice; on failure shows the error with a retry. */
  private async run(what: string, fn: () => Promise<void>): Promise<void> {
    this.pending++;
    const loading = this.notices.loading(`${what}…`);
    try {
      await fn();
    } catch (err) {
      this.notices.error(what, err, () => void this.run(what, fn));
    } finally {
      loading.dismiss();
      this.pending--;
    }
  }

  private async loadStats(): Promise<void> {
    this.pending++;
    try {
      this.serverStats = await this.client.stats();
      this.statsError = null;
    } catch (err) {
      this.statsError = err instanceof Error ? err.message : String(err);
      this.notices.error("Loading graph statistics", err, () => void this.loadStats());
    } finally {
      this.pending--;
      this.renderCounts();
    }
  }

  private labelOf(id: string): string | undefined {
    return this.graph.hasNode(id) ? this.graph.getNodeAttribute(id, "label") : undefined;
  }

  private detailsActions(): DetailsActions {
    return {
      expand: (id) => void this.expand(id),
      pathFrom: (id) => { this.setPathEnd("from", id); },
      pathTo: (id) => { this.setPathEnd("to", id); },
      remove: (id) => { this.remove(id); },
      select: (id) => { this.select({ type: "node", id }); },
      labelOf: (id) => this.labelOf(id),
      hasNode: (id) => this.graph.hasNode(id),
    };
  }

  private refreshPanels(): void {
    this.canvas.refresh();
    this.renderDetails();
    this.renderPath();
    this.renderCounts();
  }

  private renderAll(): void {
    this.renderToolbar();
    this.refreshPanels();
  }

  private renderDetails(): void {
    this.syncUrl();
    const sel = this.selection;
    if (sel?.type === "node") renderNodeDetails(this.details, this.graph.getNodeAttribute(sel.id, "data"), this.detailsActions());
    else if (sel?.type === "edge") renderEdgeDetails(this.details, this.graph.getEdgeAttribute(sel.id, "data"), this.detailsActions());
    else renderNoSelection(this.details, this.graph.order === 0);
  }

  private renderPath(): void {
    this.syncUrl();
    renderPathPanel(this.pathPanel, this.path, {
      setDirection: (d: Direction) => {
        this.path.direction = d;
        this.syncUrl();
      },
      setMaxHops: (n) => {
        this.path.maxHops = n;
        this.syncUrl();
      },
      find: () => void this.findPath(),
      clearEnd: (which) => {
        this.path[which] = null;
        this.renderPath();
      },
      swap: () => {
        this.path = { ...this.path, from: this.path.to, to: this.path.from };
        this.renderPath();
      },
      clearHighlight: () => { this.clearHighlight(); },
      select: (id) => { this.select({ type: "node", id }); },
    });
  }

  private countsFrame: number | undefined;

  /** Coalesces the header and legend update after a batch of graph changes. */
  private scheduleCounts(): void {
    if (this.countsFrame !== undefined) return;
    this.countsFrame = requestAnimationFrame(() => {
      this.countsFrame = undefined;
      this.renderCounts();
    });
  }

  private renderCounts(): void {
    clear(this.statsEl);
    const s = this.serverStats;
    this.statsEl.append(
      s
        ? h("span", { "data-testid": "stats-graph", title: "Size of the whole graph on the server" }, "Graph ", h("b", {}, s.nodes.toLocaleString("en-US")), " nodes · ", h("b", {}, s.edges.toLocaleString("en-US")), " edges")
        : this.statsError
          ? h("span", { class: "stats-err" }, "Graph stats unavailable")
          : h("span", {}, "Graph …"),
      h(
        "span",
        { "data-testid": "stats-canvas", title: "What the canvas shows" },
        "Canvas ",
        h("b", {}, this.graph.order.toLocaleString("en-US")),
        this.graph.order === 1 ? " node · " : " nodes · ",
        h("b", {}, this.graph.size.toLocaleString("en-US")),
        this.graph.size === 1 ? " edge" : " edges",
      ),
    );
    this.emptyHint.hidden = this.graph.order > 0;
    const nodeKinds = new Set<string>();
    const edgeColors = new Set<string>();
    this.graph.forEachNode((_id, a) => { nodeKinds.add(a.kind); });
    this.graph.forEachEdge((_id, a) => { edgeColors.add(a.color); });
    renderLegend(this.legend, { nodeKinds, edgeColors });
  }

  private renderToolbar(): void {
    const tb = byId("toolbar");
    clear(tb);
    tb.append(
      h("button", { type: "button", "aria-label": "Fit the graph in view", "data-testid": "fit", onclick: () => { this.canvas.fit(); } }, "Fit"),
      h(
        "button",
        {
          type: "button",
          "aria-pressed": String(this.layout.running),
          "aria-label": this.layout.running ? "Stop the layout" : "Run the layout",
          "data-testid": "layout-toggle",
          onclick: () => {
            if (this.layout.running) this.layout.stop();
            else this.layout.settle(this.graph.order);
          },
        },
        this.layout.running ? "Stop layout" : "Re-layout",
      ),
      h("button", { type: "button", "aria-label": "Clear the path highlight", onclick: () => { this.clearHighlight(); } }, "Clear highlight"),
      h("button", { type: "button", "aria-label": "Remove everything from the canvas", onclick: () => { this.clearCanvas(); } }, "Clear canvas"),
    );
  }
}
