// The application controller: owns the graph, the selection, the filters, the
// path search, the open case and the undo history; calls the API; re-renders
// the panels when something changes. Every change to the canvas is an
// attribute change or a merge on the one graphology graph sigma draws.
import { RedthreadClient, type NeighborOptions } from "./api";
import { createCanvas, type Canvas, type Selection } from "./canvas";
import {
  captureView,
  applyCaseView,
  decodeHash,
  encodeViewToHash,
  validateCaseView,
  ViewTooLargeError,
  type CasePath,
  type CaseView,
} from "./caseView";
import { assignBadges } from "./badges";
import { exportPNG } from "./exportImage";
import { toCSV, toGraphML, toJSON, toSVG } from "./exporters";
import {
  clearHighlight,
  createGraph,
  edgeVisible,
  highlightPath,
  mergeSubgraph,
  nodeVisible,
  pathHops,
  removeNode,
  resize,
  type RGraph,
} from "./graphModel";
import { collapseGroup, expandGroup, groupOf, refreshGroups, ungroup } from "./groups";
import { History, restore, snapshot, type ViewSnapshot } from "./history";
import { LayoutController } from "./layout";
import { fetchView, sinkEdgeIds } from "./session";
import { PALETTES } from "./style";
import { applyTheme, currentTheme, storedTheme, type ThemeChoice } from "./theme";
import { histogram, snapWindow, timeExtent, type TimeWindow } from "./timeline";
import type { GEdge, GNode, NodeKind, Path } from "./types";
import { openCasesDialog } from "./ui/casesDialog";
import { renderDetails, type DetailsActions } from "./ui/details";
import { byId, clear, h } from "./ui/dom";
import { HUB_WARNING_DEGREE, openExpandDialog, type ExpandFilters } from "./ui/expandDialog";
import { renderExportMenu } from "./ui/exportMenu";
import { DEFAULT_EXPAND, flowOptions, pathOptions, readPathParams, toNeighborOptions } from "./ui/forms";
import { renderLegend } from "./ui/legend";
import { Notices } from "./ui/notices";
import { emptyPath, renderPathPanel, type PathActions, type PathView } from "./ui/pathPanel";
import { mountSearch } from "./ui/search";
import { Shortcuts } from "./ui/shortcuts";
import { TimelineBrush } from "./ui/timeline";
import { applyFilters, type ViewFilters } from "./visibility";

/** What the undo history keeps besides the graph. */
interface Extra {
  filters: ViewFilters;
  selected: string[];
  focus: Selection;
}

/** The case the view was opened from or saved as. */
interface OpenCase {
  id: string;
  name: string;
  version: number;
  /** The view as saved (camera and selection aside), to tell unsaved changes. */
  saved: string;
}

export class App {
  readonly client = new RedthreadClient();
  readonly graph: RGraph = createGraph();
  readonly canvas: Canvas;
  readonly layout: LayoutController;

  private selected = new Set<string>();
  private focus: Selection = null;
  private filters: ViewFilters = {};
  private readonly history = new History<ViewSnapshot<Extra>>(100);
  private openCase: OpenCase | null = null;
  private path: PathView;
  private expandDefaults: ExpandFilters = { ...DEFAULT_EXPAND };
  private pending = 0;
  private serverStats: { nodes: number; edges: number } | null = null;
  private statsError: string | null = null;
  private linkNote: string | null = null;

  private readonly notices = new Notices(byId("notices"));
  private readonly details = byId("details");
  private readonly pathPanel = byId("path-panel");
  private readonly statsEl = byId("stats");
  private readonly legend = byId("legend");
  private readonly emptyHint = byId("empty-hint");
  private readonly caseBar = byId("case-bar");
  private readonly timeline: TimelineBrush;
  private readonly shortcuts = new Shortcuts();
  private readonly search: { focus(): void };
  private readonly toolbarButtons = h("span", { class: "toolbar-buttons" });

  constructor() {
    this.path = emptyPath();
    this.canvas = createCanvas(
      byId("canvas"),
      this.graph,
      {
        clickNode: (id, ev) => {
          if (ev.shiftKey) this.pickPathEnd(id);
          else if (ev.ctrlKey) this.toggleSelected(id);
          else this.select({ type: "node", id });
        },
        // A group opens (or folds) on a double-click: it has no neighbours of its own to ask for.
        doubleClickNode: (id) => {
          if (this.graph.getNodeAttribute(id, "group")) this.toggleGroup(id);
          else void this.expand(id);
        },
        clickEdge: (id, ev) => {
          if (ev.ctrlKey) this.toggleSelected(id);
          else this.select({ type: "edge", id });
        },
        clickStage: () => { this.select(null); },
        dragStart: () => { this.layout.stop(); },
        dragged: () => { this.commit(); },
      },
      () => this.selected,
      () => this.focus,
    );
    this.layout = new LayoutController(this.graph);
    this.layout.onChange(() => { this.renderToolbar(); });
    this.search = mountSearch(byId("search"), { client: this.client, onPick: (n) => { this.addFromSearch(n); } });
    this.timeline = new TimelineBrush(byId("timeline"), { onWindow: (w) => { this.setWindow(w); } });
    for (const ev of ["nodeAdded", "nodeDropped", "edgeAdded", "edgeDropped", "cleared"] as const) {
      this.graph.on(ev, () => { this.scheduleCounts(); });
    }
    this.canvas.sigma.getCamera().on("updated", () => { this.scheduleUrl(); });
    // The stored choice ("system" follows the OS, canvas included).
    applyTheme(storedTheme(), (t) => { this.canvas.setTheme(t); });
    this.registerShortcuts();
    this.mountToolbar();
    this.history.push(this.snap());
    this.renderAll();
    void this.loadStats();
    void this.openFromUrl(window.location.hash);
    window.addEventListener("hashchange", () => {
      if (window.location.hash !== this.lastHash) void this.openFromUrl(window.location.hash);
    });
  }

