// The timeline brush under the canvas: a histogram of the transfers over
// time, a window with two handles and a draggable body (pointer, touch,
// keyboard), Play (the window grows or slides forward), Reset and a
// one-line summary of the window. The arithmetic lives in brush.ts.
import { plural } from "../format";
import { clampWindow, type Bin, type TimeWindow } from "../timeline";
import {
  binEdge,
  compactUSD,
  formatSpan,
  instantText,
  keyToRange,
  moveEnd,
  nearestEdge,
  playRanges,
  precisionFor,
  rangeOrNull,
  rangeToWindow,
  rangeTotals,
  shiftRange,
  spanEdges,
  stepDuration,
  windowLabel,
  windowToRange,
  xToFraction,
  type BinRange,
  type Metric,
  type PlayMode,
  type Precision,
} from "./brush";
import { clear } from "./dom";
import { createTimelineDom, drawBars, type Part, type TimelineDom } from "./timelineDom";
import "./widgets.css";

export interface TimelineActions {
  /** The user (or Play) changed the window; null is the whole extent, i.e. no time filter. */
  onWindow(w: TimeWindow | null): void;
}

interface Drag {
  part: Part | "new";
  pointerId: number;
  origin: BinRange;
  startX: number;
  /** Where the pointer went down, in bins from the start (fractional). */
  grab: number;
  moved: boolean;
}

interface Player {
  frames: BinRange[];
  index: number;
  /** Time since the last step, ms. */
  acc: number;
  last: number;
  raf: number;
}

// A pointer must travel this far before a press on the track becomes a drag (a click changes nothing).
const DRAG_THRESHOLD_PX = 3;

function sameWindow(a: TimeWindow | null, b: TimeWindow | null): boolean {
  return a === b || (a !== null && b !== null && a.from === b.from && a.to === b.to);
}

export class TimelineBrush {
  private extent: TimeWindow | null = null;
  private bins: Bin[] = [];
  /** The window shown: as set from outside, or as the user or Play moved it. */
  private window: TimeWindow | null = null;
  /** The window the app last heard of (set or emitted): nothing is emitted twice. */
  private known: TimeWindow | null = null;
  private metric: Metric = "count";
  private mode: PlayMode = "grow";
  private speed = 1;
  private drag: Drag | null = null;
  private player: Player | null = null;
  private emitRaf = 0;

  private readonly dom: TimelineDom;

  constructor(
    root: HTMLElement,
    private readonly actions: TimelineActions,
  ) {
    this.dom = createTimelineDom(
      {
        togglePlay: () => { this.togglePlay(); },
        speed: (v) => { this.speed = v; },
        mode: (m) => {
          this.mode = m;
          this.pause();
        },
        metric: (m) => { this.setMetric(m); },
        reset: () => { this.reset(); },
        key: (part, ev) => { this.onKey(part, ev); },
        pointerDown: (ev) => { this.onPointerDown(ev); },
        pointerMove: (ev) => { this.onPointerMove(ev); },
        pointerUp: (ev, cancelled) => { this.endDrag(ev, cancelled); },
      },
      { speed: this.speed, metric: this.metric },
    );
    clear(root);
    root.append(this.dom.el);
    this.renderBars();
    this.render();
  }

  /**
   * New histogram: `bins` equal slices of `extent` (timeline.ts's histogram).
   * The window is kept; if it no longer fits in the extent it is clamped and
   * the change reported through onWindow.
   */
  setData(extent: TimeWindow | null, bins: readonly Bin[]): void {
    const changed = !sameWindow(extent, this.extent) || bins.length !== this.bins.length;
    if (changed) this.pause();
    this.extent = extent;
    this.bins = [...bins];
    if (this.window && this.ready()) {
      const e = this.extent as TimeWindow;
      const clamped = clampWindow(this.window, e, { minWidth: binEdge(e, this.bins.length, 1) - e.from - 1 });
      if (!sameWindow(clamped, this.window)) {
        this.window = clamped.from <= e.from && clamped.to >= e.to ? null : clamped;
        this.emitNow();
      }
    }
    this.renderBars();
    this.render();
  }

  /** Shows a window chosen elsewhere (a restored case, undo); does not call onWindow. */
  setWindow(w: TimeWindow | null): void {
    if (sameWindow(w, this.window)) return;
    this.pause();
    this.window = w ? { from: w.from, to: w.to } : null;
    this.known = this.window;
    this.render();
  }

  /** Plays the flow forward from where the window is (or from the start); pauses by itself at the end. */
  play(): void {
    if (this.player || !this.ready()) return;
    const extent = this.extent as TimeWindow;
    const n = this.bins.length;
    const r = this.range();
    let frames: BinRange[];
    let index = 0;
    if (this.mode === "grow") {
      frames = playRanges(extent, n, "grow");
      // Frame k is bins 0…k: carry on from a window that already grows from the start.
      if (this.window && r.start === 0 && r.end < n) index = r.end;
    } else {
      const current = r.end - r.start;
      const width = this.window && current < n ? current : Math.max(1, Math.round(n / 10));
      frames = playRanges(extent, n, "slide", width);
      if (this.window && current === width && r.start < frames.length - 1) index = r.start + 1;
    }
    const now = performance.now();
    this.player = { frames, index, acc: 0, last: now, raf: requestAnimationFrame((t) => { this.tick(t); }) };
    this.showFrame();
  }

