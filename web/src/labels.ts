// Node labels and hover boxes, drawn in 2D over the WebGL layers.
//
// - A label goes on the left of its node when it would leave the canvas on
//   the right (the end of a path, often the exchange, sits there).
// - No two labels overlap: sigma's label grid keeps about one candidate per
//   cell (the biggest node first), but long labels from neighbouring cells
//   still collided at 10k nodes. Each frame the labels placed so far are
//   remembered; a later one that would overlap is skipped, except a forced
//   label (path, selection), which clears the labels it covers instead —
//   sigma draws forced labels last.
// - Colours come from the theme's palette, read at draw time.
import type { Settings } from "sigma/settings";
import type { NodeDisplayData, PartialButFor } from "sigma/types";
import { LABEL_GAP as GAP, overflowsRight } from "./labelSide";
import type { CanvasPalette } from "./style";

type LabelData = PartialButFor<NodeDisplayData, "x" | "y" | "size" | "label" | "color">;
// Only the label settings are read; sigma's settings are generic over attributes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySettings = Settings<any, any, any>;
type Draw = (ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings) => void;

export interface LabelDrawers {
  /** sigma's defaultDrawNodeLabel. */
  drawLabel: Draw;
  /** sigma's defaultDrawNodeHover: a box around the node and its label. */
  drawHover: Draw;
  /** Forgets the labels placed so far: call before each frame (sigma's beforeRender). */
  reset: () => void;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Space kept free around a label, in pixels. */
const MARGIN = 2;
/** Widths are measured once per font and text; the cache is dropped when it grows past this. */
const WIDTH_CACHE_MAX = 20_000;

function font(s: AnySettings): string {
  return `${s.labelWeight} ${s.labelSize}px ${s.labelFont}`;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function createLabelDrawers(palette: () => CanvasPalette): LabelDrawers {
  const widths = new Map<string, number>();
  let placed: Box[] = [];

  const measure = (ctx: CanvasRenderingContext2D, f: string, text: string): number => {
    const key = `${f}\n${text}`;
    let w = widths.get(key);
    if (w === undefined) {
      if (widths.size >= WIDTH_CACHE_MAX) widths.clear();
      ctx.font = f;
      w = ctx.measureText(text).width;
      widths.set(key, w);
    }
    return w;
  };

  /** Where the text starts, and its width; null without a label. */
  const layout = (ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings) => {
    if (!data.label) return null;
    const w = measure(ctx, font(s), data.label);
    const left = overflowsRight(data.x, data.size, w, ctx.canvas.clientWidth);
    return { text: data.label, w, left, x: left ? data.x - data.size - GAP - w : data.x + data.size + GAP };
  };

  const fill = (ctx: CanvasRenderingContext2D, text: string, x: number, data: LabelData, s: AnySettings) => {
    ctx.fillStyle = palette().label;
    ctx.font = font(s);
    ctx.fillText(text, x, data.y + s.labelSize / 3);
  };

  const drawLabel: Draw = (ctx, data, s) => {
    const l = layout(ctx, data, s);
    if (!l) return;
    const box: Box = { x: l.x - MARGIN, y: data.y - s.labelSize / 2 - MARGIN - 1, w: l.w + 2 * MARGIN, h: s.labelSize + 2 * MARGIN + 2 };
    if (data.forceLabel) {
      const kept: Box[] = [];
      for (const b of placed) {
        if (overlaps(b, box)) ctx.clearRect(b.x, b.y, b.w, b.h);
        else kept.push(b);
      }
      placed = kept;
    } else if (placed.some((b) => overlaps(b, box))) {
      return;
    }
    placed.push(box);
    fill(ctx, l.text, l.x, data, s);
  };

  const drawHover: Draw = (ctx, data, s) => {
    const p = palette();
    const l = layout(ctx, data, s);
    const PADDING = 2;
    const radius = Math.max(data.size, s.labelSize / 2) + PADDING;
    ctx.fillStyle = p.hoverBox;
    ctx.shadowOffsetX = 0;
    ctx.shadowOffsetY = 0;
    ctx.shadowBlur = 8;
    ctx.shadowColor = p.hoverShadow;
    ctx.beginPath();
    if (l) {
      // The node's disc plus a tab holding the label, on the label's side.
      const boxWidth = Math.round(l.w + 5);
      const boxHeight = Math.round(s.labelSize + 2 * PADDING);
      const angle = Math.asin(Math.min(1, boxHeight / 2 / radius));
      const dx = Math.sqrt(Math.abs(radius ** 2 - (boxHeight / 2) ** 2));
      const dir = l.left ? -1 : 1;
      ctx.moveTo(data.x + dir * dx, data.y + boxHeight / 2);
      ctx.lineTo(data.x + dir * (radius + boxWidth), data.y + boxHeight / 2);
      ctx.lineTo(data.x + dir * (radius + boxWidth), data.y - boxHeight / 2);
      ctx.lineTo(data.x + dir * dx, data.y - boxHeight / 2);
      if (l.left) ctx.arc(data.x, data.y, radius, Math.PI + angle, Math.PI - angle);
      else ctx.arc(data.x, data.y, radius, angle, -angle);
    } else {
      ctx.arc(data.x, data.y, radius, 0, Math.PI * 2);
    }
    ctx.closePath();
    ctx.fill();
    ctx.shadowBlur = 0;
    if (l) fill(ctx, l.text, l.x, data, s);
  };

  return {
    drawLabel,
    drawHover,
    reset: () => {
      placed = [];
    },
  };
}
