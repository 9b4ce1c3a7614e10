// The header's numbers: the size of the whole graph on the server (loaded
// once, with a retry on failure) and what the canvas shows, hidden nodes
// counted; re-counted at most once a frame as the graph changes.
import type { RedthreadClient } from "../api";
import { nodeVisible, type RGraph } from "../graphModel";
import type { Notify, Requests } from "./ports";

/** What the header shows. */
export interface StatusState {
  /** The whole graph, once loaded. */
  server: { nodes: number; edges: number } | null;
  /** Why the server's numbers could not be loaded. */
  error: string | null;
  nodes: number;
  edges: number;
  /** Nodes drawn (not hidden, filtered out or folded). */
  visible: number;
  /** Nodes the user hid ("Show N hidden"). */
  hidden: number;
}

export interface StatusView {
  render(s: StatusState): void;
}

export class StatusController {
  private server: StatusState["server"] = null;
  private error: string | null = null;
  private scheduled = false;

  /** `frame` runs a callback before the next paint (requestAnimationFrame). */
  constructor(
    private readonly graph: RGraph,
    private readonly client: Pick<RedthreadClient, "stats">,
    private readonly requests: Requests,
    private readonly notify: Notify,
    private readonly view: StatusView,
    private readonly frame: (fn: () => void) => void = (fn) => requestAnimationFrame(fn),
  ) {
    for (const ev of ["nodeAdded", "nodeDropped", "edgeAdded", "edgeDropped", "cleared"] as const) {
      graph.on(ev, () => { this.schedule(); });
    }
  }

  /** Coalesces the update after a batch of graph changes. */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.frame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  state(): StatusState {
    let visible = 0;
    let hidden = 0;
    this.graph.forEachNode((_id, a) => {
      if (nodeVisible(a)) visible++;
      else if (a.userHidden && !a.group) hidden++;
    });
    return { server: this.server, error: this.error, nodes: this.graph.order, edges: this.graph.size, visible, hidden };
  }

  render(): void {
    this.view.render(this.state());
  }

  /** Loads the server's numbers; a failure shows an error with a retry. */
  async load(): Promise<void> {
    try {
      const s = await this.requests.quiet(() => this.client.stats());
      this.server = { nodes: s.nodes, edges: s.edges };
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.notify.error("Loading graph statistics", err, () => void this.load());
    } finally {
      this.render();
    }
  }
}
