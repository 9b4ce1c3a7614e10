// The bindings of the canvas, the details panel and the export menu to the
// controllers: each event reaches the controller meant for it.
import { describe, expect, it } from "vitest";
import type { Canvas, Selection } from "../canvas";
import { caseGraph } from "../testing/controllers";
import { HEIST, PEEL1, THEFT } from "../testing/fixtures";
import { canvasHandlers } from "./canvasHandlers";
import { detailsActions } from "./detailsActions";
import { exportActions } from "./exports";

describe("canvasHandlers", () => {
  it("routes clicks by modifier, double-clicks by node type, and drags to the history", () => {
    const graph = caseGraph();
    const calls: string[] = [];
    const h = canvasHandlers({
      graph,
      trace: { pick: (id) => { calls.push(`pick ${id}`); } },
      selection: { toggle: (id) => { calls.push(`toggle ${id}`); }, select: (s: Selection) => { calls.push(`select ${s?.type ?? "none"} ${s?.id ?? ""}`); } },
      groups: { toggle: (id) => { calls.push(`group ${id}`); } },
      edits: { expand: (id) => { calls.push(`expand ${id}`); return Promise.resolve(); } },
      layout: { stop: () => { calls.push("stop"); } },
      history: { commit: () => { calls.push("commit"); } },
    });
    h.clickNode(THEFT, { shiftKey: true, ctrlKey: false });
    h.clickNode(THEFT, { shiftKey: false, ctrlKey: true });
    h.clickNode(THEFT, { shiftKey: false, ctrlKey: false });
    h.clickEdge("e1", { shiftKey: false, ctrlKey: false });
    h.clickStage();
    h.doubleClickNode(THEFT);
    graph.addNode("group:g", { ...graph.getNodeAttributes(PEEL1), group: { members: [], collapsed: true, origin: "manual", title: "G" } });
    h.doubleClickNode("group:g");
    h.dragStart();
    h.dragged(THEFT);
    expect(calls).toEqual([
      `pick ${THEFT}`, `toggle ${THEFT}`, `select node ${THEFT}`, "select edge e1", "select none ",
      `expand ${THEFT}`, "group group:g", "stop", "commit",
    ]);
  });
});

describe("detailsActions", () => {
  it("sends each button to its controller", () => {
    const calls: string[] = [];
    const rec = (name: string) => (...args: unknown[]) => { calls.push(`${name} ${JSON.stringify(args)}`); };
    const recAsync = (name: string) => (...args: unknown[]) => {
      rec(name)(...args);
      return Promise.resolve();
    };
    const a = detailsActions(
      {
        edits: { expandWithDialog: recAsync("expand"), show: rec("show"), remove: rec("remove"), hide: rec("hide"), setPinned: rec("pin"), annotate: rec("note") },
        groups: {
          collapseCluster: recAsync("cluster"), collapsePersonas: recAsync("personas"), toggle: rec("toggle"), ungroup: rec("ungroup"), groupSelected: rec("group"),
          personaEvidence: () => undefined, loadPersonaEvidence: recAsync("load"), judge: recAsync("judge"), highlightEvidence: rec("highlight"),
        },
        trace: { setEnd: rec("end"), addFlowEnd: rec("flow") },
        selection: { select: rec("select") },
        risk: { showPath: recAsync("risk path") },
      },
      { labelOf: (id) => `label of ${id}`, hasNode: (id) => id === THEFT, openExportMenu: rec("export") },
    );
    a.pathFrom(THEFT);
    a.addFlowSink(HEIST);
    a.pin([THEFT], true);
    a.cluster(THEFT);
    a.select(PEEL1);
    a.exportSelection();
    a.showRiskPath({ kind: "STOLEN_FUNDS", reason: "r", category: null, via: HEIST, share: null, asset: null, nodes: [THEFT, HEIST], edges: ["e1"] });
    const link = { a: PEEL1, b: THEFT, score: 0.9, evidence: [], judgement: null };
    a.persona.judge("group:g", link, "DIFFERENT", "why");
    a.persona.highlight("group:g", link);
    a.persona.load("group:g");
    expect(calls).toEqual([
      `end ["from","${THEFT}"]`, `flow ["to","${HEIST}"]`, `pin [["${THEFT}"],true]`, `cluster ["${THEFT}"]`,
      `select [{"type":"node","id":"${PEEL1}"}]`, "export []",
      `risk path [{"kind":"STOLEN_FUNDS","reason":"r","category":null,"via":"${HEIST}","share":null,"asset":null,"nodes":["${THEFT}","${HEIST}"],"edges":["e1"]}]`,
      `judge ["group:g",${JSON.stringify(link)},"DIFFERENT","why"]`, `highlight ["group:g",${JSON.stringify(link)}]`, `load ["group:g"]`,
    ]);
    expect(a.labelOf(PEEL1)).toBe(`label of ${PEEL1}`);
    expect(a.hasNode(THEFT)).toBe(true);
  });
});

describe("exportActions", () => {
  it("exports the selection and names the files after the open case", () => {
    const graph = caseGraph();
    let sel = { nodes: [] as string[], edges: [] as string[] };
    const open: { name?: string } = {};
    const x = exportActions({
      graph, sigma: null as unknown as Canvas["sigma"], theme: () => "light", size: () => ({ width: 800.4, height: 600 }),
      selection: () => sel, caseName: () => open.name, onError: () => undefined,
    });
    expect(x.hasSelection()).toBe(false);
    expect(x.fileLabel?.()).toBe("view");
    sel = { nodes: [THEFT, PEEL1], edges: [] };
    open.name = "Bridge heist";
    expect(x.hasSelection()).toBe(true);
    expect(x.fileLabel?.()).toBe("Bridge heist");
    expect(x.csv().nodes.split("\n").filter((l) => l.trim() !== "").length).toBe(3);
    expect(x.svg()).toContain('width="800"');
  });
});