  /** True when no request is in flight and the layout is not moving nodes. */
  isIdle(): boolean {
    return this.pending === 0 && !this.layout.running;
  }

  // --- selection ---------------------------------------------------------------

  select(sel: Selection): void {
    if (sel?.type === "node" && !this.graph.hasNode(sel.id)) sel = null;
    if (sel?.type === "edge" && !this.graph.hasEdge(sel.id)) sel = null;
    this.focus = sel;
    this.selected = new Set(sel ? [sel.id] : []);
    this.afterSelection();
  }

  /** Ctrl/⌘-click: adds a node to the selection or takes it out. */
  toggleSelected(id: string): void {
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
    const last = [...this.selected].at(-1);
    this.focus = last === undefined ? null : this.graph.hasNode(last) ? { type: "node", id: last } : { type: "edge", id: last };
    this.afterSelection();
  }

  selectAllVisible(): void {
    this.selected = new Set(this.graph.filterNodes((_id, a) => nodeVisible(a)));
    this.focus = null;
    this.afterSelection();
  }

  private afterSelection(): void {
    this.canvas.refresh();
    this.renderDetails();
    this.scheduleUrl();
  }

  private selectedNodes(): string[] {
    return [...this.selected].filter((id) => this.graph.hasNode(id));
  }

  // --- the canvas ---------------------------------------------------------------

  addFromSearch(n: GNode): void {
    const isNew = !this.graph.hasNode(n.id);
    mergeSubgraph(this.graph, { nodes: [n], edges: [] });
    if (isNew) this.afterMerge();
    this.select({ type: "node", id: n.id });
    if (isNew) {
      this.commit();
      this.canvas.fit();
    }
  }

  /**
   * Expands a node. Without explicit filters a hub (more connections than
   * HUB_WARNING_DEGREE) opens the dialog first, so that one double-click on
   * an exchange does not pour thousands of nodes onto the canvas.
   */
  async expand(id: string, opts?: NeighborOptions): Promise<void> {
    const data = this.graph.hasNode(id) ? this.graph.getNodeAttribute(id, "data") : undefined;
    if (!opts && data && data.degree > HUB_WARNING_DEGREE) {
      await this.expandWithDialog(id);
      return;
    }
    const o = opts ?? toNeighborOptions(this.expandDefaults);
    const label = this.labelOf(id) ?? id;
    await this.run(`Expanding ${label}`, async () => {
      const sub = await this.client.neighbors(id, o);
      const r = mergeSubgraph(this.graph, sub, { anchor: id });
      if (sub.truncated) {
        this.notices.warn(`Only part of the neighbourhood of ${label} is shown (at most ${o.limit ?? 50} neighbours)${sub.reason ? `: ${sub.reason}` : "."}`, "truncated-notice");
      }
      if (r.addedNodes.length === 0 && r.addedEdges.length === 0) {
        this.notices.warn(`${label}: no new neighbours${o.since || o.until || o.minAmount || o.edgeKinds || o.nodeKinds ? " under these filters" : ""}.`, "nothing-new-notice");
        return;
      }
      this.afterMerge();
      this.layout.settle(this.graph.order);
      this.commit();
    });
  }

  async expandWithDialog(id: string): Promise<void> {
    if (!this.graph.hasNode(id)) return;
    if (this.graph.getNodeAttribute(id, "group")) {
      this.toggleGroup(id);
      return;
    }
    const f = await openExpandDialog(document.body, this.graph.getNodeAttribute(id, "data"), this.expandDefaults);
    if (!f) return;
    this.expandDefaults = f;
    await this.expand(id, toNeighborOptions(f));
  }

  /** After new nodes or edges: badges and sizes, groups folded, filters applied. */
  private afterMerge(): void {
    assignBadges(this.graph);
    refreshGroups(this.graph);
    applyFilters(this.graph, this.filters);
    this.refreshTimeline();
    this.refreshPanels();
  }

  remove(ids: string[]): void {
    for (const id of ids) {
      if (this.graph.getNodeAttribute(id, "group")) ungroup(this.graph, id);
      else removeNode(this.graph, id);
      this.selected.delete(id);
      if (this.focus?.id === id) this.focus = null;
    }
    for (const which of ["from", "to"] as const) {
      this.path.ends[which] = this.path.ends[which].filter((e) => this.graph.hasNode(e.id));
    }
    resize(this.graph);
    refreshGroups(this.graph);
    this.refreshTimeline();
    this.commit();
    this.refreshPanels();
  }

  setPinned(ids: string[], pinned: boolean): void {
    for (const id of ids) this.graph.mergeNodeAttributes(id, { pinned, fixed: pinned });
    this.commit();
    this.refreshPanels();
  }

  hide(ids: string[]): void {
    for (const id of ids) {
      this.graph.setNodeAttribute(id, "userHidden", true);
      this.selected.delete(id);
      if (this.focus?.id === id) this.focus = null;
    }
    this.commit();
    this.refreshPanels();
  }

