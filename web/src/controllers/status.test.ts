import { describe, expect, it } from "vitest";
import type { Stats } from "../types";
import { caseGraph, recordingNotify } from "../testing/controllers";
import { MIXER, wallet } from "../testing/fixtures";
import { mergeSubgraph } from "../graphModel";
import { Requests } from "./ports";
import { StatusController, type StatusState } from "./status";

function setup(stats: () => Promise<Stats>) {
  const graph = caseGraph();
  const notify = recordingNotify();
  const requests = new Requests(notify);
  const shown: StatusState[] = [];
  const frames: (() => void)[] = [];
  const status = new StatusController(graph, { stats }, requests, notify, { render: (s) => { shown.push(s); } }, (fn) => { frames.push(fn); });
  return { graph, status, notify, requests, shown, frames };
}

const stats: Stats = { nodes: 1200, edges: 3400 };

describe("StatusController", () => {
  it("shows the server's size once loaded, and the canvas's counts", async () => {
    const { graph, status, shown, requests } = setup(() => Promise.resolve(stats));
    const loading = status.load();
    expect(requests.pending).toBe(1);
    await loading;
    expect(requests.pending).toBe(0);
    expect(shown.at(-1)).toEqual({ server: { nodes: 1200, edges: 3400 }, error: null, nodes: graph.order, edges: graph.size, visible: graph.order, hidden: 0 });
  });

  it("counts hidden nodes apart from the ones drawn", () => {
    const { graph, status } = setup(() => Promise.resolve(stats));
    graph.setNodeAttribute(MIXER, "userHidden", true);
    expect(status.state()).toMatchObject({ visible: graph.order - 1, hidden: 1 });
  });

  it("shows a failure with a retry that loads again", async () => {
    let calls = 0;
    const { status, notify, shown } = setup(() => (++calls === 1 ? Promise.reject(new Error("down")) : Promise.resolve(stats)));
    await status.load();
    expect(shown.at(-1)).toMatchObject({ server: null, error: "down" });
    const err = notify.told.find((t) => t.kind === "error")!;
    expect(err.text).toBe("Loading graph statistics: down");
    err.retry!();
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toBe(2);
    await new Promise((r) => setTimeout(r, 0));
    expect(shown.at(-1)).toMatchObject({ server: { nodes: 1200 }, error: null });
  });

  it("re-counts once per frame however many changes the graph had", () => {
    const { graph, shown, frames } = setup(() => Promise.resolve(stats));
    mergeSubgraph(graph, { nodes: [wallet("wallet:eth:0xa"), wallet("wallet:eth:0xb")], edges: [] });
    graph.dropNode(MIXER);
    expect(frames.length).toBe(1);
    frames.shift()!();
    expect(shown.length).toBe(1);
    expect(shown[0]!.nodes).toBe(graph.order);
    graph.dropNode("wallet:eth:0xa");
    expect(frames.length).toBe(1);
  });
});