  pause(): void {
    if (!this.player) return;
    cancelAnimationFrame(this.player.raf);
    this.player = null;
    this.render();
  }

  get playing(): boolean {
    return this.player !== null;
  }

  destroy(): void {
    this.pause();
    if (this.emitRaf) cancelAnimationFrame(this.emitRaf);
    this.emitRaf = 0;
    this.dom.el.remove();
  }

  // --- state -------------------------------------------------------------------

  /** Data the brush can move over: a span of time and at least one bin. */
  private ready(): boolean {
    return this.extent !== null && this.bins.length > 0 && this.extent.to > this.extent.from;
  }

  private range(): BinRange & { exact: boolean } {
    return windowToRange(this.extent as TimeWindow, this.bins.length, this.window);
  }

  private precision(): Precision {
    const e = this.extent;
    return e ? precisionFor((e.to - e.from + 1) / Math.max(1, this.bins.length)) : "day";
  }

  private setRange(r: BinRange): void {
    const kept = rangeOrNull(r, this.bins.length);
    this.window = kept ? rangeToWindow(this.extent as TimeWindow, this.bins.length, kept) : null;
    this.render();
  }

  private reset(): void {
    this.pause();
    this.window = null;
    this.render();
    this.emitNow();
  }

  private setMetric(m: Metric): void {
    this.metric = m;
    this.dom.metricBtns.count.setAttribute("aria-pressed", String(m === "count"));
    this.dom.metricBtns.usd.setAttribute("aria-pressed", String(m === "usd"));
    this.renderBars();
    this.render();
  }

  // --- reporting -----------------------------------------------------------------

  private emitNow(): void {
    if (this.emitRaf) cancelAnimationFrame(this.emitRaf);
    this.emitRaf = 0;
    if (sameWindow(this.window, this.known)) return;
    this.known = this.window;
    this.actions.onWindow(this.window);
  }

  /** While dragging: at most one report per animation frame. */
  private emitSoon(): void {
    if (this.emitRaf) return;
    this.emitRaf = requestAnimationFrame(() => {
      this.emitRaf = 0;
      this.emitNow();
    });
  }

  // --- play ---------------------------------------------------------------------

  private togglePlay(): void {
    if (this.player) this.pause();
    else this.play();
  }

  private tick(now: number): void {
    const p = this.player;
    if (!p) return;
    p.acc += now - p.last;
    p.last = now;
    // Read each frame, so a speed change applies at once.
    const step = stepDuration(p.frames.length, this.speed);
    if (p.acc >= step) {
      const n = Math.floor(p.acc / step);
      p.acc -= n * step;
      p.index = Math.min(p.frames.length - 1, p.index + n);
      this.showFrame();
    }
    if (p.index >= p.frames.length - 1) {
      this.pause();
      return;
    }
    p.raf = requestAnimationFrame((t) => { this.tick(t); });
  }

  private showFrame(): void {
    const p = this.player;
    const frame = p?.frames[p.index];
    if (!frame) return;
    this.setRange(frame);
    this.emitNow();
  }

  // --- pointer -----------------------------------------------------------------

  /** Pointer x → fraction of the extent. */
  private fractionAt(clientX: number): number {
    const box = this.dom.rail.getBoundingClientRect();
    return xToFraction(clientX - box.left, box.width);
  }

  private onPointerDown(ev: PointerEvent): void {
    if (!this.ready() || ev.button !== 0 || this.drag) return;
    const partEl = (ev.target as Element).closest<HTMLElement>("[data-part]");
    const part = (partEl?.dataset.part as Part | undefined) ?? "new";
    ev.preventDefault(); // no text selection, no focus jump; focus is set below
    this.pause();
    this.dom.rail.setPointerCapture(ev.pointerId);
    this.drag = {
      part,
      pointerId: ev.pointerId,
      origin: this.range(),
      startX: ev.clientX,
      grab: this.fractionAt(ev.clientX) * this.bins.length,
      moved: false,
    };
    this.dom.parts[part === "new" ? "body" : part].focus({ preventScroll: true });
    this.dom.el.classList.add("rt-dragging");
  }

  private onPointerMove(ev: PointerEvent): void {
    const d = this.drag;
    if (!d) {
      if (this.ready() && ev.pointerType === "mouse") this.showHover(ev.clientX);
      return;
    }
    if (ev.pointerId !== d.pointerId) return;
    if (!d.moved && Math.abs(ev.clientX - d.startX) < DRAG_THRESHOLD_PX) return;
    d.moved = true;
    const n = this.bins.length;
    const f = this.fractionAt(ev.clientX);
    let r: BinRange;
    if (d.part === "body") r = shiftRange(d.origin, Math.round(f * n - d.grab), n);
    else if (d.part === "new") r = spanEdges(nearestEdge(d.grab / n, n), nearestEdge(f, n), n);
    else r = moveEnd(d.origin, d.part, nearestEdge(f, n), n);
    this.setRange(r);
    this.emitSoon();
  }