  showHidden(): void {
    this.graph.forEachNode((id, a) => {
      if (a.userHidden) this.graph.removeNodeAttribute(id, "userHidden");
    });
    this.commit();
    this.refreshPanels();
  }

  annotate(id: string, text: string): void {
    const t = text.trim();
    if (t) this.graph.setNodeAttribute(id, "annotation", t);
    else this.graph.removeNodeAttribute(id, "annotation");
    this.commit();
    this.refreshPanels();
  }

  // --- groups and clusters -------------------------------------------------------

  groupSelected(): void {
    const members = this.selectedNodes().filter((id) => !this.graph.getNodeAttribute(id, "group"));
    if (members.length < 2) {
      this.notices.warn("Select two or more nodes to group them (Ctrl-click adds to the selection).");
      return;
    }
    this.collapse(members, "manual", "Group");
  }

  /** Collapses the address cluster (co-spend, one-time change) of a wallet. */
  async collapseCluster(id: string): Promise<void> {
    await this.run(`Clustering ${this.labelOf(id) ?? id}`, async () => {
      const c = await this.client.cluster(id, ["CO_SPEND", "ONE_TIME_CHANGE"]);
      if (c.members.length < 2) {
        this.notices.warn(`${this.labelOf(id) ?? id} shares no transaction input with another address: its cluster is itself.`, "cluster-notice");
        return;
      }
      await this.addMissing(c.members.map((m) => m.id), id);
      this.collapse(c.members.map((m) => m.id), "cluster", `Address cluster of ${this.labelOf(id) ?? id}`);
      if (c.truncated) this.notices.warn(`The cluster was cut short: ${c.reason ?? "a limit was reached"}.`, "truncated-notice");
    });
  }

  /** Collapses the personas linked to one by shared identifiers. */
  async collapsePersonas(id: string): Promise<void> {
    await this.run(`Resolving ${this.labelOf(id) ?? id}`, async () => {
      const c = await this.client.personaCluster(id);
      if (c.members.length < 2) {
        this.notices.warn(`${this.labelOf(id) ?? id} shares no identifier with another persona.`, "cluster-notice");
        return;
      }
      await this.addMissing(c.members.map((m) => m.id), id);
      this.collapse(c.members.map((m) => m.id), "persona", `Personas linked to ${this.labelOf(id) ?? id}`);
    });
  }

  /** Groups the visible canvas by Louvain community (groups of three or more). */
  async groupByCommunity(): Promise<void> {
    const ids = this.graph.filterNodes((_id, a) => nodeVisible(a) && !a.group);
    if (ids.length < 3) return;
    await this.run("Finding communities", async () => {
      const c = await this.client.communities(ids);
      let made = 0;
      for (const com of c.communities) {
        const members = com.members.filter((m) => this.graph.hasNode(m) && groupOf(this.graph, m) === undefined);
        if (members.length < 3) continue;
        collapseGroup(this.graph, { members, origin: "community", title: `Community ${com.id + 1}` });
        made++;
      }
      this.notices.warn(made ? `${made} communities collapsed (modularity ${c.modularity.toFixed(2)}).` : "No community of three or more nodes.", "community-notice");
      applyFilters(this.graph, this.filters);
      this.commit();
      this.refreshPanels();
    });
  }

  private collapse(members: string[], origin: "cluster" | "community" | "persona" | "manual", title: string): void {
    try {
      const id = collapseGroup(this.graph, { members, origin, title });
      applyFilters(this.graph, this.filters);
      this.select({ type: "node", id });
      this.commit();
    } catch (err) {
      this.notices.error("Grouping", err);
    }
  }

  toggleGroup(id: string): void {
    const g = this.graph.getNodeAttribute(id, "group");
    if (!g) return;
    if (g.collapsed) expandGroup(this.graph, id);
    else collapseGroup(this.graph, { id, members: g.members, origin: g.origin, title: g.title });
    applyFilters(this.graph, this.filters);
    if (!g.collapsed) this.select(null);
    this.commit();
    this.refreshPanels();
  }

  /** Puts nodes not yet on the canvas there (around `anchor`). */
  private async addMissing(ids: string[], anchor: string): Promise<void> {
    const missing = ids.filter((id) => !this.graph.hasNode(id));
    if (missing.length === 0) return;
    const { nodes } = await fetchView(this.client, missing, []);
    mergeSubgraph(this.graph, { nodes, edges: [] }, { anchor });
  }

  // --- paths and money flow -------------------------------------------------------

  setPathEnd(which: "from" | "to", id: string, add = false): void {
    const end = { id, label: this.labelOf(id) ?? id, kind: this.graph.hasNode(id) ? this.graph.getNodeAttribute(id, "kind") : undefined };
    const list = this.path.ends[which];
    if (add && this.path.mode === "flow") {
      if (!list.some((e) => e.id === id)) list.push(end);
    } else {
      this.path.ends[which] = [end];
    }
    this.renderPath();
    this.scheduleUrl();
  }

  /** Shift-click: the first pick is the start, later ones the end. */
  pickPathEnd(id: string): void {
    if (this.path.ends.from.length === 0) this.setPathEnd("from", id);
    else if (this.path.ends.from[0]?.id !== id) this.setPathEnd("to", id);
    this.select({ type: "node", id });
  }

