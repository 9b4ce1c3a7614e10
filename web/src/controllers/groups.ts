// Groups on the canvas: the user's own (the selection), a wallet's address
// cluster, a persona's linked personas and the canvas's communities, each
// collapsed into one node that opens and folds again.
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import { mergeSubgraph, nodeVisible, type GroupInfo, type RGraph } from "../graphModel";
import { collapseGroup, expandGroup, groupOf, ungroup } from "../groups";
import { fetchView } from "../session";
import type { Effects, Notify, Requests } from "./ports";

export interface GroupsDeps {
  graph: RGraph;
  client: Pick<RedthreadClient, "cluster" | "personaCluster" | "communities" | "nodes" | "edges">;
  requests: Requests;
  notify: Notify;
  effects: Effects;
  select(sel: Selection): void;
  /** The selected nodes. */
  selectedNodes(): string[];
  /** Applies the view filters to the graph (a new group node must obey them). */
  applyFilters(): void;
}

export class GroupsController {
  constructor(private readonly d: GroupsDeps) {}

  /** Groups the selected nodes (groups aside). */
  groupSelected(): void {
    const members = this.d.selectedNodes().filter((id) => !this.d.graph.getNodeAttribute(id, "group"));
    if (members.length < 2) {
      this.d.notify.warn("Select two or more nodes to group them (Ctrl-click adds to the selection).");
      return;
    }
    this.collapse(members, "manual", "Group");
  }

  /** Collapses the address cluster (co-spend, one-time change) of a wallet. */
  async collapseCluster(id: string): Promise<void> {
    await this.d.requests.run(`Clustering ${this.labelOf(id)}`, async () => {
      const c = await this.d.client.cluster(id, ["CO_SPEND", "ONE_TIME_CHANGE"]);
      if (c.members.length < 2) {
        this.d.notify.warn(`${this.labelOf(id)} shares no transaction input with another address: its cluster is itself.`, "cluster-notice");
        return;
      }
      await this.addMissing(c.members.map((m) => m.id), id);
      this.collapse(c.members.map((m) => m.id), "cluster", `Address cluster of ${this.labelOf(id)}`);
      if (c.truncated) this.d.notify.warn(`The cluster was cut short: ${c.reason ?? "a limit was reached"}.`, "truncated-notice");
    });
  }

  /** Collapses the personas linked to one by shared identifiers. */
  async collapsePersonas(id: string): Promise<void> {
    await this.d.requests.run(`Resolving ${this.labelOf(id)}`, async () => {
      const c = await this.d.client.personaCluster(id);
      if (c.members.length < 2) {
        this.d.notify.warn(`${this.labelOf(id)} shares no identifier with another persona.`, "cluster-notice");
        return;
      }
      await this.addMissing(c.members.map((m) => m.id), id);
      this.collapse(c.members.map((m) => m.id), "persona", `Personas linked to ${this.labelOf(id)}`);
    });
  }

  /** Groups the visible canvas by Louvain community (groups of three or more). */
  async groupByCommunity(): Promise<void> {
    const g = this.d.graph;
    const ids = g.filterNodes((_id, a) => nodeVisible(a) && !a.group);
    if (ids.length < 3) return;
    await this.d.requests.run("Finding communities", async () => {
      const c = await this.d.client.communities(ids);
      let made = 0;
      for (const com of c.communities) {
        const members = com.members.filter((m) => g.hasNode(m) && groupOf(g, m) === undefined);
        if (members.length < 3) continue;
        collapseGroup(g, { members, origin: "community", title: `Community ${com.id + 1}` });
        made++;
      }
      this.d.notify.warn(made ? `${made} communities collapsed (modularity ${c.modularity.toFixed(2)}).` : "No community of three or more nodes.", "community-notice");
      this.d.applyFilters();
      this.d.effects.commit();
      this.d.effects.refresh();
    });
  }

  /** Opens a collapsed group, or folds an open one (and clears the selection). */
  toggle(id: string): void {
    const g = this.d.graph.getNodeAttribute(id, "group");
    if (!g) return;
    if (g.collapsed) expandGroup(this.d.graph, id);
    else collapseGroup(this.d.graph, { id, members: g.members, origin: g.origin, title: g.title });
    this.d.applyFilters();
    if (!g.collapsed) this.d.select(null);
    this.d.effects.commit();
    this.d.effects.refresh();
  }

  /** Toggles the group a node is, or is folded into (the "c" key). */
  toggleAround(id: string): void {
    const g = this.d.graph.getNodeAttribute(id, "group") ? id : groupOf(this.d.graph, id);
    if (g) this.toggle(g);
  }

  /** Drops a group, keeping its members. */
  ungroup(id: string): void {
    ungroup(this.d.graph, id);
    this.d.effects.commit();
    this.d.effects.refresh();
  }

  private collapse(members: string[], origin: GroupInfo["origin"], title: string): void {
    try {
      const id = collapseGroup(this.d.graph, { members, origin, title });
      this.d.applyFilters();
      this.d.select({ type: "node", id });
      this.d.effects.commit();
    } catch (err) {
      this.d.notify.error("Grouping", err);
    }
  }

  /** Puts nodes not yet on the canvas there (around `anchor`). */
  private async addMissing(ids: string[], anchor: string): Promise<void> {
    const missing = ids.filter((id) => !this.d.graph.hasNode(id));
    if (missing.length === 0) return;
    const { nodes } = await fetchView(this.d.client, missing, []);
    mergeSubgraph(this.d.graph, { nodes, edges: [] }, { anchor });
  }

  private labelOf(id: string): string {
    return this.d.graph.hasNode(id) ? this.d.graph.getNodeAttribute(id, "label") : id;
  }
}
