// Undo and redo: a snapshot of the graph and of what the view keeps besides
// it (filters, selection) after each edit; undo puts an older one back.
import type { RGraph } from "../graphModel";
import { History, restore, snapshot, type ViewSnapshot } from "../history";
import type { Layout } from "./ports";

/** What the history keeps besides the graph, and how it is put back. */
export interface Undoable<E> {
  capture(): E;
  /** Called after the graph was restored. */
  restore(extra: E): void;
}

export class HistoryController<E> {
  private readonly history = new History<ViewSnapshot<E>>(100);

  /** `changed` runs after each commit, undo and redo (link, toolbar). Records the initial view. */
  constructor(
    private readonly graph: RGraph,
    private readonly layout: Pick<Layout, "stop">,
    private readonly state: Undoable<E>,
    private readonly changed: () => void,
  ) {
    this.history.push(this.snap());
  }

  /** Records the view after an edit. */
  commit(): void {
    this.history.push(this.snap());
    this.changed();
  }

  undo(): void {
    const s = this.history.undo();
    if (s) this.put(s);
  }

  redo(): void {
    const s = this.history.redo();
    if (s) this.put(s);
  }

  canUndo(): boolean {
    return this.history.canUndo();
  }

  canRedo(): boolean {
    return this.history.canRedo();
  }

  private snap(): ViewSnapshot<E> {
    return snapshot(this.graph, this.state.capture());
  }

  private put(s: ViewSnapshot<E>): void {
    // The layout would move nodes of the old graph while it is put back.
    this.layout.stop();
    restore(this.graph, s);
    this.state.restore(s.extra);
    this.changed();
  }
}
