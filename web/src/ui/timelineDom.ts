// The timeline brush's elements: the bar of controls, the rail with its
// histogram, shades and three sliders, and the axis. Built once; the brush
// (timeline.ts) moves and relabels them.
import type { Bin } from "../timeline";
import { barHeights, SPEEDS, type Metric } from "./brush";
import { clear, h } from "./dom";

export type Part = "start" | "end" | "body";

/** What the elements report to the brush. */
export interface TimelineEvents {
  togglePlay(): void;
  speed(value: number): void;
  mode(mode: "grow" | "slide"): void;
  metric(m: Metric): void;
  reset(): void;
  key(part: Part, ev: KeyboardEvent): void;
  pointerDown(ev: PointerEvent): void;
  pointerMove(ev: PointerEvent): void;
  pointerUp(ev: PointerEvent, cancelled: boolean): void;
}

export interface TimelineDom {
  el: HTMLElement;
  playBtn: HTMLButtonElement;
  speedSel: HTMLSelectElement;
  modeSel: HTMLSelectElement;
  metricBtns: Record<Metric, HTMLButtonElement>;
  resetBtn: HTMLButtonElement;
  label: HTMLElement;
  hover: HTMLElement;
  rail: HTMLElement;
  hist: SVGSVGElement;
  shadeL: HTMLElement;
  shadeR: HTMLElement;
  parts: Record<Part, HTMLElement>;
  empty: HTMLElement;
  axisFrom: HTMLElement;
  axisTo: HTMLElement;
}

const SVG_NS = "http://www.w3.org/2000/svg";
let brushes = 0;

/** Builds the brush's elements with the initial speed and metric shown. */
export function createTimelineDom(ev: TimelineEvents, initial: { speed: number; metric: Metric }): TimelineDom {
  const playBtn = h("button", { type: "button", class: "rt-tl-play", "data-testid": "timeline-play", onclick: () => { ev.togglePlay(); } });
  const speedSel: HTMLSelectElement = h(
    "select",
    {
      "aria-label": "Play speed",
      title: "Play speed",
      "data-testid": "timeline-speed",
      onchange: () => { ev.speed(Number(speedSel.value) || 1); },
    },
    SPEEDS.map((s) => h("option", { value: s, selected: s === initial.speed }, `${s}×`)),
  );
  const modeSel: HTMLSelectElement = h(
    "select",
    {
      "aria-label": "Play mode",
      title: "Grow: the window widens from the first transfer. Slide: a window of the current width moves forward.",
      "data-testid": "timeline-mode",
      onchange: () => { ev.mode(modeSel.value === "slide" ? "slide" : "grow"); },
    },
    h("option", { value: "grow" }, "Grow"),
    h("option", { value: "slide" }, "Slide"),
  );
  const metricBtn = (m: Metric, text: string, title: string) =>
    h("button", { type: "button", class: "rt-seg", title, "aria-pressed": String(m === initial.metric), onclick: () => { ev.metric(m); } }, text);
  const metricBtns = { count: metricBtn("count", "Count", "Bar height: number of transfers"), usd: metricBtn("usd", "USD", "Bar height: USD value") };
  const resetBtn = h(
    "button",
    { type: "button", "data-testid": "timeline-reset", title: "Show the whole time range (no time filter)", onclick: () => { ev.reset(); } },
    "Reset",
  );
  const labelId = `rt-tl-label-${++brushes}`;
  const label = h("span", { id: labelId, class: "rt-tl-label", "data-testid": "timeline-label" });
  // A mouse-only readout of the bin under the pointer; keyboard users read the sliders.
  const hover = h("span", { class: "rt-tl-hover" });

  const hist = document.createElementNS(SVG_NS, "svg");
  hist.setAttribute("class", "rt-tl-hist");
  hist.setAttribute("preserveAspectRatio", "none");
  hist.setAttribute("aria-hidden", "true");
  const shadeL = h("div", { class: "rt-tl-shade" });
  const shadeR = h("div", { class: "rt-tl-shade" });
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
      onkeydown: (e: Event) => { ev.key(part, e as KeyboardEvent); },
    });
  const parts = {
    start: slider("start", "rt-tl-handle", "Window start"),
    body: slider("body", "rt-tl-window", "Time window"),
    end: slider("end", "rt-tl-handle", "Window end"),
  };
  const empty = h("div", { class: "rt-tl-empty" }, "No dated transfers on the canvas.");
  const rail = h("div", { class: "rt-tl-rail" }, hist, shadeL, shadeR, parts.body, parts.start, parts.end);
  rail.addEventListener("pointerdown", (e) => { ev.pointerDown(e); });
  rail.addEventListener("pointermove", (e) => { ev.pointerMove(e); });
  rail.addEventListener("pointerup", (e) => { ev.pointerUp(e, false); });
  rail.addEventListener("pointercancel", (e) => { ev.pointerUp(e, true); });
  rail.addEventListener("pointerleave", () => { hover.textContent = ""; });
  const axisFrom = h("span");
  const axisTo = h("span");

  const el = h(
    "div",
    { class: "rt-timeline", role: "group", "aria-label": "Timeline", "data-testid": "timeline" },
    h(
      "div",
      { class: "rt-tl-bar" },
      playBtn,
      speedSel,
      modeSel,
      h("span", { class: "rt-segs", role: "group", "aria-label": "Bar height" }, metricBtns.count, metricBtns.usd),
      resetBtn,
      label,
    ),
    h("div", { class: "rt-tl-track" }, rail, empty),
    h("div", { class: "rt-tl-axis", "aria-hidden": "true" }, axisFrom, hover, axisTo),
  );
  return { el, playBtn, speedSel, modeSel, metricBtns, resetBtn, label, hover, rail, hist, shadeL, shadeR, parts, empty, axisFrom, axisTo };
}

/** Draws the histogram's bars (when the data or the metric changes). */
export function drawBars(hist: SVGSVGElement, bins: readonly Bin[], metric: Metric): void {
  clear(hist);
  const n = bins.length;
  hist.setAttribute("viewBox", `0 0 ${Math.max(1, n)} 100`);
  // Gaps between bars only while bars are wide enough to show them.
  const gap = n > 120 ? 0 : 0.1;
  barHeights(bins, metric).forEach((frac, i) => {
    const rect = document.createElementNS(SVG_NS, "rect");
    rect.setAttribute("x", String(i + gap / 2));
    rect.setAttribute("width", String(1 - gap));
    rect.setAttribute("y", String(100 - frac * 100));
    rect.setAttribute("height", String(frac * 100));
    hist.append(rect);
  });
}
