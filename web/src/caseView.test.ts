import { describe, expect, it } from "vitest";
import {
  MAX_HASH_LENGTH,
  ViewTooLargeError,
  applyCaseView,
  captureView,
  decodeHash,
  encodeViewToHash,
  validateCaseView,
  type CaseView,
} from "./caseView";
import { createGraph, edgeVisible, mergeSubgraph, nodeVisible, type RGraph } from "./graphModel";
import { collapseGroup, expandGroup, groupId } from "./groups";
import {
  DEPOSIT,
  EXCHANGE,
  FRONT,
  HEIST,
  LAZARUS,
  MIXER,
  PEEL1,
  PEEL2,
  PEEL3,
  PERSONA,
  THEFT,
  bigCase,
  launderingCase,
} from "./testing/fixtures";
import { encodeView } from "./viewState";

const PEELS = [PEEL1, PEEL2, PEEL3];
const JUNE_2022 = { from: Date.parse("2022-06-01T00:00:00Z"), to: Date.parse("2022-06-30T23:59:59.999Z") };

function scenario(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}

/** A canvas an investigator worked on: moved, pinned, hid, annotated, grouped. */
function workedOn(): RGraph {
  const g = scenario();
  g.mergeNodeAttributes(LAZARUS, { x: 10.123456, y: -3.14159, pinned: true, fixed: true });
  g.mergeNodeAttributes(PERSONA, { userHidden: true });
  g.mergeNodeAttributes(DEPOSIT, { annotation: "KYC: opened 2023-01-10 with a forged passport" });
  collapseGroup(g, { members: PEELS, origin: "cluster", title: "Peel chain" });
  const open = collapseGroup(g, { members: [FRONT, PERSONA], origin: "persona", title: "IT-worker front" });
  expandGroup(g, open);
  return g;
}

describe("captureView", () => {
  it("keeps real nodes with rounded positions and flags, real edges, groups and extras", () => {
    const g = workedOn();
    const v = captureView(g, { filters: { hiddenKinds: ["LOCATION"] }, camera: { x: 0.5, y: 0.4, ratio: 1.2 }, selected: [MIXER], focus: MIXER, theme: "dark" });
    expect(v.v).toBe(1);
    expect(v.nodes).toHaveLength(11);
    expect(v.nodes.find((n) => n.id === LAZARUS)).toEqual({ id: LAZARUS, x: 10.12, y: -3.14, pinned: true });
    expect(v.nodes.find((n) => n.id === PERSONA)).toMatchObject({ hidden: true });
    expect(v.nodes.find((n) => n.id === DEPOSIT)!.note).toMatch(/forged passport/);
    expect(v.nodes.find((n) => n.id === MIXER)).toEqual({ id: MIXER, x: expect.any(Number) as number, y: expect.any(Number) as number });
    expect(v.edges).toHaveLength(12);
    expect(v.edges.some((e) => e.startsWith("agg:"))).toBe(false);
    expect(v.groups).toEqual([
      { id: groupId(PEELS), members: PEELS, origin: "cluster", title: "Peel chain", collapsed: true },
      { id: groupId([FRONT, PERSONA]), members: [FRONT, PERSONA], origin: "persona", title: "IT-worker front", collapsed: false },
    ]);
    expect(v).toMatchObject({ filters: { hiddenKinds: ["LOCATION"] }, camera: { x: 0.5, y: 0.4, ratio: 1.2 }, selected: [MIXER], focus: MIXER, theme: "dark" });
    expect(captureView(scenario())).not.toHaveProperty("camera");
    expect(captureView(scenario()).filters).toEqual({});
  });
});