  async findPath(): Promise<void> {
    const p = this.path;
    const from = p.ends.from[0];
    const to = p.ends.to[0];
    if (!from || (p.mode !== "flow" && !to)) return;
    p.loading = true;
    this.renderPath();
    const what =
      p.mode === "flow" ? `Following the money from ${p.ends.from.map((e) => e.label).join(", ")}` : `Finding ${p.mode === "k" ? `${p.params.k} paths` : "a path"} from ${from.label} to ${to?.label ?? ""}`;
    try {
      await this.run(what, async () => {
        if (p.mode === "flow") await this.runFlow();
        else await this.runPaths();
      });
    } finally {
      p.loading = false;
      this.renderPath();
      this.scheduleUrl();
    }
  }

  private async runPaths(): Promise<void> {
    const p = this.path;
    const from = p.ends.from[0];
    const to = p.ends.to[0];
    if (!from || !to) return;
    const opts = pathOptions(p.params);
    let paths: Path[];
    let skipped: string[] = [];
    let truncated: boolean;
    let reason: string | null;
    if (p.mode === "k") {
      const list = await this.client.paths(from.id, to.id, p.params.k, opts);
      paths = list.paths;
      skipped = list.skippedHubs;
      truncated = list.truncated;
      reason = list.reason;
    } else {
      const one = await this.client.shortestPath(from.id, to.id, opts);
      paths = one.edges.length > 0 ? [one] : [];
      truncated = one.truncated;
      reason = one.reason;
    }
    const added = paths.reduce((n, path) => n + mergeSubgraph(this.graph, path).addedNodes.length, 0);
    if (added > 0) {
      this.afterMerge();
      this.layout.settle(this.graph.order);
    }
    p.result = {
      kind: "paths",
      paths: paths.map((path) => ({ hops: pathHops(path), length: path.length })),
      skippedHubs: skipped,
      truncated,
      reason,
      fromLabel: from.label,
      toLabel: to.label,
      params: { ...p.params },
    };
    p.active = 0;
    if (paths.length > 0) this.highlightActive();
    else this.clearHighlight();
    this.commit();
  }

  private async runFlow(): Promise<void> {
    const p = this.path;
    const f = await this.client.moneyFlow(
      p.ends.from.map((e) => e.id),
      { ...flowOptions(p.params), to: p.ends.to.length > 0 ? p.ends.to.map((e) => e.id) : undefined },
    );
    const nodes: GNode[] = [...f.sources, ...f.sinks.map((s) => s.node)];
    const edges: GEdge[] = [];
    for (const t of f.tainted) {
      const { fromNode, toNode, ...e } = t.edge;
      if (fromNode) nodes.push(fromNode);
      if (toNode) nodes.push(toNode);
      edges.push(e);
    }
    // Tie each sink service to the wallets of it that received.
    const ties = (await this.client.edges(f.sinks.filter((s) => s.node.kind === "SERVICE").flatMap((s) => sinkEdgeIds(s.node.id, s.wallets)))).filter(
      (e): e is GEdge => e !== null,
    );
    const r = mergeSubgraph(this.graph, { nodes, edges: [...edges, ...ties] });
    if (r.addedNodes.length > 0 || r.addedEdges.length > 0) {
      this.afterMerge();
      this.layout.settle(this.graph.order);
    }
    p.result = { kind: "flow", flow: f, edgeIds: [...edges, ...ties].map((e) => e.id), nodeIds: [...new Set(nodes.map((n) => n.id))] };
    this.highlightActive();
    this.commit();
  }

  /** Highlights the chosen path, or the whole flow. */
  highlightActive(): void {
    const r = this.path.result;
    if (!r) return;
    if (r.kind === "flow") {
      highlightPath(this.graph, { nodeIds: r.nodeIds, edgeIds: r.edgeIds });
    } else {
      const chosen = r.paths[this.path.active];
      if (!chosen) return;
      const nodeIds = [chosen.hops[0]?.from.id ?? "", ...chosen.hops.map((hp) => hp.to.id)];
      highlightPath(this.graph, { nodeIds, edgeIds: chosen.hops.map((hp) => hp.edge.id) });
    }
    this.path.highlighted = true;
    this.canvas.refresh();
    this.renderPath();
  }

  clearHighlight(): void {
    clearHighlight(this.graph);
    this.path.highlighted = false;
    this.canvas.refresh();
    this.renderPath();
  }

  // --- timeline and filters --------------------------------------------------------

  private setWindow(w: TimeWindow | null): void {
    if (w) this.filters = { ...this.filters, window: w };
    else {
      const rest = { ...this.filters };
      delete rest.window;
      this.filters = rest;
    }
    applyFilters(this.graph, this.filters);
    this.canvas.refresh();
    this.renderCounts();
    this.scheduleUrl();
  }

  /** Hides or shows a node kind (a view filter, like the timeline: not an undo step). */
  toggleKind(kind: NodeKind): void {
    const hidden = new Set(this.filters.hiddenKinds);
    if (hidden.has(kind)) hidden.delete(kind);
    else hidden.add(kind);
    const rest = { ...this.filters };
    delete rest.hiddenKinds;
    this.filters = hidden.size > 0 ? { ...rest, hiddenKinds: [...hidden] } : rest;
    applyFilters(this.graph, this.filters);
    this.canvas.refresh();
    this.renderCounts();
    this.scheduleUrl();
  }

