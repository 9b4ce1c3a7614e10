// Tracing: the path search (shortest, k shortest, nearest of a kind) and the money flow, their
// ends, parameters and answer (PathView), the highlight on the canvas, and
// the path panel that shows them.
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import type { CasePath } from "../caseView";
import { flowLabels, type FlowLabels } from "../flowLabels";
import { layoutFlow } from "../flowLayout";
import { clearHighlight, highlightPath, mergeSubgraph, pathHops, type RGraph } from "../graphModel";
import { sinkEdgeIds } from "../session";
import type { GEdge, GNode, Path } from "../types";
import { unnamedRouteIds } from "../ui/flowResults";
import { describeTarget, flowOptions, parseTarget, pathOptions, readPathParams } from "../ui/forms";
import { emptyPath, type FlowResult, type PathActions, type PathView } from "../ui/pathPanel";
import type { Effects, Layout, Requests } from "./ports";

/** The path panel (ui/pathPanel.ts's renderPathPanel on its root). */
export interface PathPanelView {
  render(v: PathView, actions: PathActions): void;
}

export interface TraceDeps {
  graph: RGraph;
  client: Pick<RedthreadClient, "paths" | "shortestPath" | "nearest" | "moneyFlow" | "edges" | "nodes">;
  requests: Requests;
  layout: Pick<Layout, "settle" | "stop">;
  effects: Effects;
  select(sel: Selection): void;
  view: PathPanelView;
}

type End = "from" | "to";

export class TraceController {
  private v: PathView = emptyPath();
  private readonly actions: PathActions;
  /** The labels of the flow last asked for, while its answer and open route stay the same. */
  private kept: { result: FlowResult; route: number | null; labels: FlowLabels } | null = null;

  constructor(private readonly d: TraceDeps) {
    this.actions = {
      setMode: (m) => {
        this.v.mode = m;
        this.changed();
      },
      setParams: (patch) => {
        Object.assign(this.v.params, patch);
        d.effects.viewChanged();
      },
      find: () => void this.find(),
      removeEnd: (which, id) => {
        this.v.ends[which] = this.v.ends[which].filter((e) => e.id !== id);
        this.changed();
      },
      swap: () => {
        this.v.ends = { from: this.v.ends.to, to: this.v.ends.from };
        this.changed();
      },
      highlightPath: (i) => {
        this.v.active = i;
        this.highlightActive();
      },
      highlightFlow: () => { this.highlightActive(); },
      highlightRoute: (i) => {
        if (this.v.route === i) return;
        this.v.route = i;
        this.d.effects.redraw();
        this.render();
      },
      clearHighlight: () => { this.clearHighlight(); },
      rankFlow: (by, asset) => {
        this.v.rank = { by, asset };
        void this.find();
      },
      select: (id) => { d.select({ type: "node", id }); },
      selectEdge: (id) => { d.select({ type: "edge", id }); },
    };
  }

  /** The panel's state (read only: change it through the methods). */
  get path(): Readonly<PathView> {
    return this.v;
  }

  /** Sets a path end; with `add`, a money flow's source or sink is added to the others. */
  setEnd(which: End, id: string, add = false): void {
    const g = this.d.graph;
    const end = { id, label: g.hasNode(id) ? g.getNodeAttribute(id, "label") : id, kind: g.hasNode(id) ? g.getNodeAttribute(id, "kind") : undefined };
    const list = this.v.ends[which];
    if (add && this.v.mode === "flow") {
      if (!list.some((e) => e.id === id)) list.push(end);
    } else {
      this.v.ends[which] = [end];
    }
    this.changed();
  }

  /** "Add to flow sources / sinks": switches to the money flow and adds the node. */
  addFlowEnd(which: End, id: string): void {
    this.v.mode = "flow";
    this.setEnd(which, id, true);
  }

  /** Shift-click: the first pick is the start, later ones the end. */
  pick(id: string): void {
    if (this.v.ends.from.length === 0) this.setEnd("from", id);
    else if (this.v.ends.from[0]?.id !== id) this.setEnd("to", id);
    this.d.select({ type: "node", id });
  }

