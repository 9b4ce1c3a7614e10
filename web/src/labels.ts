// Node labels that stay on screen: sigma draws a label to the right of its
// node, so nodes near the right edge (often the end of a path: the exchange)
// had their names cut off. These draw it on the left when it would overflow.
import type { Settings } from "sigma/settings";
import { drawDiscNodeHover, drawDiscNodeLabel } from "sigma/rendering";
import type { NodeDisplayData, PartialButFor } from "sigma/types";
import { LABEL_GAP as GAP, overflowsRight } from "./labelSide";

type LabelData = PartialButFor<NodeDisplayData, "x" | "y" | "size" | "label" | "color">;
// Only the label settings are read; sigma's settings are generic over attributes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySettings = Settings<any, any, any>;


function font(s: AnySettings): string {
  return `${s.labelWeight} ${s.labelSize}px ${s.labelFont}`;
}

function labelColor(data: LabelData, s: AnySettings): string {
  if (s.labelColor.attribute) {
    const v = (data as Record<string, unknown>)[s.labelColor.attribute];
    return typeof v === "string" ? v : (s.labelColor.color ?? "#000");
  }
  return s.labelColor.color ?? "#000";
}

function leftSide(ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings): number | null {
  if (!data.label) return null;
  ctx.font = font(s);
  const w = ctx.measureText(data.label).width;
  return overflowsRight(data.x, data.size, w, ctx.canvas.clientWidth) ? w : null;
}

export function drawLabel(ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings): void {
  const w = leftSide(ctx, data, s);
  if (w === null || !data.label) {
    drawDiscNodeLabel(ctx, data, s);
    return;
  }
  ctx.fillStyle = labelColor(data, s);
  ctx.font = font(s);
  ctx.fillText(data.label, data.x - data.size - GAP - w, data.y + s.labelSize / 3);
}

export function drawHover(ctx: CanvasRenderingContext2D, data: LabelData, s: AnySettings): void {
  const w = leftSide(ctx, data, s);
  if (w === null) {
    drawDiscNodeHover(ctx, data, s);
    return;
  }
  // The same white box with a shadow as sigma's, mirrored to the left.
  const PADDING = 2;
  const boxWidth = Math.round(w + 5);
  const boxHeight = Math.round(s.labelSize + 2 * PADDING);
  const radius = Math.max(data.size, s.labelSize / 2) + PADDING;
  const angle = Math.asin(Math.min(1, boxHeight / 2 / radius));
  const dx = Math.sqrt(Math.abs(radius ** 2 - (boxHeight / 2) ** 2));
  ctx.fillStyle = "#FFF";
  ctx.shadowOffsetX = 0;
  ctx.shadowOffsetY = 0;
  ctx.shadowBlur = 8;
  ctx.shadowColor = "#000";
  ctx.beginPath();
  ctx.moveTo(data.x - dx, data.y + boxHeight / 2);
  ctx.lineTo(data.x - radius - boxWidth, data.y + boxHeight / 2);
  ctx.lineTo(data.x - radius - boxWidth, data.y - boxHeight / 2);
  ctx.lineTo(data.x - dx, data.y - boxHeight / 2);
  ctx.arc(data.x, data.y, radius, Math.PI + angle, Math.PI - angle);
  ctx.closePath();
  ctx.fill();
  ctx.shadowBlur = 0;
  drawLabel(ctx, data, s);
}
