// The open case and the link: the view captured as a case document, saved
// and opened through the cases dialog, reopened from a link (a case, a view,
// or an older `#from=…&to=…` link), and the URL kept in step with the view.
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import { applyCaseView, captureView, decodeHash, encodeViewToHash, validateCaseView, ViewTooLargeError, type CasePath, type CaseView } from "../caseView";
import { assignBadges } from "../badges";
import { mergeSubgraph, type RGraph } from "../graphModel";
import { fetchView } from "../session";
import type { GEdge, GNode, SavedCase } from "../types";
import type { CasesDialogDeps } from "../ui/casesDialog";
import type { PathView } from "../ui/pathPanel";
import type { ViewFilters } from "../visibility";
import type { Effects, Layout, Notify, Requests } from "./ports";

/** The case bar above the canvas. */
export interface CaseBarView {
  render(s: { name: string | null; dirty: boolean; note: string | null }): void;
}

/** The page's URL fragment. */
export interface UrlPort {
  /** Replaces the fragment without adding a browser history entry ("" drops it). */
  replaceHash(hash: string): void;
}

interface Camera {
  x: number;
  y: number;
  ratio: number;
}

export interface CaseDeps {
  graph: RGraph;
  client: Pick<RedthreadClient, "getCase" | "nodes" | "edges">;
  requests: Requests;
  notify: Notify;
  layout: Pick<Layout, "stop" | "settle">;
  effects: Effects;
  selection: { readonly selected: ReadonlySet<string>; readonly focus: Selection; restore(selected: readonly string[], focus: string | undefined): void; select(sel: Selection): void };
  filters: { readonly current: ViewFilters; restore(f: ViewFilters): void };
  trace: {
    readonly path: Readonly<PathView>;
    casePath(): CasePath | undefined;
    load(p: CasePath | undefined): void;
    find(): Promise<void>;
    setEnd(which: "from" | "to", id: string): void;
    setLegacyParams(p: { dir?: PathView["params"]["direction"]; hops?: number }): void;
  };
  camera: { getState(): Camera; setState(c: Camera): void };
  url: UrlPort;
  bar: CaseBarView;
  /** The cases dialog (ui/casesDialog.ts): the case saved, or null. */
  openDialog(deps: Omit<CasesDialogDeps, "client">): Promise<SavedCase | null>;
  /** Asks what to do with the open case's unsaved changes before the canvas is cleared (ui/confirmDialog.ts). */
  askBeforeClear(c: { name: string; version: number }): Promise<ClearChoice>;
}

/** The answers to "the open case has unsaved changes: clear the canvas?". */
export type ClearChoice = "save" | "discard" | "cancel";

/** What became of the open case before the canvas was cleared. */
export type CloseOutcome =
  | { kind: "none" }
  | { kind: "unchanged"; name: string }
  | { kind: "saved"; name: string; version: number }
  | { kind: "discarded"; name: string }
  | { kind: "cancelled" };

/** The status line after Clear canvas, or null when no case was open (or nothing was cleared). */
export function closedMessage(o: CloseOutcome): string | null {
  const undo = "Ctrl+Z brings the view back as a new, unsaved view.";
  switch (o.kind) {
    case "unchanged":
      return `Closed the case “${o.name}” (no unsaved changes; it stays saved, Cases… reopens it): what you add now is a new view. ${undo}`;
    case "saved":
      return `Saved “${o.name}” (version ${o.version}) and closed it: what you add now is a new view.`;
    case "discarded":
      return `Closed the case “${o.name}” without its unsaved changes (the saved version stays): what you add now is a new view. ${undo}`;
    default:
      return null;
  }
}

/** The case the view was opened from or saved as. */
interface OpenCase {
  id: string;
  name: string;
  version: number;
  /** The view as saved (camera and selection aside), to tell unsaved changes. */
  saved: string;
}

/** How long the URL waits for the view to settle. */
export const URL_DELAY_MS = 300;