  private refreshTimeline(): void {
    const raw = timeExtent(this.graph);
    const t = raw ? timelineBins(raw) : null;
    this.timeline.setData(t?.extent ?? null, t ? histogram(this.graph, t.bins, t.extent) : []);
  }

  // --- history -------------------------------------------------------------------

  private snap(): ViewSnapshot<Extra> {
    return snapshot(this.graph, { filters: this.filters, selected: [...this.selected], focus: this.focus });
  }

  /** Records the view after a change (for undo) and updates the link. */
  private commit(): void {
    this.history.push(this.snap());
    this.scheduleUrl();
    this.renderToolbar();
  }

  undo(): void {
    const s = this.history.undo();
    if (s) this.restoreSnapshot(s);
  }

  redo(): void {
    const s = this.history.redo();
    if (s) this.restoreSnapshot(s);
  }

  private restoreSnapshot(s: ViewSnapshot<Extra>): void {
    this.layout.stop();
    restore(this.graph, s);
    this.filters = s.extra.filters;
    this.selected = new Set(s.extra.selected.filter((id) => this.graph.hasNode(id) || this.graph.hasEdge(id)));
    this.focus = s.extra.focus && (this.graph.hasNode(s.extra.focus.id) || this.graph.hasEdge(s.extra.focus.id)) ? s.extra.focus : null;
    this.path.highlighted = this.graph.someNode((_id, a) => a.onPath === true);
    this.timeline.setWindow(this.filters.window ?? null);
    this.refreshTimeline();
    this.scheduleUrl();
    this.refreshPanels();
    this.renderToolbar();
  }

  // --- cases and links ---------------------------------------------------------------

  /** The view as a case document. */
  captureView(): CaseView {
    const cam = this.canvas.sigma.getCamera().getState();
    return captureView(this.graph, {
      filters: this.filters,
      path: this.casePath(),
      camera: { x: round(cam.x, 4), y: round(cam.y, 4), ratio: round(cam.ratio, 4) },
      selected: [...this.selected],
      focus: this.focus?.id,
    });
  }

  private casePath(): CasePath | undefined {
    const p = this.path;
    if (p.ends.from.length === 0) return undefined;
    return { mode: p.mode, from: p.ends.from.map((e) => e.id), to: p.ends.to.map((e) => e.id), params: { ...p.params } };
  }

  async openCasesDialog(): Promise<void> {
    const saved = await openCasesDialog(document.body, {
      client: this.client,
      current: this.openCase ? { id: this.openCase.id, name: this.openCase.name, version: this.openCase.version } : null,
      captureView: () => this.captureView(),
      open: (id) => { void this.openCaseById(id); },
    });
    if (saved) {
      this.openCase = { id: saved.id, name: saved.name, version: saved.version, saved: comparable(this.captureView()) };
      this.notices.warn(`Saved “${saved.name}” (version ${saved.version}).`, "saved-notice", 5000);
      this.scheduleUrl();
      this.renderCaseBar();
    }
  }

  async openCaseById(id: string): Promise<void> {
    await this.run("Opening the case", async () => {
      const c = await this.client.getCase(id);
      if (!c) {
        this.notices.warn(`There is no case ${id} (deleted, or never saved here).`, "missing-notice");
        return;
      }
      const view = validateCaseView(c.view);
      await this.applyView(view);
      this.openCase = { id: c.id, name: c.name, version: c.version, saved: comparable(view) };
      this.renderCaseBar();
    });
  }

  /** Reopens what a link names: a case, a view, or an older `#from=…&to=…` link. */
  private async openFromUrl(hash: string): Promise<void> {
    if (!hash || hash === "#") return;
    let link: Awaited<ReturnType<typeof decodeHash>>;
    try {
      link = await decodeHash(hash);
    } catch (err) {
      this.notices.error("Opening the link", err);
      return;
    }
    if (link.view) {
      const view = link.view;
      await this.run("Opening the linked view", async () => { await this.applyView(view); });
      if (link.caseId) {
        const id = link.caseId;
        const c = await this.client.getCase(id).catch(() => null);
        if (c) this.openCase = { id: c.id, name: c.name, version: c.version, saved: comparable(validateCaseView(c.view)) };
        this.renderCaseBar();
      }
    } else if (link.caseId) {
      await this.openCaseById(link.caseId);
    } else if (link.legacy) {
      const v = link.legacy;
      const ends = [v.from, v.to, v.sel].filter((x): x is string => x !== undefined);
      await this.run("Opening the linked view", async () => {
        const { nodes } = await fetchView(this.client, ends, []);
        mergeSubgraph(this.graph, { nodes, edges: [] });
        this.afterMerge();
        if (v.dir) this.path.params.direction = v.dir;
        if (v.hops) this.path.params.maxHops = v.hops;
        if (v.from && this.graph.hasNode(v.from)) this.setPathEnd("from", v.from);
        if (v.to && this.graph.hasNode(v.to)) this.setPathEnd("to", v.to);
        if (v.sel && this.graph.hasNode(v.sel)) this.select({ type: "node", id: v.sel });
        this.layout.settle(this.graph.order);
      });
      if (this.path.ends.from.length > 0 && this.path.ends.to.length > 0) await this.findPath();
    }
  }

