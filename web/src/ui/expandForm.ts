// Pure helpers of the expand dialog: its fields as typed, their validation,
// and the neighbors query's options they make. No DOM here: unit-tested in Node.
import type { NeighborOptions } from "../api";
import { EDGE_KINDS, NODE_KINDS, type Direction, type EdgeKind, type NodeKind } from "../types";
import { dateInputValue, kindFilter, parseDate, parseIntInRange, parseUSD, pickKinds, windowCheck } from "./forms";

export const EXPAND_LIMIT_DEFAULT = 50;
// The server prices an expansion by the nodes it may return with the fields
// this client asks for (server/gql/complexity.go): about 2,600 of them fit in
// one operation, so the dialog stops a little below.
export const EXPAND_LIMIT_MAX = 2500;

/** What an expansion asks for: the expand dialog's answer, validated. */
export interface ExpandFilters {
  direction: Direction;
  /** Picked edge kinds (all of them: no filter). */
  edgeKinds: EdgeKind[];
  /** Picked node kinds (all of them: no filter). */
  nodeKinds: NodeKind[];
  /** RFC 3339 bounds of the edges' times, or null. */
  since: string | null;
  until: string | null;
  /** Only edges worth at least this many USD, or null. */
  minUSD: number | null;
  /** At most this many neighbours (1–5000). */
  limit: number;
  /** 1: neighbours; 2: also their neighbours. */
  depth: 1 | 2;
}

export const DEFAULT_EXPAND: ExpandFilters = {
  direction: "BOTH",
  edgeKinds: [...EDGE_KINDS],
  nodeKinds: [...NODE_KINDS],
  since: null,
  until: null,
  minUSD: null,
  limit: EXPAND_LIMIT_DEFAULT,
  depth: 1,
};

/** The neighbors query's options for an expansion; filters left at "all" are not sent. */
export function toNeighborOptions(f: ExpandFilters): NeighborOptions {
  const o: NeighborOptions = { direction: f.direction, depth: f.depth, limit: f.limit };
  const edgeKinds = kindFilter(f.edgeKinds, EDGE_KINDS);
  const nodeKinds = kindFilter(f.nodeKinds, NODE_KINDS);
  if (edgeKinds) o.edgeKinds = edgeKinds;
  if (nodeKinds) o.nodeKinds = nodeKinds;
  if (f.since) o.since = f.since;
  if (f.until) o.until = f.until;
  if (f.minUSD !== null && f.minUSD > 0) o.minAmount = f.minUSD;
  return o;
}

/** How many of the expansion's filters narrow it (direction, kinds, window, amount); limit and depth are not filters. */
export function expandFilterCount(f: ExpandFilters): number {
  return [
    f.direction !== "BOTH",
    kindFilter(f.edgeKinds, EDGE_KINDS) !== undefined,
    kindFilter(f.nodeKinds, NODE_KINDS) !== undefined,
    f.since !== null,
    f.until !== null,
    f.minUSD !== null && f.minUSD > 0,
  ].filter(Boolean).length;
}

/** The expand dialog's fields as typed. */
export interface ExpandDraft {
  direction: Direction;
  edgeKinds: EdgeKind[];
  nodeKinds: NodeKind[];
  since: string;
  until: string;
  minUSD: string;
  limit: string;
  depth: string;
}

export type ExpandField = "edgeKinds" | "nodeKinds" | "since" | "until" | "minUSD" | "limit" | "depth";

/** The dialog's fields for given filters (to prefill it). */
export function expandDraft(f: ExpandFilters): ExpandDraft {
  return {
    direction: f.direction,
    edgeKinds: [...f.edgeKinds],
    nodeKinds: [...f.nodeKinds],
    since: dateInputValue(f.since),
    until: dateInputValue(f.until),
    minUSD: f.minUSD === null ? "" : String(f.minUSD),
    limit: String(f.limit),
    depth: String(f.depth),
  };
}

/** Validates the dialog: the filters, or one message per invalid field. */
export function parseExpandDraft(d: ExpandDraft): { ok: true; value: ExpandFilters } | { ok: false; errors: Partial<Record<ExpandField, string>> } {
  const errors: Partial<Record<ExpandField, string>> = {};
  const edgeKinds = pickKinds(d.edgeKinds, EDGE_KINDS);
  const nodeKinds = pickKinds(d.nodeKinds, NODE_KINDS);
  if (edgeKinds.length === 0) errors.edgeKinds = "Pick at least one edge kind.";
  if (nodeKinds.length === 0) errors.nodeKinds = "Pick at least one node kind.";
  const since = parseDate(d.since, "start");
  const until = parseDate(d.until, "end");
  const usd = parseUSD(d.minUSD);
  const limit = parseIntInRange(d.limit, 1, EXPAND_LIMIT_MAX);
  const depth = parseIntInRange(d.depth, 1, 2);
  if (!since.ok) errors.since = since.error;
  if (!until.ok) errors.until = until.error;
  else if (since.ok) {
    const order = windowCheck(since.value, until.value);
    if (order) errors.until = order;
  }
  if (!usd.ok) errors.minUSD = usd.error;
  if (!limit.ok) errors.limit = limit.error;
  if (!depth.ok) errors.depth = depth.error;
  if (!(since.ok && until.ok && usd.ok && limit.ok && depth.ok) || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      direction: d.direction,
      edgeKinds,
      nodeKinds,
      since: since.value,
      until: until.value,
      minUSD: usd.value,
      limit: limit.value,
      depth: depth.value === 2 ? 2 : 1,
    },
  };
}

/** The warning shown before expanding a hub. */
export function hubWarning(label: string, degree: number, limit: number): string {
  return `${label} has ${degree.toLocaleString("en-US")} connections: an expansion shows at most ${limit.toLocaleString("en-US")} of them. Narrow it with filters first.`;
}
