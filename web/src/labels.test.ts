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
    // The hover pass's tab.
    beginPath: () => undefined,
    moveTo: () => undefined,
    lineTo: () => undefined,
    arc: () => undefined,
    closePath: () => undefined,
    fill: () => undefined,
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, filled };
}

const SETTINGS = { labelSize: 13, labelFont: "sans", labelWeight: "500", edgeLabelSize: 12, edgeLabelFont: "sans", edgeLabelWeight: "normal" } as never;
const at = (x: number, y: number) => ({ x, y, size: 5 });

describe("node labels", () => {
  it("leaves a highlighted node's label to the hover pass, keeping its place beside the node", () => {
    const l = createLabelDrawers(() => PALETTES.light);
    const { ctx, filled } = fakeContext();
    // Another forced label already beside the node: a forced label would move above or below it.
    l.drawLabel(ctx, { x: 20, y: 100, size: 5, label: "Baltic Coin Market", color: "#000", forceLabel: true }, SETTINGS);
    l.drawLabel(ctx, { x: 20, y: 100, size: 5, label: "Theft from Coinharbor", color: "#000", forceLabel: true, highlighted: true }, SETTINGS);
    expect(filled).toEqual(["Baltic Coin Market"]);
    // The hover pass draws it, once.
    l.drawHover(ctx, { x: 20, y: 100, size: 5, label: "Theft from Coinharbor", color: "#000", forceLabel: true, highlighted: true }, SETTINGS);
    expect(filled).toEqual(["Baltic Coin Market", "Theft from Coinharbor"]);
    // Its place is taken: an ordinary label there gives way.
    l.drawLabel(ctx, { x: 20, y: 100, size: 5, label: "Plain", color: "#000" }, SETTINGS);
    expect(filled).toEqual(["Baltic Coin Market", "Theft from Coinharbor"]);
  });
});

describe("edge labels", () => {
  it("moves an edge label above its edge when below is taken, and skips it when no place is free", () => {
    const l = createLabelDrawers(() => PALETTES.light);
    const { ctx, filled } = fakeContext();
    const edge = (key: string, label: string) => ({ key, label, color: "#000", size: 1 });
    // Five short parallel edges 2 px apart (60 px between the discs: no room further along for 42 px of text).
    for (const [i, key] of ["a", "b", "c", "d", "e"].entries()) l.drawEdgeLabel(ctx, edge(key, `${i + 1}0 ETH`), at(0, 100 + 2 * i), at(70, 100 + 2 * i), SETTINGS);
    // a below its edge, b above its own; the others find every place taken.
    expect(filled).toEqual(["10 ETH", "20 ETH"]);
    // Sigma's hover pass redraws the edge labels alone: each finds its own place free again.
    l.drawEdgeLabel(ctx, edge("a", "10 ETH"), at(0, 100), at(70, 100), SETTINGS);
    expect(filled).toEqual(["10 ETH", "20 ETH", "10 ETH"]);
    // A far edge has room.
    l.drawEdgeLabel(ctx, edge("f", "2 BTC"), at(100, 400), at(300, 400), SETTINGS);
    expect(filled.at(-1)).toBe("2 BTC");
  });

  it("gives way to a node label, and forgets its places with the frame", () => {
    const l = createLabelDrawers(() => PALETTES.light);
    const { ctx, filled } = fakeContext();
    const edge = (key: string, label: string) => ({ key, label, color: "#000", size: 1 });
    // Node labels over and under a short edge's middle leave it no place.
    l.drawLabel(ctx, { x: 20, y: 112, size: 5, label: "Kestrel Exchange", color: "#000" }, SETTINGS);
    l.drawLabel(ctx, { x: 20, y: 92, size: 5, label: "Sunda Digital Exchange", color: "#000" }, SETTINGS);
    l.drawEdgeLabel(ctx, edge("a", "10 ETH"), at(0, 100), at(70, 100), SETTINGS);
    expect(filled).toEqual(["Kestrel Exchange", "Sunda Digital Exchange"]);
    l.reset();
    l.drawEdgeLabel(ctx, edge("a", "10 ETH"), at(0, 100), at(70, 100), SETTINGS);
    expect(filled.at(-1)).toBe("10 ETH");
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