  /** Puts a saved view on the canvas from fresh API data, then re-runs its path search. */
  private async applyView(view: CaseView): Promise<void> {
    this.layout.stop();
    const { nodes, edges } = await fetchView(this.client, view.nodes.map((n) => n.id), view.edges);
    const r = applyCaseView(this.graph, view, { nodes, edges });
    assignBadges(this.graph);
    this.filters = view.filters;
    this.timeline.setWindow(this.filters.window ?? null);
    this.refreshTimeline();
    const missing = r.missingNodes.length + r.missingEdges.length;
    if (missing > 0) {
      this.notices.warn(
        `${r.missingNodes.length} nodes and ${r.missingEdges.length} edges of this view are no longer in the graph, or not visible to you.`,
        "missing-notice",
        20000,
      );
    }
    this.path = emptyPath();
    if (view.path) {
      this.path.mode = view.path.mode;
      this.path.params = readPathParams(view.path.params);
      for (const id of view.path.from) if (this.graph.hasNode(id)) this.setPathEnd("from", id, true);
      for (const id of view.path.to) if (this.graph.hasNode(id)) this.setPathEnd("to", id, true);
    }
    this.selected = new Set((view.selected ?? []).filter((id) => this.graph.hasNode(id) || this.graph.hasEdge(id)));
    const f = view.focus;
    this.focus = f === undefined ? null : this.graph.hasNode(f) ? { type: "node", id: f } : this.graph.hasEdge(f) ? { type: "edge", id: f } : null;
    if (view.camera) this.canvas.sigma.getCamera().setState(view.camera);
    this.commit();
    this.refreshPanels();
    if (view.path && this.path.ends.from.length > 0) await this.findPath();
  }

  private urlTimer: ReturnType<typeof setTimeout> | undefined;
  private lastHash = "";

