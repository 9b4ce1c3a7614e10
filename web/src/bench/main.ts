// The render benchmark's page (bench.html, driven by bench/render.mjs): hands a
// generated subgraph to the app's own code path — mergeSubgraph, badges and
// edge widths, createCanvas — and measures the first frame, the ForceAtlas2
// layout until it settles, and frames per second while the camera pans.
import "../styles.css";
import Graph from "graphology";
import Sigma from "sigma";
import { assignBadges } from "../badges";
import { createCanvas } from "../canvas";
import { clearHighlight, createGraph, highlightPath, mergeSubgraph, type RGraph } from "../graphModel";
import { LayoutController } from "../layout";
import { movementPerStep, SettleMeter, SETTLED } from "../layoutSettle";
import { byId } from "../ui/dom";
import { benchSubgraph } from "./data";

interface BenchOptions {
  /** Nodes to generate; 0 measures the empty canvas (the baseline). */
  nodes: number;
  seed: number;
  panMs: number;
  /** The layout is stopped after this long even if it has not settled. */
  layoutCapMs: number;
  /** Screenshots of the first frame and the settled layout (render.mjs --shots). */
  shots?: boolean;
  /** The main thread is being profiled until the first frame (render.mjs --profile). */
  profile?: boolean;
}

interface BenchResult {
  nodes: number;
  edges: number;
  /** From handing the subgraph over to the first frame on screen. */
  firstFrameMs: number;
  /** Of which mergeSubgraph (with badges and edge widths). */
  mergeMs: number;
  /** Where the first frame's time goes: generating the data (not counted), the graph (mergeSubgraph with placement, sigma mounted), badges, sigma's refresh (indexing and issuing the draw), the frames after (the draw itself: WebGL on SwiftShader). */
  phases: { genMs: number; graphMs: number; badgesMs: number; sigmaMs: number; framesMs: number };
  /** From starting the layout to its first step on the graph (null: none). */
  layoutFirstStepMs: number | null;
  /** Until the layout settled (null: stopped at the cap). */
  layoutSettleMs: number | null;
  /** Layout steps taken until then. */
  layoutSteps: number;
  /** The last step's mean movement, as a share of the diagonal (null: no step). */
  layoutLastMovement: number | null;
  panFrames: number;
  panFps: number;
  panP95Ms: number;
  /** Camera updates during the pan (a check that the drag did pan). */
  panMoves: number;
  /** The same graph, at the same positions, in a bare sigma (default settings: circle nodes, line edges, no reducers). */
  bare: { firstFrameMs: number; panFps: number; panP95Ms: number; panMoves: number } | null;
}

/**
 * Settled: the mean distance a node moves in one layout step, averaged over
 * the last SETTLED.window steps, is below SETTLED.share of the drawing's
 * diagonal (layoutSettle.ts; the app's layout stops there by itself).
 */
const SETTLE_POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function frame(): Promise<number> {
  return new Promise((r) => requestAnimationFrame(r));
}

function positions(graph: RGraph): Float32Array {
  // The layout matrix's shape (x, y every 10 floats), for movementPerStep.
  const out = new Float32Array(graph.order * 10);
  let i = 0;
  graph.forEachNode((_id, a) => {
    out[i] = a.x;
    out[i + 1] = a.y;
    i += 10;
  });
  return out;
}

/**
 * Runs the layout (the app's LayoutController) until it settles, or the
 * cap. A controller that reports its own steps (progress) is read; one that
 * puts every step on the graph (graphology's supervisor, before) is measured
 * here, a step per bulk position update, with the same criterion.
 */
