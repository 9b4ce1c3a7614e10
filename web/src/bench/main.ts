// The render benchmark's page (bench.html, driven by bench/render.mjs): hands a
// generated subgraph to the app's own code path — mergeSubgraph, badges and
// edge widths, createCanvas — and measures the first frame, the ForceAtlas2
// layout until it settles, and frames per second while the camera pans.
import "../styles.css";
import { assignBadges } from "../badges";
import { createCanvas } from "../canvas";
import { createGraph, mergeSubgraph, type RGraph } from "../graphModel";
import { LayoutController } from "../layout";
import { byId } from "../ui/dom";
import { benchSubgraph } from "./data";

interface BenchOptions {
  /** Nodes to generate; 0 measures the empty canvas (the baseline). */
  nodes: number;
  seed: number;
  panMs: number;
  /** The layout is stopped after this long even if it has not settled. */
  layoutCapMs: number;
}

interface BenchResult {
  nodes: number;
  edges: number;
  /** From handing the subgraph over to the first frame on screen. */
  firstFrameMs: number;
  /** Of which mergeSubgraph (with badges and edge widths). */
  mergeMs: number;
  /** Until the layout settled (null: stopped at the cap). */
  layoutSettleMs: number | null;
  layoutSamples: number;
  /** The last sample's mean movement, as a share of the diagonal (null: no sample). */
  layoutLastMovement: number | null;
  panFrames: number;
  panFps: number;
  panP95Ms: number;
  /** Camera updates during the pan (a check that the drag did pan). */
  panMoves: number;
}

const NO_SELECTION: ReadonlySet<string> = new Set();
/** Layout sampling period, and the settling criterion: mean node movement over one period, as a share of the drawing's diagonal. */
const SAMPLE_MS = 500;
const SETTLED_SHARE = 0.01;

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

/**
 * Runs the layout (the app's LayoutController) until the mean node movement
 * over SAMPLE_MS drops below SETTLED_SHARE twice in a row, or the cap.
 * Periods in which no layout step reached the graph (the page busy drawing)
 * are not samples.
 */
async function settle(graph: RGraph, capMs: number): Promise<{ ms: number | null; samples: number; last: number | null }> {
  const layout = new LayoutController(graph);
  // ForceAtlas2 hands each step's positions to the graph in one bulk update.
  let steps = 0;
  const step = () => steps++;
  graph.on("eachNodeAttributesUpdated", step);
  const t0 = performance.now();
  layout.runFor(capMs);
  let prev = positions(graph);
  let calm = 0;
  let samples = 0;
  let last: number | null = null;
  try {
    while (layout.running) {
      await sleep(SAMPLE_MS);
      // A period without a layout step (the page busy drawing) says nothing.
      if (steps === 0) continue;
      steps = 0;
      const next = positions(graph);
      samples++;
      last = movement(prev, next);
      calm = last < SETTLED_SHARE ? calm + 1 : 0;
      prev = next;
      if (calm >= 2) return { ms: performance.now() - t0, samples, last };
    }
    return { ms: null, samples, last };
  } finally {
    graph.off("eachNodeAttributesUpdated", step);
    layout.kill();
  }
}

/**
 * Pans as a user does: a mouse drag on the stage (synthetic mousedown, one
 * mousemove per animation frame along a loop, mouseup) on sigma's mouse
 * layer, so sigma's own drag handling runs — camera moves, hover checks,
 * hide-on-move settings. Starts in the top-left corner, inside the stage
 * padding where no node is drawn.
 */
async function pan(sigma: ReturnType<typeof createCanvas>["sigma"], ms: number): Promise<{ frames: number; fps: number; p95: number; moved: number }> {
  const layer = sigma.getCanvases().mouse;
  if (!layer) throw new Error("sigma has no mouse layer");
  const box = layer.getBoundingClientRect();
  const at = (x: number, y: number): MouseEventInit => ({ clientX: box.left + x, clientY: box.top + y, button: 0, buttons: 1, bubbles: true });
  const camera = sigma.getCamera();
  let moved = 0;
  const count = () => moved++;
  camera.on("updated", count);
  layer.dispatchEvent(new MouseEvent("mousedown", at(8, 8)));
  const stamps: number[] = [];
  const start = await frame();
  for (let t = start; ; t = await frame()) {
    stamps.push(t);
    if (t - start >= ms) break;
    const phase = ((t - start) / 1500) * 2 * Math.PI;
    layer.dispatchEvent(new MouseEvent("mousemove", at(8 + 200 * Math.sin(phase), 8 + 120 * (1 - Math.cos(phase)))));
  }
  layer.dispatchEvent(new MouseEvent("mouseup", at(8, 8)));
  camera.off("updated", count);
  const deltas = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t));
  deltas.sort((a, b) => a - b);
  const span = (stamps.at(-1) ?? start) - (stamps[0] ?? start);
  return {
    frames: deltas.length,
    fps: span > 0 ? (deltas.length / span) * 1000 : 0,
    p95: deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * 0.95))] ?? 0,
    moved,
  };
}

async function run(o: BenchOptions): Promise<BenchResult> {
  const sub = benchSubgraph(o.nodes, o.seed);
  await frame();
  const t0 = performance.now();
  const graph = createGraph();
  mergeSubgraph(graph, sub);
  assignBadges(graph);
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
  const layout = o.nodes > 0 ? await settle(graph, o.layoutCapMs) : { ms: null, samples: 0, last: null };
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
    layoutLastMovement: layout.last,
    panFrames: p.frames,
    panFps: p.fps,
    panP95Ms: p.p95,
    panMoves: p.moved,
  };
}

(window as unknown as { __bench: { run: typeof run } }).__bench = { run };
