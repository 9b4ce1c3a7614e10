// The view filters (the timeline window and the hidden node kinds) and the
// timeline brush that shows the canvas's transfers over time. Filters are a
// way of looking, not an edit: changing them is not an undo step.
import { assignBadges } from "../badges";
import type { RGraph } from "../graphModel";
import { refreshGroups } from "../groups";
import { histogram, snapWindow, timeExtent, type Bin, type TimeWindow } from "../timeline";
import type { NodeKind } from "../types";
import { applyFilters, type ViewFilters } from "../visibility";

/** The timeline brush (ui/timeline.ts's TimelineBrush). */
export interface TimelineView {
  setData(extent: TimeWindow | null, bins: readonly Bin[]): void;
  setWindow(w: TimeWindow | null): void;
}

export class FiltersController {
  private f: ViewFilters = {};

  /** `changed` runs after the user changed a filter (redraw, counts, link). */
  constructor(
    private readonly graph: RGraph,
    private readonly timeline: TimelineView,
    private readonly changed: () => void,
  ) {}

  get current(): ViewFilters {
    return this.f;
  }

  /** The brush moved; null is the whole extent (no time filter). */
  setWindow(w: TimeWindow | null): void {
    const rest = { ...this.f };
    delete rest.window;
    this.f = w ? { ...rest, window: w } : rest;
    this.apply();
    this.changed();
  }

  /** Hides or shows a node kind (the legend's toggles). */
  toggleKind(kind: NodeKind): void {
    const hidden = new Set(this.f.hiddenKinds);
    if (hidden.has(kind)) hidden.delete(kind);
    else hidden.add(kind);
    const rest = { ...this.f };
    delete rest.hiddenKinds;
    this.f = hidden.size > 0 ? { ...rest, hiddenKinds: [...hidden] } : rest;
    this.apply();
    this.changed();
  }

  /** What filters the view now, in words (the "active filters" chip); empty when nothing does. */
  active(): string[] {
    const out: string[] = [];
    const f = this.f;
    if (f.window) out.push(`time ${new Date(f.window.from).toISOString().slice(0, 10)} – ${new Date(f.window.to).toISOString().slice(0, 10)}`);
    if (f.hiddenKinds?.length) out.push(`${f.hiddenKinds.length} node ${f.hiddenKinds.length === 1 ? "kind" : "kinds"} hidden`);
    if (f.hiddenEdgeKinds?.length) out.push(`${f.hiddenEdgeKinds.length} edge ${f.hiddenEdgeKinds.length === 1 ? "kind" : "kinds"} hidden`);
    return out;
  }

  /** Drops every filter: the whole time extent (the brush too) and every kind shown. */
  reset(): void {
    if (Object.keys(this.f).length === 0) return;
    this.f = {};
    this.timeline.setWindow(null);
    this.apply();
    this.refreshTimeline();
    this.changed();
  }

  /** Sets `filteredOut` on the graph from the filters. */
  apply(): void {
    applyFilters(this.graph, this.f);
  }

  /** Takes saved filters back (undo, a case) and shows their window; the graph already carries them. */
  restore(f: ViewFilters): void {
    this.f = f;
    this.timeline.setWindow(f.window ?? null);
    this.refreshTimeline();
  }

  /** After new nodes or edges: badges and sizes, groups folded, filters applied, timeline redrawn. */
  afterMerge(): void {
    assignBadges(this.graph);
    refreshGroups(this.graph);
    this.apply();
    this.refreshTimeline();
  }

  refreshTimeline(): void {
    const raw = timeExtent(this.graph);
    const t = raw ? timelineBins(raw) : null;
    this.timeline.setData(t?.extent ?? null, t ? histogram(this.graph, t.bins, t.extent) : []);
  }

  /** Whether the canvas has dated transfers to play. */
  hasTimeline(): boolean {
    return timeExtent(this.graph) !== null;
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Bins the timeline shows at most. */
const MAX_BINS = 120;

/**
 * The timeline's extent and bin count: whole hours, days, weeks, months of
 * 30 days or years, the finest that fits MAX_BINS. Bins on calendar
 * boundaries stay put when an expansion widens the extent, so a brushed
 * window keeps exact counts.
 */
export function timelineBins(raw: TimeWindow): { extent: TimeWindow; bins: number } {
  let extent = raw;
  let bins = 1;
  for (const step of [HOUR, DAY, 7 * DAY, 30 * DAY, 365 * DAY]) {
    extent = snapWindow(raw, step);
    bins = Math.round((extent.to + 1 - extent.from) / step);
    if (bins <= MAX_BINS) break;
  }
  return { extent, bins: Math.min(bins, MAX_BINS) };
}
