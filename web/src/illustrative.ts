// Synthetic evidence at a glance. A node or edge is illustrative when its
// sources are (generated data standing in for what the sources leave out;
// `redthread generate` marks everything it writes); the API says how much
// per item (illustrativeShare: NONE, SOME, ALL). A real entity carrying a
// generated fact (a synthetic designation of Lazarus Group) is "partly
// synthetic": that must show wherever the item does.
import type { IllustrativeShare } from "./gql/graphql";

/** The mark drawn after the label of an illustrative node on the canvas (the legend explains it). */
export const ILLUSTRATIVE_MARK = "◇";

export interface Illustrated {
  illustrativeShare: IllustrativeShare;
}

export type IllustrativeLevel = "synthetic" | "partly synthetic" | null;

/** How much of an item is synthetic, in words: all of it, part of it, or nothing (null). */
export function illustrativeLevel(d: Illustrated): IllustrativeLevel {
  if (d.illustrativeShare === "ALL") return "synthetic";
  return d.illustrativeShare === "SOME" ? "partly synthetic" : null;
}

/** Whether any of an item's sources is illustrative. */
export function isIllustrative(d: Illustrated): boolean {
  return d.illustrativeShare !== "NONE";
}

/** The share of a group: ALL when every member is wholly synthetic, SOME when any member is partly, else NONE. */
export function combinedShare(items: Iterable<Illustrated>): IllustrativeShare {
  let all = true;
  let some = false;
  let n = 0;
  for (const d of items) {
    n++;
    all &&= d.illustrativeShare === "ALL";
    some ||= d.illustrativeShare !== "NONE";
  }
  if (n > 0 && all) return "ALL";
  return some ? "SOME" : "NONE";
}

/** A sentence for people: what the mark means for this item. */
export function illustrativeTitle(level: Exclude<IllustrativeLevel, null>): string {
  return level === "synthetic"
    ? "Synthetic: every source of this is illustrative (generated), not a real fact"
    : "Partly synthetic: some of its sources are illustrative (generated) and stand beside real ones; check each source";
}
