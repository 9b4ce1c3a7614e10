// How the canvas draws each node and edge: sigma's reducers turn the
// graph's attributes and the selection into display data. They run for every
// item on each full refresh, so they allocate nothing but label strings.
import type { EdgeDisplayData, NodeDisplayData } from "sigma/types";
import { edgeVisible, nodeVisible, type EdgeAttrs, type NodeAttrs, type RGraph } from "./graphModel";
import { iconUrl, nodeIcon } from "./icons";
import type { CanvasPalette } from "./style";
import { ILLUSTRATIVE_MARK } from "./illustrative";

/** Longer labels are shortened, except on hovered and selected nodes: words at the end, identifiers (addresses, hashes) in the middle. */
const LABEL_MAX_WORDS = 40;
const LABEL_MAX_ID = 24;
/** Badged nodes are drawn this much larger, so their disc keeps its size inside the rings. */
const BADGE_GROWTH = 1.3;

/** What the reducers add to sigma's display data for the node program. */
interface NodeLook extends Partial<NodeDisplayData> {
  image?: string;
  /** The glyph disc's radius as a share of the node's: inside the rings. */
  glyphScale?: number;
  pinColor?: string;
  ringOuter?: string;
  ringInner?: string;
  ringGap?: string;
}
type NodeDraw = Omit<NodeAttrs, "label"> & NodeLook;
type EdgeDraw = Omit<EdgeAttrs, "label"> & Partial<EdgeDisplayData>;

// Ring widths, as shares of the node's radius, from the outside in.
export const PIN_RING = 0.1;
const BADGE_RINGS = 0.12 + 0.1 + 0.06; // outer, inner, gap
/** A colour the passes treat as "nothing to draw". */
export const NONE = "#00000000";

// Shortened labels are remembered: reducers run on every refresh, and most
// wallets are labelled with their (long) address.
const shortened = new Map<string, string>();
const SHORTENED_MAX = 100_000;

/** A long label shortened: `Unnamed Laos-based company (munitions ind…`, `0x04f270eb08…a929e3dae4`. */
function shorten(s: string): string {
  if (s.length <= LABEL_MAX_ID) return s;
  let out = shortened.get(s);
  if (out === undefined) {
    const keep = (LABEL_MAX_ID - 1) / 2;
    if (!s.includes(" ")) out = `${s.slice(0, Math.ceil(keep))}…${s.slice(s.length - Math.floor(keep))}`;
    else out = s.length <= LABEL_MAX_WORDS ? s : `${s.slice(0, LABEL_MAX_WORDS - 1)}…`;
    if (shortened.size >= SHORTENED_MAX) shortened.clear();
    shortened.set(s, out);
  }
  return out;
}

function nodeLabel(a: NodeAttrs, full: boolean): string {
  let text = full ? a.label : shorten(a.label);
  if (a.group) text = `${text} (${a.group.members.length.toLocaleString("en-US")})`;
  if (a.annotation) text = `${text} ✎`;
  if (a.data.illustrativeShare !== "NONE") text = `${text} ${ILLUSTRATIVE_MARK}`;
  return text;
}

/**
 * What a node looks like: hidden when filtered out or folded; pale and bare
 * when dimmed (unless focused, i.e. hovered or selected); its glyph, badge
 * rings, pin ring and label otherwise, on top when on a path or focused.
 * A path's label is forced unless `pathLabel` is false (a large money flow
 * keeps only some: flowLabels.ts).
 */
