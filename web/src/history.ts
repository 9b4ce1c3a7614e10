// Undo/redo for the whole view. The app pushes a snapshot after each action
// (and one of the initial view); undo and redo hand back a snapshot that
// `restore` applies to the live graph by difference, so sigma keeps its
// state and only what changed is re-indexed.
import type { EdgeAttrs, NodeAttrs, RGraph } from "./graphModel";

/** A bounded linear history of states: pushing after an undo drops the redo branch. */
export class History<S> {
  private states: S[] = [];
  private cursor = -1;
  /** `depth`: how many steps back undo can go (older states are forgotten). */
  constructor(readonly depth = 100) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`History: depth must be a positive integer, not ${depth}`);
  }

  /** Records the state the view is in now. */
  push(state: S): void {
    this.states.length = this.cursor + 1;
    this.states.push(state);
    if (this.states.length > this.depth + 1) this.states.shift();
    this.cursor = this.states.length - 1;
  }

  /** Steps back: the state to return to, or undefined at the oldest. */
  undo(): S | undefined {
    if (!this.canUndo()) return undefined;
    this.cursor--;
    return this.states[this.cursor];
  }

  /** Steps forward again after an undo: the state to return to, or undefined at the newest. */
  redo(): S | undefined {
    if (!this.canRedo()) return undefined;
    this.cursor++;
    return this.states[this.cursor];
  }

  /** Whether undo has a state to go back to. */
  canUndo(): boolean {
    return this.cursor > 0;
  }

  /** Whether redo has a state to go forward to. */
  canRedo(): boolean {
    return this.cursor < this.states.length - 1;
  }
}

/** An edge as saved: its ends and attributes. */
export interface SavedEdge {
  source: string;
  target: string;
  attrs: EdgeAttrs;
}

/** A run of saved items in graph order; snapshots share unchanged chunks. */
export interface Chunk<T> {
  ids: readonly string[];
  values: readonly T[];
}

/**
 * The canvas at one moment plus whatever else the view needs back (`extra`:
 * camera, selection, filters, path search). Items are shallow attribute
 * copies (the graph updates its own in place), and the API data inside them
 * is shared by reference (it is never mutated, only replaced). A copy is
 * shared with the previous snapshot of the same graph when the item did not
 * change, and so are whole chunks: a snapshot after a drag costs one copied
 * node and one chunk, not the canvas.
 */
export interface ViewSnapshot<E = unknown> {
  nodes: readonly Chunk<NodeAttrs>[];
  edges: readonly Chunk<SavedEdge>[];
  extra: E;
}

const CHUNK = 512;

// Per graph: the latest copy of each item and the latest chunks, which the
// next snapshot re-uses when nothing changed.
interface Copies {
  nodes: Map<string, NodeAttrs>;
  edges: Map<string, SavedEdge>;
  nodeChunks: readonly Chunk<NodeAttrs>[];
  edgeChunks: readonly Chunk<SavedEdge>[];
}
const latest = new WeakMap<RGraph, Copies>();

function copiesOf(graph: RGraph): Copies {
  let c = latest.get(graph);
  if (!c) {
    c = { nodes: new Map(), edges: new Map(), nodeChunks: [], edgeChunks: [] };
    latest.set(graph, c);
  }
  return c;
}

/** Cuts items into chunks, re-using a chunk of `before` when it holds the same items at the same place. */
class Chunker<T> {
  private readonly out: Chunk<T>[] = [];
  private ids: string[] = [];
  private values: T[] = [];
  constructor(private readonly before: readonly Chunk<T>[]) {}

  add(id: string, value: T): void {
    this.ids.push(id);
    this.values.push(value);
    if (this.ids.length === CHUNK) this.flush();
  }

  done(): Chunk<T>[] {
    this.flush();
    return this.out;
  }

  private flush(): void {
    if (this.ids.length === 0) return;
    const old = this.before[this.out.length];
    const same = old !== undefined && old.ids.length === this.ids.length && old.ids.every((id, i) => id === this.ids[i] && old.values[i] === this.values[i]);
    this.out.push(same ? old : { ids: this.ids, values: this.values });
    this.ids = [];
    this.values = [];
  }
}