  /** Keeps the URL in step with the view (debounced), without adding history entries. */
  private scheduleUrl(): void {
    if (this.urlTimer !== undefined) clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      this.urlTimer = undefined;
      void this.syncUrl();
    }, 300);
  }

  private async syncUrl(): Promise<void> {
    const view = this.captureView();
    const c = this.openCase;
    let hash = "";
    this.linkNote = null;
    if (c && comparable(view) === c.saved) {
      hash = `#case=${c.id}`;
    } else if (view.nodes.length > 0 || view.groups.length > 0) {
      try {
        hash = await encodeViewToHash(view);
        if (c) hash += `&case=${c.id}`;
      } catch (err) {
        if (!(err instanceof ViewTooLargeError)) throw err;
        hash = c ? `#case=${c.id}` : "";
        this.linkNote = "This view is too large for a link: save it as a case to share it.";
      }
    }
    this.lastHash = hash;
    const url = `${window.location.pathname}${window.location.search}${hash}`;
    if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) window.history.replaceState(null, "", url);
    this.renderCaseBar();
  }

  // --- export -----------------------------------------------------------------------

  private exportIds(): { nodes: string[]; edges: string[] } {
    const nodes = this.selectedNodes();
    const inSel = new Set(nodes);
    const edges = [...this.selected].filter((id) => this.graph.hasEdge(id));
    this.graph.forEachEdge((id, a, s, t) => {
      if (inSel.has(s) && inSel.has(t) && !this.selected.has(id) && edgeVisible(this.graph, id, a)) edges.push(id);
    });
    return { nodes, edges };
  }

  // --- plumbing ----------------------------------------------------------------------

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
      expand: (id) => void this.expandWithDialog(id),
      pathFrom: (id) => { this.setPathEnd("from", id); },
      pathTo: (id) => { this.setPathEnd("to", id); },
      addFlowSource: (id) => {
        this.path.mode = "flow";
        this.setPathEnd("from", id, true);
      },
      addFlowSink: (id) => {
        this.path.mode = "flow";
        this.setPathEnd("to", id, true);
      },
      show: (ids) => {
        for (const id of ids) this.graph.removeNodeAttribute(id, "userHidden");
        this.commit();
        this.refreshPanels();
      },
      // The export menu offers the selection's CSV and JSON.
      exportSelection: () => { document.querySelector<HTMLButtonElement>('[data-testid="export-button"]')?.click(); },
      remove: (ids) => { this.remove(ids); },
      hide: (ids) => { this.hide(ids); },
      pin: (ids, on) => { this.setPinned(ids, on); },
      annotate: (id, text) => { this.annotate(id, text); },
      cluster: (id) => void this.collapseCluster(id),
      personas: (id) => void this.collapsePersonas(id),
      toggleGroup: (id) => { this.toggleGroup(id); },
      ungroup: (id) => {
        ungroup(this.graph, id);
        this.commit();
        this.refreshPanels();
      },
      group: () => { this.groupSelected(); },
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
    this.renderCaseBar();
    this.refreshTimeline();
    this.refreshPanels();
  }

  private renderDetails(): void {
    renderDetails(this.details, this.graph, { selected: [...this.selected], focus: this.focus }, this.detailsActions());
  }

  private renderPath(): void {
    const actions: PathActions = {
      setMode: (m) => {
        this.path.mode = m;
        this.renderPath();
        this.scheduleUrl();
      },
      setParams: (patch) => {
        Object.assign(this.path.params, patch);
        this.scheduleUrl();
      },
      find: () => void this.findPath(),
      removeEnd: (which, id) => {
        this.path.ends[which] = this.path.ends[which].filter((e) => e.id !== id);
        this.renderPath();
        this.scheduleUrl();
      },
      swap: () => {
        this.path.ends = { from: this.path.ends.to, to: this.path.ends.from };
        this.renderPath();
        this.scheduleUrl();
      },
      highlightPath: (i) => {
        this.path.active = i;
        this.highlightActive();
      },
      highlightFlow: () => { this.highlightActive(); },
      clearHighlight: () => { this.clearHighlight(); },
      select: (id) => { this.select({ type: "node", id }); },
    };
    renderPathPanel(this.pathPanel, this.path, actions);
  }

  private countsFrame: number | undefined;

  /** Coalesces the header, legend and timeline update after a batch of graph changes. */
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
    let visible = 0;
    let hidden = 0;
    this.graph.forEachNode((_id, a) => {
      if (nodeVisible(a)) visible++;
      else if (a.userHidden && !a.group) hidden++;
    });
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
        visible < this.graph.order ? ` (${visible.toLocaleString("en-US")} shown)` : "",
      ),
      ...(hidden > 0
        ? [h("button", { type: "button", class: "small", "data-testid": "show-hidden", onclick: () => { this.showHidden(); } }, `Show ${hidden} hidden`)]
        : []),
    );
    this.emptyHint.hidden = this.graph.order > 0;
    renderLegend(this.legend, this.graph, { hidden: new Set(this.filters.hiddenKinds), toggle: (k) => { this.toggleKind(k); } });
  }

  private renderCaseBar(): void {
    clear(this.caseBar);
    const c = this.openCase;
    const dirty = c !== null && this.lastHash !== `#case=${c.id}`;
    this.caseBar.append(
      h(
        "span",
        { class: "case-info" },
        h("span", { class: "case-name", "data-testid": "case-name" }, c ? c.name : "Unsaved view"),
        dirty ? h("span", { class: "case-dirty", title: "Changed since it was saved" }, "• unsaved changes") : null,
        this.linkNote ? h("span", { class: "case-note", role: "status" }, this.linkNote) : null,
      ),
      h("button", { type: "button", class: "small", "data-testid": "cases-open", title: "Save or open cases (Ctrl+S)", onclick: () => void this.openCasesDialog() }, "Cases…"),
    );
  }

  private renderToolbar(): void {
    const tb = this.toolbarButtons;
    clear(tb);
    const btn = (label: string, testid: string, title: string, onclick: () => void, opts: { pressed?: boolean; disabled?: boolean } = {}) =>
      h("button", { type: "button", "data-testid": testid, title, "aria-label": title, "aria-pressed": opts.pressed === undefined ? undefined : String(opts.pressed), disabled: opts.disabled, onclick }, label);
    tb.append(
      btn("Fit", "fit", "Fit the graph in view (F)", () => { this.canvas.fit(); }),
      btn(this.layout.running ? "Stop layout" : "Re-layout", "layout-toggle", this.layout.running ? "Stop the layout (L)" : "Run the layout (L)", () => {
        if (this.layout.running) this.layout.stop();
        else this.layout.settle(this.graph.order);
      }, { pressed: this.layout.running }),
      btn("Undo", "undo", "Undo (Ctrl+Z)", () => { this.undo(); }, { disabled: !this.history.canUndo() }),
      btn("Redo", "redo", "Redo (Ctrl+Shift+Z)", () => { this.redo(); }, { disabled: !this.history.canRedo() }),
      btn("Communities", "group-communities", "Collapse the canvas's communities into groups", () => void this.groupByCommunity()),
      btn("Clear highlight", "clear-highlight", "Clear the path highlight", () => { this.clearHighlight(); }),
      btn("Clear canvas", "clear-canvas", "Remove everything from the canvas", () => { this.clearCanvas(); }),
      btn(currentTheme() === "dark" ? "Light" : "Dark", "theme-toggle", "Switch between light and dark themes (T)", () => { this.toggleTheme(); }),
      btn("?", "help", "Keyboard shortcuts (?)", () => { this.shortcuts.showHelp(); }),
    );
  }

  /** The toolbar: buttons re-rendered as state changes, and the export menu, mounted once. */
  private mountToolbar(): void {
    const exportRoot = h("span", { class: "export" });
    byId("toolbar").append(this.toolbarButtons, exportRoot);
    renderExportMenu(exportRoot, {
      png: () => exportPNG(this.canvas.sigma, { background: PALETTES[currentTheme()].background }),
      svg: () => {
        const pal = PALETTES[currentTheme()];
        const box = byId("canvas").getBoundingClientRect();
        return toSVG(this.graph, {
          width: Math.round(box.width),
          height: Math.round(box.height),
          theme: { background: pal.background, label: pal.label, edgeDim: pal.dimEdge, path: pal.path, sanctioned: pal.sanctioned, highRisk: pal.highRisk },
        });
      },
      csv: () => toCSV(this.graph, this.exportIds()),
      json: () => toJSON(this.graph, this.exportIds()),
      graphml: () => toGraphML(this.graph, { visibleOnly: true }),
      hasSelection: () => this.selectedNodes().length > 0,
      fileLabel: () => this.openCase?.name ?? "view",
      onError: (what, err) => { this.notices.error(what, err); },
    });
  }

  toggleTheme(): void {
    const next: ThemeChoice = currentTheme() === "dark" ? "light" : "dark";
    applyTheme(next, (t) => { this.canvas.setTheme(t); });
    this.renderToolbar();
  }

  clearCanvas(): void {
    this.layout.stop();
    this.graph.clear();
    this.selected.clear();
    this.focus = null;
    this.path = { ...emptyPath(), mode: this.path.mode, params: this.path.params };
    this.notices.clearAll();
    this.refreshTimeline();
    this.commit();
    this.refreshPanels();
  }

  private registerShortcuts(): void {
    const s = this.shortcuts;
    const focused = () => (this.focus?.type === "node" ? this.focus.id : null);
    s.register({ keys: "/", group: "Find", description: "Search", run: (ev) => { ev.preventDefault(); this.search.focus(); } });
    s.register({ keys: "e", group: "Canvas", description: "Expand the selected node…", when: () => focused() !== null, run: () => void this.expandWithDialog(focused() ?? "") });
    s.register({ keys: "p", group: "Paths", description: "Path from the selected node", when: () => focused() !== null, run: () => { this.setPathEnd("from", focused() ?? ""); } });
    s.register({ keys: "shift+p", group: "Paths", description: "Path to the selected node", when: () => focused() !== null, run: () => { this.setPathEnd("to", focused() ?? ""); } });
    s.register({ keys: "enter", group: "Paths", description: "Find the path or flow", when: () => document.activeElement === document.body || document.activeElement?.id === "canvas", run: () => void this.findPath() });
    s.register({ keys: "h", group: "Canvas", description: "Hide the selection", when: () => this.selectedNodes().length > 0, run: () => { this.hide(this.selectedNodes()); } });
    s.register({ keys: "shift+h", group: "Canvas", description: "Show hidden nodes", run: () => { this.showHidden(); } });
    s.register({ keys: "delete", group: "Canvas", description: "Remove the selection from the canvas", when: () => this.selectedNodes().length > 0, run: () => { this.remove(this.selectedNodes()); } });
    s.register({ keys: "backspace", group: "Canvas", description: "Remove the selection from the canvas", when: () => this.selectedNodes().length > 0, run: () => { this.remove(this.selectedNodes()); } });
    s.register({ keys: "i", group: "Canvas", description: "Pin or unpin the selection", when: () => this.selectedNodes().length > 0, run: () => {
      const ids = this.selectedNodes();
      this.setPinned(ids, !ids.every((id) => this.graph.getNodeAttribute(id, "pinned")));
    } });
    s.register({ keys: "g", group: "Groups", description: "Group the selection", run: () => { this.groupSelected(); } });
    s.register({ keys: "c", group: "Groups", description: "Collapse or open the selected group", when: () => focused() !== null, run: () => {
      const id = focused() ?? "";
      const g = this.graph.getNodeAttribute(id, "group") ? id : groupOf(this.graph, id);
      if (g) this.toggleGroup(g);
    } });
    s.register({ keys: "mod+a", group: "Canvas", description: "Select everything shown", run: (ev) => { ev.preventDefault(); this.selectAllVisible(); } });
    s.register({ keys: "escape", group: "Canvas", description: "Clear the selection", run: () => { this.select(null); } });
    s.register({ keys: "mod+z", group: "Edit", description: "Undo", run: (ev) => { ev.preventDefault(); this.undo(); } });
    s.register({ keys: "shift+mod+z", group: "Edit", description: "Redo", run: (ev) => { ev.preventDefault(); this.redo(); } });
    s.register({ keys: "mod+y", group: "Edit", description: "Redo", run: (ev) => { ev.preventDefault(); this.redo(); } });
    s.register({ keys: "mod+s", group: "Cases", description: "Save or open cases", run: (ev) => { ev.preventDefault(); void this.openCasesDialog(); } });
    s.register({ keys: "f", group: "View", description: "Fit the graph in view", run: () => { this.canvas.fit(); } });
    s.register({ keys: "l", group: "View", description: "Run or stop the layout", run: () => {
      if (this.layout.running) this.layout.stop();
      else this.layout.settle(this.graph.order);
    } });
    s.register({ keys: "t", group: "View", description: "Light or dark theme", run: () => { this.toggleTheme(); } });
    s.register({ keys: "space", group: "Timeline", description: "Play or pause the timeline", when: () => timelineHasData(this.graph), run: (ev) => {
      ev.preventDefault();
      if (this.timeline.playing) this.timeline.pause();
      else this.timeline.play();
    } });
    s.attach(window);
  }
}

/** A round number for the link (shorter URLs, stable comparisons). */
function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The part of a view that makes it differ from a saved case: not the camera, not the selection. */
function comparable(v: CaseView): string {
  const rest: Partial<CaseView> = { ...v };
  delete rest.camera;
  delete rest.selected;
  delete rest.focus;
  delete rest.theme;
  return JSON.stringify(rest);
}

function timelineHasData(graph: RGraph): boolean {
  return timeExtent(graph) !== null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Bins the timeline shows at most. */
const MAX_BINS = 120;

/**
 * The timeline's extent and bin count: whole hours, days, weeks, months of
 * 30 days or years, the finest that fits MAX_BINS. Bins on calendar
 * boundaries stay put when an expansion widens the extent, so a brushed
 * window keeps exact counts.
 */
export function timelineBins(raw: TimeWindow): { extent: TimeWindow; bins: number } {
  let extent = raw;
  let bins = 1;
  for (const step of [HOUR, DAY, 7 * DAY, 30 * DAY, 365 * DAY]) {
    extent = snapWindow(raw, step);
    bins = Math.round((extent.to + 1 - extent.from) / step);
    if (bins <= MAX_BINS) break;
  }
  return { extent, bins: Math.min(bins, MAX_BINS) };
}