describe("validateCaseView", () => {
  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(captureView(workedOn(), { filters: { window: JUNE_2022 }, path: { mode: "k", from: [LAZARUS], to: [EXCHANGE], params: { k: 3, dir: "OUT", illustrative: false } } }))) as Record<string, unknown>;

  it("accepts a captured view and returns an equal, clean copy", () => {
    const raw = good();
    raw.extra = "ignored";
    const v = validateCaseView(raw);
    expect(v).not.toHaveProperty("extra");
    expect(v).toEqual(captureView(workedOn(), { filters: { window: JUNE_2022 }, path: { mode: "k", from: [LAZARUS], to: [EXCHANGE], params: { k: 3, dir: "OUT", illustrative: false } } }));
    // Optional arrays may be left out.
    expect(validateCaseView({ v: 1, nodes: [] })).toEqual({ v: 1, nodes: [], edges: [], groups: [], filters: {} });
  });

  const bad: [string, (v: Record<string, unknown>) => unknown, RegExp][] = [
    ["not an object", () => "[]", /view: expected an object/],
    ["another version", (v) => ({ ...v, v: 2 }), /^case view: v: unsupported version/],
    ["nodes not an array", (v) => ({ ...v, nodes: {} }), /nodes: expected an array/],
    ["a position that is not a number", (v) => ({ ...v, nodes: [{ id: MIXER, x: "1", y: 0 }] }), /nodes\[0\]\.x: expected a finite number/],
    ["an infinite position", (v) => ({ ...v, nodes: [{ id: MIXER, x: 0, y: Infinity }] }), /nodes\[0\]\.y: expected a finite number/],
    ["an empty node ID", (v) => ({ ...v, nodes: [{ id: "", x: 0, y: 0 }] }), /nodes\[0\]\.id: empty ID/],
    ["a duplicate node", (v) => ({ ...v, nodes: [{ id: MIXER, x: 0, y: 0 }, { id: MIXER, x: 1, y: 1 }], groups: [] }), /nodes\[1\]\.id: duplicate node/],
    ["a pinned flag that is not boolean", (v) => ({ ...v, nodes: [{ id: MIXER, x: 0, y: 0, pinned: "yes" }] }), /nodes\[0\]\.pinned: expected true or false/],
    ["a huge note", (v) => ({ ...v, nodes: [{ id: MIXER, x: 0, y: 0, note: "x".repeat(10_001) }] }), /nodes\[0\]\.note: longer than 10000/],
    ["an edge ID that is not a string", (v) => ({ ...v, edges: [42] }), /edges\[0\]: expected a string/],
    ["a group member that is not a node of the view", (v) => ({ ...v, groups: [{ id: "group:x", members: ["wallet:eth:0xnowhere"], origin: "manual", title: "X", collapsed: true }] }), /groups\[0\]\.members\[0\]: wallet:eth:0xnowhere is not a node of the view/],
    [
      "a member in two groups",
      (v) => ({ ...v, groups: [{ id: "group:a", members: [MIXER], origin: "manual", title: "A", collapsed: true }, { id: "group:b", members: [MIXER], origin: "manual", title: "B", collapsed: true }] }),
      /groups\[1\]\.members\[0\]: .* is in another group/,
    ],
    ["a group ID that is a node", (v) => ({ ...v, groups: [{ id: MIXER, members: [EXCHANGE], origin: "manual", title: "A", collapsed: true }] }), /groups\[0\]\.id: .* already a node/],
    ["an empty group", (v) => ({ ...v, groups: [{ id: "group:a", members: [], origin: "manual", title: "A", collapsed: true }] }), /groups\[0\]\.members: empty group/],
    ["an unknown origin", (v) => ({ ...v, groups: [{ id: "group:a", members: [MIXER], origin: "rumour", title: "A", collapsed: true }] }), /groups\[0\]\.origin/],
    ["collapsed not boolean", (v) => ({ ...v, groups: [{ id: "group:a", members: [MIXER], origin: "manual", title: "A", collapsed: 1 }] }), /groups\[0\]\.collapsed/],
    ["a reversed window", (v) => ({ ...v, filters: { window: { from: 2, to: 1 } } }), /filters\.window: from is after to/],
    ["an unknown node kind", (v) => ({ ...v, filters: { hiddenKinds: ["WALLET", "UFO"] } }), /filters\.hiddenKinds\[1\]: not a node kind/],
    ["an unknown edge kind", (v) => ({ ...v, filters: { hiddenEdgeKinds: ["WALLET"] } }), /filters\.hiddenEdgeKinds\[0\]: not an edge kind/],
    ["an unknown path mode", (v) => ({ ...v, path: { mode: "bfs", from: [], to: [], params: {} } }), /path\.mode/],
    ["a path parameter that is an object", (v) => ({ ...v, path: { mode: "flow", from: [THEFT], to: [], params: { taint: { model: "FIFO" } } } }), /path\.params\.taint: expected a string, number or boolean/],
    ["a zero camera ratio", (v) => ({ ...v, camera: { x: 0, y: 0, ratio: 0 } }), /camera\.ratio: expected a positive number/],
    ["a selection that is not a list", (v) => ({ ...v, selected: MIXER }), /selected: expected an array/],
    ["a long theme", (v) => ({ ...v, theme: "x".repeat(101) }), /theme: longer than 100/],
  ];
  it.each(bad)("rejects %s, naming the field", (_name, mutate, error) => {
    expect(() => validateCaseView(mutate(good()))).toThrow(error);
  });

  it("does not carry prototype keys over", () => {
    const raw = JSON.parse(`{"v":1,"nodes":[],"__proto__":{"polluted":true},"path":{"mode":"k","from":[],"to":[],"params":{"__proto__":1}}}`) as unknown;
    const v = validateCaseView(raw);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(v.path!.params)).toBe(Object.prototype);
  });
});

