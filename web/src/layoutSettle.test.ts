import { describe, expect, it } from "vitest";
import { layoutSettings, movementPerStep, SettleMeter } from "./layoutSettle";

/** A node matrix (10 floats per node) with the given x, y. */
function matrix(points: [number, number][]): Float32Array {
  const m = new Float32Array(points.length * 10);
  points.forEach(([x, y], i) => {
    m[i * 10] = x;
    m[i * 10 + 1] = y;
  });
  return m;
}

describe("movementPerStep", () => {
  it("is the mean node movement over the bounding box's diagonal", () => {
    const before = matrix([[0, 0], [30, 40]]);
    const after = matrix([[3, 4], [30, 40]]); // one node moves 5, the other 0; diagonal sqrt(27²+36²) = 45
    expect(movementPerStep(before, after)).toBeCloseTo(2.5 / 45, 6);
  });

  it("is zero when nothing moves, and for no nodes", () => {
    const m = matrix([[1, 2], [3, 4]]);
    expect(movementPerStep(m, m)).toBe(0);
    expect(movementPerStep(new Float32Array(0), new Float32Array(0))).toBe(0);
  });
});

describe("SettleMeter", () => {
  const c = { share: 0.01, window: 3, minSteps: 5 };

  it("settles when the mean of the last steps is below the share, not before minSteps", () => {
    const m = new SettleMeter(c);
    for (const v of [0.001, 0.001, 0.001, 0.001]) m.add(v);
    expect(m.settled).toBe(false); // 4 steps < minSteps
    m.add(0.001);
    expect(m.settled).toBe(true);
  });

  it("does not settle while one recent step is large", () => {
    const m = new SettleMeter(c);
    for (const v of [0.5, 0.4, 0.001, 0.001, 0.05]) m.add(v);
    expect(m.mean).toBeCloseTo((0.001 + 0.001 + 0.05) / 3, 9);
    expect(m.settled).toBe(false);
  });
});

describe("layoutSettings", () => {
  it("keeps the small-graph settings and goes coarser, with weaker gravity and stronger repulsion, past 2000 nodes", () => {
    expect(layoutSettings(100)).toMatchObject({ gravity: 0.2, scalingRatio: 10, slowDown: 6, barnesHutTheta: 0.6, barnesHutOptimize: true, strongGravityMode: true });
    expect(layoutSettings(10_000)).toMatchObject({ gravity: 0.05, scalingRatio: 30, slowDown: 1.5, barnesHutTheta: 1.5, strongGravityMode: true, linLogMode: false });
  });
});
