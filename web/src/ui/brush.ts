// Pure arithmetic of the timeline brush (ui/timeline.ts): bins ↔ times ↔
// pixels, moving the window by pointer and keyboard in whole bins, play
// frames on bin edges, bar heights and the window's label. No DOM access.
//
// The brush works in bin space: a range {start, end} covers bins
// start … end-1 (0 ≤ start < end ≤ bins). As a time window (inclusive ends,
// like timeline.ts) it runs from the first millisecond of bin `start` to the
// last millisecond of bin `end-1`, so the window holds exactly the transfers
// that histogram() counted in those bins.
import { plural } from "../format";
import { playFrames, type Bin, type TimeWindow } from "../timeline";

/** Bins start … end-1. */
export interface BinRange {
  start: number;
  end: number;
}

export type PlayMode = "grow" | "slide";
export type Metric = "count" | "usd";
/** How precisely times are written: whole days, minutes or seconds (UTC). */
export type Precision = "day" | "minute" | "second";

/** A play-through of the whole extent takes this long at 1× speed. */
export const PLAY_MS = 8000;
export const SPEEDS = [0.5, 1, 2, 4] as const;
const DAY = 86_400_000;

/** The bin histogram() puts a time in (clamped to the extent): the same arithmetic, so edges agree to the millisecond. */
export function binOf(extent: TimeWindow, bins: number, t: number): number {
  const span = extent.to - extent.from;
  if (span <= 0) return 0;
  return Math.min(bins - 1, Math.max(0, Math.floor(((t - extent.from) / span) * bins)));
}

/**
 * The first millisecond of bin i (0 ≤ i ≤ bins); edge `bins` is one past the
 * extent's end. Computed as from + span · i / bins, then nudged so that
 * binOf agrees despite floating-point rounding.
 */
export function binEdge(extent: TimeWindow, bins: number, i: number): number {
  if (i >= bins) return extent.to + 1;
  if (i <= 0) return extent.from;
  let t = Math.ceil(extent.from + ((extent.to - extent.from) * i) / bins);
  while (t > extent.from && binOf(extent, bins, t - 1) >= i) t--;
  while (binOf(extent, bins, t) < i) t++;
  return t;
}

/** The time window of a range of bins (inclusive ends). */
export function rangeToWindow(extent: TimeWindow, bins: number, r: BinRange): TimeWindow {
  return { from: binEdge(extent, bins, r.start), to: binEdge(extent, bins, r.end) - 1 };
}

/**
 * The bins a window touches, widened outward to whole bins, and whether the
 * window is exactly those bins (counts read from the bins are then exact).
 * null is the whole extent.
 */
export function windowToRange(extent: TimeWindow, bins: number, w: TimeWindow | null): BinRange & { exact: boolean } {
  if (!w) return { start: 0, end: bins, exact: true };
  const start = binOf(extent, bins, w.from);
  const end = Math.max(start + 1, binOf(extent, bins, w.to) + 1);
  const snapped = rangeToWindow(extent, bins, { start, end });
  return { start, end, exact: snapped.from === w.from && snapped.to === w.to };
}

/** The whole extent is no filter: null. */
export function rangeOrNull(r: BinRange, bins: number): BinRange | null {
  return r.start <= 0 && r.end >= bins ? null : r;
}

/** Pixel offset (0…width) → fraction of the extent, clamped to 0…1. */
export function xToFraction(x: number, width: number): number {
  if (!(width > 0)) return 0;
  return Math.min(1, Math.max(0, x / width));
}

/** A time → its horizontal position as a fraction of the extent (0…1). */
export function timeToFraction(extent: TimeWindow, t: number): number {
  const span = extent.to - extent.from;
  if (span <= 0) return 0;
  return Math.min(1, Math.max(0, (t - extent.from) / span));
}

/** The bin edge (0…bins) nearest to a position: where a dragged handle lands. */
export function nearestEdge(fraction: number, bins: number): number {
  return Math.min(bins, Math.max(0, Math.round(fraction * bins)));
}

/** Moves one end of the range to an edge, keeping at least one bin between the ends. */
export function moveEnd(r: BinRange, which: "start" | "end", edge: number, bins: number): BinRange {
  if (which === "start") return { start: Math.min(Math.max(0, edge), r.end - 1), end: r.end };
  return { start: r.start, end: Math.max(Math.min(bins, edge), r.start + 1) };
}

/** Shifts the whole range by `delta` bins, stopping at the extent's ends. */
export function shiftRange(r: BinRange, delta: number, bins: number): BinRange {
  const width = r.end - r.start;
  const start = Math.min(Math.max(0, r.start + delta), bins - width);
  return { start, end: start + width };
}

/** The range a drag over empty track draws between two edges (at least one bin). */
export function spanEdges(a: number, b: number, bins: number): BinRange {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (hi > lo) return { start: lo, end: hi };
  return lo >= bins ? { start: bins - 1, end: bins } : { start: lo, end: lo + 1 };
}

/**
 * What a key does to a range, as the ARIA slider pattern has it: arrows one
 * bin, Shift+arrows and Page Up/Down ten, Home/End to the limit. `part` is
 * the focused handle or the window body (which moves whole). null: not a
 * key of the slider.
 */