describe("applyCaseView", () => {
  it("rebuilds a saved view on an empty canvas from fresh API data", () => {
    const source = workedOn();
    const view = captureView(source, { filters: { window: JUNE_2022 } });
    const g = createGraph();
    const r = applyCaseView(g, view, launderingCase());
    expect(r).toEqual({ missingNodes: [], missingEdges: [], droppedGroups: [], filtered: { hiddenNodes: 2, hiddenEdges: 2 } });
    expect(captureView(g, { filters: { window: JUNE_2022 } })).toEqual(view);
    expect(g.getNodeAttributes(LAZARUS)).toMatchObject({ x: 10.12, y: -3.14, pinned: true, fixed: true });
    expect(g.getNodeAttribute(DEPOSIT, "filteredOut")).toBe(true);
    expect(g.getNodeAttribute(PEEL1, "collapsedInto")).toBe(groupId(PEELS));
    expect(g.getEdgeAttribute(`agg:${groupId(PEELS)}:TRANSFER:${MIXER}:out`, "aggregate")!.edgeIds).toHaveLength(3);
    expect(nodeVisible(g.getNodeAttributes(groupId([FRONT, PERSONA])))).toBe(false);
    expect(edgeVisible(g, `${HEIST}>STOLE>${THEFT}`, g.getEdgeAttributes(`${HEIST}>STOLE>${THEFT}`))).toBe(true);
  });

  it("reports what the API no longer returns, and drops groups left without members", () => {
    const view = captureView(workedOn());
    const data = launderingCase();
    const gone = new Set([FRONT, PERSONA, EXCHANGE]);
    const r = applyCaseView(createGraph(), view, { nodes: data.nodes.filter((n) => !gone.has(n.id)), edges: data.edges.filter((e) => e.id !== `${HEIST}>STOLE>${THEFT}`) });
    expect(r.missingNodes.sort()).toEqual([...gone].sort());
    expect(r.missingEdges.sort()).toEqual(
      [`${HEIST}>STOLE>${THEFT}`, `${DEPOSIT}>DEPOSITED_AT>${EXCHANGE}`, `${FRONT}>EMPLOYS>${PERSONA}`, `${FRONT}>ASSOCIATED_WITH>${LAZARUS}`].sort(),
    );
    expect(r.droppedGroups).toEqual([groupId([FRONT, PERSONA])]);
  });

  it("turns a canvas into the view in place: other nodes go, kept ones move, flags follow the view", () => {
    const g = scenario();
    const same = g;
    mergeSubgraph(g, bigCase(20));
    g.mergeNodeAttributes(MIXER, { userHidden: true, annotation: "old note", pinned: true, fixed: true, dimmed: true });
    const stale = collapseGroup(g, { members: [THEFT], origin: "manual", title: "stale" });
    const view: CaseView = {
      v: 1,
      nodes: [
        { id: MIXER, x: 1, y: 2 },
        { id: DEPOSIT, x: 3, y: 4, note: "deposit" },
        { id: EXCHANGE, x: 5, y: 6 },
      ],
      edges: [`${MIXER}>TRANSFER>${DEPOSIT}`],
      groups: [{ id: "group:cash-out", members: [DEPOSIT, EXCHANGE], origin: "manual", title: "Cash-out", collapsed: true }],
      filters: {},
    };
    const r = applyCaseView(g, view, launderingCase());
    expect(g).toBe(same);
    expect(r.missingNodes).toEqual([]);
    expect(g.nodes().sort()).toEqual([MIXER, DEPOSIT, EXCHANGE, "group:cash-out"].sort());
    expect(g.hasNode(stale)).toBe(false);
    expect(g.getNodeAttributes(MIXER)).toMatchObject({ x: 1, y: 2, userHidden: false, pinned: false, fixed: false, dimmed: false, annotation: undefined });
    expect(g.getNodeAttribute(DEPOSIT, "annotation")).toBe("deposit");
    // Only the listed edge, folded into the group's aggregate.
    expect(g.edges().sort()).toEqual([`${MIXER}>TRANSFER>${DEPOSIT}`, `agg:group:cash-out:TRANSFER:${MIXER}:in`].sort());
    expect(g.getEdgeAttribute(`${MIXER}>TRANSFER>${DEPOSIT}`, "collapsedInto")).toBe("group:cash-out");
  });
});

