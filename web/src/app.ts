// The composition root: looks up the page's elements, builds the graph, the
// canvas and the controllers, and wires them together. Each controller owns
// one part of the state (controllers/); this class owns none of its own
// beyond the wiring, and implements the Effects they ask for.
import { RedthreadClient } from "./api";
import { createCanvas, type Canvas, type Selection } from "./canvas";
import { canvasHandlers } from "./controllers/canvasHandlers";
import { CaseController, closedMessage } from "./controllers/cases";
import { EditsController } from "./controllers/edits";
import { exportActions } from "./controllers/exports";
import { FiltersController } from "./controllers/filters";
import { GroupsController } from "./controllers/groups";
import { HistoryController } from "./controllers/history";
import { keyActions, registerShortcuts } from "./controllers/keyboard";
import { Requests, type Effects } from "./controllers/ports";
import { RiskController } from "./controllers/risk";
import { SelectionController } from "./controllers/selection";
import { StatusController } from "./controllers/status";
import { TraceController } from "./controllers/trace";
import { detailsActions } from "./controllers/detailsActions";
import { createGraph, highlightPath, type RGraph } from "./graphModel";
import { LayoutController } from "./layout";
import { applyTheme, currentTheme, storedTheme } from "./theme";
import type { GNode } from "./types";
import { caseBarView, sharedBarView } from "./ui/caseBar";
import { openShared } from "./controllers/shared";
import { linkToken, ShareApi } from "./shareApi";
import { openShareDialog } from "./ui/shareDialog";
import { renderAccount } from "./ui/accountBar";
import { Account, signInURL } from "./auth";
import { openCasesDialog } from "./ui/casesDialog";
import { askBeforeClear } from "./ui/confirmDialog";
import { renderDetails } from "./ui/details";
import { byId, h } from "./ui/dom";
import { openExpandDialog } from "./ui/expandDialog";
import { renderExportMenu } from "./ui/exportMenu";
import { Notices } from "./ui/notices";
import { renderPathPanel } from "./ui/pathPanel";
import { browserUrl } from "./ui/location";
import { mountSearch } from "./ui/search";
import { Shortcuts } from "./ui/shortcuts";
import { statusView } from "./ui/status";
import { TimelineBrush } from "./ui/timeline";
import { openSameAsDialog } from "./ui/sameAsDialog";
import { renderToolbar } from "./ui/toolbar";
import type { ViewFilters } from "./visibility";

/** What the undo history keeps besides the graph. */
interface Extra {
  filters: ViewFilters;
  selected: string[];
  focus: Selection;
}

/** Off to the sign-in page, coming back here afterwards. */
function toSignIn(): void {
  window.location.assign(signInURL(window.location));
}

export class App {
  readonly account = new Account((input, init) => fetch(input, init), toSignIn);
  readonly client = new RedthreadClient({ csrf: () => this.account.csrf(), unauthenticated: toSignIn });
  readonly graph: RGraph = createGraph();
  readonly canvas: Canvas;
  readonly layout: LayoutController;
  readonly selection: SelectionController;
  readonly filters: FiltersController;
  readonly history: HistoryController<Extra>;
  readonly status: StatusController;
  readonly trace: TraceController;
  readonly groups: GroupsController;
  readonly edits: EditsController;
  readonly cases: CaseController;
  readonly risk: RiskController;
  readonly shareApi: ShareApi;

  private readonly requests: Requests;
  private readonly notify = new Notices(byId("notices"));
  private readonly shortcuts = new Shortcuts();
  private readonly toolbar = h("span", { class: "toolbar-buttons" });
  private readonly effects: Effects = {
    commit: () => { this.history.commit(); },
    refresh: () => { this.refresh(); },
    merged: () => {
      this.filters.afterMerge();
      this.refresh();
    },
    viewChanged: () => { this.cases.scheduleUrl(); },
    redraw: () => { this.canvas.refresh(); },
  };

