// Badges: what an investigator must not miss about a node at a glance.
//
// "sanctioned" — the node itself is designated:
//   - it has a SANCTIONED_BY edge on the canvas (node → SANCTION), or
//   - its properties say so, as the ingesters write them: `sanctioned` (true,
//     "yes"), a non-empty `sanctions`, `ofac` or `designation`; `sdnType`
//     (an entity loaded from OFAC's SDN list); FollowTheMoney `topics` with
//     "sanction"; a GraphSense `abuse` or `categories` of "sanction".
//   A SANCTION node is the designation itself and gets no badge.
// "high-risk" — a role that laundering investigations flag:
//   - a THREAT_GROUP;
//   - a wallet that received loot (STOLE edge from an INCIDENT), is controlled
//     by a threat group (CONTROLS) or attributed to one (ATTRIBUTED_TO);
//   - a mixer (SERVICE with category mixer, mixing_service, coinjoin, tumbler)
//     and the wallets such a service controls;
//   - a sanctioned SERVICE (exchanges and mixers under sanctions);
//   - FollowTheMoney topic "sanction.linked" (linked to a sanctioned party).
// Both rules read only the node and the edges at it that are on the canvas,
// so a badge can appear when a neighbour is expanded.
import type { Badge, NodeAttrs, RGraph } from "./graphModel";
import type { EdgeKind, GNode, JSONValue } from "./types";

/** An edge at the node, seen from the node. */
export interface Link {
  kind: EdgeKind;
  /** True when the edge leaves the node (node → other). */
  outgoing: boolean;
  /** The node at the other end. */
  other: Pick<GNode, "kind" | "properties">;
}

const MIXER_CATEGORIES = new Set(["mixer", "mixing_service", "coinjoin", "tumbler"]);

function props(n: Pick<GNode, "properties">): Map<string, JSONValue> {
  return new Map(n.properties.map((p) => [p.key, p.value]));
}

/** true, "yes", "true", a non-empty string, array or object; not false, 0, "", "no", "false", null. */
function truthy(v: JSONValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0) return false;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    return s !== "" && s !== "no" && s !== "false" && s !== "0";
  }
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** A string or a list of strings, lower-cased. */
function words(v: JSONValue | undefined): string[] {
  if (typeof v === "string") return [v.trim().toLowerCase()];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string").map((x) => x.trim().toLowerCase());
  return [];
}

function sanctionedByProps(p: Map<string, JSONValue>): boolean {
  return (
    truthy(p.get("sanctioned")) ||
    truthy(p.get("sanctions")) ||
    truthy(p.get("ofac")) ||
    truthy(p.get("designation")) ||
    truthy(p.get("sdnType")) ||
    words(p.get("topics")).includes("sanction") ||
    words(p.get("abuse")).includes("sanction") ||
    words(p.get("categories")).includes("sanction")
  );
}

function isMixer(n: Pick<GNode, "kind" | "properties">, p = props(n)): boolean {
  return n.kind === "SERVICE" && words(p.get("category")).some((c) => MIXER_CATEGORIES.has(c));
}

/** The badges of a node, in the order sanctioned, high-risk (see the rules at the top of this file). */
export function badgesOf(node: Pick<GNode, "kind" | "properties">, links: Iterable<Link> = []): Badge[] {
  if (node.kind === "SANCTION") return [];
  const p = props(node);
  let sanctioned = sanctionedByProps(p);
  let risky = node.kind === "THREAT_GROUP" || isMixer(node, p) || words(p.get("topics")).includes("sanction.linked");
  for (const l of links) {
    if (l.kind === "SANCTIONED_BY" && l.outgoing) sanctioned = true;
    if (node.kind !== "WALLET") continue;
    if (
      (l.kind === "STOLE" && !l.outgoing && l.other.kind === "INCIDENT") ||
      (l.kind === "CONTROLS" && !l.outgoing && (l.other.kind === "THREAT_GROUP" || isMixer(l.other))) ||
      (l.kind === "ATTRIBUTED_TO" && l.outgoing && l.other.kind === "THREAT_GROUP")
    ) {
      risky = true;
    }
  }
  if (sanctioned && node.kind === "SERVICE") risky = true;
  const out: Badge[] = [];
  if (sanctioned) out.push("sanctioned");
  if (risky) out.push("high-risk");
  return out;
}

/** The links of a node on the canvas, for badgesOf. */
function linksOf(graph: RGraph, id: string): Link[] {
  const out: Link[] = [];
  graph.forEachEdge(id, (_e, a, source, _target, sa, ta) => {
    const outgoing = source === id;
    out.push({ kind: a.kind, outgoing, other: (outgoing ? ta : sa).data });
  });
  return out;
}

const ORDER: readonly Badge[] = ["sanctioned", "high-risk"];

function same(a: readonly Badge[] | undefined, b: readonly Badge[]): boolean {
  const x = a ?? [];
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/**
 * Sets every node's `badges` attribute from badgesOf (removed when none); a
 * group node wears every badge of its members, so a collapsed cluster still
 * shows the theft wallet inside it. Only nodes whose badges change are
 * touched, so the renderer redraws just those. Call it after merging or
 * removing nodes and edges, and after grouping. Returns how many nodes changed.
 */
export function assignBadges(graph: RGraph): number {
  const next = new Map<string, Badge[]>();
  graph.forEachNode((id, a: NodeAttrs) => {
    if (!a.group) next.set(id, badgesOf(a.data, linksOf(graph, id)));
  });
  graph.forEachNode((id, a: NodeAttrs) => {
    if (!a.group) return;
    const union = new Set(a.group.members.flatMap((m) => next.get(m) ?? []));
    next.set(id, ORDER.filter((b) => union.has(b)));
  });
  let changed = 0;
  for (const [id, b] of next) {
    if (same(graph.getNodeAttribute(id, "badges"), b)) continue;
    changed++;
    if (b.length === 0) graph.removeNodeAttribute(id, "badges");
    else graph.setNodeAttribute(id, "badges", b);
  }
  return changed;
}
