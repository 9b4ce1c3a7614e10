// The risk of the canvas's nodes as the server computes it from the store
// (Node.risk), so that badges, hover cards and the details panel say the same
// of a node whatever else is drawn; and the path behind a flag, put on the
// canvas on request.
import type { RedthreadClient } from "../api";
import { assignBadges } from "../badges";
import { highlightPath, mergeSubgraph, type RGraph } from "../graphModel";
import { chunks } from "../session";
import type { GEdge, GNode, RiskFlag } from "../types";
import type { Effects, Layout, Notify, Requests } from "./ports";

export interface RiskDeps {
  graph: RGraph;
  client: Pick<RedthreadClient, "risks" | "nodes" | "edges">;
  requests: Requests;
  notify: Pick<Notify, "error">;
  layout: Pick<Layout, "settle">;
  effects: Pick<Effects, "merged" | "commit" | "redraw" | "refresh">;
}

export class RiskController {
  /** Nodes whose risk is being asked for. */
  private readonly asking = new Set<string>();
  /** Nodes the server gave no risk for (gone, or a failed request): not asked again until a retry. */
  private readonly unanswered = new Set<string>();

  constructor(private readonly d: RiskDeps) {}

  /**
   * Asks the server for the risk of every node on the canvas that has none
   * yet (in chunks the complexity limit accepts), then redraws the badges.
   * Cheap when nothing is missing, so it runs after every change.
   */
  async load(): Promise<void> {
    const { graph } = this.d;
    const ids: string[] = [];
    graph.forEachNode((id, a) => {
      if (!a.group && !a.risk && !this.asking.has(id) && !this.unanswered.has(id)) ids.push(id);
    });
    if (ids.length === 0) return;
    for (const id of ids) this.asking.add(id);
    try {
      await this.d.requests.quiet(async () => {
        for (const c of chunks(ids)) {
          const risks = await this.d.client.risks(c);
          c.forEach((id, i) => {
            const r = risks[i];
            if (!r) this.unanswered.add(id);
            else if (graph.hasNode(id)) graph.setNodeAttribute(id, "risk", r);
          });
        }
      });
    } catch (err) {
      for (const id of ids) if (!graph.hasNode(id) || !graph.getNodeAttribute(id, "risk")) this.unanswered.add(id);
      this.d.notify.error("Loading risk flags", err, () => {
        this.unanswered.clear();
        void this.load();
      });
    } finally {
      for (const id of ids) this.asking.delete(id);
    }
    assignBadges(graph);
    this.d.effects.refresh();
  }

  /**
   * Asks again for the risk of every node on the canvas: after an analyst's
   * judgement, which may carry a designation to an entity and to what it
   * controls (or take one back).
   */
  async reload(): Promise<void> {
    this.unanswered.clear();
    this.d.graph.forEachNode((id, a) => {
      if (a.risk) this.d.graph.removeNodeAttribute(id, "risk");
    });
    await this.load();
  }

  /** Puts a flag's path (the node, what it rests on, the edges between) on the canvas, highlighted. */
  async showPath(flag: Pick<RiskFlag, "nodes" | "edges">): Promise<void> {
    const { graph } = this.d;
    await this.d.requests.run("Showing the evidence", async () => {
      const [nodes, edges] = await Promise.all([this.d.client.nodes(flag.nodes), this.d.client.edges(flag.edges)]);
      mergeSubgraph(
        graph,
        { nodes: nodes.filter((n): n is GNode => n !== null), edges: edges.filter((e): e is GEdge => e !== null) },
        { anchor: flag.nodes[0] },
      );
      this.d.effects.merged();
      this.d.layout.settle(graph.order);
      highlightPath(graph, { nodeIds: flag.nodes, edgeIds: flag.edges });
      this.d.effects.commit();
      this.d.effects.redraw();
    });
  }
}