export class CaseController {
  private open: OpenCase | null = null;
  private lastHash = "";
  private linkNote: string | null = null;
  private urlTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly d: CaseDeps) {}

  /** The open case's ID, if a case is open. */
  get id(): string | undefined {
    return this.open?.id;
  }

  /** The open case's name, if a case is open. */
  get name(): string | undefined {
    return this.open?.name;
  }

  /**
   * Closes the open case (it stays saved on the server): what is on the
   * canvas next is a new, unsaved view, so a later Save cannot overwrite the
   * case with it. Returns the closed case's name, if one was open.
   */
  close(): string | undefined {
    const name = this.open?.name;
    this.open = null;
    this.linkNote = null;
    this.scheduleUrl();
    this.render();
    return name;
  }

  /** Whether the view differs from the open case as saved (camera and selection aside); false with no case open. */
  get dirty(): boolean {
    return this.open !== null && comparable(this.capture()) !== this.open.saved;
  }

  /**
   * Before Clear canvas: closes the open case so that the next Save cannot
   * overwrite it with an unrelated view. Without unsaved changes it just
   * closes; with some it asks whether to save them first (the cases dialog,
   * with its conflict checks), discard them, or cancel. A save dialog closed
   * without saving cancels too. The canvas is the caller's to clear.
   */
  async closeBeforeClear(): Promise<CloseOutcome> {
    const o = this.open;
    if (!o) return { kind: "none" };
    if (!this.dirty) {
      this.close();
      return { kind: "unchanged", name: o.name };
    }
    const choice = await this.d.askBeforeClear({ name: o.name, version: o.version });
    if (choice === "cancel") return { kind: "cancelled" };
    if (choice === "save") {
      const saved = await this.saveDialog();
      if (!saved) return { kind: "cancelled" };
      this.close();
      return { kind: "saved", name: saved.name, version: saved.version };
    }
    this.close();
    return { kind: "discarded", name: o.name };
  }

  /** The view as a case document. */
  capture(): CaseView {
    const cam = this.d.camera.getState();
    return captureView(this.d.graph, {
      filters: this.d.filters.current,
      path: this.d.trace.casePath(),
      camera: { x: round(cam.x, 4), y: round(cam.y, 4), ratio: round(cam.ratio, 4) },
      selected: [...this.d.selection.selected],
      focus: this.d.selection.focus?.id,
    });
  }

  async openDialog(): Promise<void> {
    await this.saveDialog();
  }

  /** The cases dialog; resolves with the case saved (now the open case), or null. */
  private async saveDialog(): Promise<SavedCase | null> {
    const o = this.open;
    const saved = await this.d.openDialog({
      current: o ? { id: o.id, name: o.name, version: o.version } : null,
      captureView: () => this.capture(),
      open: (id) => void this.openById(id),
    });
    if (saved) {
      this.open = { id: saved.id, name: saved.name, version: saved.version, saved: comparable(this.capture()) };
      this.d.notify.warn(`Saved “${saved.name}” (version ${saved.version}).`, "saved-notice", 5000);
      this.scheduleUrl();
      this.render();
    }
    return saved;
  }

  async openById(id: string): Promise<void> {
    await this.d.requests.run("Opening the case", async () => {
      const c = await this.d.client.getCase(id);
      if (!c) {
        this.d.notify.warn(`There is no case ${id} (deleted, or never saved here).`, "missing-notice");
        return;
      }
      const view = validateCaseView(c.view);
      await this.applyView(view);
      this.open = { id: c.id, name: c.name, version: c.version, saved: comparable(view) };
      this.render();
    });
  }

  /** The browser's fragment changed: reopen it unless the view wrote it. */
  hashChanged(hash: string): void {
    if (hash !== this.lastHash) void this.openFromUrl(hash);
  }

  /** Reopens what a link names: a case, a view, or an older `#from=…&to=…` link. */
  async openFromUrl(hash: string): Promise<void> {
    if (!hash || hash === "#") return;
    let link: Awaited<ReturnType<typeof decodeHash>>;
    try {
      link = await decodeHash(hash);
    } catch (err) {
      this.d.notify.error("Opening the link", err);
      return;
    }
    if (link.view) {
      const view = link.view;
      await this.d.requests.run("Opening the linked view", async () => { await this.applyView(view); });
      if (link.caseId) {
        const c = await this.d.client.getCase(link.caseId).catch(() => null);
        if (c) this.open = { id: c.id, name: c.name, version: c.version, saved: comparable(validateCaseView(c.view)) };
        this.render();
      }
    } else if (link.caseId) {
      await this.openById(link.caseId);
    } else if (link.legacy) {
      const v = link.legacy;
      const { graph, trace } = this.d;
      const ends = [v.from, v.to, v.sel].filter((x): x is string => x !== undefined);
      await this.d.requests.run("Opening the linked view", async () => {
        const { nodes } = await fetchView(this.d.client, ends, []);
        mergeSubgraph(graph, { nodes, edges: [] });
        this.d.effects.merged();
        trace.setLegacyParams(v);
        if (v.from && graph.hasNode(v.from)) trace.setEnd("from", v.from);
        if (v.to && graph.hasNode(v.to)) trace.setEnd("to", v.to);
        if (v.sel && graph.hasNode(v.sel)) this.d.selection.select({ type: "node", id: v.sel });
        this.d.layout.settle(graph.order);
      });
      if (trace.path.ends.from.length > 0 && trace.path.ends.to.length > 0) await trace.find();
    }
  }

  /** Keeps the URL in step with the view (debounced), without adding history entries. */
  scheduleUrl(): void {
    if (this.urlTimer !== undefined) clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(() => {
      this.urlTimer = undefined;
      void this.syncUrl();
    }, URL_DELAY_MS);
  }

  /** The case bar: the open case's name, whether the view changed since it was saved, why there is no link. */
  render(): void {
    const c = this.open;
    this.d.bar.render({ name: c ? c.name : null, dirty: c !== null && this.lastHash !== `#case=${c.id}`, note: this.linkNote });
  }

  /**
   * Puts a shared case on the canvas (the shared view, /shared#link=…) from
   * the facts its link answered, redacted for this reader; it is not an
   * open case of theirs, so there is nothing to save.
   */
  async showShared(view: CaseView, data: { nodes: GNode[]; edges: GEdge[] }): Promise<void> {
    await this.d.requests.run("Opening the shared case", async () => { await this.applyView(view, data); });
  }

  /** Puts a saved view on the canvas from fresh API data (or the data given), then re-runs its path search. */
  private async applyView(view: CaseView, data?: { nodes: GNode[]; edges: GEdge[] }): Promise<void> {
    const { graph, selection, trace } = this.d;
    this.d.layout.stop();
    const { nodes, edges } = data ?? await fetchView(this.d.client, view.nodes.map((n) => n.id), view.edges);
    const r = applyCaseView(graph, view, { nodes, edges });
    assignBadges(graph);
    this.d.filters.restore(view.filters);
    if (r.missingNodes.length + r.missingEdges.length > 0) {
      this.d.notify.warn(
        `${r.missingNodes.length} nodes and ${r.missingEdges.length} edges of this view are no longer in the graph, or not visible to you.`,
        "missing-notice",
        20000,
      );
    }
    trace.load(view.path);
    selection.restore(view.selected ?? [], view.focus);
    if (view.camera) this.d.camera.setState(view.camera);
    this.d.effects.commit();
    this.d.effects.refresh();
    if (view.path && trace.path.ends.from.length > 0) await trace.find();
  }

  private async syncUrl(): Promise<void> {
    const view = this.capture();
    const c = this.open;
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
    this.d.url.replaceHash(hash);
    this.render();
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