  /** Runs the search of the current mode. */
  async find(): Promise<void> {
    const p = this.v;
    const from = p.ends.from[0];
    const to = p.ends.to[0];
    const oneEnd = p.mode === "flow" || p.mode === "nearest";
    if (!from || (!oneEnd && !to)) return;
    p.loading = true;
    this.render();
    const what =
      p.mode === "flow"
        ? `Following the money from ${p.ends.from.map((e) => e.label).join(", ")}`
        : p.mode === "nearest"
          ? `Finding the nearest ${describeTarget(p.params.target)} from ${from.label}`
          : `Finding ${p.mode === "k" ? `${p.params.k} paths` : "a path"} from ${from.label} to ${to?.label ?? ""}`;
    try {
      await this.d.requests.run(what, async () => {
        if (p.mode === "flow") await this.runFlow(p);
        else await this.runPaths(p);
      });
    } finally {
      p.loading = false;
      this.changed();
    }
  }

  /**
   * The labels a highlighted money flow keeps on the canvas (flowLabels.ts),
   * or null: no flow is highlighted, and a path keeps all of its labels.
   */
  get flowLabels(): FlowLabels | null {
    const r = this.v.result;
    if (r?.kind !== "flow" || !this.v.highlighted) return null;
    const k = this.kept;
    if (k && k.result === r && k.route === this.v.route) return k.labels;
    const labels = flowLabels(r.flow, r.origins, this.v.route);
    this.kept = { result: r, route: this.v.route, labels };
    return labels;
  }

  /** Highlights the chosen path, or the whole flow. */
  highlightActive(): void {
    const r = this.v.result;
    if (!r) return;
    if (r.kind === "flow") {
      highlightPath(this.d.graph, { nodeIds: r.nodeIds, edgeIds: r.edgeIds });
    } else {
      const chosen = r.paths[this.v.active];
      if (!chosen) return;
      const nodeIds = [chosen.hops[0]?.from.id ?? "", ...chosen.hops.map((hp) => hp.to.id)];
      highlightPath(this.d.graph, { nodeIds, edgeIds: chosen.hops.map((hp) => hp.edge.id) });
    }
    this.v.highlighted = true;
    this.d.effects.redraw();
    this.render();
  }

  clearHighlight(): void {
    clearHighlight(this.d.graph);
    this.v.highlighted = false;
    this.d.effects.redraw();
    this.render();
  }

  /** The search as a case stores it, if it has a start. */
  casePath(): CasePath | undefined {
    const p = this.v;
    if (p.ends.from.length === 0) return undefined;
    return { mode: p.mode, from: p.ends.from.map((e) => e.id), to: p.ends.to.map((e) => e.id), params: { ...p.params } };
  }

  /** Takes a case's search back (ends not on the canvas are left out); does not run it. */
  load(saved: CasePath | undefined): void {
    this.v = emptyPath();
    if (!saved) return;
    this.v.mode = saved.mode;
    this.v.params = readPathParams(saved.params);
    for (const id of saved.from) if (this.d.graph.hasNode(id)) this.setEnd("from", id, true);
    for (const id of saved.to) if (this.d.graph.hasNode(id)) this.setEnd("to", id, true);
  }

  /** An old `#from=…&to=…` link's direction and depth. */
  setLegacyParams(p: { dir?: PathView["params"]["direction"]; hops?: number }): void {
    if (p.dir) this.v.params.direction = p.dir;
    if (p.hops) this.v.params.maxHops = p.hops;
  }

  /** Empties the search (the canvas was cleared); the mode and the parameters stay, the ranking goes. */
  reset(): void {
    this.v = { ...emptyPath(), mode: this.v.mode, params: this.v.params };
  }

  /** Drops ends that left the canvas; does not re-render. */
  dropMissingEnds(): void {
    for (const which of ["from", "to"] as const) {
      this.v.ends[which] = this.v.ends[which].filter((e) => this.d.graph.hasNode(e.id));
    }
  }

