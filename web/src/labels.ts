// Node labels and hover boxes, drawn in 2D over the WebGL layers.
//
// - A label goes on the left of its node when it would leave the canvas on
//   the right (the end of a path, often the exchange, sits there).
// - No two labels overlap: sigma's label grid keeps about one candidate per
//   cell (the biggest node first), but long labels from neighbouring cells
//   still collided at 10k nodes. Each frame the labels placed so far are
//   remembered; a label that would overlap one tries the node's other side,
//   and is skipped if that is taken too. A forced label (path, selection)
//   only avoids other forced labels, and clears the unforced ones it covers —
//   sigma draws forced labels last. Forced labels never hide each other:
//   every hop of a path keeps its name, on the side (or just above or below
//   the node) with room if there is one.
// - Edge labels (a path's or a flow's amounts) are drawn along their edge as
//   sigma draws them, with the same halo, so an amount stays readable over
//   the edges it crosses; one that would overlap a node label or another
//   edge label is skipped (sigma draws the hovered node's edges first, so
//   hovering an end brings its amounts back).
// - Colours come from the theme's palette, read at draw time.
import type { Settings } from "sigma/settings";
import type { EdgeDisplayData, NodeDisplayData, PartialButFor } from "sigma/types";
import { LABEL_GAP as GAP, overflowsRight } from "./labelSide";
import type { CanvasPalette } from "./style";

type LabelData = PartialButFor<NodeDisplayData, "x" | "y" | "size" | "label" | "color">;
// Only the label settings are read; sigma's settings are generic over attributes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySettings = Settings<any, any, any>;
type Draw = (ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings) => void;
type End = PartialButFor<NodeDisplayData, "x" | "y" | "size">;
type DrawEdge = (ctx: CanvasRenderingContext2D, edge: PartialButFor<EdgeDisplayData, "label" | "color" | "size">, source: End, target: End, s: AnySettings) => void;

export interface LabelDrawers {
  /** sigma's defaultDrawNodeLabel. */
  drawLabel: Draw;
  /** sigma's defaultDrawNodeHover: a box around the node and its label. */
  drawHover: Draw;
  /** sigma's defaultDrawEdgeLabel: along the edge, with a halo. */
  drawEdgeLabel: DrawEdge;
  /** Forgets the labels placed so far: call before each frame (sigma's beforeRender). */
  reset: () => void;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  forced: boolean;
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
  // Edge labels placed this frame, by edge: a redraw of the edge labels
  // alone (sigma's hover pass) finds each edge's own earlier place free.
  let edgePlaced = new Map<string, Box[]>();
  const space: EdgeLabelSpace = {
    free: (key, boxes) => boxes.every((b) => !placed.some((p) => overlaps(p, b)) && [...edgePlaced].every(([k, bs]) => k === key || !bs.some((o) => overlaps(o, b)))),
    take: (key, boxes) => { edgePlaced.set(key, boxes); },
  };

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

  /** Where the text starts on its preferred side (and on the other), its width; null without a label. */
  const layout = (ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings) => {
    if (!data.label) return null;
    const w = measure(ctx, font(s), data.label);
    const left = overflowsRight(data.x, data.size, w, ctx.canvas.clientWidth);
    const leftX = data.x - data.size - GAP - w;
    const rightX = data.x + data.size + GAP;
    return { text: data.label, w, left, x: left ? leftX : rightX, otherX: left ? rightX : leftX };
  };

  // A halo in the background colour keeps labels readable over edges and
  // nodes (and on a projector).
  const fill = (ctx: CanvasRenderingContext2D, text: string, x: number, middle: number, s: AnySettings, halo: string) => {
    const y = middle + s.labelSize / 3;
    ctx.font = font(s);
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = halo;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = palette().label;
    ctx.fillText(text, x, y);
  };

  const drawLabel: Draw = (ctx, data, s) => {
    const l = layout(ctx, data, s);
    if (!l) return;
    const forced = data.forceLabel === true;
    const h = s.labelSize + 2 * MARGIN + 2;
    const boxAt = (x: number, dy: number): Box => ({ x: x - MARGIN, y: data.y + dy - h / 2, w: l.w + 2 * MARGIN, h, forced });
    // A forced label only has to avoid other forced ones: it clears the rest.
    const free = (b: Box) => b.x >= 0 && b.x + b.w <= ctx.canvas.clientWidth && !placed.some((p) => (p.forced || !forced) && overlaps(p, b));
    // Beside the node on its preferred side, then the other side; a forced
    // label also tries just above and below the node (a path's hops crowd).
    const candidates = [boxAt(l.x, 0), boxAt(l.otherX, 0)];
    if (forced) candidates.push(boxAt(l.x, -h), boxAt(l.x, h));
    const first = candidates[0] as Box;
    // A highlighted (hovered or selected) node's label is drawn by the hover
    // pass beside the node: its place there is kept, and it is not drawn a
    // second time somewhere else.
    const hovered = data.highlighted === true;
    const box = hovered ? first : (candidates.find(free) ?? (forced ? first : undefined));
    if (!box) return;
    if (forced) {
      const kept: Box[] = [];
      for (const b of placed) {
        if (!b.forced && overlaps(b, box)) ctx.clearRect(b.x, b.y, b.w, b.h);
        else kept.push(b);
      }
      placed = kept;
    }
    placed.push(box);
    if (!hovered) fill(ctx, l.text, box.x + MARGIN, box.y + h / 2, s, palette().background);
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
    if (l) fill(ctx, l.text, l.x, data.y, s, p.hoverBox);
  };