export function keyToRange(r: BinRange, part: "start" | "end" | "body", key: string, shift: boolean, bins: number): BinRange | null {
  const big = 10;
  let delta: number;
  switch (key) {
    case "ArrowLeft":
    case "ArrowDown":
      delta = shift ? -big : -1;
      break;
    case "ArrowRight":
    case "ArrowUp":
      delta = shift ? big : 1;
      break;
    case "PageDown":
      delta = -big;
      break;
    case "PageUp":
      delta = big;
      break;
    case "Home":
      delta = -bins;
      break;
    case "End":
      delta = bins;
      break;
    default:
      return null;
  }
  if (part === "body") return shiftRange(r, delta, bins);
  return moveEnd(r, part, (part === "start" ? r.start : r.end) + delta, bins);
}

/** Sums the bins of a range. */
export function rangeTotals(bins: readonly Bin[], r: BinRange): Bin {
  let count = 0;
  let usd = 0;
  for (let i = Math.max(0, r.start); i < Math.min(bins.length, r.end); i++) {
    const b = bins[i];
    if (!b) continue;
    count += b.count;
    usd += b.usd;
  }
  return { count, usd };
}

/**
 * Bar heights as fractions (0…1) of the tallest bin. A bin with anything in
 * it stays visible (at least `minVisible`): one small transfer next to a
 * 500 M USD theft must not vanish.
 */
export function barHeights(bins: readonly Bin[], metric: Metric, minVisible = 0.06): number[] {
  const values = bins.map((b) => (metric === "count" ? b.count : b.usd));
  const max = Math.max(0, ...values);
  if (max <= 0) return values.map(() => 0);
  return values.map((v) => (v > 0 ? Math.max(minVisible, v / max) : 0));
}

/**
 * The windows Play steps through, one bin per step, on bin edges: "grow"
 * widens from the first bin to all of them; "slide" moves a window of
 * `width` bins from the start to the end. Built on timeline.ts's
 * playFrames, snapped to the nearest bin edges.
 */
export function playRanges(extent: TimeWindow, bins: number, mode: PlayMode, width = 1): BinRange[] {
  const w = Math.min(bins, Math.max(1, Math.round(width)));
  const steps = mode === "grow" ? bins : bins - w + 1;
  const edge = (t: number) => nearestEdge(timeToFraction(extent, t), bins);
  const frames = playFrames(extent, { steps, mode, width: (w / bins) * (extent.to - extent.from) });
  return frames.map((f) =>
    mode === "grow" ? { start: 0, end: Math.max(1, edge(f.to)) } : shiftRange({ start: edge(f.from), end: edge(f.from) + w }, 0, bins),
  );
}

/** How long one play step shows, in ms: the whole extent takes PLAY_MS at 1×. */
export function stepDuration(steps: number, speed: number): number {
  return PLAY_MS / Math.max(1, steps) / (speed > 0 ? speed : 1);
}

/** The precision worth writing for bins this wide. */
export function precisionFor(binMs: number): Precision {
  if (binMs >= DAY) return "day";
  if (binMs >= 60_000) return "minute";
  return "second";
}

/** An instant in UTC: "2018-01-26", "2018-01-26 03:00" or "2018-01-26 03:00:05" (no zone suffix). */
export function formatInstant(t: number, precision: Precision): string {
  const s = new Date(t).toISOString(); // 2018-01-26T03:00:05.000Z
  if (precision === "day") return s.slice(0, 10);
  return `${s.slice(0, 10)} ${s.slice(11, precision === "minute" ? 16 : 19)}`;
}

/** A slider's spoken value: the instant with its zone when it has a time of day. */
export function instantText(t: number, precision: Precision): string {
  return precision === "day" ? formatInstant(t, precision) : `${formatInstant(t, precision)} UTC`;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 3 });

/** "534 M USD", "12.3 K USD", "812 USD": short enough for a one-line label. */
export function compactUSD(v: number): string {
  return `${compact.format(v).replace(/([KMBT])$/, " $1")} USD`;
}

/** "2018-01-26 → 2018-02-03", or one instant when both ends read the same; " UTC" once at the end when times are shown. */
export function formatSpan(w: TimeWindow, precision: Precision): string {
  const a = formatInstant(w.from, precision);
  const b = formatInstant(w.to, precision);
  const zone = precision === "day" ? "" : " UTC";
  return a === b ? `${a}${zone}` : `${a} → ${b}${zone}`;
}

/**
 * The brush's one-line summary: "2018-01-26 → 2018-02-03 · 41 transfers ·
 * 534 M USD". `approx` when the window does not sit on bin edges (a window
 * set from outside), so the bin counts are only close; `all` when there is
 * no filter.
 */
export function windowLabel(w: TimeWindow, totals: Bin, opts: { precision: Precision; approx?: boolean; all?: boolean }): string {
  const about = opts.approx ? "≈ " : "";
  const parts = [
    `${opts.all ? "All time: " : ""}${formatSpan(w, opts.precision)}`,
    `${about}${plural(totals.count, "transfer")}`,
  ];
  if (totals.usd > 0) parts.push(`${about}${compactUSD(totals.usd)}`);
  return parts.join(" · ");
}
