// Collapsing a cluster (co-spend wallets, a community, a persona's accounts)
// into one group node and opening it again, by attributes: members and their
// edges get `collapsedInto`, the group node stands in for them, and aggregate
// edges stand in for the edges that leave the group. Nothing is rebuilt.
//
// Rules:
// - A node belongs to at most one group; groups do not nest (a group node
//   cannot be a member). Collapsing takes members away from open groups (a
//   group left without members is dropped) and refuses members folded into
//   another collapsed group.
// - Expanding keeps the group node with `collapsed: false` (hidden by
//   nodeVisible), so the same cluster can be collapsed again; `ungroup` drops it.
// - An edge between two members is folded away. Every other edge with a
//   folded end is summed into the aggregate edge of its representatives (the
//   group nodes of its ends, or the end itself): one per (other end,
//   direction, kind), owned by the group at the source side when both ends are
//   folded. The edge's `collapsedInto` names the owning group.
import { edgeLabel, type EdgeAttrs, type GroupInfo, type NodeAttrs, type RGraph } from "./graphModel";
import { combinedShare } from "./illustrative";
import { edgeColor, edgeSize, nodeColor, nodeSize } from "./style";
import { parseTime } from "./timeline";
import { NODE_KINDS, type EdgeKind, type GEdge, type GNode, type Marking, type NodeKind } from "./types";
import { groupFilteredOut } from "./visibility";

/** What to collapse: the members, where the grouping came from and its title; `id` defaults to groupId(members). */
export interface GroupSpec {
  id?: string;
  members: readonly string[];
  origin: GroupInfo["origin"];
  title: string;
}

/** TLP markings from the least to the most restrictive. */
export const MARKINGS: readonly Marking[] = ["TLP_CLEAR", "TLP_GREEN", "TLP_AMBER", "TLP_AMBER_STRICT", "TLP_RED"];

/** The more restrictive of two TLP markings. */
export function moreRestrictive(a: Marking, b: Marking): Marking {
  return MARKINGS.indexOf(b) > MARKINGS.indexOf(a) ? b : a;
}

/** A stable ID for a set of members, whatever their order: `group:<53-bit hash, base 36>`. */
export function groupId(members: readonly string[]): string {
  const text = [...new Set(members)].sort().join("\u0000");
  // cyrb53: fast, well mixed, and 53 bits make collisions between clusters negligible.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `group:${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}`;
}

/** The group nodes on the canvas, open or collapsed. */
export function listGroups(graph: RGraph): { id: string; group: GroupInfo }[] {
  const out: { id: string; group: GroupInfo }[] = [];
  graph.forEachNode((id, a) => {
    if (a.group) out.push({ id, group: a.group });
  });
  return out;
}

/** The group a node belongs to (collapsed or open), if any. */
export function groupOf(graph: RGraph, nodeId: string): string | undefined {
  if (!graph.hasNode(nodeId)) return undefined;
  const into = graph.getNodeAttribute(nodeId, "collapsedInto");
  if (into !== undefined) return into;
  return graph.findNode((_id, a) => a.group?.members.includes(nodeId) === true);
}

/**
 * Collapses `spec.members` into a group node (added, or re-used when one with
 * that ID exists) at their centroid and returns its ID. Throws, changing
 * nothing, when a member is missing, is a group, or is folded into another
 * collapsed group.
 */
export function collapseGroup(graph: RGraph, spec: GroupSpec): string {
  const members = [...new Set(spec.members)];
  if (members.length === 0) throw new Error("collapseGroup: a group needs at least one member");
  const id = spec.id ?? groupId(members);
  if (graph.hasNode(id) && !graph.getNodeAttribute(id, "group")) throw new Error(`collapseGroup: ${id} is a node, not a group`);

  const owners = new Map<string, string>();
  for (const g of listGroups(graph)) for (const m of g.group.members) owners.set(m, g.id);
  const taken = new Map<string, Set<string>>(); // open group → the members it loses
  for (const m of members) {
    if (!graph.hasNode(m)) throw new Error(`collapseGroup: ${m} is not on the canvas`);
    if (graph.getNodeAttribute(m, "group")) throw new Error(`collapseGroup: ${m} is a group; groups do not nest`);
    const g = owners.get(m);
    if (g === undefined || g === id) continue;
    if (graph.getNodeAttribute(g, "group")?.collapsed) {
      throw new Error(`collapseGroup: ${m} is folded into the collapsed group ${g}; expand it first`);
    }
    const lost = taken.get(g);
    if (lost) lost.add(m);
    else taken.set(g, new Set([m]));
  }

  // Re-collapsing starts from the open state, so changed members are handled once.
  if (graph.hasNode(id)) expandGroup(graph, id);
  for (const [g, lost] of taken) {
    const info = graph.getNodeAttribute(g, "group") as GroupInfo;
    const rest = info.members.filter((m) => !lost.has(m));
    if (rest.length === 0) graph.dropNode(g);
    else graph.setNodeAttribute(g, "group", { ...info, members: rest });
  }

  let x = 0;
  let y = 0;
  for (const m of members) {
    const a = graph.getNodeAttributes(m);
    x += a.x;
    y += a.y;
    graph.setNodeAttribute(m, "collapsedInto", id);
  }
  const info: GroupInfo = { members, origin: spec.origin, title: spec.title, collapsed: true };
  const attrs = { ...groupLook(graph, id, info), x: x / members.length, y: y / members.length };
  if (graph.hasNode(id)) graph.mergeNodeAttributes(id, attrs);
  else graph.addNode(id, attrs);
  refold(graph, members, [id, ...members]);
  return id;
}