  /** After undo: whether a highlight is on the canvas is read from the graph. */
  syncHighlighted(): void {
    this.v.highlighted = this.d.graph.someNode((_id, a) => a.onPath === true);
  }

  render(): void {
    this.d.view.render(this.v, this.actions);
  }

  private changed(): void {
    this.render();
    this.d.effects.viewChanged();
  }

  private async runPaths(p: PathView): Promise<void> {
    const from = p.ends.from[0];
    const to = p.ends.to[0];
    const nearest = p.mode === "nearest";
    if (!from || (!nearest && !to)) return;
    const toLabel = nearest ? `the nearest ${describeTarget(p.params.target)}` : (to?.label ?? "");
    const opts = pathOptions(p.params);
    let paths: Path[];
    let skipped: string[] = [];
    let truncated: boolean;
    let reason: string | null;
    if (p.mode === "nearest") {
      const target = parseTarget(p.params.target);
      if (!target.ok) throw new Error(`Check the search: ${target.error}`);
      const list = await this.d.client.nearest(from.id, target.value, p.params.k, opts);
      paths = list.paths;
      skipped = list.skippedHubs;
      truncated = list.truncated;
      reason = list.reason;
    } else if (!to) {
      return;
    } else if (p.mode === "k") {
      const list = await this.d.client.paths(from.id, to.id, p.params.k, opts);
      paths = list.paths;
      skipped = list.skippedHubs;
      truncated = list.truncated;
      reason = list.reason;
    } else {
      const one = await this.d.client.shortestPath(from.id, to.id, opts);
      paths = one.edges.length > 0 ? [one] : [];
      truncated = one.truncated;
      reason = one.reason;
    }
    const added = paths.reduce((n, path) => n + mergeSubgraph(this.d.graph, path).addedNodes.length, 0);
    if (added > 0) this.merged();
    p.result = {
      kind: "paths",
      paths: paths.map((path) => ({ hops: pathHops(path), length: path.length })),
      skippedHubs: skipped,
      truncated,
      reason,
      fromLabel: from.label,
      toLabel,
      params: { ...p.params },
    };
    p.active = 0;
    if (paths.length > 0) this.highlightActive();
    else this.clearHighlight();
    this.d.effects.commit();
  }

  private async runFlow(p: PathView): Promise<void> {
    const c = this.d.client;
    const f = await c.moneyFlow(
      p.ends.from.map((e) => e.id),
      {
        ...flowOptions(p.params),
        to: p.ends.to.length > 0 ? p.ends.to.map((e) => e.id) : undefined,
        rankBy: p.rank?.by,
        rankAsset: p.rank?.asset,
      },
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
    const ties = (await c.edges(f.sinks.filter((s) => s.node.kind === "SERVICE").flatMap((s) => sinkEdgeIds(s.node.id, s.wallets)))).filter((e): e is GEdge => e !== null);
    const r = mergeSubgraph(this.d.graph, { nodes, edges: [...edges, ...ties] });
    const edgeIds = [...edges, ...ties].map((e) => e.id);
    if (r.addedNodes.length > 0 || r.addedEdges.length > 0) this.merged();
    if (r.addedNodes.length > 0) {
      // A newly drawn flow reads left to right (sources → sinks), not as a force layout's tangle.
      this.d.layout.stop();
      layoutFlow(this.d.graph, { sources: f.sources.map((n) => n.id), sinks: f.sinks.map((s) => s.node.id), edgeIds, origins: p.ends.from.map((e) => e.id) });
    }
    // Route details show labels: look up the nodes the routes name that the answer does not carry.
    const labels: Record<string, GNode> = {};
    const unnamed = unnamedRouteIds(f);
    if (unnamed.length > 0) for (const n of await c.nodes(unnamed)) if (n) labels[n.id] = n;
    p.result = { kind: "flow", flow: f, labels, edgeIds, nodeIds: [...new Set(nodes.map((n) => n.id))], origins: p.ends.from.map((e) => e.id) };
    p.route = null;
    this.highlightActive();
    this.d.effects.commit();
  }

  private merged(): void {
    this.d.effects.merged();
    this.d.layout.settle(this.d.graph.order);
  }
}
