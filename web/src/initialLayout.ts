// A fast first placement for a big batch of nodes that nothing on the canvas
// anchors (a case, a large expansion onto an empty canvas): communities found
// by label propagation, each packed as a disc (its best connected member in
// the middle, the rest in breadth-first order around it), the discs packed on
// a spiral, largest first. Linear in nodes and edges, so the first frame
// shows a picture with structure at once; ForceAtlas2 then starts from it
// instead of from a shapeless disc and has far less to untangle.
import type { Point } from "./graphModel";
import type { GEdge } from "./types";

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
/** Label propagation sweeps: communities barely change after a few. */
const SWEEPS = 6;
/** Distance between neighbouring members of a disc, in edge lengths. */
const DISC_STEP = 0.7;

/** Undirected adjacency of the batch in CSR form (offsets + targets), edges to outside nodes ignored. */
function adjacency(n: number, index: Map<string, number>, edges: readonly Pick<GEdge, "from" | "to">[]): { off: Int32Array; adj: Int32Array } {
  const deg = new Int32Array(n + 1);
  const ends: number[] = [];
  for (const e of edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined || b === undefined || a === b) continue;
    ends.push(a, b);
    deg[a + 1] = (deg[a + 1] ?? 0) + 1;
    deg[b + 1] = (deg[b + 1] ?? 0) + 1;
  }
  for (let i = 0; i < n; i++) deg[i + 1] = (deg[i + 1] ?? 0) + (deg[i] ?? 0);
  const off = deg;
  const fill = off.slice(0, n);
  const adj = new Int32Array(ends.length);
  for (let k = 0; k < ends.length; k += 2) {
    const a = ends[k] ?? 0;
    const b = ends[k + 1] ?? 0;
    const at = fill[a] ?? 0;
    adj[at] = b;
    fill[a] = at + 1;
    const bt = fill[b] ?? 0;
    adj[bt] = a;
    fill[b] = bt + 1;
  }
  return { off, adj };
}

/** A cheap integer hash: ties between labels are broken by it, not by the smallest label (which floods). */
function mix(label: number, node: number): number {
  return Math.imul(label ^ Math.imul(node, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

/** Label propagation: each node takes the label most of its neighbours carry (ties keep the current label, else a hashed pick). */
export function communities(n: number, off: Int32Array, adj: Int32Array): Int32Array {
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) label[i] = i;
  const count = new Int32Array(n);
  const touched: number[] = [];
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const from = off[i] ?? 0;
      const to = off[i + 1] ?? 0;
      if (from === to) continue;
      for (let k = from; k < to; k++) {
        const l = label[adj[k] ?? 0] ?? 0;
        if (count[l] === 0) touched.push(l);
        count[l] = (count[l] ?? 0) + 1;
      }
      const own = label[i] ?? 0;
      let best = own;
      let bestCount = count[own] ?? 0;
      for (const l of touched) {
        const c = count[l] ?? 0;
        if (c > bestCount || (c === bestCount && best !== own && mix(l, i) < mix(best, i))) {
          best = l;
          bestCount = c;
        }
        count[l] = 0;
      }
      touched.length = 0;
      if (best !== own) {
        label[i] = best;
        changed++;
      }
    }
    if (changed === 0) break;
  }
  return label;
}

/**
 * Positions for `ids` around `centre`, `spacing` being the canvas's typical
 * edge length. Deterministic: the same batch gets the same picture.
 */
export function packByCommunity(ids: readonly string[], edges: readonly Pick<GEdge, "from" | "to">[], centre: Point, spacing: number): Map<string, Point> {
  const n = ids.length;
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const { off, adj } = adjacency(n, index, edges);
  const label = communities(n, off, adj);

  // Members of each community, the best connected first, then breadth-first from it.
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const l = label[i] ?? 0;
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  }
  const degree = (i: number) => (off[i + 1] ?? 0) - (off[i] ?? 0);
  const seen = new Uint8Array(n);
  const ordered = [...groups.values()].map((members) => {
    let root = members[0] ?? 0;
    for (const m of members) if (degree(m) > degree(root)) root = m;
    const order = [root];
    seen[root] = 1;
    for (let h = 0; h < order.length; h++) {
      const v = order[h] ?? 0;
      for (let k = off[v] ?? 0; k < (off[v + 1] ?? 0); k++) {
        const w = adj[k] ?? 0;
        if (seen[w] === 0 && label[w] === label[root]) {
          seen[w] = 1;
          order.push(w);
        }
      }
    }
    // Members reached only through other communities come last.
    for (const m of members) if (seen[m] === 0) {
      seen[m] = 1;
      order.push(m);
    }
    return order;
  });
  ordered.sort((a, b) => b.length - a.length || (a[0] ?? 0) - (b[0] ?? 0));

  const out = new Map<string, Point>();
  const step = spacing * DISC_STEP;
  // Discs on a sunflower spiral: the k-th disc's centre sits at the radius of the area taken so far.
  let area = 0;
  ordered.forEach((members, c) => {
    const radius = step * Math.sqrt(members.length);
    let cx = centre.x;
    let cy = centre.y;
    if (c > 0) {
      const r = step * Math.sqrt(area + members.length / 2) * 1.15 + radius * 0.5;
      const angle = c * GOLDEN_ANGLE;
      cx += r * Math.cos(angle);
      cy += r * Math.sin(angle);
    }
    area += members.length;
    members.forEach((m, k) => {
      const r = step * Math.sqrt(k);
      const angle = k * GOLDEN_ANGLE;
      out.set(ids[m] ?? "", { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) });
    });
  });
  return out;
}