  constructor() {
    const { graph, client, effects } = this;
    const notify = this.notify;
    const requests = (this.requests = new Requests(notify));
    const select = (sel: Selection) => { this.selection.select(sel); };
    const [detailsRoot, pathRoot] = [byId("details"), byId("path-panel")];
    const canvasRoot = byId("canvas");
    this.canvas = createCanvas(canvasRoot, graph, canvasHandlers(this), () => this.selection.selected, () => this.selection.focus, () => this.trace.flowLabels);
    const layout = (this.layout = new LayoutController(graph));
    layout.onChange(() => { this.renderToolbar(); });
    const timeline = new TimelineBrush(byId("timeline"), { onWindow: (w) => { this.filters.setWindow(w); } });
    const details = detailsActions(this, {
      labelOf: (id) => (graph.hasNode(id) ? graph.getNodeAttribute(id, "label") : undefined),
      hasNode: (id) => graph.hasNode(id),
      openExportMenu: () => { document.querySelector<HTMLButtonElement>('[data-testid="export-button"]')?.click(); },
    });
    this.selection = new SelectionController(graph, { render: (sel) => { renderDetails(detailsRoot, graph, sel, details); } }, () => {
      this.canvas.refresh();
      effects.viewChanged();
    });
    this.filters = new FiltersController(graph, timeline, () => {
      this.canvas.refresh();
      this.status.render();
      effects.viewChanged();
    });
    this.status = new StatusController(graph, client, requests, notify, statusView({ stats: byId("stats"), emptyHint: byId("empty-hint"), legend: byId("legend"), filterChip: byId("filter-chip") }, graph, {
      showHidden: () => { this.edits.showHidden(); },
      toggleKind: (k) => { this.filters.toggleKind(k); },
      hiddenKinds: () => this.filters.current.hiddenKinds,
      activeFilters: () => this.filters.active(),
      clearFilters: () => { this.filters.reset(); },
    }));
    this.trace = new TraceController({ graph, client, requests, layout, effects, select, view: { render: (v, a) => { renderPathPanel(pathRoot, v, a); } } });
    const applyFilters = () => { this.filters.apply(); };
    const highlight = (nodeIds: string[], edgeIds: string[]) => {
      highlightPath(graph, { nodeIds, edgeIds });
      this.trace.syncHighlighted();
      this.trace.render();
      effects.redraw();
    };
    this.groups = new GroupsController({ graph, client, requests, notify, effects, select, selectedNodes: () => this.selection.nodes(), applyFilters, highlight, judged: () => void this.risk.reload() });
    this.edits = new EditsController({
      graph, client, requests, notify, layout, effects, select,
      unselect: (id) => { this.selection.forget(id); },
      removed: () => {
        this.trace.dropMissingEnds();
        this.filters.refreshTimeline();
      },
      toggleGroup: (id) => { this.groups.toggle(id); },
      askExpand: (node, initial) => openExpandDialog(document.body, node, initial),
      fit: () => { this.canvas.fit(); },
    });
    this.risk = new RiskController({ graph, client, requests, notify, layout, effects });
    const camera = this.canvas.sigma.getCamera();
    this.shareApi = new ShareApi(client);
    // /shared#link=TOKEN: a case shared with this reader's agency, read-only;
    // the URL keeps its link (the view is not written into it).
    const sharedToken = window.location.pathname.endsWith("/shared") ? (linkToken(window.location.hash) ?? "") : null;
    this.cases = new CaseController({
      graph, client, requests, notify, layout, effects, camera,
      selection: this.selection,
      filters: this.filters,
      trace: this.trace,
      url: sharedToken === null ? browserUrl() : { replaceHash: () => undefined },
      bar: sharedToken === null ? caseBarView(byId("case-bar"), () => void this.cases.openDialog(), () => { this.openShareDialog(); }) : sharedBarView(byId("case-bar")),
      openDialog: (deps) => openCasesDialog(document.body, { client, imported: () => void this.status.load(), ...deps }),
      askBeforeClear: (c) => askBeforeClear(document.body, c),
    });
    this.history = new HistoryController<Extra>(graph, layout, {
      capture: () => ({ filters: this.filters.current, selected: [...this.selection.selected], focus: this.selection.focus }),
      restore: (x) => {
        this.filters.restore(x.filters);
        this.selection.restore(x.selected, x.focus?.id);
        this.trace.syncHighlighted();
        this.refresh();
      },
    }, () => {
      this.cases.scheduleUrl();
      this.renderToolbar();
    });
    void this.account.session().then((s) => {
      if (s) renderAccount(byId("account"), s, () => void this.account.signOut());
    });
    const search = mountSearch(byId("search"), { client, onPick: (n) => { this.addFromSearch(n); }, leave: () => { canvasRoot.focus(); } });
    camera.on("updated", () => { this.cases.scheduleUrl(); });
    // The stored choice ("system" follows the OS, canvas included).
    applyTheme(storedTheme(), (t) => { this.canvas.setTheme(t); });
    registerShortcuts(this.shortcuts, keyActions(this, {
      focusSearch: () => { search.focus(); },
      enterFinds: () => document.activeElement === document.body || document.activeElement?.id === "canvas",
      fit: () => { this.canvas.fit(); },
      toggleLayout: () => { this.toggleLayout(); },
      toggleTheme: () => { this.toggleTheme(); },
      togglePlay: () => {
        if (timeline.playing) timeline.pause();
        else timeline.play();
      },
    }));
    this.shortcuts.attach(window);
    const exportRoot = h("span", { class: "export" });
    byId("toolbar").append(this.toolbar, exportRoot);
    renderExportMenu(exportRoot, exportActions({
      graph, sigma: this.canvas.sigma, theme: currentTheme,
      size: () => canvasRoot.getBoundingClientRect(),
      selection: () => this.selection.exportIds(),
      caseName: () => this.cases.name,
      onError: (what, err) => { notify.error(what, err); },
    }));
    this.renderToolbar();
    this.cases.render();
    this.filters.refreshTimeline();
    this.refresh();
    void this.status.load();
    this.openFromUrl(sharedToken);
  }