describe("links", () => {
  it("round-trips a view through the URL fragment", async () => {
    const view = captureView(workedOn(), { filters: { window: JUNE_2022 }, selected: [MIXER] });
    const hash = await encodeViewToHash(view);
    expect(hash).toMatch(/^#v=[A-Za-z0-9_-]+$/);
    expect(hash.length).toBeLessThan(JSON.stringify(view).length);
    expect(await decodeHash(hash)).toEqual({ view });
  });

  it("refuses a view too large for a link", async () => {
    const g = createGraph();
    mergeSubgraph(g, bigCase(2000));
    const err = await encodeViewToHash(captureView(g)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ViewTooLargeError);
    expect((err as ViewTooLargeError).length).toBeGreaterThan(MAX_HASH_LENGTH);
    expect((err as Error).message).toMatch(/save it as a case/);
  });

  it.each<[string, string, Awaited<ReturnType<typeof decodeHash>>]>([
    ["a case", "#case=k3vqm2x7p4fzh6wd", { caseId: "k3vqm2x7p4fzh6wd" }],
    ["an old link", encodeView({ sel: MIXER, from: LAZARUS, to: EXCHANGE, dir: "OUT", hops: 8 }), { legacy: { sel: MIXER, from: LAZARUS, to: EXCHANGE, dir: "OUT", hops: 8 } }],
    ["nothing", "", {}],
    ["a bare #", "#", {}],
    ["unknown keys", "#foo=bar", {}],
  ])("reads %s", async (_name, hash, want) => {
    expect(await decodeHash(hash)).toEqual(want);
  });

  it("reads a case and a view together", async () => {
    const view = validateCaseView({ v: 1, nodes: [{ id: MIXER, x: 0, y: 0 }] });
    const hash = await encodeViewToHash(view);
    expect(await decodeHash(`#case=abc&${hash.slice(1)}`)).toEqual({ caseId: "abc", view });
  });

  async function deflated(text: string): Promise<string> {
    const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  it.each<[string, () => Promise<string>, RegExp]>([
    ["a bad case ID", () => Promise.resolve("#case=../../etc"), /link: not a case ID/],
    ["characters outside base64url", () => Promise.resolve("#v=abc$def"), /link: the view is not base64url/],
    ["an impossible base64 length", () => Promise.resolve("#v=abcde"), /link: the view is not base64url/],
    ["bytes that do not inflate", () => Promise.resolve("#v=_____w"), /link: the view is damaged \(it does not inflate\)/],
    ["text that is not JSON", async () => `#v=${await deflated("{not json")}`, /link: the view is damaged \(not JSON\)/],
    ["JSON that is not a view", async () => `#v=${await deflated('{"v":1,"nodes":[{"id":"x"}]}')}`, /case view: nodes\[0\]\.x/],
    ["a deflate bomb", async () => `#v=${await deflated(`{"v":1,"nodes":[],"theme":"${" ".repeat(2 << 20)}"}`)}`, /link: the view inflates to more than/],
  ])("rejects %s", async (_name, hash, error) => {
    await expect(decodeHash(await hash())).rejects.toThrow(error);
  });
});
