import { describe, expect, it } from "vitest";
import type { NeighborOptions, RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import type { GNode, Subgraph } from "../types";
import { DEFAULT_EXPAND, type ExpandFilters } from "../ui/expandForm";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { edge, EXCHANGE, MIXER, node, PEEL1, THEFT, wallet } from "../testing/fixtures";
import { EditsController } from "./edits";
import { Requests } from "./ports";

function setup(neighbors?: (id: string, o: NeighborOptions) => Promise<Subgraph>, answer: ExpandFilters | null = null) {
  const graph = caseGraph();
  const notify = recordingNotify();
  const effects = recordingEffects();
  const picks: Selection[] = [];
  const unselected: string[] = [];
  const asked: GNode[] = [];
  const initials: ExpandFilters[] = [];
  let removed = 0;
  let fits = 0;
  const client: Pick<RedthreadClient, "neighbors" | "edges"> = {
    neighbors: neighbors ?? (() => Promise.reject(new Error("not asked"))),
    // A judgement between the two ends, and one elsewhere (not drawn).
    edges: (ids) => Promise.resolve(ids.map((id) => {
      const [from = "", kind = "", to = ""] = id.split(">");
      return from && to ? edge(from, kind as "SAME_AS", to) : null;
    })),
  };
  const edits = new EditsController({
    graph, client, requests: new Requests(notify), notify, layout: { settle: () => undefined }, effects,
    select: (s) => { picks.push(s); },
    unselect: (id) => { unselected.push(id); },
    removed: () => { removed++; },
    toggleGroup: () => undefined,
    askExpand: (n, initial) => {
      asked.push(n);
      initials.push(initial);
      return Promise.resolve(answer);
    },
    fit: () => { fits++; },
  });
  return { graph, edits, notify, effects, picks, unselected, asked, initials, removed: () => removed, fits: () => fits };
}

const sub = (nodes: GNode[], edges: Subgraph["edges"] = []): Subgraph => ({ nodes, edges, truncated: false, reason: null });

describe("EditsController", () => {
  it("adds a search hit once, selects it and fits the view", () => {
    const { graph, edits, effects, picks, fits } = setup();
    const n = wallet("wallet:eth:0xnew");
    edits.addFromSearch(n);
    expect(graph.hasNode(n.id)).toBe(true);
    expect(picks.at(-1)).toEqual({ type: "node", id: n.id });
    expect(effects.calls).toEqual(["merged", "commit"]);
    expect(fits()).toBe(1);
    edits.addFromSearch(n);
    expect(effects.calls).toEqual(["merged", "commit"]);
  });

  it("puts a same-actor pair on the canvas with the judgement between them, and nothing else", async () => {
    const { graph, edits, effects, picks } = setup();
    const a = node("organization:ofac-sdn-44437", "ORGANIZATION", "SINBAD");
    const b = node("service:sinbad.io", "SERVICE", "sinbad.io");
    const judgement = `${a.id}>SAME_AS>${b.id}`;
    await edits.addPair(a, b, [judgement, `${a.id}>SAME_AS>service:elsewhere`]);
    expect(graph.hasNode(a.id) && graph.hasNode(b.id)).toBe(true);
    expect(graph.hasEdge(judgement)).toBe(true);
    expect(graph.hasNode("service:elsewhere")).toBe(false);
    expect(picks.at(-1)).toEqual({ type: "node", id: a.id });
    expect(effects.calls).toEqual(["merged", "commit"]);
    await edits.addPair(a, b, [judgement]);
    expect(effects.calls).toEqual(["merged", "commit"]);
  });

  it("expands a node with the default filters and merges its neighbours", async () => {
    let opts: NeighborOptions | undefined;
    const n = wallet("wallet:eth:0xnext");
    const { graph, edits, effects } = setup((_id, o) => {
      opts = o;
      return Promise.resolve(sub([n], [edge(PEEL1, "TRANSFER", n.id)]));
    });
    await edits.expand(PEEL1);
    expect(opts).toEqual({ direction: "BOTH", depth: 1, limit: 50 });
    expect(graph.hasEdge(`${PEEL1}>TRANSFER>${n.id}`)).toBe(true);
    expect(effects.calls).toEqual(["merged", "commit"]);
  });

  it("warns when an expansion brings nothing new", async () => {
    const { edits, notify, effects } = setup(() => Promise.resolve(sub([])));
    await edits.expand(PEEL1);
    expect(notify.told.at(-1)).toMatchObject({ kind: "warn", testid: "nothing-new-notice", text: "0xpeel1: no new neighbours." });
    expect(effects.calls).toEqual([]);
  });

  it("asks before expanding a hub and remembers the answer", async () => {
    const answer: ExpandFilters = { direction: "OUT", edgeKinds: ["TRANSFER"], nodeKinds: ["WALLET"], since: null, until: null, minUSD: null, limit: 10, depth: 1 };
    const seen: NeighborOptions[] = [];
    const { graph, edits, asked } = setup((_id, o) => {
      seen.push(o);
      return Promise.resolve(sub([]));
    }, answer);
    graph.setNodeAttribute(EXCHANGE, "data", { ...graph.getNodeAttribute(EXCHANGE, "data"), degree: 5000 });
    await edits.expand(EXCHANGE);
    expect(asked.map((n) => n.id)).toEqual([EXCHANGE]);
    expect(seen[0]).toMatchObject({ direction: "OUT", limit: 10, edgeKinds: ["TRANSFER"] });
    await edits.expand(PEEL1);
    expect(seen[1]).toMatchObject({ direction: "OUT", limit: 10 });
  });

  it("forgets the remembered filters on reset: the next hub expansion starts from the defaults", async () => {
    const answer: ExpandFilters = { direction: "OUT", edgeKinds: ["TRANSFER"], nodeKinds: ["WALLET"], since: null, until: null, minUSD: 1000, limit: 10, depth: 2 };
    const { graph, edits, initials: initial } = setup(() => Promise.resolve(sub([])), answer);
    graph.setNodeAttribute(EXCHANGE, "data", { ...graph.getNodeAttribute(EXCHANGE, "data"), degree: 5000 });
    await edits.expand(EXCHANGE);
    await edits.expand(EXCHANGE);
    expect(initial[1]).toEqual(answer);
    edits.resetExpandDefaults();
    expect(edits.expandFilters).toEqual(DEFAULT_EXPAND);
    await edits.expand(EXCHANGE);
    expect(initial[2]).toEqual(DEFAULT_EXPAND);
  });

  it("does not expand when the dialog is cancelled", async () => {
    const { edits, asked } = setup(() => Promise.reject(new Error("must not be asked")));
    await edits.expandWithDialog(PEEL1);
    expect(asked.length).toBe(1);
  });

  it("removes, hides, shows, pins and annotates, one undo step each", () => {
    const { graph, edits, effects, unselected, removed } = setup();
    edits.remove([MIXER]);
    expect(graph.hasNode(MIXER)).toBe(false);
    expect(unselected).toEqual([MIXER]);
    expect(removed()).toBe(1);
    edits.hide([THEFT]);
    expect(graph.getNodeAttribute(THEFT, "userHidden")).toBe(true);
    edits.showHidden();
    expect(graph.getNodeAttribute(THEFT, "userHidden")).toBeUndefined();
    edits.togglePinned([THEFT, PEEL1]);
    expect(graph.getNodeAttribute(PEEL1, "pinned")).toBe(true);
    edits.togglePinned([THEFT, PEEL1]);
    expect(graph.getNodeAttribute(PEEL1, "pinned")).toBe(false);
    edits.annotate(THEFT, "  first hop  ");
    expect(graph.getNodeAttribute(THEFT, "annotation")).toBe("first hop");
    edits.annotate(THEFT, " ");
    expect(graph.getNodeAttribute(THEFT, "annotation")).toBeUndefined();
    expect(effects.count("commit")).toBe(7);
  });
});
