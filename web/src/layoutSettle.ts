// What the layout worker and the page share: the request and snapshot
// messages, ForceAtlas2's settings for a graph's size, and when a layout
// counts as settled — the mean distance a node moves in one step, averaged
// over the last few steps, is below a small share of the drawing's diagonal.
import type { ForceAtlas2Settings } from "graphology-layout-forceatlas2";

const PPN = 10; // floats per node in ForceAtlas2's matrix: x, y first

export interface SettleCriterion {
  /** Mean movement per step, as a share of the drawing's diagonal, below which a step is calm. */
  share: number;
  /** Over this many last steps (their mean). */
  window: number;
  /** Never settled before this many steps (the first ones of a fresh start can be calm by accident). */
  minSteps: number;
}

export const SETTLED: SettleCriterion = { share: 0.001, window: 10, minSteps: 20 };

export interface LayoutRequest {
  id: number;
  nodes: ArrayBuffer;
  edges: ArrayBuffer;
  settings: Required<ForceAtlas2Settings>;
  settle: SettleCriterion;
}

export interface LayoutSnapshot {
  id: number;
  /** The node matrix after the last step (x, y of node i at i * 10). */
  nodes: ArrayBuffer;
  steps: number;
  /** The last step's mean movement, as a share of the diagonal. */
  movement: number;
  settled: boolean;
}

/**
 * ForceAtlas2's settings for a graph of `order` nodes. Strong gravity keeps
 * disconnected pieces (a node added from search before it is linked) near
 * the rest instead of drifting far away. Past a few thousand nodes the
 * start is already structured (initialLayout.ts), so: gravity four times
 * weaker and repulsion three times stronger, which let the picture spread
 * out instead of being squeezed into a uniform disc (and, with less
 * squeezing, it settles sooner); a coarser Barnes–Hut approximation (theta)
 * for cheaper steps, and bolder steps (slowDown). On the render
 * benchmark's 10 k-node graph this settles in 96 steps instead of 117,
 * each step cheaper. Weaker gravity still (0.02: 84 steps) lets unlinked
 * nodes drift so far that fitting the view halves the picture. LinLog mode
 * was tried and left off: on investigation graphs it flings the hubs
 * (exchanges) to the rim and took more steps (138).
 */
export function layoutSettings(order: number): Required<ForceAtlas2Settings> {
  const big = order > 2000;
  return {
    gravity: big ? 0.05 : 0.2,
    strongGravityMode: true,
    scalingRatio: big ? 30 : 10,
    slowDown: big ? 1.5 : 6,
    barnesHutOptimize: true,
    barnesHutTheta: big ? 1.5 : 0.6,
    adjustSizes: false,
    linLogMode: false,
    outboundAttractionDistribution: false,
    edgeWeightInfluence: 1,
  };
}

/** Mean distance the nodes moved between two node matrices, as a share of the new drawing's bounding-box diagonal. */
export function movementPerStep(prev: Float32Array, next: Float32Array): number {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + 1 < next.length; i += PPN) {
    const x = next[i] ?? 0;
    const y = next[i + 1] ?? 0;
    sum += Math.hypot(x - (prev[i] ?? 0), y - (prev[i + 1] ?? 0));
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    n++;
  }
  if (n === 0) return 0;
  const diag = Math.hypot(maxX - minX, maxY - minY) || 1;
  return sum / n / diag;
}

/** Tracks the movement of the last steps against a criterion. */
export class SettleMeter {
  private readonly recent: number[] = [];
  steps = 0;
  last = Infinity;

  constructor(private readonly c: SettleCriterion) {}

  add(movement: number): void {
    this.steps++;
    this.last = movement;
    this.recent.push(movement);
    if (this.recent.length > this.c.window) this.recent.shift();
  }

  /** The mean movement over the window (Infinity until it is full). */
  get mean(): number {
    if (this.recent.length < this.c.window) return Infinity;
    return this.recent.reduce((s, m) => s + m, 0) / this.recent.length;
  }

  get settled(): boolean {
    return this.steps >= this.c.minSteps && this.mean < this.c.share;
  }
}
