// ForceAtlas2 in a web worker (layoutWorker.ts), run in bounded bursts that
// also end by themselves once the drawing has settled (layoutSettle.ts), so
// the layout stops using the CPU: new nodes start near where they belong
// (graphModel.placeNewNodes, initialLayout.ts) and a short run tidies the
// whole picture. The worker iterates at its own pace; the page draws its
// newest positions when it can afford to: every redraw of a big graph costs
// the CPU that the worker needs (without a GPU, a full redraw of 10 k nodes
// takes about a second), so positions go on the graph at most a third of
// the time (RENDER_GAP times the last redraw's cost apart).
import { graphToByteArrays } from "graphology-layout-forceatlas2/helpers";
import type { RGraph } from "./graphModel";
import { layoutSettings, SETTLED, type LayoutRequest, type LayoutSnapshot } from "./layoutSettle";

/** How the current (or last) run went: steps taken, the last step's movement, whether it settled. */
export interface LayoutProgress {
  steps: number;
  movement: number;
  settled: boolean;
}

/** Wait this many times the last redraw's cost before the next one. */
const RENDER_GAP = 2;

const POSITION_HINTS = { attributes: ["x", "y"] as ("x" | "y")[] };
const STRUCTURE_EVENTS = ["nodeAdded", "edgeAdded", "nodeDropped", "edgeDropped", "cleared", "edgesCleared"] as const;

export class LayoutController {
  private worker: Worker | null = null;
  private run = 0;
  private active = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private frame: number | undefined;
  private wait: ReturnType<typeof setTimeout> | undefined;
  private nextApplyAt = 0;
  private pending: LayoutSnapshot | null = null;
  private readonly listeners = new Set<(running: boolean) => void>();
  private restarting = false;
  private readonly restart = () => {
    // The node and edge matrices are the graph's at the start: a changed graph needs a fresh run
    // (one per batch of changes, not one per added node).
    if (!this.active || this.restarting) return;
    this.restarting = true;
    queueMicrotask(() => {
      this.restarting = false;
      if (this.active) this.post();
    });
  };
  progress: LayoutProgress = { steps: 0, movement: Infinity, settled: false };

  constructor(private readonly graph: RGraph) {
    for (const ev of STRUCTURE_EVENTS) graph.on(ev, this.restart);
  }

  /** Runs the layout for at most `ms` milliseconds (from now), or until it settles. */
  runFor(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.stop(); }, ms);
    if (!this.active) {
      this.active = true;
      this.post();
    }
    this.notify();
  }

  /** A burst whose length grows with the graph, up to a few seconds. */
  settle(order: number): void {
    this.runFor(Math.min(1200 + order * 20, 5000));
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.active) {
      this.active = false;
      this.worker?.postMessage({ id: this.run, stop: true });
      this.run++;
      if (this.frame !== undefined) cancelAnimationFrame(this.frame);
      this.frame = undefined;
      clearTimeout(this.wait);
      this.wait = undefined;
      this.pending = null;
    }
    this.notify();
  }

  get running(): boolean {
    return this.active;
  }

  onChange(fn: (running: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  kill(): void {
    this.stop();
    for (const ev of STRUCTURE_EVENTS) this.graph.off(ev, this.restart);
    this.worker?.terminate();
    this.worker = null;
  }

  private notify(): void {
    for (const fn of this.listeners) fn(this.active);
  }

  /** Starts a fresh run in the worker from the graph as it is now. */
  private post(): void {
    if (this.graph.order === 0) return;
    if (!this.worker) {
      this.worker = new Worker(new URL("./layoutWorker.ts", import.meta.url), { type: "module" });
      this.worker.onmessage = (ev: MessageEvent<LayoutSnapshot>) => { this.receive(ev.data); };
    }
    this.run++;
    this.pending = null;
    this.progress = { steps: 0, movement: Infinity, settled: false };
    const m = graphToByteArrays(this.graph, () => 1);
    const req: LayoutRequest = { id: this.run, nodes: m.nodes.buffer as ArrayBuffer, edges: m.edges.buffer as ArrayBuffer, settings: layoutSettings(this.graph.order), settle: SETTLED };
    this.worker.postMessage(req, [req.nodes, req.edges]);
  }

  private receive(s: LayoutSnapshot): void {
    if (!this.active || s.id !== this.run) return;
    this.pending = s;
    this.schedule();
  }

  /** Applies the newest snapshot on the next frame, once the last redraw has been paid for (the settled one at once). */
  private schedule(): void {
    if (this.frame !== undefined || this.wait !== undefined) return;
    const delay = this.nextApplyAt - performance.now();
    // Infinity: the last redraw is still being timed, and its timer calls back.
    if (delay === Infinity && this.pending?.settled !== true) return;
    if (delay > 0 && this.pending?.settled !== true) {
      this.wait = setTimeout(() => {
        this.wait = undefined;
        this.schedule();
      }, delay);
      return;
    }
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.apply();
    });
  }

  /** Puts the newest positions on the graph (one bulk update: one redraw); stops when the worker settled. */
  private apply(): void {
    const s = this.pending;
    this.pending = null;
    if (!s || !this.active || s.id !== this.run) return;
    const m = new Float32Array(s.nodes);
    let i = 0;
    this.graph.updateEachNodeAttributes((_id, a) => {
      a.x = m[i] ?? 0;
      a.y = m[i + 1] ?? 0;
      i += 10;
      return a;
    }, POSITION_HINTS);
    this.progress = { steps: s.steps, movement: s.movement, settled: s.settled };
    if (s.settled) {
      this.stop();
      return;
    }
    // sigma redraws on the next frame; the frame after it tells what the redraw cost.
    const t = performance.now();
    this.nextApplyAt = Infinity;
    requestAnimationFrame(() => {
      requestAnimationFrame(() => {
        const now = performance.now();
        this.nextApplyAt = now + RENDER_GAP * (now - t);
        if (this.pending) this.schedule();
      });
    });
  }
}
