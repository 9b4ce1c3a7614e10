// The timeline brush under the canvas: a histogram of the transfers over
// time, a window with two handles and a draggable body (pointer, touch,
// keyboard), Play (the window grows or slides forward), Reset and a
// one-line summary of the window. The arithmetic lives in brush.ts.
import { plural } from "../format";
import { clampWindow, type Bin, type TimeWindow } from "../timeline";
import {
  barHeights,
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
  SPEEDS,
  stepDuration,
  windowLabel,
  windowToRange,
  xToFraction,
  type BinRange,
  type Metric,
  type PlayMode,
  type Precision,
} from "./brush";
import { clear, h } from "./dom";
import "./widgets.css";

export interface TimelineActions {
  /** The user (or Play) changed the window; null is the whole extent, i.e. no time filter. */
  onWindow(w: TimeWindow | null): void;
}

type Part = "start" | "end" | "body";

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

const SVG_NS = "http://www.w3.org/2000/svg";
let brushes = 0;
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

  private readonly el: HTMLElement;
  private readonly playBtn: HTMLButtonElement;
  private readonly speedSel: HTMLSelectElement;
  private readonly modeSel: HTMLSelectElement;
  private readonly metricBtns: Record<Metric, HTMLButtonElement>;
  private readonly resetBtn: HTMLButtonElement;
  private readonly label: HTMLElement;
  private readonly hover: HTMLElement;
  private readonly rail: HTMLElement;
  private readonly hist: SVGSVGElement;
  private readonly shadeL: HTMLElement;
  private readonly shadeR: HTMLElement;
  private readonly parts: Record<Part, HTMLElement>;
  private readonly empty: HTMLElement;
  private readonly axisFrom: HTMLElement;
  private readonly axisTo: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly actions: TimelineActions,
  ) {
    this.playBtn = h("button", { type: "button", class: "rt-tl-play", "data-testid": "timeline-play", onclick: () => { this.togglePlay(); } });
    this.speedSel = h(
      "select",
      {
        "aria-label": "Play speed",
        title: "Play speed",
        "data-testid": "timeline-speed",
        onchange: () => { this.speed = Number(this.speedSel.value) || 1; },
      },
      SPEEDS.map((s) => h("option", { value: s, selected: s === this.speed }, `${s}×`)),
    );
    this.modeSel = h(
      "select",
      {
        "aria-label": "Play mode",
        title: "Grow: the window widens from the first transfer. Slide: a window of the current width moves forward.",
        "data-testid": "timeline-mode",
        onchange: () => {
          this.mode = this.modeSel.value === "slide" ? "slide" : "grow";
          this.pause();
        },
      },
      h("option", { value: "grow" }, "Grow"),
      h("option", { value: "slide" }, "Slide"),
    );
    const metricBtn = (m: Metric, text: string, title: string) =>
      h("button", { type: "button", class: "rt-seg", title, "aria-pressed": String(m === this.metric), onclick: () => { this.setMetric(m); } }, text);
    this.metricBtns = { count: metricBtn("count", "Count", "Bar height: number of transfers"), usd: metricBtn("usd", "USD", "Bar height: USD value") };
    this.resetBtn = h(
      "button",
      { type: "button", "data-testid": "timeline-reset", title: "Show the whole time range (no time filter)", onclick: () => { this.reset(); } },
      "Reset",
    );
    const labelId = `rt-tl-label-${++brushes}`;
    this.label = h("span", { id: labelId, class: "rt-tl-label", "data-testid": "timeline-label" });
    // A mouse-only readout of the bin under the pointer; keyboard users read the sliders.
    this.hover = h("span", { class: "rt-tl-hover" });

    this.hist = document.createElementNS(SVG_NS, "svg");
    this.hist.setAttribute("class", "rt-tl-hist");
    this.hist.setAttribute("preserveAspectRatio", "none");
    this.hist.setAttribute("aria-hidden", "true");
    this.shadeL = h("div", { class: "rt-tl-shade" });
    this.shadeR = h("div", { class: "rt-tl-shade" });
    const slider = (part: Part, cls: string, name: string) =>
      h("div", {
        class: cls,
        role: "slider",
        tabindex: 0,
        "aria-label": name,
        // Focusing a slider also reads the window's dates, transfers and USD total.
        "aria-describedby": labelId,
        "data-part": part,
        "data-testid": `timeline-${part}`,
        onkeydown: (ev: Event) => { this.onKey(part, ev as KeyboardEvent); },
      });
    this.parts = {
      start: slider("start", "rt-tl-handle", "Window start"),
      body: slider("body", "rt-tl-window", "Time window"),
      end: slider("end", "rt-tl-handle", "Window end"),
    };
    this.empty = h("div", { class: "rt-tl-empty" }, "No dated transfers on the canvas.");
    this.rail = h("div", { class: "rt-tl-rail" }, this.hist, this.shadeL, this.shadeR, this.parts.body, this.parts.start, this.parts.end);
    this.rail.addEventListener("pointerdown", (ev) => { this.onPointerDown(ev); });
    this.rail.addEventListener("pointermove", (ev) => { this.onPointerMove(ev); });
    this.rail.addEventListener("pointerup", (ev) => { this.endDrag(ev, false); });
    this.rail.addEventListener("pointercancel", (ev) => { this.endDrag(ev, true); });
    this.rail.addEventListener("pointerleave", () => { this.hover.textContent = ""; });
    this.axisFrom = h("span");
    this.axisTo = h("span");

    this.el = h(
      "div",
      { class: "rt-timeline", role: "group", "aria-label": "Timeline", "data-testid": "timeline" },
      h(
        "div",
        { class: "rt-tl-bar" },
        this.playBtn,
        this.speedSel,
        this.modeSel,
        h("span", { class: "rt-segs", role: "group", "aria-label": "Bar height" }, this.metricBtns.count, this.metricBtns.usd),
        this.resetBtn,
        this.label,
      ),
      h("div", { class: "rt-tl-track" }, this.rail, this.empty),
      h("div", { class: "rt-tl-axis", "aria-hidden": "true" }, this.axisFrom, this.hover, this.axisTo),
    );
    clear(root);
    root.append(this.el);
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
    this.el.remove();
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
    this.metricBtns.count.setAttribute("aria-pressed", String(m === "count"));
    this.metricBtns.usd.setAttribute("aria-pressed", String(m === "usd"));
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
    const box = this.rail.getBoundingClientRect();
    return xToFraction(clientX - box.left, box.width);
  }

  private onPointerDown(ev: PointerEvent): void {
    if (!this.ready() || ev.button !== 0 || this.drag) return;
    const partEl = (ev.target as Element).closest<HTMLElement>("[data-part]");
    const part = (partEl?.dataset.part as Part | undefined) ?? "new";
    ev.preventDefault(); // no text selection, no focus jump; focus is set below
    this.pause();
    this.rail.setPointerCapture(ev.pointerId);
    this.drag = {
      part,
      pointerId: ev.pointerId,
      origin: this.range(),
      startX: ev.clientX,
      grab: this.fractionAt(ev.clientX) * this.bins.length,
      moved: false,
    };
    this.parts[part === "new" ? "body" : part].focus({ preventScroll: true });
    this.el.classList.add("rt-dragging");
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
    this.el.classList.remove("rt-dragging");
    if (this.rail.hasPointerCapture(ev.pointerId)) this.rail.releasePointerCapture(ev.pointerId);
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
    this.hover.textContent = `${formatSpan(w, this.precision())}: ${plural(b.count, "transfer")}${b.usd > 0 ? `, ${compactUSD(b.usd)}` : ""}`;
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
    clear(this.hist);
    const n = this.bins.length;
    this.hist.setAttribute("viewBox", `0 0 ${Math.max(1, n)} 100`);
    // Gaps between bars only while bars are wide enough to show them.
    const gap = n > 120 ? 0 : 0.1;
    barHeights(this.bins, this.metric).forEach((frac, i) => {
      const rect = document.createElementNS(SVG_NS, "rect");
      rect.setAttribute("x", String(i + gap / 2));
      rect.setAttribute("width", String(1 - gap));
      rect.setAttribute("y", String(100 - frac * 100));
      rect.setAttribute("height", String(frac * 100));
      this.hist.append(rect);
    });
  }

  /** Everything that follows the window: overlay, sliders, bar colours, label, buttons. */
  private render(): void {
    const ready = this.ready();
    const extent = this.extent;
    this.rail.hidden = extent === null || this.bins.length === 0;
    this.empty.hidden = !this.rail.hidden;
    this.playBtn.disabled = !ready;
    this.playBtn.textContent = this.player ? "❚❚ Pause" : "▶ Play";
    this.resetBtn.disabled = this.window === null;
    for (const part of Object.values(this.parts)) part.hidden = !ready;
    if (!extent || this.bins.length === 0) {
      this.label.textContent = "";
      this.axisFrom.textContent = "";
      this.axisTo.textContent = "";
      return;
    }
    const p = this.precision();
    this.axisFrom.textContent = instantText(extent.from, p);
    this.axisTo.textContent = instantText(extent.to, p);
    if (!ready) {
      // All transfers at one instant: nothing to brush.
      this.label.textContent = windowLabel(extent, rangeTotals(this.bins, { start: 0, end: this.bins.length }), { precision: p });
      return;
    }

    const n = this.bins.length;
    const r = this.range();
    const w = this.window ?? extent;
    const span = extent.to - extent.from + 1;
    const left = Math.min(1, Math.max(0, (w.from - extent.from) / span));
    const right = Math.min(1, Math.max(left, (w.to + 1 - extent.from) / span));
    const pct = (f: number) => `${(f * 100).toFixed(3)}%`;
    this.shadeL.style.width = pct(left);
    this.shadeR.style.left = pct(right);
    this.shadeR.style.width = pct(1 - right);
    this.parts.body.style.left = pct(left);
    this.parts.body.style.width = pct(right - left);
    this.parts.start.style.left = pct(left);
    this.parts.end.style.left = pct(right);
    this.el.classList.toggle("rt-filtered", this.window !== null);

    this.hist.querySelectorAll("rect").forEach((rect, i) => {
      rect.classList.toggle("rt-in", i >= r.start && i < r.end);
    });

    const aria = (el: HTMLElement, min: number, max: number, now: number, text: string) => {
      el.setAttribute("aria-valuemin", String(min));
      el.setAttribute("aria-valuemax", String(max));
      el.setAttribute("aria-valuenow", String(now));
      el.setAttribute("aria-valuetext", text);
    };
    const last = (i: number) => binEdge(extent, n, i) - 1;
    aria(this.parts.start, extent.from, binEdge(extent, n, r.end - 1), w.from, instantText(w.from, p));
    aria(this.parts.end, last(r.start + 1), extent.to, w.to, instantText(w.to, p));
    aria(this.parts.body, extent.from, binEdge(extent, n, n - (r.end - r.start)), w.from, formatSpan(w, p));

    this.label.textContent = windowLabel(w, rangeTotals(this.bins, r), { precision: p, approx: !r.exact, all: this.window === null });
  }
}