  private endDrag(ev: PointerEvent, cancelled: boolean): void {
    const d = this.drag;
    if (!d || ev.pointerId !== d.pointerId) return;
    this.drag = null;
    this.dom.el.classList.remove("rt-dragging");
    if (this.dom.rail.hasPointerCapture(ev.pointerId)) this.dom.rail.releasePointerCapture(ev.pointerId);
    if (!d.moved) return;
    if (cancelled) this.setRange(d.origin);
    this.emitNow();
  }

  private showHover(clientX: number): void {
    const n = this.bins.length;
    const i = Math.min(n - 1, Math.floor(this.fractionAt(clientX) * n));
    const b = this.bins[i];
    if (!b) return;
    const w = rangeToWindow(this.extent as TimeWindow, n, { start: i, end: i + 1 });
    this.dom.hover.textContent = `${formatSpan(w, this.precision())}: ${plural(b.count, "transfer")}${b.usd > 0 ? `, ${compactUSD(b.usd)}` : ""}`;
  }

  // --- keyboard ------------------------------------------------------------------

  private onKey(part: Part, ev: KeyboardEvent): void {
    if (!this.ready() || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const r = keyToRange(this.range(), part, ev.key, ev.shiftKey, this.bins.length);
    if (!r) return;
    ev.preventDefault();
    this.pause();
    this.setRange(r);
    this.emitNow();
  }

  // --- drawing -------------------------------------------------------------------

  /** The bars, redrawn when the data or the metric changes. */
  private renderBars(): void {
    drawBars(this.dom.hist, this.bins, this.metric);
  }

  /** Everything that follows the window: overlay, sliders, bar colours, label, buttons. */
  private render(): void {
    const ready = this.ready();
    const extent = this.extent;
    this.dom.rail.hidden = extent === null || this.bins.length === 0;
    this.dom.empty.hidden = !this.dom.rail.hidden;
    this.dom.playBtn.disabled = !ready;
    this.dom.playBtn.textContent = this.player ? "❚❚ Pause" : "▶ Play";
    this.dom.resetBtn.disabled = this.window === null;
    for (const part of Object.values(this.dom.parts)) part.hidden = !ready;
    if (!extent || this.bins.length === 0) {
      this.dom.label.textContent = "";
      this.dom.axisFrom.textContent = "";
      this.dom.axisTo.textContent = "";
      return;
    }
    const p = this.precision();
    this.dom.axisFrom.textContent = instantText(extent.from, p);
    this.dom.axisTo.textContent = instantText(extent.to, p);
    if (!ready) {
      // All transfers at one instant: nothing to brush.
      this.dom.label.textContent = windowLabel(extent, rangeTotals(this.bins, { start: 0, end: this.bins.length }), { precision: p });
      return;
    }

    const n = this.bins.length;
    const r = this.range();
    const w = this.window ?? extent;
    const span = extent.to - extent.from + 1;
    const left = Math.min(1, Math.max(0, (w.from - extent.from) / span));
    const right = Math.min(1, Math.max(left, (w.to + 1 - extent.from) / span));
    const pct = (f: number) => `${(f * 100).toFixed(3)}%`;
    this.dom.shadeL.style.width = pct(left);
    this.dom.shadeR.style.left = pct(right);
    this.dom.shadeR.style.width = pct(1 - right);
    this.dom.parts.body.style.left = pct(left);
    this.dom.parts.body.style.width = pct(right - left);
    this.dom.parts.start.style.left = pct(left);
    this.dom.parts.end.style.left = pct(right);
    this.dom.el.classList.toggle("rt-filtered", this.window !== null);

    this.dom.hist.querySelectorAll("rect").forEach((rect, i) => {
      rect.classList.toggle("rt-in", i >= r.start && i < r.end);
    });

    const aria = (el: HTMLElement, min: number, max: number, now: number, text: string) => {
      el.setAttribute("aria-valuemin", String(min));
      el.setAttribute("aria-valuemax", String(max));
      el.setAttribute("aria-valuenow", String(now));
      el.setAttribute("aria-valuetext", text);
    };
    const last = (i: number) => binEdge(extent, n, i) - 1;
    aria(this.dom.parts.start, extent.from, binEdge(extent, n, r.end - 1), w.from, instantText(w.from, p));
    aria(this.dom.parts.end, last(r.start + 1), extent.to, w.to, instantText(w.to, p));
    aria(this.dom.parts.body, extent.from, binEdge(extent, n, n - (r.end - r.start)), w.from, formatSpan(w, p));

    this.dom.label.textContent = windowLabel(w, rangeTotals(this.bins, r), { precision: p, approx: !r.exact, all: this.window === null });
  }
}
