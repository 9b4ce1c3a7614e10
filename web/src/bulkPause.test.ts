import { describe, expect, it } from "vitest";
import { pauseDuringBulk, type BulkRenderer } from "./bulkPause";
import { BULK_MIN_ITEMS, createGraph, mergeSubgraph } from "./graphModel";
import { bigCase } from "./testing/fixtures";

/**
 * A renderer that logs what it is asked to do, in order with the graph's
 * own events: with sigma 3.0's private listener methods, or without them
 * (another sigma version): pauseDuringBulk must then leave it listening.
 */
function renderer(withPrivate: boolean, log: string[]): BulkRenderer {
  const r: BulkRenderer & Record<string, unknown> = { scheduleRefresh: () => log.push("scheduleRefresh") };
  if (withPrivate) {
    r.unbindGraphHandlers = () => log.push("unbind");
    r.bindGraphHandlers = () => log.push("bind");
  }
  return r;
}

describe("pauseDuringBulk", () => {
  const big = bigCase(BULK_MIN_ITEMS);
  const cases = [
    { name: "sigma 3.0: paused around the merge, one refresh after", withPrivate: true, sub: big, want: ["unbind", "added", "bind", "scheduleRefresh"] },
    { name: "no private methods: left listening (the plain path)", withPrivate: false, sub: big, want: ["added"] },
    { name: "a small merge is not a bulk one", withPrivate: true, sub: bigCase(10), want: ["added"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const graph = createGraph();
      const log: string[] = [];
      graph.on("nodeAdded", () => {
        if (log.at(-1) !== "added") log.push("added");
      });
      const stop = pauseDuringBulk(renderer(c.withPrivate, log), graph);
      expect(() => mergeSubgraph(graph, c.sub)).not.toThrow();
      expect(graph.order).toBe(c.sub.nodes.length);
      expect(log).toEqual(c.want);
      stop();
    });
  }

  it("stops listening to the graph when stopped", () => {
    const graph = createGraph();
    const log: string[] = [];
    const stop = pauseDuringBulk(renderer(true, log), graph);
    stop();
    mergeSubgraph(graph, big);
    expect(log).toEqual([]);
  });

  it("a renderer with only one of the two methods is left listening", () => {
    const graph = createGraph();
    const log: string[] = [];
    const r = { scheduleRefresh: () => log.push("scheduleRefresh"), unbindGraphHandlers: () => log.push("unbind") };
    pauseDuringBulk(r, graph);
    mergeSubgraph(graph, big);
    expect(log).toEqual([]);
  });
});
