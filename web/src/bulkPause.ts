// sigma reprocesses a node or edge per graph event; during a bulk merge
// (graphModel's BULK_START … BULK_END, thousands of events) it had better
// stop listening and re-read the whole graph once at the end. Stopping it
// takes two of sigma's private methods (bindGraphHandlers,
// unbindGraphHandlers, sigma 3.0): a sigma without them is left listening,
// which is slower on big merges but correct.
import { BULK_END, BULK_START, type RGraph } from "./graphModel";

/** What pauseDuringBulk needs of sigma: its public scheduleRefresh; the private pair is looked up at run time. */
export interface BulkRenderer {
  scheduleRefresh(): unknown;
}

interface Listening {
  bindGraphHandlers(): void;
  unbindGraphHandlers(): void;
}

/** Whether `r` has sigma's private pair of graph-listener methods. */
function canPause(r: BulkRenderer): r is BulkRenderer & Listening {
  const l = r as Partial<Listening>;
  return typeof l.bindGraphHandlers === "function" && typeof l.unbindGraphHandlers === "function";
}

/**
 * Pauses `sigma`'s graph listeners during bulk merges on `graph` and
 * schedules one full refresh after each (on the next frame, or when the app
 * refreshes first); without the private methods, does nothing. Returns the
 * function that stops this.
 */
export function pauseDuringBulk(sigma: BulkRenderer, graph: RGraph): () => void {
  if (!canPause(sigma)) return () => undefined;
  let paused = false;
  const bulkStart = () => {
    if (paused) return;
    sigma.unbindGraphHandlers();
    paused = true;
  };
  const bulkEnd = () => {
    if (!paused) return;
    paused = false;
    sigma.bindGraphHandlers();
    sigma.scheduleRefresh();
  };
  const bus = graph as unknown as { on(ev: string, fn: () => void): void; off(ev: string, fn: () => void): void };
  bus.on(BULK_START, bulkStart);
  bus.on(BULK_END, bulkEnd);
  return () => {
    bus.off(BULK_START, bulkStart);
    bus.off(BULK_END, bulkEnd);
    bulkEnd();
  };
}
