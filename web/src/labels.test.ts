import { describe, expect, it } from "vitest";
import { createLabelDrawers } from "./labels";
import { PALETTES } from "./style";

/** A 2D context that measures text as 7 px a character and records what is filled, where (after the transform). */
function fakeContext() {
  const filled: string[] = [];
  const ctx = {
    canvas: { clientWidth: 1000, clientHeight: 800 },
    font: "",
    fillStyle: "",
    strokeStyle: "",
    lineWidth: 1,
    lineJoin: "",
    measureText: (t: string) => ({ width: t.length * 7 }),
    fillText: (t: string) => { filled.push(t); },
    strokeText: () => undefined,
    save: () => undefined,
    restore: () => undefined,
    translate: () => undefined,
    rotate: () => undefined,
    clearRect: () => undefined,
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, filled };
}

const SETTINGS = { labelSize: 13, labelFont: "sans", labelWeight: "500", edgeLabelSize: 12, edgeLabelFont: "sans", edgeLabelWeight: "normal" } as never;
const at = (x: number, y: number) => ({ x, y, size: 5 });

describe("edge labels", () => {
  it("skips an edge label over another edge's or a node's label, and draws it again after the frame", () => {
    const l = createLabelDrawers(() => PALETTES.light);
    const { ctx, filled } = fakeContext();
    const edge = (key: string, label: string) => ({ key, label, color: "#000", size: 1 });
    // Two parallel edges 4 px apart: their labels would overlap.
    l.drawEdgeLabel(ctx, edge("a", "40 ETH"), at(100, 100), at(300, 100), SETTINGS);
    l.drawEdgeLabel(ctx, edge("b", "30 ETH"), at(100, 104), at(300, 104), SETTINGS);
    // A far edge has room.
    l.drawEdgeLabel(ctx, edge("c", "2 BTC"), at(100, 400), at(300, 400), SETTINGS);
    expect(filled).toEqual(["40 ETH", "2 BTC"]);
    // Sigma's hover pass redraws the edge labels alone: each finds its own place free.
    l.drawEdgeLabel(ctx, edge("a", "40 ETH"), at(100, 100), at(300, 100), SETTINGS);
    expect(filled).toEqual(["40 ETH", "2 BTC", "40 ETH"]);

    l.reset();
    filled.length = 0;
    // A node label where the amount would go (below the middle of the edge) wins.
    l.drawLabel(ctx, { x: 180, y: 112, size: 5, label: "Kestrel Exchange", color: "#000" }, SETTINGS);
    l.drawEdgeLabel(ctx, edge("a", "40 ETH"), at(100, 100), at(300, 100), SETTINGS);
    l.drawEdgeLabel(ctx, edge("b", "30 ETH"), at(100, 104), at(300, 104), SETTINGS);
    expect(filled).toEqual(["Kestrel Exchange"]);
  });

  it("never shortens an amount: the whole label, or none on an edge less than half as long", () => {
    const l = createLabelDrawers(() => PALETTES.light);
    const { ctx, filled } = fakeContext();
    // 14 characters of 7 px: 98 px; 70 px between the discs, then 40.
    l.drawEdgeLabel(ctx, { label: "12.5 of 40 ETH", color: "#000", size: 1 }, at(0, 0), at(80, 0), SETTINGS);
    l.drawEdgeLabel(ctx, { label: "12.5 of 40 ETH", color: "#000", size: 1 }, at(0, 300), at(50, 300), SETTINGS);
    expect(filled).toEqual(["12.5 of 40 ETH"]);
  });
});
