// Badges: what an investigator must not miss about a node at a glance. They
// render the risk the server computes from the store (Node.risk: each flag
// with its reason and the path behind it), so a node wears the same badges
// whatever else is on the canvas — alone, after an expansion, or in a path
// view without its sanction edge.
//
// "sanctioned" — a SANCTIONED flag: designated itself (SANCTIONED_BY), or
//   controlled by a designated entity.
// "high-risk" — a flag of a role that laundering investigations flag: a
//   threat group or something attributed to one (ATTRIBUTED), the loot of an
//   incident (STOLEN_FUNDS), direct exposure to sanctioned, theft or mixer
//   counterparties (EXPOSURE), a mixer or its wallets (SERVICE with a mixer
//   category); and a sanctioned service.
// A SANCTION node is the designation itself and gets no badge; an INCIDENT
// is a theft by definition, and its attribution a fact about it, not a
// warning (the details panel lists it). A node whose
// risk has not arrived yet wears none (controllers/risk.ts asks for it).
import type { Badge, NodeAttrs, RGraph } from "./graphModel";
import type { GNode, Risk, RiskFlag } from "./types";

const MIXER_CATEGORIES = new Set(["mixer", "mixing_service", "coinjoin", "tumbler"]);

/** Whether a flag is a mixer's SERVICE flag. */
export function isMixerFlag(f: Pick<RiskFlag, "kind" | "category">): boolean {
  return f.kind === "SERVICE" && MIXER_CATEGORIES.has((f.category ?? "").trim().toLowerCase());
}

/** Whether a flag makes a node high-risk (see the rules at the top of this file). */
export function isHighRiskFlag(f: Pick<RiskFlag, "kind" | "category">): boolean {
  return f.kind === "ATTRIBUTED" || f.kind === "STOLEN_FUNDS" || f.kind === "EXPOSURE" || isMixerFlag(f);
}

/** The badges of a node from its server risk, in the order sanctioned, high-risk. */
export function badgesOf(node: Pick<GNode, "kind">, risk: Pick<Risk, "flags"> | null | undefined): Badge[] {
  if (node.kind === "SANCTION" || node.kind === "INCIDENT" || !risk) return [];
  const sanctioned = risk.flags.some((f) => f.kind === "SANCTIONED");
  const risky = risk.flags.some(isHighRiskFlag) || (sanctioned && node.kind === "SERVICE");
  const out: Badge[] = [];
  if (sanctioned) out.push("sanctioned");
  if (risky) out.push("high-risk");
  return out;
}

const ORDER: readonly Badge[] = ["sanctioned", "high-risk"];

function same(a: readonly Badge[] | undefined, b: readonly Badge[]): boolean {
  const x = a ?? [];
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

/**
 * Sets every node's `badges` attribute from its `risk` (removed when none); a
 * group node wears every badge of its members, so a collapsed cluster still
 * shows the theft wallet inside it. Only nodes whose badges change are
 * touched, so the renderer redraws just those. Call it after merging or
 * removing nodes, after grouping and when risks arrive. Returns how many
 * nodes changed.
 */
export function assignBadges(graph: RGraph): number {
  const next = new Map<string, Badge[]>();
  graph.forEachNode((id, a: NodeAttrs) => {
    if (!a.group) next.set(id, badgesOf(a.data, a.risk));
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
