// ForceAtlas2 in a web worker that iterates on its own: it does not wait for
// the page to take each step's positions (the library's supervisor does, so
// its pace is one step per drawn frame, and a frame of 10 k nodes on a
// software renderer is slow). The page is sent the newest positions at most
// every SNAPSHOT_MS and draws them when it can. The worker also measures how
// much each step moves the drawing and stops once it has settled.
import iterate from "graphology-layout-forceatlas2/iterate";
import { movementPerStep, SettleMeter, type LayoutRequest, type LayoutSnapshot } from "./layoutSettle";

/** Steps run between two looks at the message queue (a stop, a new graph). */
const SNAPSHOT_MS = 40;

interface Run {
  id: number;
  req: LayoutRequest;
  nodes: Float32Array;
  edges: Float32Array;
  prev: Float32Array;
  meter: SettleMeter;
}

let run: Run | null = null;

function post(r: Run): void {
  const copy = r.nodes.slice();
  const msg: LayoutSnapshot = { id: r.id, nodes: copy.buffer, steps: r.meter.steps, movement: r.meter.last, settled: r.meter.settled };
  (self as unknown as Worker).postMessage(msg, [copy.buffer]);
}

function loop(r: Run): void {
  if (run !== r) return;
  const t0 = performance.now();
  do {
    r.prev.set(r.nodes);
    iterate(r.req.settings, r.nodes, r.edges);
    r.meter.add(movementPerStep(r.prev, r.nodes));
  } while (!r.meter.settled && performance.now() - t0 < SNAPSHOT_MS);
  post(r);
  if (r.meter.settled) run = null;
  else setTimeout(() => { loop(r); }, 0);
}

self.onmessage = (ev: MessageEvent<LayoutRequest | { id: number; stop: true }>) => {
  const m = ev.data;
  if ("stop" in m) {
    if (run?.id === m.id) run = null;
    return;
  }
  const nodes = new Float32Array(m.nodes);
  run = { id: m.id, req: m, nodes, edges: new Float32Array(m.edges), prev: new Float32Array(nodes.length), meter: new SettleMeter(m.settle) };
  const r = run;
  setTimeout(() => { loop(r); }, 0);
};
