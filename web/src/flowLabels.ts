// Which labels a money flow keeps on the canvas. A highlighted path forces
// every label on it; a flow of a large theft has a few hundred nodes and
// transfers, and forced labels pile up into an unreadable band. A flow keeps
// the names of its sources, its sinks, what it was traced from and the nodes
// of its largest routes, and the amounts of the transfers that carry a large
// share of what the sources sent in their asset (the largest few); the route
// the investigator opened keeps all of its names and amounts. Every other
// flow label is an ordinary one: shown on hover, or as one zooms in where
// it has room.
import type { MoneyFlow } from "./types";

/** The labels kept: node IDs whose names are always drawn, and edge IDs with the amount drawn on them. */
export interface FlowLabels {
  nodes: ReadonlySet<string>;
  /** The traced amount, "963.8 ETH" (the whole transfer) or "12.5 of 40 ETH" (part of it): the kind goes without saying in a flow. */
  edges: ReadonlyMap<string, string>;
}

// An amount on the canvas is read at a glance: 4 significant digits
// ("225.1", "0.01266"), whole numbers from 1,000; the panel has them all.
const SHORT = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 });
const WHOLE = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function short(v: number): string {
  return (Math.abs(v) >= 1000 ? WHOLE : SHORT).format(v);
}

/** A transfer's traced amount for its label: "1,577 ETH", "0.01266 of 225.1 BTC". */
export function tracedAmount(tainted: { asset: string; amount: number }, whole: number | null | undefined): string {
  const part = short(tainted.amount);
  return whole == null || whole === tainted.amount ? `${part} ${tainted.asset}` : `${part} of ${short(whole)} ${tainted.asset}`;
}

export interface FlowLabelRule {
  /** The routes (listed largest first) whose nodes keep their names. */
  topRoutes: number;
  /** A transfer keeps its amount when it carries at least this share of what the sources sent in its asset. */
  edgeShare: number;
  /** At most this many transfers keep their amount that way (the largest shares first). */
  maxEdges: number;
}

export const FLOW_LABEL_RULE: FlowLabelRule = { topRoutes: 3, edgeShare: 0.1, maxEdges: 8 };

type Flow = Pick<MoneyFlow, "sources" | "sinks" | "routes" | "tainted" | "sourceAmounts">;

/**
 * The labels a flow keeps: `origins` are what it was traced from, `route`
 * the index of the route the investigator opened (or null).
 */
export function flowLabels(f: Flow, origins: readonly string[], route: number | null, rule: FlowLabelRule = FLOW_LABEL_RULE): FlowLabels {
  const nodes = new Set<string>(origins);
  const edges = new Map<string, string>();
  for (const s of f.sources) nodes.add(s.id);
  for (const s of f.sinks) nodes.add(s.node.id);
  const routeNodes = (r: Flow["routes"][number]) => {
    nodes.add(r.sink);
    for (const hp of r.hops) {
      nodes.add(hp.from);
      nodes.add(hp.to);
      if (hp.service) nodes.add(hp.service);
    }
  };
  f.routes.slice(0, rule.topRoutes).forEach(routeNodes);
  const open = route === null ? undefined : f.routes[route];
  if (open) {
    routeNodes(open);
    for (const hp of open.hops) if (hp.edge && hp.taintedAmount) edges.set(hp.edge.id, tracedAmount(hp.taintedAmount, hp.amount?.amount));
  }
  for (const t of largeTransfers(f, rule)) edges.set(t.edge.id, tracedAmount(t.taintedAmount, t.edge.amount));
  return { nodes, edges };
}

/** The transfers with at least `edgeShare` of what the sources sent in their asset, the largest shares first, at most `maxEdges`. */
function largeTransfers(f: Flow, rule: FlowLabelRule): Flow["tainted"] {
  const sent = new Map<string, number>();
  for (const a of f.sourceAmounts) sent.set(a.asset, a.amount);
  // An asset the sources did not send (value that crossed a bridge into
  // another coin) is measured against what reached the sinks in it.
  for (const sink of f.sinks) {
    for (const a of sink.amounts) if (!f.sourceAmounts.some((x) => x.asset === a.asset)) sent.set(a.asset, (sent.get(a.asset) ?? 0) + a.amount);
  }
  const shares: { t: Flow["tainted"][number]; share: number }[] = [];
  for (const t of f.tainted) {
    const whole = sent.get(t.taintedAmount.asset) ?? 0;
    if (whole <= 0) continue;
    const share = t.taintedAmount.amount / whole;
    if (share >= rule.edgeShare) shares.push({ t, share });
  }
  const id = (x: { t: Flow["tainted"][number] }) => x.t.edge.id;
  shares.sort((a, b) => b.share - a.share || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  return shares.slice(0, rule.maxEdges).map((s) => s.t);
}
