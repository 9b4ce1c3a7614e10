import { describe, expect, it } from "vitest";
import type { DetailsSelection } from "../ui/details";
import { caseGraph } from "../testing/controllers";
import { HEIST, MIXER, PEEL1, PEEL2, THEFT } from "../testing/fixtures";
import { SelectionController } from "./selection";

function setup() {
  const graph = caseGraph();
  const rendered: DetailsSelection[] = [];
  let changed = 0;
  const sel = new SelectionController(graph, { render: (s) => { rendered.push(s); } }, () => { changed++; });
  return { graph, sel, rendered, changed: () => changed };
}

describe("SelectionController", () => {
  it("selects one node, renders the details and reports the change", () => {
    const { sel, rendered, changed } = setup();
    sel.select({ type: "node", id: THEFT });
    expect([...sel.selected]).toEqual([THEFT]);
    expect(sel.focus).toEqual({ type: "node", id: THEFT });
    expect(sel.focusedNode()).toBe(THEFT);
    expect(rendered.at(-1)).toEqual({ selected: [THEFT], focus: { type: "node", id: THEFT } });
    expect(changed()).toBe(1);
  });

  it("selects nothing for an item not on the canvas", () => {
    const { sel } = setup();
    sel.select({ type: "node", id: THEFT });
    sel.select({ type: "node", id: "wallet:eth:0xgone" });
    expect(sel.selected.size).toBe(0);
    expect(sel.focus).toBeNull();
    sel.select({ type: "edge", id: "no>EDGE>here" });
    expect(sel.focus).toBeNull();
  });

  it("toggles items in and out, the focus on the last one, edges included", () => {
    const { graph, sel } = setup();
    const edge = graph.edges()[0]!;
    sel.toggle(THEFT);
    sel.toggle(PEEL1);
    expect(sel.nodes()).toEqual([THEFT, PEEL1]);
    expect(sel.focus).toEqual({ type: "node", id: PEEL1 });
    sel.toggle(edge);
    expect(sel.focus).toEqual({ type: "edge", id: edge });
    expect(sel.nodes()).toEqual([THEFT, PEEL1]);
    sel.toggle(edge);
    sel.toggle(PEEL1);
    expect(sel.focus).toEqual({ type: "node", id: THEFT });
    sel.toggle(THEFT);
    expect(sel.focus).toBeNull();
  });

  it("selects everything shown, not what is hidden", () => {
    const { graph, sel } = setup();
    graph.setNodeAttribute(MIXER, "userHidden", true);
    sel.selectAllVisible();
    expect(sel.selected.has(MIXER)).toBe(false);
    expect(sel.selected.size).toBe(graph.order - 1);
    expect(sel.focus).toBeNull();
  });

  it("forgets an item and restores a saved selection without what left the canvas", () => {
    const { sel, rendered } = setup();
    sel.select({ type: "node", id: THEFT });
    const renders = rendered.length;
    sel.forget(THEFT);
    expect(sel.selected.size).toBe(0);
    expect(sel.focus).toBeNull();
    sel.restore([PEEL1, "wallet:eth:0xgone", PEEL2], PEEL2);
    expect([...sel.selected]).toEqual([PEEL1, PEEL2]);
    expect(sel.focus).toEqual({ type: "node", id: PEEL2 });
    sel.restore([PEEL1], "wallet:eth:0xgone");
    expect(sel.focus).toBeNull();
    expect(rendered.length).toBe(renders);
  });

  it("exports the selected nodes with the visible edges among them", () => {
    const { graph, sel } = setup();
    sel.toggle(THEFT);
    sel.toggle(PEEL1);
    sel.toggle(HEIST);
    const ids = sel.exportIds();
    expect(ids.nodes).toEqual([THEFT, PEEL1, HEIST]);
    expect(ids.edges.sort()).toEqual(graph.edges().filter((e) => [THEFT, PEEL1, HEIST].includes(graph.source(e)) && [THEFT, PEEL1, HEIST].includes(graph.target(e))).sort());
    expect(ids.edges.length).toBe(2);
  });
});
