// What is on the canvas: nodes added from search, neighbourhoods expanded
// (through the expand dialog for a hub), and the user's edits — remove,
// hide and show, pin, annotate.
import type { NeighborOptions, RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import { mergeSubgraph, removeNode, resize, type RGraph } from "../graphModel";
import { refreshGroups, ungroup } from "../groups";
import type { GEdge, GNode } from "../types";
import { HUB_WARNING_DEGREE } from "../ui/expandDialog";
import { DEFAULT_EXPAND, toNeighborOptions, type ExpandFilters } from "../ui/expandForm";
import type { Effects, Layout, Notify, Requests } from "./ports";

export interface EditsDeps {
  graph: RGraph;
  client: Pick<RedthreadClient, "neighbors" | "edges">;
  requests: Requests;
  notify: Notify;
  layout: Pick<Layout, "settle">;
  effects: Effects;
  select(sel: Selection): void;
  /** Takes a node out of the selection (it left the canvas or was hidden). */
  unselect(id: string): void;
  /** After nodes left the canvas: path ends that went with them are dropped, the timeline redrawn. */
  removed(): void;
  /** Opens or folds a group node (it has no neighbours of its own to expand). */
  toggleGroup(id: string): void;
  /** The expand dialog: the filters chosen, or null when cancelled. */
  askExpand(node: GNode, initial: ExpandFilters): Promise<ExpandFilters | null>;
  fit(): void;
}

export class EditsController {
  /** The expand dialog's last answer: the next expansion starts from it. */
  private expandDefaults: ExpandFilters = { ...DEFAULT_EXPAND };

  constructor(private readonly d: EditsDeps) {}

  /** Forgets the expand dialog's last answer: the next expansion uses the default filters. */
  resetExpandDefaults(): void {
    this.expandDefaults = { ...DEFAULT_EXPAND };
  }

  /** The filters the next expansion starts from (the dialog's last answer, or the defaults). */
  get expandFilters(): ExpandFilters {
    return this.expandDefaults;
  }

  /** Puts a search hit on the canvas (if it is not there) and selects it. */
  addFromSearch(n: GNode): void {
    const isNew = !this.d.graph.hasNode(n.id);
    mergeSubgraph(this.d.graph, { nodes: [n], edges: [] });
    if (isNew) this.d.effects.merged();
    this.d.select({ type: "node", id: n.id });
    if (isNew) {
      this.d.effects.commit();
      this.d.fit();
    }
  }

  /**
   * Puts two entities on the canvas with the edges given between them (an
   * analyst's same-actor judgement), selecting the first.
   */
  async addPair(a: GNode, b: GNode, edgeIds: string[]): Promise<void> {
    const g = this.d.graph;
    const isNew = !g.hasNode(a.id) || !g.hasNode(b.id);
    await this.d.requests.run(`Showing ${a.label || a.key} and ${b.label || b.key}`, async () => {
      const edges = edgeIds.length > 0 ? await this.d.client.edges(edgeIds) : [];
      const ends = [a.id, b.id];
      const between = edges.filter((e): e is GEdge => e !== null && ends.includes(e.from) && ends.includes(e.to));
      const r = mergeSubgraph(g, { nodes: [a, b], edges: between }, { anchor: a.id });
      const changed = isNew || r.addedEdges.length > 0;
      if (changed) this.d.effects.merged();
      this.d.select({ type: "node", id: a.id });
      if (changed) {
        this.d.effects.commit();
        this.d.fit();
      }
    });
  }

  /**
   * Expands a node. Without explicit filters a hub (more connections than
   * HUB_WARNING_DEGREE) opens the dialog first, so that one double-click on
   * an exchange does not pour thousands of nodes onto the canvas.
   */
  async expand(id: string, opts?: NeighborOptions): Promise<void> {
    const g = this.d.graph;
    const data = g.hasNode(id) ? g.getNodeAttribute(id, "data") : undefined;
    if (!opts && data && data.degree > HUB_WARNING_DEGREE) {
      await this.expandWithDialog(id);
      return;
    }
    const o = opts ?? toNeighborOptions(this.expandDefaults);
    const label = g.hasNode(id) ? g.getNodeAttribute(id, "label") : id;
    await this.d.requests.run(`Expanding ${label}`, async () => {
      const sub = await this.d.client.neighbors(id, o);
      const r = mergeSubgraph(g, sub, { anchor: id });
      if (sub.truncated) {
        this.d.notify.warn(`Only part of the neighbourhood of ${label} is shown (at most ${o.limit ?? 50} neighbours)${sub.reason ? `: ${sub.reason}` : "."}`, "truncated-notice");
      }
      if (r.addedNodes.length === 0 && r.addedEdges.length === 0) {
        this.d.notify.warn(`${label}: no new neighbours${o.since || o.until || o.minAmount || o.edgeKinds || o.nodeKinds ? " under these filters" : ""}.`, "nothing-new-notice");
        return;
      }
      this.d.effects.merged();
      this.d.layout.settle(g.order);
      this.d.effects.commit();
    });
  }

  /** "Expand…": asks for filters first (a group node opens or folds instead). */
  async expandWithDialog(id: string): Promise<void> {
    const g = this.d.graph;
    if (!g.hasNode(id)) return;
    if (g.getNodeAttribute(id, "group")) {
      this.d.toggleGroup(id);
      return;
    }
    const f = await this.d.askExpand(g.getNodeAttribute(id, "data"), this.expandDefaults);
    if (!f) return;
    this.expandDefaults = f;
    await this.expand(id, toNeighborOptions(f));
  }

  /** Removes nodes from the canvas (a group: the group only, its members come back). */
  remove(ids: string[]): void {
    const g = this.d.graph;
    for (const id of ids) {
      if (g.getNodeAttribute(id, "group")) ungroup(g, id);
      else removeNode(g, id);
      this.d.unselect(id);
    }
    resize(g);
    refreshGroups(g);
    this.d.removed();
    this.d.effects.commit();
    this.d.effects.refresh();
  }

  setPinned(ids: string[], pinned: boolean): void {
    for (const id of ids) this.d.graph.mergeNodeAttributes(id, { pinned, fixed: pinned });
    this.done();
  }

  /** Pins the nodes, or unpins them when all are pinned (the "i" key). */
  togglePinned(ids: string[]): void {
    this.setPinned(ids, !ids.every((id) => this.d.graph.getNodeAttribute(id, "pinned")));
  }

  hide(ids: string[]): void {
    for (const id of ids) {
      this.d.graph.setNodeAttribute(id, "userHidden", true);
      this.d.unselect(id);
    }
    this.done();
  }

  show(ids: string[]): void {
    for (const id of ids) this.d.graph.removeNodeAttribute(id, "userHidden");
    this.done();
  }

  showHidden(): void {
    this.d.graph.forEachNode((id, a) => {
      if (a.userHidden) this.d.graph.removeNodeAttribute(id, "userHidden");
    });
    this.done();
  }

  /** Saves a node's note; empty text deletes it. */
  annotate(id: string, text: string): void {
    const t = text.trim();
    if (t) this.d.graph.setNodeAttribute(id, "annotation", t);
    else this.d.graph.removeNodeAttribute(id, "annotation");
    this.done();
  }

  private done(): void {
    this.d.effects.commit();
    this.d.effects.refresh();
  }
}