/** Opens a collapsed group: members and their edges come back, aggregates go; the group node stays, open and hidden. */
export function expandGroup(graph: RGraph, groupId: string): void {
  const info = graph.hasNode(groupId) ? graph.getNodeAttribute(groupId, "group") : undefined;
  if (!info) throw new Error(`expandGroup: ${groupId} is not a group on the canvas`);
  if (!info.collapsed) return;
  const members = info.members.filter((m) => graph.hasNode(m));
  for (const m of members) {
    if (graph.getNodeAttribute(m, "collapsedInto") === groupId) graph.setNodeAttribute(m, "collapsedInto", undefined);
  }
  graph.setNodeAttribute(groupId, "group", { ...info, collapsed: false });
  refold(graph, members, [groupId, ...members]);
}

/** Dissolves a group: expands it when collapsed, then drops its node. */
export function ungroup(graph: RGraph, groupId: string): void {
  expandGroup(graph, groupId);
  graph.dropNode(groupId);
}

/**
 * Brings groups up to date after the canvas changed (an expansion merged
 * edges touching folded members, nodes were removed, resize() reset sizes):
 * folds new edges in, re-sums aggregates and group data, forgets members no
 * longer on the canvas (dropping groups left empty), re-folds members whose
 * `collapsedInto` was lost and unfolds nodes whose group node was removed.
 * Returns how many edges it newly folded.
 */
export function refreshGroups(graph: RGraph): number {
  const groups = listGroups(graph);
  const collapsed = new Set(groups.filter((g) => g.group.collapsed).map((g) => g.id));
  const orphans: string[] = [];
  graph.forEachNode((id, a) => {
    if (a.collapsedInto !== undefined && !collapsed.has(a.collapsedInto)) orphans.push(id);
  });
  for (const id of orphans) graph.setNodeAttribute(id, "collapsedInto", undefined);
  let folded = refold(graph, orphans, orphans);

  for (const { id, group } of groups) {
    const members = group.members.filter((m) => graph.hasNode(m));
    if (members.length === 0) {
      graph.dropNode(id);
      continue;
    }
    const info = members.length === group.members.length ? group : { ...group, members };
    if (info.collapsed) {
      for (const m of members) if (graph.getNodeAttribute(m, "collapsedInto") !== id) graph.setNodeAttribute(m, "collapsedInto", id);
      graph.mergeNodeAttributes(id, groupLook(graph, id, info));
      folded += refold(graph, members, [id]);
    } else if (info !== group) {
      graph.setNodeAttribute(id, "group", info);
    }
  }
  return folded;
}

/** A group node's size: its kind's base size, growing with the square root of its member count. */
function groupSize(kind: NodeKind, members: number): number {
  return nodeSize(kind, 0) + Math.min(2 * Math.sqrt(members), 16);
}

/** The attributes of a group node that follow from its members (all but its position). */
function groupLook(graph: RGraph, id: string, info: GroupInfo): Omit<NodeAttrs, "x" | "y"> {
  const inside = new Set(info.members);
  const counts = new Map<NodeKind, number>();
  let confidence = Infinity;
  let marking: Marking = "TLP_CLEAR";
  let degree = 0;
  let usdIn = 0;
  let usdOut = 0;
  let onPath = false;
  let dimmed = true;
  for (const m of info.members) {
    const a = graph.getNodeAttributes(m);
    counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
    confidence = Math.min(confidence, a.data.confidence);
    marking = moreRestrictive(marking, a.data.marking);
    degree += a.data.degree;
    onPath ||= a.onPath === true;
    dimmed &&= a.dimmed === true;
    graph.forEachEdge(m, (_e, ea, s, t) => {
      if (ea.aggregate || ea.data.valueUSD === null) return;
      if (s === m && !inside.has(t)) usdOut += ea.data.valueUSD;
      else if (t === m && !inside.has(s)) usdIn += ea.data.valueUSD;
    });
  }
  // The most common kind; ties go to the kind listed first in the schema.
  let kind: NodeKind = "WALLET";
  let best = 0;
  for (const k of NODE_KINDS) {
    const c = counts.get(k) ?? 0;
    if (c > best) [kind, best] = [k, c];
  }
  const data: GNode = {
    __typename: "Entity",
    id,
    kind,
    key: id,
    label: info.title,
    aliases: [],
    properties: [
      { key: "members", value: info.members.length },
      { key: "usdIn", value: usdIn },
      { key: "usdOut", value: usdOut },
      { key: "origin", value: info.origin },
    ],
    sources: [],
    confidence,
    marking,
    validFrom: null,
    validTo: null,
    // What expanding every member would bring, at most.
    degree,
    illustrativeShare: combinedShare(info.members.map((m) => graph.getNodeAttribute(m, "data"))),
  };
  return {
    size: groupSize(kind, info.members.length),
    color: nodeColor(kind),
    label: info.title,
    kind,
    data,
    group: info,
    filteredOut: groupFilteredOut(graph, info.members),
    onPath,
    dimmed,
  };
}

