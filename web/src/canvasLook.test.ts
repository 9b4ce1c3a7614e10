import { describe, expect, it } from "vitest";
import { EDGE_HIT_RADIUS, edgeNear, segmentDistance } from "./canvasLook";

describe("edge picking beside thin edges", () => {
  const edges = [
    { id: "b", a: { x: 0, y: 0 }, b: { x: 100, y: 0 } },
    { id: "a", a: { x: 0, y: 6 }, b: { x: 100, y: 6 } },
    { id: "c", a: { x: 50, y: 50 }, b: { x: 50, y: 50 } }, // both ends at one point
  ];
  it.each([
    ["on the edge", { x: 50, y: 0 }, "b"],
    ["within the radius above it", { x: 50, y: -EDGE_HIT_RADIUS }, "b"],
    ["beyond the radius", { x: 50, y: -EDGE_HIT_RADIUS - 0.5 }, null],
    ["nearer the other edge", { x: 50, y: 3.5 }, "a"],
    ["halfway: the least ID", { x: 50, y: 3 }, "a"],
    ["past an end", { x: 103, y: 0 }, "b"],
    ["far past an end", { x: 110, y: 0 }, null],
    ["at a point edge", { x: 51, y: 51 }, "c"],
  ])("%s", (_name, p, want) => {
    expect(edgeNear(edges, p)).toBe(want);
  });
  it("gives every edge a band at least 6 px wide", () => {
    expect(2 * EDGE_HIT_RADIUS).toBeGreaterThanOrEqual(6);
    expect(segmentDistance({ x: 3, y: 4 }, { x: 0, y: 0 }, { x: 0, y: 0 })).toBe(5);
  });
});