  /** Opens what the URL names: a shared case (its link's token), or a case or view. */
  private openFromUrl(sharedToken: string | null): void {
    if (sharedToken !== null) {
      const panel = h("section", { class: "panel shared", "data-testid": "shared-panel", "aria-label": "Shared case" });
      byId("details").before(panel);
      void openShared({ api: this.shareApi, token: sharedToken, panel, show: (view, data) => this.cases.showShared(view, data) });
      return;
    }
    void this.cases.openFromUrl(window.location.hash);
    window.addEventListener("hashchange", () => { this.cases.hashChanged(window.location.hash); });
  }

  /** The share dialog of the open case (a saved case of this reader's agency). */
  openShareDialog(): void {
    const { id, name } = this.cases;
    if (id === undefined || name === undefined) return;
    void openShareDialog(document.body, {
      api: this.shareApi, caseId: id, caseName: name,
      absolute: (url) => new URL(url, window.location.origin).href,
      copy: (text) => navigator.clipboard.writeText(text),
    });
  }

  /** True when no request is in flight and the layout is not moving nodes. */
  isIdle(): boolean {
    return this.requests.pending === 0 && !this.layout.running;
  }

  // The browser tests drive these (e2e/*.mjs, through window.__redthread.app).
  select(sel: Selection): void {
    this.selection.select(sel);
  }

  toggleGroup(id: string): void {
    this.groups.toggle(id);
  }

  addFromSearch(n: GNode): void {
    this.edits.addFromSearch(n);
  }

  /**
   * Starts over: empties the canvas, closes the open case (it stays saved;
   * the next Save is a new case) after asking what to do with unsaved
   * changes, drops the filters and the timeline brush, and forgets the last
   * expansion's filters. The path panel keeps its mode and parameters. An
   * undo step is recorded, so Ctrl+Z brings the view back (as a new view).
   */
  async clearCanvas(): Promise<void> {
    const closed = await this.cases.closeBeforeClear();
    if (closed.kind === "cancelled") return;
    this.layout.stop();
    this.graph.clear();
    this.selection.clear();
    this.trace.reset();
    this.notify.clearAll();
    this.filters.reset();
    this.edits.resetExpandDefaults();
    this.filters.refreshTimeline();
    const message = closedMessage(closed);
    if (message !== null) this.notify.warn(message, "case-closed-notice", 10000);
    this.effects.commit();
    this.refresh();
  }

  toggleTheme(): void {
    applyTheme(currentTheme() === "dark" ? "light" : "dark", (t) => { this.canvas.setTheme(t); });
    this.renderToolbar();
  }

  private toggleLayout(): void {
    if (this.layout.running) this.layout.stop();
    else this.layout.settle(this.graph.order);
  }

  /** Redraws the canvas and re-renders the panels. */
  private refresh(): void {
    void this.risk.load(); // the server's risk of nodes new to the canvas; badges follow
    this.canvas.refresh();
    this.selection.render();
    this.trace.render();
    this.status.render();
  }

  private renderToolbar(): void {
    renderToolbar(this.toolbar, { layoutRunning: this.layout.running, canUndo: this.history.canUndo(), canRedo: this.history.canRedo(), theme: currentTheme() }, {
      fit: () => { this.canvas.fit(); },
      toggleLayout: () => { this.toggleLayout(); },
      undo: () => { this.history.undo(); },
      redo: () => { this.history.redo(); },
      communities: () => void this.groups.groupByCommunity(),
      sameActors: () => void openSameAsDialog(document.body, {
        client: this.client,
        judged: () => void this.risk.reload(),
        show: (a, b, edgeIds) => void this.edits.addPair(a, b, edgeIds),
      }),
      clearHighlight: () => { this.trace.clearHighlight(); },
      clearCanvas: () => void this.clearCanvas(),
      toggleTheme: () => { this.toggleTheme(); },
      help: () => { this.shortcuts.showHelp(); },
    });
  }
}

