// The render benchmark's page (bench.html, driven by bench/render.mjs): hands a
// generated subgraph to the app's own code path — mergeSubgraph, badges and
// edge widths, createCanvas — and measures the first frame, the ForceAtlas2
// layout until it settles, and frames per second while the camera pans.
import "../styles.css";
import { assignBadges } from "../badges";
import { createCanvas } from "../canvas";
import { createGraph, mergeSubgraph, type RGraph } from "../graphModel";
import { LayoutController } from "../layout";
import { edgeSize } from "../style";
import { byId } from "../ui/dom";
import { benchSubgraph } from "./data";

export interface BenchOptions {
  /** Nodes to generate; 0 measures the empty canvas (the baseline). */
  nodes: number;
  seed: number;
  panMs: number;
  /** The layout is stopped after this long even if it has not settled. */
  layoutCapMs: number;
}

export interface BenchResult {
  nodes: number;
  edges: number;
  /** From handing the subgraph over to the first frame on screen. */
  firstFrameMs: number;
  /** Of which mergeSubgraph (with badges and edge widths). */
  mergeMs: number;
  /** Until the layout settled (null: stopped at the cap). */
  layoutSettleMs: number | null;
  layoutSamples: number;
  panFrames: number;
  panFps: number;
  panP95Ms: number;
}

const NO_SELECTION: ReadonlySet<string> = new Set();
/** Layout sampling period, and the settling criterion: mean node movement over one period, as a share of the drawing's diagonal. */
const SAMPLE_MS = 500;
const SETTLED_SHARE = 0.005;

function frame(): Promise<number> {
  return new Promise((r) => requestAnimationFrame(r));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function positions(graph: RGraph): Float64Array {
  const out = new Float64Array(graph.order * 2);
  let i = 0;
  graph.forEachNode((_id, a) => {
    out[i++] = a.x;
    out[i++] = a.y;
  });
  return out;
}

/** Mean movement per node between two samples, relative to the bounding box's diagonal. */
function movement(a: Float64Array, b: Float64Array): number {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) {
    const x = b[i] ?? 0;
    const y = b[i + 1] ?? 0;
    sum += Math.hypot(x - (a[i] ?? 0), y - (a[i + 1] ?? 0));
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const diag = Math.hypot(maxX - minX, maxY - minY) || 1;
  return sum / (b.length / 2) / diag;
}

/** Runs the layout until the mean movement over SAMPLE_MS drops below SETTLED_SHARE twice in a row, or the cap. */
async function settle(graph: RGraph, capMs: number): Promise<{ ms: number | null; samples: number }> {
  const layout = new LayoutController(graph);
  const t0 = performance.now();
  layout.runFor(capMs);
  let prev = positions(graph);
  let calm = 0;
  let samples = 0;
  try {
    while (layout.running) {
      await sleep(SAMPLE_MS);
      const next = positions(graph);
      samples++;
      calm = movement(prev, next) < SETTLED_SHARE ? calm + 1 : 0;
      prev = next;
      if (calm >= 2) return { ms: performance.now() - t0, samples };
    }
    return { ms: null, samples };
  } finally {
    layout.kill();
  }
}

async function pan(sigma: ReturnType<typeof createCanvas>["sigma"], ms: number): Promise<{ frames: number; fps: number; p95: number }> {
  const camera = sigma.getCamera();
  const stamps: number[] = [];
  const start = await frame();
  for (let t = start; t - start < ms; t = await frame()) {
    stamps.push(t);
    const phase = ((t - start) / 1500) * 2 * Math.PI;
    camera.setState({ x: 0.5 + 0.2 * Math.sin(phase), y: 0.5 + 0.15 * Math.cos(phase) });
  }
  const deltas = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t));
  deltas.sort((a, b) => a - b);
  const span = (stamps.at(-1) ?? start) - (stamps[0] ?? start);
  return {
    frames: deltas.length,
    fps: span > 0 ? (deltas.length / span) * 1000 : 0,
    p95: deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * 0.95))] ?? 0,
  };
}

async function run(o: BenchOptions): Promise<BenchResult> {
  const sub = benchSubgraph(o.nodes, o.seed);
  await frame();
  const t0 = performance.now();
  const graph = createGraph();
  mergeSubgraph(graph, sub);
  assignBadges(graph);
  graph.updateEachEdgeAttributes((_id, a) => ({ ...a, size: edgeSize(a.data) }));
  const mergeMs = performance.now() - t0;
  const canvas = createCanvas(
    byId("canvas"),
    graph,
    { clickNode: () => undefined, doubleClickNode: () => undefined, clickEdge: () => undefined, clickStage: () => undefined, dragged: () => undefined, dragStart: () => undefined },
    () => NO_SELECTION,
    () => null,
  );
  // sigma renders in its constructor; the frame is on screen by the next animation frame after that.
  await frame();
  await frame();
  const firstFrameMs = performance.now() - t0;
  const layout = o.nodes > 0 ? await settle(graph, o.layoutCapMs) : { ms: null, samples: 0 };
  await sleep(300);
  const p = await pan(canvas.sigma, o.panMs);
  canvas.kill();
  return {
    nodes: graph.order,
    edges: graph.size,
    firstFrameMs,
    mergeMs,
    layoutSettleMs: layout.ms,
    layoutSamples: layout.samples,
    panFrames: p.frames,
    panFps: p.fps,
    panP95Ms: p.p95,
  };
}

(window as unknown as { __bench: { run: typeof run } }).__bench = { run };
