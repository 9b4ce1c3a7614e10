// Label culling by degree. Past a few hundred nodes the label grid still
// leaves a hairball of names; above LABEL_CULL_FROM nodes on the canvas only
// the LABELS_KEPT best-connected nodes (by edges on the canvas, ties kept)
// are labelled, besides the forced labels (a path, the selection, the
// hovered node), which the caller keeps. The cut is recomputed only after
// the graph gained or lost nodes or edges, so the reducer pays one lookup.
import type { RGraph } from "./graphModel";

/** With more nodes than this on the canvas, labels are culled by degree. */
export const LABEL_CULL_FROM = 300;
/** How many nodes keep their label when culling (more on ties). */
export const LABELS_KEPT = 150;

/** The least degree that keeps a label among `degrees`; 0 when there are few enough nodes to label them all. */
export function degreeCut(degrees: number[], cullFrom = LABEL_CULL_FROM, keep = LABELS_KEPT): number {
  if (degrees.length <= cullFrom) return 0;
  const sorted = Float64Array.from(degrees).sort();
  return sorted[sorted.length - keep] ?? 0;
}

export class LabelCull {
  private cut = 0;
  private dirty = true;

  constructor(private readonly graph: RGraph) {
    for (const ev of ["nodeAdded", "nodeDropped", "edgeAdded", "edgeDropped", "cleared"] as const) {
      graph.on(ev, () => { this.dirty = true; });
    }
  }

  /** Whether the node's label is culled (it may still be forced by the caller). */
  hides(id: string): boolean {
    if (this.dirty) {
      this.dirty = false;
      const degrees: number[] = [];
      this.graph.forEachNode((n) => { degrees.push(this.graph.degree(n)); });
      this.cut = degreeCut(degrees);
    }
    return this.cut > 0 && this.graph.degree(id) < this.cut;
  }
}
