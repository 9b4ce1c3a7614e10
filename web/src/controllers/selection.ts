// The selection: which nodes and edges are selected, the one in focus (the
// last clicked, which the details panel shows), and the details panel that
// renders them.
import type { Selection } from "../canvas";
import { edgeVisible, nodeVisible, type RGraph } from "../graphModel";
import type { DetailsSelection } from "../ui/details";

/** The details panel (ui/details.ts's renderDetails on its root). */
export interface DetailsView {
  render(sel: DetailsSelection): void;
}

export class SelectionController {
  private ids = new Set<string>();
  private focused: Selection = null;

  /** `changed` runs after each change made here (redraw, link). */
  constructor(
    private readonly graph: RGraph,
    private readonly view: DetailsView,
    private readonly changed: () => void,
  ) {}

  /** Selected node and edge IDs. */
  get selected(): ReadonlySet<string> {
    return this.ids;
  }

  get focus(): Selection {
    return this.focused;
  }

  /** The focused node's ID, if the focus is a node. */
  focusedNode(): string | null {
    return this.focused?.type === "node" ? this.focused.id : null;
  }

  /** Selects one item (or nothing); an item not on the canvas selects nothing. */
  select(sel: Selection): void {
    if (sel?.type === "node" && !this.graph.hasNode(sel.id)) sel = null;
    if (sel?.type === "edge" && !this.graph.hasEdge(sel.id)) sel = null;
    this.focused = sel;
    this.ids = new Set(sel ? [sel.id] : []);
    this.after();
  }

  /** Ctrl/⌘-click: adds an item to the selection or takes it out; the focus goes to the last one. */
  toggle(id: string): void {
    if (this.ids.has(id)) this.ids.delete(id);
    else this.ids.add(id);
    const last = [...this.ids].at(-1);
    this.focused = last === undefined ? null : this.graph.hasNode(last) ? { type: "node", id: last } : { type: "edge", id: last };
    this.after();
  }

  selectAllVisible(): void {
    this.ids = new Set(this.graph.filterNodes((_id, a) => nodeVisible(a)));
    this.focused = null;
    this.after();
  }

  /** The selected nodes (edges aside). */
  nodes(): string[] {
    return [...this.ids].filter((id) => this.graph.hasNode(id));
  }

  /** Drops an item that left the canvas or was hidden; does not re-render. */
  forget(id: string): void {
    this.ids.delete(id);
    if (this.focused?.id === id) this.focused = null;
  }

  clear(): void {
    this.ids.clear();
    this.focused = null;
  }

  /** Takes a saved selection back (undo, a case), keeping what is on the canvas; does not re-render. */
  restore(selected: readonly string[], focus: string | undefined): void {
    const has = (id: string) => this.graph.hasNode(id) || this.graph.hasEdge(id);
    this.ids = new Set(selected.filter(has));
    this.focused = focus === undefined ? null : this.graph.hasNode(focus) ? { type: "node", id: focus } : this.graph.hasEdge(focus) ? { type: "edge", id: focus } : null;
  }

  render(): void {
    this.view.render({ selected: [...this.ids], focus: this.focused });
  }

  /** What "export the selection" writes: the selected nodes, the selected edges and the visible edges among the nodes. */
  exportIds(): { nodes: string[]; edges: string[] } {
    const nodes = this.nodes();
    const inSel = new Set(nodes);
    const edges = [...this.ids].filter((id) => this.graph.hasEdge(id));
    this.graph.forEachEdge((id, a, s, t) => {
      if (inSel.has(s) && inSel.has(t) && !this.ids.has(id) && edgeVisible(this.graph, id, a)) edges.push(id);
    });
    return { nodes, edges };
  }

  private after(): void {
    this.render();
    this.changed();
  }
}
