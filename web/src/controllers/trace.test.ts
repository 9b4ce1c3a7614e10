import { describe, expect, it, vi } from "vitest";
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import type { GEdge, MoneyFlow, Path } from "../types";
import type { PathActions, PathView } from "../ui/pathPanel";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { edge, EXCHANGE, launderingCase, MIXER, PEEL1, PEEL2, THEFT, wallet } from "../testing/fixtures";
import { Requests } from "./ports";
import { TraceController } from "./trace";

type Client = Pick<RedthreadClient, "paths" | "shortestPath" | "nearest" | "moneyFlow" | "edges" | "nodes">;

function pathOf(ids: string[]): Path {
  const c = launderingCase();
  const nodes = ids.map((id) => c.nodes.find((n) => n.id === id) ?? wallet(id));
  const edges: GEdge[] = ids.slice(1).map((to, i) => c.edges.find((e) => e.from === ids[i] && e.to === to) ?? edge(ids[i]!, "TRANSFER", to));
  return { nodes, edges, length: edges.length, truncated: false, reason: null };
}

function setup(client: Partial<Client> = {}) {
  const graph = caseGraph();
  const notify = recordingNotify();
  const effects = recordingEffects();
  const selected: Selection[] = [];
  const renders: PathView[] = [];
  const asked: unknown[] = [];
  let actions: PathActions | undefined;
  const fake: Client = {
    shortestPath: (from, to, opts) => {
      asked.push({ from, to, opts });
      return Promise.resolve(pathOf([THEFT, PEEL1, PEEL2]));
    },
    paths: () => Promise.reject(new Error("not asked")),
    nearest: () => Promise.reject(new Error("not asked")),
    moneyFlow: () => Promise.reject(new Error("not asked")),
    edges: () => Promise.resolve([]),
    nodes: () => Promise.reject(new Error("not asked")),
    ...client,
  };
  const trace = new TraceController({
    graph,
    client: fake,
    requests: new Requests(notify),
    layout: { settle: () => undefined, stop: () => undefined },
    effects,
    select: (s) => { selected.push(s); },
    view: {
      render: (v, a) => {
        renders.push(structuredClone(v));
        actions = a;
      },
    },
  });
  return { graph, trace, notify, effects, selected, renders, asked, actions: () => actions! };
}

