import { describe, expect, it } from "vitest";
import { mergeSubgraph } from "../graphModel";
import { caseGraph } from "../testing/controllers";
import { node, THEFT } from "../testing/fixtures";
import { HistoryController } from "./history";

function setup() {
  const graph = caseGraph();
  let note = "start";
  const restored: string[] = [];
  let stops = 0;
  let changed = 0;
  const history = new HistoryController<{ note: string }>(
    graph,
    { stop: () => { stops++; } },
    { capture: () => ({ note }), restore: (x) => { restored.push(x.note); note = x.note; } },
    () => { changed++; },
  );
  return { graph, history, setNote: (n: string) => { note = n; }, restored, stops: () => stops, changed: () => changed };
}

describe("HistoryController", () => {
  it("starts with the initial view recorded and nothing to undo", () => {
    const { history, changed } = setup();
    expect(history.canUndo()).toBe(false);
    expect(history.canRedo()).toBe(false);
    expect(changed()).toBe(0);
  });

  it("undoes an edit of the graph and its extra state, and redoes it", () => {
    const { graph, history, setNote, restored, stops, changed } = setup();
    const order = graph.order;
    mergeSubgraph(graph, { nodes: [node("person:new", "PERSON")], edges: [] });
    graph.setNodeAttribute(THEFT, "annotation", "look here");
    setNote("added");
    history.commit();
    expect(changed()).toBe(1);
    expect(history.canUndo()).toBe(true);

    history.undo();
    expect(graph.order).toBe(order);
    expect(graph.hasNode("person:new")).toBe(false);
    expect(graph.getNodeAttribute(THEFT, "annotation")).toBeUndefined();
    expect(restored).toEqual(["start"]);
    expect(stops()).toBe(1);
    expect(history.canRedo()).toBe(true);

    history.redo();
    expect(graph.hasNode("person:new")).toBe(true);
    expect(graph.getNodeAttribute(THEFT, "annotation")).toBe("look here");
    expect(restored).toEqual(["start", "added"]);
    expect(changed()).toBe(3);
  });

  it("does nothing at either end of the history", () => {
    const { history, restored, changed } = setup();
    history.undo();
    history.redo();
    expect(restored).toEqual([]);
    expect(changed()).toBe(0);
  });

  it("drops the redo branch on a new edit", () => {
    const { graph, history } = setup();
    graph.setNodeAttribute(THEFT, "pinned", true);
    history.commit();
    history.undo();
    graph.setNodeAttribute(THEFT, "annotation", "other");
    history.commit();
    expect(history.canRedo()).toBe(false);
    history.undo();
    expect(graph.getNodeAttribute(THEFT, "pinned")).toBeUndefined();
  });
});
