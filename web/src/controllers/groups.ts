// Groups on the canvas: the user's own (the selection), a wallet's address
// cluster, a persona's linked personas and the canvas's communities, each
// collapsed into one node that opens and folds again.
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import { isHighlighted, mergeSubgraph, nodeVisible, type GroupInfo, type RGraph } from "../graphModel";
import { collapseGroup, expandGroup, groupOf, refreshGroups, ungroup } from "../groups";
import { fetchView } from "../session";
import type { PersonaCluster, PersonaLink, SameAsDecision } from "../types";
import type { Effects, Notify, Requests } from "./ports";

export interface GroupsDeps {
  graph: RGraph;
  client: Pick<RedthreadClient, "cluster" | "personaCluster" | "judgeSameAs" | "communities" | "nodes" | "edges">;
  requests: Requests;
  notify: Notify;
  effects: Effects;
  select(sel: Selection): void;
  /** The selected nodes. */
  selectedNodes(): string[];
  /** Applies the view filters to the graph (a new group node must obey them). */
  applyFilters(): void;
  /** Highlights nodes and edges on the canvas, dimming the rest (as a path is). */
  highlight(nodeIds: string[], edgeIds: string[]): void;
  /** Called after a judgement is recorded: what rests on identities may change (risk). */
  judged?(): void;
}

export class GroupsController {
  /** The last persona-cluster answer of each persona group: its links and their evidence. */
  private readonly personas = new Map<string, PersonaCluster>();

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

  /**
   * Collapses the personas linked to one by shared identifiers. The shared
   * identifiers and the edges that show each link come onto the canvas too,
   * so an opened group shows its members with their evidence, and they are
   * highlighted.
   */
  async collapsePersonas(id: string): Promise<void> {
    await this.d.requests.run(`Resolving ${this.labelOf(id)}`, async () => {
      const c = await this.d.client.personaCluster(id);
      if (c.members.length < 2) {
        this.d.notify.warn(`${this.labelOf(id)} shares no identifier with another persona.`, "cluster-notice");
        return;
      }
      const members = c.members.map((m) => m.id);
      const ev = evidenceOf(c.links);
      await this.addMissing([...members, ...ev.identifiers], id, ev.edges);
      const group = this.collapse(members, "persona", `Personas linked to ${this.labelOf(id)}`);
      if (group === undefined) return;
      this.personas.set(group, c);
      // A path or flow already highlighted stays: the panel's link highlights the evidence on demand.
      if (!isHighlighted(this.d.graph)) this.highlightEvidence(group);
      // The panel rendered when the group was selected, before its evidence was kept.
      this.d.effects.refresh();
      if (c.truncated) this.d.notify.warn(`The persona cluster was cut short: ${c.reason ?? "a limit was reached"}.`, "truncated-notice");
    });
  }

  /** The persona group's last answer: its links, their evidence and judgements. */
  personaEvidence(groupId: string): PersonaCluster | undefined {
    return this.personas.get(groupId);
  }

  /** Fetches a persona group's answer again (from its start, the first member) and brings its evidence onto the canvas. */
  async loadPersonaEvidence(groupId: string): Promise<void> {
    const g = this.groupInfo(groupId);
    const start = g?.members[0];
    if (g?.origin !== "persona" || start === undefined) return;
    await this.d.requests.run(`Reading the evidence of ${g.title}`, async () => {
      await this.refetch(groupId, start);
    });
  }

  /**
   * Records an analyst's judgement on a link of a persona group, then asks
   * for the cluster again: a rejected link is no longer followed, a
   * confirmed one scores 1. The group's members stay until ungrouped.
   */
  async judge(groupId: string, link: PersonaLink, decision: SameAsDecision, reason: string): Promise<void> {
    const g = this.groupInfo(groupId);
    const start = g?.members[0];
    if (g?.origin !== "persona" || start === undefined) return;
    const pair = `${this.labelOf(link.a)} and ${this.labelOf(link.b)}`;
    await this.d.requests.run(`${decision === "SAME" ? "Confirming" : "Rejecting"} ${pair}`, async () => {
      const j = await this.d.client.judgeSameAs({ a: link.a, b: link.b, decision, reason });
      this.d.notify.warn(`${j.decision === "SAME" ? "Confirmed" : "Rejected"} by ${j.by}: ${pair} ${j.decision === "SAME" ? "are" : "are not"} one person.`, "judgement-notice");
      this.d.judged?.();
      await this.refetch(groupId, start);
    });
  }

  /** Highlights a link's personas, shared identifiers and the edges that show them; every link's without one. */
  highlightEvidence(groupId: string, link?: PersonaLink): void {
    const c = this.personas.get(groupId);
    if (!c) return;
    const links = link ? [link] : c.links;
    const ev = evidenceOf(links);
    const g = this.d.graph;
    const nodes = new Set([groupId, ...ev.identifiers, ...links.flatMap((l) => [l.a, l.b])]);
    const edges = new Set(ev.edges);
    // A collapsed group shows the evidence edges as aggregates: light those up too.
    if (g.hasNode(groupId)) {
      g.forEachEdge(groupId, (e, a) => {
        if (a.aggregate?.edgeIds.some((x) => edges.has(x))) edges.add(e);
      });
    }
    this.d.highlight([...nodes].filter((n) => g.hasNode(n)), [...edges].filter((e) => g.hasEdge(e)));
  }

  private async refetch(groupId: string, start: string): Promise<void> {
    const c = await this.d.client.personaCluster(start);
    const ev = evidenceOf([...c.links, ...c.rejected]);
    await this.addMissing(ev.identifiers, groupId, ev.edges);
    this.personas.set(groupId, c);
    this.d.effects.refresh();
  }

  private groupInfo(id: string): GroupInfo | undefined {
    return this.d.graph.hasNode(id) ? this.d.graph.getNodeAttribute(id, "group") : undefined;
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

  private collapse(members: string[], origin: GroupInfo["origin"], title: string): string | undefined {
    try {
      const id = collapseGroup(this.d.graph, { members, origin, title });
      this.d.applyFilters();
      this.d.select({ type: "node", id });
      this.d.effects.commit();
      return id;
    } catch (err) {
      this.d.notify.error("Grouping", err);
      return undefined;
    }
  }

  /**
   * Puts nodes not yet on the canvas there (around `anchor`), and the edges
   * among what is there: without its edges a member would come back alone
   * when its group is opened.
   */
  private async addMissing(ids: string[], anchor: string, edgeIds: string[] = []): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.d.graph.hasNode(id));
    const edges = [...new Set(edgeIds)].filter((id) => !this.d.graph.hasEdge(id));
    if (missing.length === 0 && edges.length === 0) return;
    const sub = await fetchView(this.d.client, missing, edges);
    const at = this.d.graph.hasNode(anchor) ? anchor : undefined;
    mergeSubgraph(this.d.graph, sub, at === undefined ? {} : { anchor: at });
    if (sub.edges.length > 0) refreshGroups(this.d.graph);
  }

  private labelOf(id: string): string {
    return this.d.graph.hasNode(id) ? this.d.graph.getNodeAttribute(id, "label") : id;
  }
}

/** The shared identifiers and the edges that show a set of links. */
function evidenceOf(links: readonly PersonaLink[]): { identifiers: string[]; edges: string[] } {
  const identifiers = new Set<string>();
  const edges = new Set<string>();
  for (const l of links) {
    for (const e of l.evidence) {
      if (e.identifier) identifiers.add(e.identifier);
      for (const x of e.edges) edges.add(x);
    }
  }
  return { identifiers: [...identifiers], edges: [...edges] };
}