async function settle(graph: RGraph, capMs: number): Promise<{ ms: number | null; firstStepMs: number | null; steps: number; last: number | null }> {
  const layout = new LayoutController(graph);
  const own = (layout as { progress?: { steps: number; movement: number; settled: boolean } });
  const meter = new SettleMeter(SETTLED);
  let prev = positions(graph);
  const mark: { settledAt: number | null } = { settledAt: null };
  const step = () => {
    const next = positions(graph);
    meter.add(movementPerStep(prev, next));
    prev = next;
    if (mark.settledAt === null && meter.settled) mark.settledAt = performance.now();
  };
  if (own.progress === undefined) graph.on("eachNodeAttributesUpdated", step);
  const t0 = performance.now();
  let firstStepMs: number | null = null;
  layout.runFor(capMs);
  try {
    for (;;) {
      await sleep(SETTLE_POLL_MS);
      const p = own.progress;
      if (firstStepMs === null && (p ? p.steps : meter.steps) > 0) firstStepMs = performance.now() - t0;
      if (p?.settled) return { ms: performance.now() - t0, firstStepMs, steps: p.steps, last: p.movement };
      if (mark.settledAt !== null) return { ms: mark.settledAt - t0, firstStepMs, steps: meter.steps, last: meter.last };
      if (!layout.running) {
        const steps = p ? p.steps : meter.steps;
        const last = p ? p.movement : meter.last;
        return { ms: null, firstStepMs, steps, last: Number.isFinite(last) ? last : null };
      }
    }
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

/**
 * The same nodes and edges at the same places in a sigma with its default
 * settings (the circle node program, line edges) and nothing of the app:
 * what sigma itself costs, for the app's pan fps to be a ratio of.
 */
async function bare(graph: RGraph, panMs: number): Promise<NonNullable<BenchResult["bare"]>> {
  const plain = new Graph({ type: "directed", multi: true, allowSelfLoops: true });
  graph.forEachNode((id, a) => plain.addNode(id, { x: a.x, y: a.y, size: a.size, color: a.color, label: a.label, type: "circle" }));
  graph.forEachEdge((id, a, s, t) => plain.addDirectedEdgeWithKey(id, s, t, { size: a.size, color: a.color, type: "line" }));
  await frame();
  const t0 = performance.now();
  const sigma = new Sigma(plain, byId("canvas"), { defaultNodeType: "circle", defaultEdgeType: "line" });
  await frame();
  await frame();
  const firstFrameMs = performance.now() - t0;
  await sleep(300);
  const p = await pan(sigma as unknown as Parameters<typeof pan>[0], panMs);
  await sleep(500);
  sigma.kill();
  return { firstFrameMs, panFps: p.fps, panP95Ms: p.p95, panMoves: p.moved };
}

/**
 * For --shots: what the investigator must still see on a big canvas — a
 * highlighted path (the first wallet's out-edges followed for up to 8 hops),
 * its last node selected and its first hovered — shot as "path", then undone.
 */
async function showPath(graph: RGraph, canvas: ReturnType<typeof createCanvas>, selected: Set<string>, shot: (name: string) => Promise<void>): Promise<void> {
  const nodeIds: string[] = [];
  const edgeIds: string[] = [];
  let at = graph.findNode((_id, a) => a.kind === "WALLET");
  while (at !== undefined && nodeIds.length < 9 && !nodeIds.includes(at)) {
    nodeIds.push(at);
    const from: string = at;
    const e = graph.findOutEdge(from, (_e, _a, _s, t) => t !== from && !nodeIds.includes(t));
    if (e === undefined) break;
    edgeIds.push(e);
    at = graph.target(e);
  }
  highlightPath(graph, { nodeIds, edgeIds });
  const last = nodeIds.at(-1);
  if (last !== undefined) selected.add(last);
  canvas.refresh();
  await frame();
  const first = nodeIds[0];
  const layer = canvas.sigma.getCanvases().mouse;
  if (first !== undefined && layer) {
    const p = canvas.sigma.graphToViewport(graph.getNodeAttributes(first));
    const box = layer.getBoundingClientRect();
    layer.dispatchEvent(new MouseEvent("mousemove", { clientX: box.left + p.x, clientY: box.top + p.y, bubbles: true }));
  }
  await sleep(500);
  await shot("path");
  clearHighlight(graph);
  selected.clear();
  canvas.refresh();
  await sleep(300);
}

async function run(o: BenchOptions): Promise<BenchResult> {
  const g0 = performance.now();
  const sub = benchSubgraph(o.nodes, o.seed);
  const genMs = performance.now() - g0;
  // As in the app: the canvas is mounted at start-up on the empty graph (its glyphs load then); a subgraph arrives later.
  const graph = createGraph();
  const selected = new Set<string>();
  const canvas = createCanvas(
    byId("canvas"),
    graph,
    { clickNode: () => undefined, doubleClickNode: () => undefined, clickEdge: () => undefined, clickStage: () => undefined, dragged: () => undefined, dragStart: () => undefined },
    () => selected,
    () => null,
  );
  await sleep(300);
  await frame();
  const t0 = performance.now();
  mergeSubgraph(graph, sub);
  const t1 = performance.now();
  assignBadges(graph);
  const mergeMs = performance.now() - t0;
  // The app's refresh after a merge: sigma re-reads the graph and renders at once.
  const t2 = performance.now();
  canvas.refresh();
  const sigmaMs = performance.now() - t2;
  // The frame is on screen by the next animation frame after that.
  await frame();
  await frame();
  const firstFrameMs = performance.now() - t0;
  const phases = { genMs, graphMs: t1 - t0, badgesMs: mergeMs - (t1 - t0), sigmaMs, framesMs: firstFrameMs - mergeMs - sigmaMs };
  const shot = async (name: string) => {
    if (o.shots) await (window as unknown as { __benchShot: (n: string) => Promise<void> }).__benchShot(name);
  };
  if (o.profile) await (window as unknown as { __benchProfileStop: () => Promise<void> }).__benchProfileStop();
  await shot("first-frame");
  const layout = o.nodes > 0 ? await settle(graph, o.layoutCapMs) : { ms: null, firstStepMs: null, steps: 0, last: null };
  await sleep(300);
  await shot("settled");
  if (o.shots && o.nodes > 0) await showPath(graph, canvas, selected, shot);
  const p = await pan(canvas.sigma, o.panMs);
  // After a drag sigma redraws once its move timer ends (hideEdgesOnMove): killing it before then throws.
  await sleep(500);
  canvas.kill();
  return {
    nodes: graph.order,
    edges: graph.size,
    firstFrameMs,
    mergeMs,
    phases,
    layoutFirstStepMs: layout.firstStepMs,
    layoutSettleMs: layout.ms,
    layoutSteps: layout.steps,
    layoutLastMovement: layout.last,
    panFrames: p.frames,
    panFps: p.fps,
    panP95Ms: p.p95,
    panMoves: p.moved,
    bare: o.nodes > 0 ? await bare(graph, o.panMs) : null,
  };
}

(window as unknown as { __bench: { run: typeof run } }).__bench = { run };
