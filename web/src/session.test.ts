import { describe, expect, it } from "vitest";
import { chunks, fetchView, sinkEdgeIds } from "./session";
import { edge, node } from "./testing/fixtures";
import type { GEdge, GNode } from "./types";

describe("chunks", () => {
  it.each([
    { n: 0, size: 3, want: [] as number[] },
    { n: 3, size: 3, want: [3] },
    { n: 7, size: 3, want: [3, 3, 1] },
  ])("splits $n ids by $size", ({ n, size, want }) => {
    const ids = Array.from({ length: n }, (_, i) => i);
    const got = chunks(ids, size);
    expect(got.map((c) => c.length)).toEqual(want);
    expect(got.flat()).toEqual(ids);
  });
});

describe("fetchView", () => {
  it("asks in chunks and keeps only what exists", async () => {
    const asked: string[][] = [];
    const client = {
      nodes: (ids: string[]) => {
        asked.push(ids);
        return Promise.resolve(ids.map((id): GNode | null => (id.endsWith("gone") ? null : node(id))));
      },
      edges: (ids: string[]) => Promise.resolve(ids.map((id): GEdge | null => (id === "a>TRANSFER>b" ? edge("a", "TRANSFER", "b") : null))),
    };
    const ids = Array.from({ length: 1001 }, (_, i) => `wallet:eth:${i}`);
    ids[5] = "wallet:eth:gone";
    const got = await fetchView(client, ids, ["a>TRANSFER>b", "c>TRANSFER>d"]);
    expect(asked.map((c) => c.length)).toEqual([500, 500, 1]);
    expect(got.nodes).toHaveLength(1000);
    expect(got.edges).toHaveLength(1);
  });
});

describe("sinkEdgeIds", () => {
  it("names both ways a wallet can belong to a service", () => {
    expect(sinkEdgeIds("service:x", ["wallet:eth:0x1"])).toEqual(["service:x>CONTROLS>wallet:eth:0x1", "wallet:eth:0x1>DEPOSITED_AT>service:x"]);
  });
});
