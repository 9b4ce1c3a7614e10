import { describe, expect, it } from "vitest";
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import type { NearestTarget } from "../gql/graphql";
import type { PathActions } from "../ui/pathPanel";
import type { PathList } from "../types";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { launderingCase, PEEL1, PEEL2, THEFT } from "../testing/fixtures";
import { Requests } from "./ports";
import { TraceController } from "./trace";

type Client = Pick<RedthreadClient, "paths" | "shortestPath" | "nearest" | "moneyFlow" | "edges">;

function setup(nearest: Client["nearest"]) {
  const selected: Selection[] = [];
  // The actions the panel is given, as the panel would call them.
  const panel: { actions?: PathActions } = {};
  const notAsked = () => Promise.reject(new Error("not asked"));
  const graph = caseGraph();
  const trace = new TraceController({
    graph,
    client: { nearest, paths: notAsked, shortestPath: notAsked, moneyFlow: notAsked, edges: () => Promise.resolve([]), nodes: notAsked },
    requests: new Requests(recordingNotify()),
    layout: { settle: () => undefined, stop: () => undefined },
    effects: recordingEffects(),
    select: (s) => { selected.push(s); },
    view: { render: (_v, a) => { panel.actions = a; } },
  });
  trace.render();
  const actions = () => panel.actions!;
  return { graph, trace, selected, actions };
}

describe("TraceController, nearest of a kind", () => {
  it("asks for the nearest matches from the start alone and lists their paths", async () => {
    const c = launderingCase();
    const ids = [THEFT, PEEL1, PEEL2];
    const path = {
      nodes: ids.map((id) => c.nodes.find((n) => n.id === id)!),
      edges: ids.slice(1).map((to, i) => c.edges.find((e) => e.from === ids[i] && e.to === to)!),
      length: 2, truncated: false, reason: null,
    };
    const asked: { from: string; target: NearestTarget; k: number }[] = [];
    const { graph, trace, selected, actions } = setup((from, target, k) => {
      asked.push({ from, target, k });
      const list: PathList = { paths: [path], skippedHubs: [], truncated: false, reason: null };
      return Promise.resolve(list);
    });
    trace.setEnd("from", THEFT);
    actions().setMode("nearest");
    actions().setParams({ target: "program:dprk3", k: 4 });
    await trace.find();
    expect(asked).toEqual([{ from: THEFT, target: { program: "DPRK3" }, k: 4 }]);
    const r = trace.path.result;
    expect(r?.kind).toBe("paths");
    if (r?.kind !== "paths") return;
    expect(r.toLabel).toBe("the nearest designation under DPRK3");
    expect(r.paths.map((p) => p.hops.map((hp) => hp.to.id))).toEqual([[PEEL1, PEEL2]]);
    expect(graph.filterNodes((_id, a) => a.onPath === true).sort()).toEqual([PEEL1, PEEL2, THEFT].sort());

    const edgeId = r.paths[0]!.hops[1]!.edge.id;
    actions().selectEdge(edgeId);
    expect(selected.at(-1)).toEqual({ type: "edge", id: edgeId });
  });

  it("does not search with a target that needs a value and has none", async () => {
    const asked: string[] = [];
    const { trace, actions } = setup((from) => {
      asked.push(from);
      return Promise.resolve({ paths: [], skippedHubs: [], truncated: false, reason: null });
    });
    trace.setEnd("from", THEFT);
    actions().setMode("nearest");
    actions().setParams({ target: "category:" });
    await trace.find();
    expect(asked).toEqual([]);
    expect(trace.path.result).toBeNull();
  });
});