/** Takes a snapshot of the graph; see ViewSnapshot for what it shares. */
export function snapshot<E>(graph: RGraph, extra: E): ViewSnapshot<E> {
  const c = copiesOf(graph);
  const nodes = new Chunker(c.nodeChunks);
  graph.forEachNode((id, a) => {
    let v = c.nodes.get(id);
    if (!v || !sameAttrs(a, v)) {
      v = { ...a };
      c.nodes.set(id, v);
    }
    nodes.add(id, v);
  });
  const edges = new Chunker(c.edgeChunks);
  graph.forEachEdge((id, a, source, target) => {
    let v = c.edges.get(id);
    if (!v || v.source !== source || v.target !== target || !sameAttrs(a, v.attrs)) {
      v = { source, target, attrs: { ...a } };
      c.edges.set(id, v);
    }
    edges.add(id, v);
  });
  c.nodeChunks = nodes.done();
  c.edgeChunks = edges.done();
  // Forget the copies of items no longer on the canvas.
  if (c.nodes.size > graph.order) for (const id of c.nodes.keys()) if (!graph.hasNode(id)) c.nodes.delete(id);
  if (c.edges.size > graph.size) for (const id of c.edges.keys()) if (!graph.hasEdge(id)) c.edges.delete(id);
  return { nodes: c.nodeChunks, edges: c.edgeChunks, extra };
}

function toMap<T>(chunks: readonly Chunk<T>[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const ch of chunks) ch.ids.forEach((id, i) => m.set(id, ch.values[i] as T));
  return m;
}

// Restoring changes any attribute, z-order included: sigma must re-index.
const EDGE_HINTS: { attributes: (keyof EdgeAttrs)[] } = { attributes: ["zIndex"] };

/**
 * Makes the live graph match a snapshot by difference: drops the nodes and
 * edges it does not hold, adds the missing ones with their saved attributes,
 * and replaces the attributes that differ (positions included). Never clears
 * the graph. Counts nodes and edges together.
 */
export function restore(graph: RGraph, snap: ViewSnapshot): { added: number; removed: number; updated: number } {
  const c = copiesOf(graph);
  const nodes = toMap(snap.nodes);
  const edges = toMap(snap.edges);
  let added = 0;
  let removed = 0;
  let updated = 0;
  for (const e of graph.edges()) {
    const saved = edges.get(e);
    if (!saved || saved.source !== graph.source(e) || saved.target !== graph.target(e)) {
      graph.dropEdge(e);
      removed++;
    }
  }
  for (const n of graph.nodes()) {
    if (!nodes.has(n)) {
      graph.dropNode(n);
      removed++;
    }
  }
  // The graph gets copies, so that its in-place updates leave the snapshot
  // as it was (for redo); the snapshot's own become the latest copies.
  graph.updateEachNodeAttributes((id, a) => {
    const saved = nodes.get(id) as NodeAttrs;
    if (sameAttrs(a, saved)) return a;
    updated++;
    c.nodes.set(id, saved);
    return { ...saved };
  });
  for (const [id, saved] of nodes) {
    if (!graph.hasNode(id)) {
      graph.addNode(id, { ...saved });
      c.nodes.set(id, saved);
      added++;
    }
  }
  graph.updateEachEdgeAttributes((id, a) => {
    const saved = edges.get(id) as SavedEdge;
    if (sameAttrs(a, saved.attrs)) return a;
    updated++;
    c.edges.set(id, saved);
    return { ...saved.attrs };
  }, EDGE_HINTS);
  for (const [id, saved] of edges) {
    if (!graph.hasEdge(id)) {
      graph.addDirectedEdgeWithKey(id, saved.source, saved.target, { ...saved.attrs });
      c.edges.set(id, saved);
      added++;
    }
  }
  return { added, removed, updated };
}

/** Shallow equality; a missing key equals one set to undefined. */
function sameAttrs(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (x[k] !== y[k]) return false;
  for (const k in y) if (!(k in x) && y[k] !== undefined) return false;
  return true;
}