interface Bucket {
  source: string;
  target: string;
  kind: EdgeKind;
  ids: string[];
}

/**
 * Recomputes, for the real edges at `nodes`, which are folded and into which
 * aggregate, from the nodes' current `collapsedInto`; updates, adds or drops
 * the aggregate edges at `reps` (the old and new representatives of `nodes`),
 * which only ever sum edges at `nodes`. Returns how many edges it newly folded.
 */
function refold(graph: RGraph, nodes: readonly string[], reps: readonly string[]): number {
  const rep = (n: string): string => graph.getNodeAttribute(n, "collapsedInto") ?? n;
  const stale = new Set<string>();
  for (const r of reps) {
    if (!graph.hasNode(r)) continue;
    graph.forEachEdge(r, (e, a) => {
      if (a.aggregate) stale.add(e);
    });
  }
  const seen = new Set<string>();
  const buckets = new Map<string, Bucket>();
  let folded = 0;
  for (const n of nodes) {
    graph.forEachEdge(n, (e, a, s, t) => {
      if (a.aggregate || seen.has(e)) return;
      seen.add(e);
      const rs = rep(s);
      const rt = rep(t);
      let into: string | undefined;
      if (rs === rt && rs !== s) into = rs; // inside one group
      else if (rs !== s || rt !== t) {
        const ownerIsSource = rs !== s;
        into = ownerIsSource ? rs : rt;
        const id = `agg:${into}:${a.kind}:${ownerIsSource ? rt : rs}:${ownerIsSource ? "out" : "in"}`;
        const b = buckets.get(id);
        if (b) b.ids.push(e);
        else buckets.set(id, { source: rs, target: rt, kind: a.kind, ids: [e] });
      }
      if (a.collapsedInto === into) return;
      if (a.collapsedInto === undefined) folded++;
      // Set to undefined rather than removed: deleting keys slows every later copy of the object.
      graph.setEdgeAttribute(e, "collapsedInto", into);
    });
  }
  for (const [id, b] of buckets) {
    stale.delete(id);
    const attrs = aggregateAttrs(graph, id, b);
    if (graph.hasEdge(id)) graph.mergeEdgeAttributes(id, attrs);
    else graph.addDirectedEdgeWithKey(id, b.source, b.target, attrs);
  }
  for (const id of stale) graph.dropEdge(id);
  return folded;
}

/** An aggregate edge's attributes, summed from its member edges. */
function aggregateAttrs(graph: RGraph, id: string, b: Bucket): EdgeAttrs {
  let amount = 0;
  let amounts = 0;
  let asset: string | null | undefined;
  let oneAsset = true;
  let usd: number | null = null;
  let time: string | null = null;
  let earliest = Infinity;
  let confidence = Infinity;
  let marking: Marking = "TLP_CLEAR";
  let onPath = false;
  let dimmed = true;
  let filteredOut = true;
  for (const e of b.ids) {
    const a = graph.getEdgeAttributes(e);
    const d = a.data;
    if (d.amount !== null) {
      amount += d.amount;
      amounts++;
      if (asset === undefined) asset = d.asset;
      else if (asset !== d.asset) oneAsset = false;
    }
    if (d.valueUSD !== null) usd = (usd ?? 0) + d.valueUSD;
    const t = parseTime(d.time);
    if (t < earliest) [earliest, time] = [t, d.time];
    confidence = Math.min(confidence, d.confidence);
    marking = moreRestrictive(marking, d.marking);
    onPath ||= a.onPath === true;
    dimmed &&= a.dimmed === true;
    filteredOut &&= a.filteredOut === true;
  }
  const summable = amounts > 0 && oneAsset;
  const data: GEdge = {
    id,
    kind: b.kind,
    from: b.source,
    to: b.target,
    // Amounts in different assets do not add up; the USD value still does.
    amount: summable ? amount : null,
    asset: summable ? (asset ?? null) : null,
    valueUSD: usd,
    time,
    txHash: b.ids.length === 1 ? graph.getEdgeAttribute(b.ids[0], "data").txHash : null,
    properties: [{ key: "edges", value: b.ids.length }],
    sources: [],
    confidence,
    marking,
    validFrom: null,
    validTo: null,
    illustrativeShare: combinedShare(b.ids.map((e) => graph.getEdgeAttribute(e, "data"))),
  };
  const n = b.ids.length;
  return {
    kind: b.kind,
    color: edgeColor(b.kind),
    // Wide as the summed USD value, like any edge.
    size: edgeSize(data),
    label: n > 1 ? `${edgeLabel(data)} (${n} edges)` : edgeLabel(data),
    data,
    aggregate: { edgeIds: b.ids },
    filteredOut,
    onPath,
    dimmed,
  };
}
