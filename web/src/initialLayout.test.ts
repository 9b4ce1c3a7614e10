import { describe, expect, it } from "vitest";
import { communities, packByCommunity } from "./initialLayout";

/** Two cliques of `k` joined by one edge, as edges between "a0".."a{k-1}" and "b0".."b{k-1}". */
function twoCliques(k: number): { ids: string[]; edges: { from: string; to: string }[] } {
  const ids: string[] = [];
  const edges: { from: string; to: string }[] = [];
  for (const side of ["a", "b"]) {
    for (let i = 0; i < k; i++) {
      ids.push(`${side}${i}`);
      for (let j = 0; j < i; j++) edges.push({ from: `${side}${i}`, to: `${side}${j}` });
    }
  }
  edges.push({ from: "a0", to: "b0" });
  return { ids, edges };
}

const dist = (p: { x: number; y: number }, q: { x: number; y: number }) => Math.hypot(p.x - q.x, p.y - q.y);

describe("communities", () => {
  it("finds two cliques joined by one edge", () => {
    // a path 0-1-2 and a triangle 3-4-5, as CSR
    const off = Int32Array.from([0, 1, 3, 4, 6, 8, 10]);
    const adj = Int32Array.from([1, 0, 2, 1, 4, 5, 3, 5, 3, 4]);
    const label = communities(6, off, adj);
    expect(label[3]).toBe(label[4]);
    expect(label[4]).toBe(label[5]);
    expect(label[0]).not.toBe(label[3]);
  });
});

describe("packByCommunity", () => {
  it("places every node, deterministically, around the centre", () => {
    const { ids, edges } = twoCliques(60);
    const a = packByCommunity(ids, edges, { x: 5, y: -3 }, 10);
    const b = packByCommunity(ids, edges, { x: 5, y: -3 }, 10);
    expect(a.size).toBe(ids.length);
    expect([...a.entries()]).toEqual([...b.entries()]);
    for (const p of a.values()) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true);
  });

  it("keeps a community together: members are nearer their own than the other's", () => {
    const { ids, edges } = twoCliques(60);
    const pos = packByCommunity(ids, edges, { x: 0, y: 0 }, 10);
    const centroid = (side: string) => {
      const ps = ids.filter((id) => id.startsWith(side)).map((id) => pos.get(id) ?? { x: NaN, y: NaN });
      return { x: ps.reduce((s, p) => s + p.x, 0) / ps.length, y: ps.reduce((s, p) => s + p.y, 0) / ps.length };
    };
    const ca = centroid("a");
    const cb = centroid("b");
    // Each clique's members lie, on average, well within half the distance between the two.
    const gap = dist(ca, cb);
    for (const [side, c] of [["a", ca], ["b", cb]] as const) {
      const ps = ids.filter((id) => id.startsWith(side)).map((id) => pos.get(id) ?? { x: NaN, y: NaN });
      expect(ps.reduce((s, p) => s + dist(p, c), 0) / ps.length).toBeLessThan(gap / 2);
    }
  });

  it("spreads nodes: no two share a place", () => {
    const ids = Array.from({ length: 500 }, (_, i) => `n${i}`);
    const pos = packByCommunity(ids, [], { x: 0, y: 0 }, 10);
    const keys = new Set([...pos.values()].map((p) => `${p.x.toFixed(3)},${p.y.toFixed(3)}`));
    expect(keys.size).toBe(ids.length);
  });
});