export function reduceNode(_id: string, attrs: NodeAttrs, p: CanvasPalette, focused: boolean, pathLabel = true): Partial<NodeDisplayData> {
  // sigma hands the reducer a shallow copy of the attributes: reuse it.
  const d = attrs as NodeDraw;
  if (!nodeVisible(attrs)) {
    d.hidden = true;
    return d;
  }
  d.label = nodeLabel(attrs, focused);
  d.zIndex = 1;
  if (attrs.dimmed && !focused) {
    // A dimmed node is background: a plain pale disc, no glyph, no rings.
    d.color = p.dimNode;
    d.pinColor = d.ringOuter = d.ringInner = d.ringGap = NONE;
    d.image = undefined;
    d.label = null;
    d.zIndex = 0;
    return d;
  }
  d.image = iconUrl(nodeIcon(attrs));
  let inset = 0;
  const badges = attrs.badges;
  if (badges && badges.length > 0) {
    const sanctioned = badges.includes("sanctioned");
    const risky = badges.includes("high-risk");
    d.ringOuter = sanctioned ? p.sanctioned : p.highRisk;
    d.ringInner = risky ? p.highRisk : p.sanctioned;
    d.ringGap = p.background;
    d.size = attrs.size * BADGE_GROWTH;
    inset += BADGE_RINGS;
  } else {
    d.ringOuter = d.ringInner = d.ringGap = NONE;
  }
  if (attrs.pinned) {
    d.pinColor = p.pin;
    inset += PIN_RING;
  } else {
    d.pinColor = d.ringOuter;
  }
  d.glyphScale = 1 - inset;
  if (attrs.onPath) {
    d.forceLabel = pathLabel;
    d.zIndex = 2;
  }
  if (focused) {
    d.highlighted = true;
    d.forceLabel = true;
    d.zIndex = 3;
  }
  return d;
}

/**
 * What an edge looks like: hidden when filtered out; pale when dimmed; thick
 * on a path, and labelled there with `pathText` (default: its own label; a
 * money flow gives the traced amount of the transfers it labels and null for
 * the rest: flowLabels.ts); labelled when selected or at the hovered or
 * focused node (`emphasis`: whether to label each such edge).
 */
export function reduceEdge(
  graph: RGraph,
  id: string,
  attrs: EdgeAttrs,
  palette: CanvasPalette,
  selected: boolean,
  emphasis: ReadonlyMap<string, boolean>,
  pathText?: string | null,
): Partial<EdgeDisplayData> {
  const d = attrs as EdgeDraw;
  if (!edgeVisible(graph, id, attrs)) {
    d.hidden = true;
    return d;
  }
  const emph = attrs.dimmed ? undefined : emphasis.get(id);
  // `d` is `attrs` (sigma's copy): keep the label before clearing it.
  const label = attrs.label;
  d.label = null;
  d.zIndex = 1;
  if (attrs.dimmed && !selected) {
    d.color = palette.dimEdge;
    d.zIndex = 0;
  }
  if (attrs.onPath) {
    d.color = palette.path;
    d.size = Math.max(attrs.size, 3);
    const text = pathText === undefined ? label : pathText;
    if (text !== null) {
      d.label = text;
      d.forceLabel = true;
    }
    d.zIndex = 2;
  }
  if (selected || emph !== undefined) {
    d.size = Math.max(d.size, 2.5);
    if (selected || emph) d.label = label;
    d.zIndex = 3;
    if (selected) {
      d.size = Math.max(attrs.size + 1.5, 4);
      d.forceLabel = true;
    }
  }
  return d;
}

/**
 * Half the width, in CSS pixels, of the band around an edge that picks it.
 * Sigma picks edges in a half-resolution buffer where a thin edge may not
 * cover a pixel at all; a click on the stage within this distance of an
 * edge picks it too, so every edge has a hit area 8 px wide (at least 6
 * px however the click rounds to whole pixels).
 */
export const EDGE_HIT_RADIUS = 4;

export interface Point {
  x: number;
  y: number;
}

/** An edge as drawn: its ends in viewport pixels. */
export interface DrawnEdge {
  id: string;
  a: Point;
  b: Point;
}

/** The distance from p to the segment ab. */
export function segmentDistance(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** The edge nearest p within `radius` pixels (the least ID on a tie), or null. */
export function edgeNear(edges: Iterable<DrawnEdge>, p: Point, radius = EDGE_HIT_RADIUS): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const e of edges) {
    // Cheap box test first: most edges are nowhere near the click.
    if (p.x < Math.min(e.a.x, e.b.x) - radius || p.x > Math.max(e.a.x, e.b.x) + radius) continue;
    if (p.y < Math.min(e.a.y, e.b.y) - radius || p.y > Math.max(e.a.y, e.b.y) + radius) continue;
    const d = segmentDistance(p, e.a, e.b);
    if (d <= radius && (d < bestD || (d === bestD && best !== null && e.id < best))) {
      best = e.id;
      bestD = d;
    }
  }
  return best;
}