describe("TraceController", () => {
  it("picks the start, then the end, with shift-clicks", () => {
    const { trace, selected, effects } = setup();
    trace.pick(THEFT);
    trace.pick(THEFT);
    expect(trace.path.ends.to).toEqual([]);
    trace.pick(PEEL2);
    expect(trace.path.ends.from.map((e) => e.id)).toEqual([THEFT]);
    expect(trace.path.ends.to).toEqual([{ id: PEEL2, label: "0xpeel2", kind: "WALLET" }]);
    expect(selected.at(-1)).toEqual({ type: "node", id: PEEL2 });
    expect(effects.count("viewChanged")).toBe(2);
  });

  it("finds the shortest path, highlights it and records an undo step", async () => {
    const { graph, trace, effects, asked, renders, notify } = setup();
    trace.setEnd("from", THEFT);
    trace.setEnd("to", PEEL2);
    await trace.find();
    expect(asked).toEqual([{ from: THEFT, to: PEEL2, opts: { direction: "BOTH", maxHops: 10 } }]);
    const r = trace.path.result;
    expect(r?.kind).toBe("paths");
    if (r?.kind !== "paths") return;
    expect(r.paths.map((p) => p.hops.map((hp) => hp.to.id))).toEqual([[PEEL1, PEEL2]]);
    expect(trace.path.highlighted).toBe(true);
    expect(graph.filterNodes((_id, a) => a.onPath === true).sort()).toEqual([PEEL1, PEEL2, THEFT].sort());
    expect(effects.count("commit")).toBe(1);
    expect(trace.path.loading).toBe(false);
    expect(renders.some((v) => v.loading)).toBe(true);
    expect(notify.open.size).toBe(0);

    trace.clearHighlight();
    expect(graph.someNode((_id, a) => a.onPath === true)).toBe(false);
    expect(trace.path.highlighted).toBe(false);
  });

  it("does not search without both ends, and shows a failure with a retry", async () => {
    const { trace, notify } = setup({ shortestPath: () => Promise.reject(new Error("boom")) });
    await trace.find();
    expect(notify.told).toEqual([]);
    trace.setEnd("from", THEFT);
    trace.setEnd("to", PEEL2);
    await trace.find();
    expect(notify.told.at(-1)).toMatchObject({ kind: "error", text: `Finding a path from 0xtheft to 0xpeel2: boom` });
    expect(notify.told.at(-1)?.retry).toBeTypeOf("function");
    expect(trace.path.loading).toBe(false);
  });

  it("traces a money flow from several sources and highlights it", async () => {
    const c = launderingCase();
    const flow = flowOf(c, []);
    let asked: { from: string[]; to: string[] | undefined } | undefined;
    const { graph, trace } = setup({
      moneyFlow: (from, opts) => {
        asked = { from, to: opts?.to };
        return Promise.resolve(flow);
      },
    });
    trace.addFlowEnd("from", PEEL1);
    trace.addFlowEnd("from", PEEL2);
    trace.addFlowEnd("from", PEEL2);
    expect(trace.path.mode).toBe("flow");
    await trace.find();
    expect(asked).toEqual({ from: [PEEL1, PEEL2], to: undefined });
    expect(trace.path.result?.kind).toBe("flow");
    expect(graph.getNodeAttribute(MIXER, "onPath")).toBe(true);
    expect(graph.getNodeAttribute(EXCHANGE, "onPath")).toBeFalsy();
  });

  it("ranks the flow as chosen and looks up the labels of the nodes its routes name", async () => {
    const c = launderingCase();
    const route = {
      value: null, amount: { asset: "ETH", amount: 2 }, alike: 3, sink: MIXER, usdFrom: null,
      hops: [{ from: PEEL1, to: "wallet:eth:0xelsewhere", edge: null, service: "service:bridge", time: null, value: null, tainted: null, amount: null, taintedAmount: null, usdFrom: null, price: null }],
    };
    const asked: { rankBy?: string; rankAsset?: string }[] = [];
    let looked: string[] = [];
    const { trace, actions } = setup({
      moneyFlow: (_from, opts) => {
        asked.push({ rankBy: opts?.rankBy, rankAsset: opts?.rankAsset });
        return Promise.resolve(flowOf(c, [route]));
      },
      nodes: (ids) => {
        looked = ids;
        return Promise.resolve(ids.map((id) => (id === "service:bridge" ? { ...c.nodes[0]!, id, label: "Bridge" } : null)));
      },
    });
    trace.addFlowEnd("from", PEEL1);
    await trace.find();
    expect(asked).toEqual([{ rankBy: undefined, rankAsset: undefined }]);
    expect(looked.sort()).toEqual(["service:bridge", "wallet:eth:0xelsewhere"]);
    const r = trace.path.result;
    expect(r?.kind === "flow" ? r.labels["service:bridge"]?.label : null).toBe("Bridge");
    expect(trace.path.rank).toBeNull();
    // The panel's choice goes to the server, which ranks.
    actions().rankFlow("ASSET", "BTC");
    await vi.waitFor(() => { expect(asked).toHaveLength(2); });
    expect(asked[1]).toEqual({ rankBy: "ASSET", rankAsset: "BTC" });
    expect(trace.path.rank).toEqual({ by: "ASSET", asset: "BTC" });
  });

  it("keeps a highlighted flow's labels, and an opened route's; a path keeps all of its own", async () => {
    const c = launderingCase();
    const hop = (from: string, to: string) => {
      const e = c.edges.find((x) => x.from === from && x.to === to);
      return { from, to, edge: e ? { id: e.id } : null, service: null, time: null, value: null, tainted: null, usdFrom: null, price: null, amount: null, taintedAmount: null };
    };
    const routes = [
      { value: null, usdFrom: null, amount: { asset: "ETH", amount: 2 }, alike: 1, sink: MIXER, hops: [hop(THEFT, PEEL1), hop(PEEL1, MIXER)] },
      { value: null, usdFrom: null, amount: { asset: "ETH", amount: 1 }, alike: 1, sink: MIXER, hops: [hop(THEFT, PEEL2), hop(PEEL2, MIXER)] },
    ];
    const { trace, actions, effects } = setup({ moneyFlow: () => Promise.resolve(flowOf(c, routes)), nodes: (ids) => Promise.resolve(ids.map(() => null)) });
    expect(trace.flowLabels).toBeNull();
    trace.addFlowEnd("from", THEFT);
    await trace.find();
    const first = trace.flowLabels;
    expect(first?.nodes.has(THEFT)).toBe(true);
    expect(first?.nodes.has(MIXER)).toBe(true);
    expect(trace.flowLabels).toBe(first); // computed once per answer and route
    const redraws = effects.count("redraw");
    actions().highlightRoute(1);
    expect(trace.path.route).toBe(1);
    expect(effects.count("redraw")).toBe(redraws + 1);
    const opened = trace.flowLabels!;
    expect(opened).not.toBe(first);
    expect(opened.nodes.has(PEEL2)).toBe(true);
    for (const hp of routes[1]!.hops) if (hp.edge) expect(opened.edges.has(hp.edge.id)).toBe(true);
    actions().highlightRoute(1); // the same route again: nothing to redraw
    expect(effects.count("redraw")).toBe(redraws + 1);
    trace.clearHighlight();
    expect(trace.flowLabels).toBeNull();
  });

  it("saves the search with a case and loads it back, leaving out ends not on the canvas", () => {
    const { trace } = setup();
    expect(trace.casePath()).toBeUndefined();
    trace.addFlowEnd("from", THEFT);
    trace.addFlowEnd("to", MIXER);
    const saved = trace.casePath()!;
    expect(saved).toMatchObject({ mode: "flow", from: [THEFT], to: [MIXER] });
    trace.load({ ...saved, from: [THEFT, "wallet:eth:0xgone"], params: { ...saved.params, maxHops: 4 } });
    expect(trace.path.ends.from.map((e) => e.id)).toEqual([THEFT]);
    expect(trace.path.params.maxHops).toBe(4);
    trace.reset();
    expect(trace.path.ends.from).toEqual([]);
    expect(trace.path.mode).toBe("flow");
    expect(trace.path.params.maxHops).toBe(4);
  });

  it("drops ends that left the canvas", () => {
    const { graph, trace } = setup();
    trace.setEnd("from", THEFT);
    trace.setEnd("to", PEEL2);
    graph.dropNode(PEEL2);
    trace.dropMissingEnds();
    expect(trace.path.ends.to).toEqual([]);
    expect(trace.path.ends.from.length).toBe(1);
  });
});

/** A flow answer to the laundering case: its mixer the one sink, with the routes given. */
function flowOf(c: ReturnType<typeof launderingCase>, routes: MoneyFlow["routes"]): MoneyFlow {
  const mixer = c.nodes.find((n) => n.id === MIXER)!;
  const tainted = c.edges
    .filter((e) => e.to === MIXER)
    .map((e) => ({ tainted: 1, taintedAmount: { asset: "ETH", amount: 1 }, edge: { ...e, fromNode: c.nodes.find((n) => n.id === e.from) ?? null, toNode: mixer } }));
  return {
    taint: "HAIRCUT", sources: [], sourceValue: 0, sourceAmounts: [{ asset: "ETH", amount: 1 }], stolen: null, priced: true, rankedBy: "USD", assetOrder: ["ETH"],
    routes, routeCount: 3, tainted, truncated: false, reason: null, prices: [], pricedFromTable: 0, valuation: "",
    sinks: [{ node: mixer, category: "mixer", wallets: [], valueUSD: 1, usdFrom: ["TRANSFER"], amounts: [{ asset: "ETH", amount: 1 }], unpriced: [], routes: 3, firstArrival: null, lastArrival: null, summary: "" }],
  };
}