  return {
    drawLabel,
    drawHover,
    drawEdgeLabel: edgeLabelDrawer(palette, space),
    reset: () => {
      placed = [];
      edgePlaced = new Map();
    },
  };
}

/** Where an edge label is tried, as shares of the edge's length from its middle. */
const ALONG = [0, -0.2, 0.2, -0.3, 0.3];

/**
 * A turned text as squares of its height along its middle line: from the
 * edge's middle (cx, cy), `ox` along the edge and `mid` across it.
 */
function squares(cx: number, cy: number, cos: number, sin: number, ox: number, mid: number, w: number, size: number): Box[] {
  const out: Box[] = [];
  for (let at = -w / 2 + size / 2; at < w / 2 + size / 2; at += size) {
    const u = ox + Math.min(at, w / 2 - size / 2);
    const px = cx + u * cos - mid * sin;
    const py = cy + u * sin + mid * cos;
    out.push({ x: px - size / 2, y: py - size / 2, w: size, h: size, forced: true });
  }
  return out;
}

/** Where edge labels may go: boxes not over a node label nor another edge's label. */
interface EdgeLabelSpace {
  free(key: string, boxes: Box[]): boolean;
  take(key: string, boxes: Box[]): void;
}

/**
 * As sigma's drawStraightEdgeLabel (centred between the discs, upright),
 * plus the halo, never shortened; moved above the edge or along it where
 * it would overlap another label, and skipped where no place is free. A turned label is checked as squares along
 * its line (its bounding box would be far too big).
 */
function edgeLabelDrawer(palette: () => CanvasPalette, space: EdgeLabelSpace): DrawEdge {
  return (ctx, edge, source, target, s) => {
    const text = edge.label;
    if (!text) return;
    const size = s.edgeLabelSize;
    let dx = target.x - source.x;
    let dy = target.y - source.y;
    let d = Math.hypot(dx, dy);
    if (d < source.size + target.size) return;
    const sx = source.x + (dx * source.size) / d;
    const sy = source.y + (dy * source.size) / d;
    const tx = target.x - (dx * target.size) / d;
    const ty = target.y - (dy * target.size) / d;
    dx = tx - sx;
    dy = ty - sy;
    d = Math.hypot(dx, dy);
    ctx.font = `${s.edgeLabelWeight} ${size}px ${s.edgeLabelFont}`;
    // An amount cut short would mislead ("0.190…"): the whole text, or none
    // on an edge less than half its width.
    const w = ctx.measureText(text).width;
    if (w > 2 * d) return;
    // Upright whichever way the edge points.
    const angle = dx > 0 ? (dy > 0 ? Math.acos(dx / d) : Math.asin(dy / d)) : dy > 0 ? Math.acos(dx / d) + Math.PI : Math.asin(dx / d) + Math.PI / 2;
    const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
    const key = (edge as { key?: string }).key ?? text;
    // Below the middle of the edge as sigma puts it, else above it, else
    // further along the edge (where the whole text still fits on it).
    let spot: { x: number; y: number } | undefined;
    for (const along of ALONG) {
      const ox = along * d;
      if (along !== 0 && Math.abs(ox) + w / 2 > d / 2) continue;
      for (const y of [edge.size / 2 + size, -edge.size / 2 - 4]) {
        const boxes = squares((sx + tx) / 2, (sy + ty) / 2, cos, sin, ox, y - size / 3, w, size);
        if (!space.free(key, boxes)) continue;
        space.take(key, boxes);
        spot = { x: ox, y };
        break;
      }
      if (spot) break;
    }
    if (!spot) return;
    const { x: ox, y } = spot;
    ctx.save();
    ctx.translate((sx + tx) / 2, (sy + ty) / 2);
    ctx.rotate(angle);
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = palette().background;
    ctx.strokeText(text, ox - w / 2, y);
    ctx.fillStyle = palette().edgeLabel;
    ctx.fillText(text, ox - w / 2, y);
    ctx.restore();
  };
}
