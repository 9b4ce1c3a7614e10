import { describe, expect, it, vi } from "vitest";
import type { RedthreadClient } from "../api";
import { createGraph, type RGraph } from "../graphModel";
import type { GEdge, GNode, JSONValue, SavedCase } from "../types";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { launderingCase, MIXER, PEEL1, THEFT } from "../testing/fixtures";
import { CaseController, closedMessage, URL_DELAY_MS, type CaseDeps, type ClearChoice } from "./cases";
import { HistoryController } from "./history";
import { FiltersController } from "./filters";
import { Requests } from "./ports";
import { SelectionController } from "./selection";
import { TraceController } from "./trace";

const CASE_ID = "c0ffee00-0000-4000-8000-000000000001";

function saved(view: JSONValue, name = "Bridge heist"): SavedCase {
  return { id: CASE_ID, name, view, version: 3, nodeCount: 11, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", createdBy: null, updatedBy: null };
}

type Client = Pick<RedthreadClient, "getCase" | "nodes" | "edges">;

function setup(graph: RGraph, getCase: Client["getCase"] = () => Promise.resolve(null), ui: Partial<Pick<CaseDeps, "openDialog" | "askBeforeClear" | "readOnly">> = {}) {
  const all = launderingCase();
  const client: Client & Pick<RedthreadClient, "paths" | "shortestPath" | "nearest" | "moneyFlow"> = {
    getCase,
    nodes: (ids) => Promise.resolve(ids.map((id): GNode | null => all.nodes.find((n) => n.id === id) ?? null)),
    edges: (ids) => Promise.resolve(ids.map((id): GEdge | null => all.edges.find((e) => e.id === id) ?? null)),
    shortestPath: () => Promise.resolve({ nodes: [], edges: [], length: 0, truncated: false, reason: null }),
    paths: () => Promise.reject(new Error("not asked")),
    nearest: () => Promise.reject(new Error("not asked")),
    moneyFlow: () => Promise.reject(new Error("not asked")),
  };
  const notify = recordingNotify();
  const requests = new Requests(notify);
  const hashes: string[] = [];
  const bars: { name: string | null; dirty: boolean; note: string | null }[] = [];
  // As the composition root: a commit and a view change both update the link.
  const effects = recordingEffects({ viewChanged: () => { cases.scheduleUrl(); }, commit: () => { cases.scheduleUrl(); } });
  const layout = { settle: () => undefined, stop: () => undefined };
  const selection = new SelectionController(graph, { render: () => undefined }, () => undefined);
  const filters = new FiltersController(graph, { setData: () => undefined, setWindow: () => undefined }, () => undefined);
  const trace = new TraceController({ graph, client, requests, layout, effects, select: (s) => { selection.select(s); }, view: { render: () => undefined } });
  let camera = { x: 0.123456, y: 0.5, ratio: 1 };
  const cases: CaseController = new CaseController({
    graph, client, requests, notify, layout, effects, selection, filters, trace,
    camera: { getState: () => camera, setState: (c) => { camera = c; } },
    url: { replaceHash: (h) => { hashes.push(h); } },
    bar: { render: (s) => { bars.push(s); } },
    openDialog: ui.openDialog ?? (() => Promise.resolve(null)),
    askBeforeClear: ui.askBeforeClear ?? (() => Promise.reject(new Error("not asked"))),
    ...(ui.readOnly ? { readOnly: true } : {}),
  });
  return { cases, selection, filters, trace, notify, effects, hashes, bars, camera: () => camera };
}

// The link is written after a debounce and an asynchronous deflate: wait
// for the debounce, then for the nth write itself, so that a loaded machine
// (the deflate is real I/O) cannot put the check before the write.
async function linkWritten(s: { hashes: string[] }, n: number): Promise<void> {
  await new Promise((r) => setTimeout(r, URL_DELAY_MS + 50));
  await vi.waitFor(() => { expect(s.hashes.length).toBeGreaterThanOrEqual(n); }, { timeout: 10_000, interval: 10 });
}

describe("CaseController", () => {
  it("puts a shared case on the canvas from the data given, and opens no cases dialog (read-only)", async () => {
    const all = launderingCase();
    const openDialog = vi.fn(() => Promise.resolve(null));
    const graph = createGraph();
    const s = setup(graph, undefined, { openDialog, readOnly: true });
    const nodes = all.nodes.filter((n) => n.id === THEFT || n.id === PEEL1);
    await s.cases.showShared({ v: 1, nodes: nodes.map((n, i) => ({ id: n.id, x: i, y: i })), edges: [], groups: [], filters: {} }, { nodes, edges: [] });
    expect(graph.nodes().sort()).toEqual([PEEL1, THEFT].sort());
    await s.cases.openDialog();
    expect(openDialog).not.toHaveBeenCalled();
    expect(s.notify.told.map((t) => t.text)).toContain("This shared case is read-only: it stays the sharing agency's.");
    expect(s.cases.id).toBeUndefined();
  });

  it("captures the view with its filters, search, rounded camera and selection", () => {
    const s = setup(caseGraph());
    s.filters.toggleKind("PERSON");
    s.trace.setEnd("from", THEFT);
    s.selection.select({ type: "node", id: PEEL1 });
    const v = s.cases.capture();
    expect(v.nodes.length).toBe(11);
    expect(v.filters).toEqual({ hiddenKinds: ["PERSON"] });
    expect(v.path).toMatchObject({ mode: "shortest", from: [THEFT], to: [] });
    expect(v.camera).toEqual({ x: 0.1235, y: 0.5, ratio: 1 });
    expect(v.selected).toEqual([PEEL1]);
    expect(v.focus).toBe(PEEL1);
  });

  it("writes the view into the link once the changes settle", async () => {
    const s = setup(caseGraph());
    s.cases.scheduleUrl();
    s.cases.scheduleUrl();
    await linkWritten(s, 1);
    expect(s.hashes.length).toBe(1);
    expect(s.hashes[0]).toMatch(/^#v=/);
    expect(s.bars.at(-1)).toEqual({ name: null, dirty: false, note: null });
  });

  it("writes no link for an empty canvas", async () => {
    const s = setup(createGraph());
    s.cases.scheduleUrl();
    await linkWritten(s, 1);
    expect(s.hashes).toEqual([""]);
  });

  it("opens a saved case on the canvas, and its link is the case while unchanged", async () => {
    const view = setup(caseGraph()).cases.capture();
    const graph = createGraph();
    const s = setup(graph, (id) => Promise.resolve(id === CASE_ID ? saved(JSON.parse(JSON.stringify(view)) as JSONValue) : null));
    await s.cases.openById(CASE_ID);
    expect(graph.order).toBe(11);
    expect(s.cases.name).toBe("Bridge heist");
    expect(s.effects.count("commit")).toBe(1);
    await linkWritten(s, 1);
    expect(s.hashes.at(-1)).toBe(`#case=${CASE_ID}`);
    expect(s.bars.at(-1)).toEqual({ name: "Bridge heist", dirty: false, note: null });

    graph.dropNode(MIXER);
    s.cases.scheduleUrl();
    await linkWritten(s, 2);
    expect(s.hashes.at(-1)).toMatch(new RegExp(`^#v=.*&case=${CASE_ID}$`));
    expect(s.bars.at(-1)?.dirty).toBe(true);
  });

  it("closes the open case: the view becomes a new, unsaved one", async () => {
    const view = setup(caseGraph()).cases.capture();
    const s = setup(createGraph(), (id) => Promise.resolve(id === CASE_ID ? saved(JSON.parse(JSON.stringify(view)) as JSONValue) : null));
    await s.cases.openById(CASE_ID);
    expect(s.cases.close()).toBe("Bridge heist");
    expect(s.cases.name).toBeUndefined();
    expect(s.bars.at(-1)).toEqual({ name: null, dirty: false, note: null });
    await linkWritten(s, 1);
    expect(s.hashes.at(-1)).toMatch(/^#v=/);
    expect(s.hashes.at(-1)).not.toContain("case=");
    expect(s.cases.close()).toBeUndefined();
  });

  it("says so when a case does not exist", async () => {
    const graph = createGraph();
    const s = setup(graph);
    await s.cases.openById(CASE_ID);
    expect(s.notify.told.at(-1)).toMatchObject({ kind: "warn", testid: "missing-notice" });
    expect(graph.order).toBe(0);
  });

  it("reopens a view from its link, and an older from/to link as a path search", async () => {
    const first = setup(caseGraph());
    first.cases.scheduleUrl();
    await linkWritten(first, 1);
    const graph = createGraph();
    const s = setup(graph);
    await s.cases.openFromUrl(first.hashes[0]!);
    expect(graph.order).toBe(11);

    const g2 = createGraph();
    const legacy = setup(g2);
    await legacy.cases.openFromUrl(`#from=${encodeURIComponent(THEFT)}&to=${encodeURIComponent(MIXER)}&dir=OUT`);
    expect(g2.hasNode(THEFT) && g2.hasNode(MIXER)).toBe(true);
    expect(legacy.trace.path.ends.from.map((e) => e.id)).toEqual([THEFT]);
    expect(legacy.trace.path.ends.to.map((e) => e.id)).toEqual([MIXER]);
    expect(legacy.trace.path.params.direction).toBe("OUT");
    expect(legacy.trace.path.result?.kind).toBe("paths");
  });

  it("shows a damaged link as an error", async () => {
    const s = setup(createGraph());
    await s.cases.openFromUrl("#v=%%%");
    expect(s.notify.told.at(-1)?.kind).toBe("error");
  });
});

describe("Clear canvas with a case open", () => {
  /** A case opened on a fresh graph, with the answers the dialogs will give. */
  async function opened(ui: { choice?: ClearChoice; saveAs?: SavedCase | null } = {}) {
    const view = setup(caseGraph()).cases.capture();
    const graph = createGraph();
    const asked: { name: string; version: number }[] = [];
    const dialogs: { current: { id: string; name: string; version: number } | null; view: unknown }[] = [];
    const s = setup(graph, (id) => Promise.resolve(id === CASE_ID ? saved(JSON.parse(JSON.stringify(view)) as JSONValue) : null), {
      askBeforeClear: (c) => {
        asked.push(c);
        return ui.choice ? Promise.resolve(ui.choice) : Promise.reject(new Error("not asked"));
      },
      openDialog: (deps) => {
        dialogs.push({ current: deps.current, view: deps.captureView() });
        return Promise.resolve(ui.saveAs ?? null);
      },
    });
    await s.cases.openById(CASE_ID);
    return { ...s, graph, asked, dialogs };
  }

  it("does nothing to ask when no case is open", async () => {
    const s = setup(caseGraph());
    expect(s.cases.dirty).toBe(false);
    const o = await s.cases.closeBeforeClear();
    expect(o).toEqual({ kind: "none" });
    expect(closedMessage(o)).toBeNull();
  });

  it("closes an unchanged case without asking, and says so", async () => {
    const s = await opened();
    expect(s.cases.dirty).toBe(false);
    const o = await s.cases.closeBeforeClear();
    expect(o).toEqual({ kind: "unchanged", name: "Bridge heist" });
    expect(s.asked).toEqual([]);
    expect(s.cases.name).toBeUndefined();
    expect(closedMessage(o)).toMatch(/^Closed the case “Bridge heist” \(no unsaved changes; it stays saved/);
  });

  const changed = [
    { what: "a node removed", change: (g: RGraph) => { g.dropNode(MIXER); } },
    { what: "a filter", change: (_g: RGraph, f: FiltersController) => { f.toggleKind("PERSON"); } },
  ];
  for (const c of changed) {
    it(`asks before clearing unsaved changes (${c.what}); Cancel keeps the case open`, async () => {
      const s = await opened({ choice: "cancel" });
      c.change(s.graph, s.filters);
      expect(s.cases.dirty).toBe(true);
      const o = await s.cases.closeBeforeClear();
      expect(o).toEqual({ kind: "cancelled" });
      expect(s.asked).toEqual([{ name: "Bridge heist", version: 3 }]);
      expect(s.cases.name).toBe("Bridge heist");
      expect(s.cases.dirty).toBe(true);
      expect(closedMessage(o)).toBeNull();
    });
  }

  it("discards the changes: the case closes, the next Save is a new case", async () => {
    const s = await opened({ choice: "discard" });
    s.graph.dropNode(MIXER);
    const o = await s.cases.closeBeforeClear();
    expect(o).toEqual({ kind: "discarded", name: "Bridge heist" });
    expect(s.dialogs).toEqual([]);
    expect(s.cases.name).toBeUndefined();
    expect(closedMessage(o)).toMatch(/without its unsaved changes/);
    await s.cases.openDialog();
    expect(s.dialogs.at(-1)?.current).toBeNull();
  });

  it("saves the open case first, with the changed view, then closes it", async () => {
    const s = await opened({ choice: "save", saveAs: { ...saved(null), version: 4 } });
    s.graph.dropNode(MIXER);
    const o = await s.cases.closeBeforeClear();
    expect(s.dialogs).toHaveLength(1);
    expect(s.dialogs[0]?.current).toEqual({ id: CASE_ID, name: "Bridge heist", version: 3 });
    expect((s.dialogs[0]?.view as { nodes: unknown[] }).nodes).toHaveLength(10);
    expect(o).toEqual({ kind: "saved", name: "Bridge heist", version: 4 });
    expect(s.cases.name).toBeUndefined();
    expect(closedMessage(o)).toBe("Saved “Bridge heist” (version 4) and closed it: what you add now is a new view.");
  });

  it("cancels when the save dialog closes without saving", async () => {
    const s = await opened({ choice: "save", saveAs: null });
    s.graph.dropNode(MIXER);
    expect(await s.cases.closeBeforeClear()).toEqual({ kind: "cancelled" });
    expect(s.cases.name).toBe("Bridge heist");
  });

  it("undo after clearing brings the view back, and the case stays closed", async () => {
    const s = await opened({ choice: "discard" });
    const history = new HistoryController(s.graph, { stop: () => undefined }, { capture: () => null, restore: () => undefined }, () => undefined);
    s.graph.dropNode(MIXER);
    history.commit();
    await s.cases.closeBeforeClear();
    s.graph.clear();
    history.commit();
    history.undo();
    expect(s.graph.order).toBe(10);
    expect(s.cases.name).toBeUndefined();
  });
});
