// ForceAtlas2 in a web worker, run in bounded bursts so the drawing settles
// and stops using the CPU: new nodes start near where they belong
// (graphModel.placeNewNodes) and a short run tidies the whole picture.
import FA2Layout from "graphology-layout-forceatlas2/worker";
import type { RGraph } from "./graphModel";

export class LayoutController {
  private readonly fa2: FA2Layout;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(running: boolean) => void>();

  constructor(graph: RGraph) {
    this.fa2 = new FA2Layout(graph, {
      settings: {
        // Strong gravity keeps disconnected pieces (a node added from search
        // before it is linked) near the rest instead of drifting far away.
        gravity: 0.2,
        strongGravityMode: true,
        scalingRatio: 10,
        slowDown: 6,
        barnesHutOptimize: true,
        barnesHutTheta: 0.6,
        adjustSizes: false,
        linLogMode: false,
        outboundAttractionDistribution: false,
      },
    });
  }

  /** Runs the layout for `ms` milliseconds (from now), then stops it. */
  runFor(ms: number): void {
    if (!this.fa2.isRunning()) this.fa2.start();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stop();
    }, ms);
    this.notify();
  }

  /** A burst whose length grows with the graph, up to a few seconds. */
  settle(order: number): void {
    this.runFor(Math.min(1200 + order * 20, 5000));
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fa2.isRunning()) this.fa2.stop();
    this.notify();
  }

  get running(): boolean {
    return this.fa2.isRunning();
  }

  onChange(fn: (running: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  kill(): void {
    this.stop();
    this.fa2.kill();
  }

  private notify(): void {
    for (const fn of this.listeners) fn(this.running);
  }
}
