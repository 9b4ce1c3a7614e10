// The part of the view that a link carries, in the URL's fragment:
// `#sel=<node id>&from=<id>&to=<id>&dir=OUT&hops=8`. Opening such a link
// puts the selected node back and re-runs the path search.
import type { Direction } from "./types";

/**
 * Hops a path search may take unless the user says otherwise. Laundering
 * chains are long (theft wallet, peel chain, mixer, bridge, deposit...), so
 * this is above the server's default of 6; the server allows 12.
 */
export const DEFAULT_MAX_HOPS = 10;
export const MAX_HOPS_LIMIT = 12;

export interface ViewState {
  sel?: string;
  from?: string;
  to?: string;
  dir?: Direction;
  hops?: number;
}

const DIRS = new Set<string>(["OUT", "IN", "BOTH"]);

export function encodeView(v: ViewState): string {
  const p = new URLSearchParams();
  if (v.sel) p.set("sel", v.sel);
  if (v.from) p.set("from", v.from);
  if (v.to) p.set("to", v.to);
  if (v.dir && v.dir !== "BOTH") p.set("dir", v.dir);
  if (v.hops !== undefined && v.hops !== DEFAULT_MAX_HOPS) p.set("hops", String(v.hops));
  const s = p.toString();
  return s ? `#${s}` : "";
}

export function decodeView(hash: string): ViewState {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const v: ViewState = {};
  const sel = p.get("sel");
  const from = p.get("from");
  const to = p.get("to");
  const dir = p.get("dir");
  const hops = Number(p.get("hops"));
  if (sel) v.sel = sel;
  if (from) v.from = from;
  if (to) v.to = to;
  if (dir && DIRS.has(dir)) v.dir = dir as Direction;
  if (p.has("hops") && Number.isInteger(hops) && hops >= 1 && hops <= MAX_HOPS_LIMIT) v.hops = hops;
  return v;
}
