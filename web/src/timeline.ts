// The timeline under the canvas: the span of the edges' times, a histogram for
// the brush, windows that play the money flow forward, and the arithmetic the
// brush needs. Times are milliseconds since the epoch, windows inclusive.
import type { RGraph } from "./graphModel";

/** A time window in ms since the epoch, both ends inclusive. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** One histogram bin: how many timed edges fall in it and their summed USD value. */
export interface Bin {
  count: number;
  usd: number;
}

// RFC 3339 as the API writes it (a date alone counts as its UTC midnight).
// Checked first because Date.parse guesses at anything else, differently in
// each browser ("sometime in 2022" is a date to V8).
const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** An edge's time in ms, or NaN when it has none or it is not an RFC 3339 time. */
export function parseTime(time: string | null): number {
  return time !== null && RFC3339.test(time) ? Date.parse(time) : NaN;
}

/** The earliest and latest edge times on the canvas; null when no edge has a usable time. Aggregate edges are skipped (their members are on the canvas). */
export function timeExtent(graph: RGraph): TimeWindow | null {
  let from = Infinity;
  let to = -Infinity;
  graph.forEachEdge((_e, a) => {
    if (a.aggregate) return;
    const t = parseTime(a.data.time);
    if (t < from) from = t;
    if (t > to) to = t;
  });
  return from <= to ? { from, to } : null;
}

/**
 * Counts and USD sums of the timed edges in `bins` equal slices of `extent`
 * (edges outside it are left out; the last bin includes `extent.to`). The
 * brush draws it whatever the filters, so every real edge counts.
 */
export function histogram(graph: RGraph, bins: number, extent: TimeWindow): Bin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer, not ${bins}`);
  const out: Bin[] = Array.from({ length: bins }, () => ({ count: 0, usd: 0 }));
  const span = extent.to - extent.from;
  graph.forEachEdge((_e, a) => {
    if (a.aggregate) return;
    const t = parseTime(a.data.time);
    if (!(t >= extent.from && t <= extent.to)) return;
    const i = span > 0 ? Math.min(bins - 1, Math.floor(((t - extent.from) / span) * bins)) : 0;
    const bin = out[i] as Bin;
    bin.count++;
    bin.usd += a.data.valueUSD ?? 0;
  });
  return out;
}

/**
 * Successive windows that play the flow forward over `extent`, in whole ms.
 * "grow" keeps the start and moves the end from one step in to the end of
 * the extent; "slide" moves a window of `width` (default: extent / steps, so
 * the frames tile the extent) from the start to the end.
 */
export function playFrames(
  extent: TimeWindow,
  opts: { steps: number; mode: "grow" | "slide"; width?: number },
): TimeWindow[] {
  const { steps, mode } = opts;
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`playFrames: steps must be a positive integer, not ${steps}`);
  const span = Math.max(0, extent.to - extent.from);
  const frames: TimeWindow[] = [];
  if (mode === "grow") {
    for (let i = 1; i <= steps; i++) {
      frames.push({ from: extent.from, to: i === steps ? extent.to : Math.round(extent.from + (span * i) / steps) });
    }
    return frames;
  }
  const width = Math.min(span, Math.max(0, opts.width ?? span / steps));
  for (let i = 0; i < steps; i++) {
    // A single frame is the last one: the window ending with the extent.
    const frac = steps === 1 ? 1 : i / (steps - 1);
    const from = Math.round(extent.from + (span - width) * frac);
    frames.push({ from, to: i === steps - 1 ? extent.to : Math.round(from + width) });
  }
  return frames;
}

/** Widens a window outward to whole multiples of `step` ms (e.g. whole UTC days), keeping both ends inclusive. */
export function snapWindow(w: TimeWindow, step: number): TimeWindow {
  if (!(step > 0)) throw new RangeError(`snapWindow: step must be positive, not ${step}`);
  const from = Math.floor(w.from / step) * step;
  return { from, to: Math.max(from + step, Math.ceil((w.to + 1) / step) * step) - 1 };
}

/**
 * Puts a brushed window inside `extent`: ends in order, at least `minWidth`
 * wide (when the extent allows). With `keepWidth` (a dragged brush) the
 * window is shifted back in whole; otherwise (a resized brush) each end is
 * clipped.
 */
export function clampWindow(
  w: TimeWindow,
  extent: TimeWindow,
  opts: { keepWidth?: boolean; minWidth?: number } = {},
): TimeWindow {
  const span = Math.max(0, extent.to - extent.from);
  let from = Math.min(w.from, w.to);
  let to = Math.max(w.from, w.to);
  if (opts.keepWidth) {
    const width = Math.min(to - from, span);
    from = Math.min(Math.max(from, extent.from), extent.to - width);
    to = from + width;
  } else {
    from = Math.min(Math.max(from, extent.from), extent.to);
    to = Math.min(Math.max(to, extent.from), extent.to);
  }
  const minWidth = Math.min(opts.minWidth ?? 0, span);
  if (to - from < minWidth) {
    // Grow to the right, or to the left when the window sits at the end.
    to = Math.min(from + minWidth, extent.to);
    from = to - minWidth;
  }
  return { from, to };
}
