import { describe, expect, it } from "vitest";
import type { Shortcut } from "../ui/shortcuts";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { PEEL1, THEFT } from "../testing/fixtures";
import { EditsController } from "./edits";
import { keyActions, registerShortcuts, type PageKeys } from "./keyboard";
import { Requests } from "./ports";
import { SelectionController } from "./selection";

function setup() {
  const graph = caseGraph();
  const notify = recordingNotify();
  const selection = new SelectionController(graph, { render: () => undefined }, () => undefined);
  const edits = new EditsController({
    graph, client: { neighbors: () => Promise.reject(new Error("not asked")), edges: () => Promise.reject(new Error("not asked")) }, requests: new Requests(notify), notify,
    layout: { settle: () => undefined }, effects: recordingEffects(),
    select: (s) => { selection.select(s); }, unselect: (id) => { selection.forget(id); }, removed: () => undefined,
    toggleGroup: () => undefined, askExpand: () => Promise.resolve(null), fit: () => undefined,
  });
  const calls: string[] = [];
  const rec = (name: string) => () => { calls.push(name); };
  const page: PageKeys = { focusSearch: rec("search"), enterFinds: () => true, fit: rec("fit"), toggleLayout: rec("layout"), toggleTheme: rec("theme"), togglePlay: rec("play") };
  const none = () => undefined;
  const list: Shortcut[] = [];
  registerShortcuts({ register: (s) => { list.push(s); } }, keyActions({
    selection, edits,
    trace: { setEnd: (w, id) => { calls.push(`${w}:${id}`); }, find: () => Promise.resolve() },
    groups: { groupSelected: rec("group"), toggleAround: none },
    history: { undo: rec("undo"), redo: rec("redo") },
    cases: { openDialog: () => Promise.resolve() },
    filters: { hasTimeline: () => false },
  }, page));
  let prevented = 0;
  const press = (keys: string) => {
    const s = list.find((x) => x.keys === keys);
    if (!s) throw new Error(`no shortcut ${keys}`);
    if (s.when && !s.when()) return false;
    s.run({ preventDefault: () => { prevented++; } } as unknown as KeyboardEvent);
    return true;
  };
  return { graph, selection, calls, press, prevented: () => prevented };
}

describe("keyboard shortcuts", () => {
  it("act on the selection only when there is one", () => {
    const { graph, selection, press } = setup();
    expect(press("h")).toBe(false);
    selection.toggle(THEFT);
    selection.toggle(PEEL1);
    expect(press("i")).toBe(true);
    expect(graph.getNodeAttribute(PEEL1, "pinned")).toBe(true);
    expect(press("h")).toBe(true);
    expect(graph.getNodeAttribute(THEFT, "userHidden")).toBe(true);
    expect(selection.selected.size).toBe(0);
    press("shift+h");
    expect(graph.getNodeAttribute(THEFT, "userHidden")).toBeUndefined();
  });

  it("set path ends from the focused node", () => {
    const { selection, calls, press } = setup();
    expect(press("p")).toBe(false);
    selection.select({ type: "node", id: THEFT });
    press("p");
    press("shift+p");
    expect(calls).toEqual([`from:${THEFT}`, `to:${THEFT}`]);
  });

  it("undo, redo, search and select-all keep the browser's default from running", () => {
    const { graph, selection, calls, press, prevented } = setup();
    press("mod+z");
    press("shift+mod+z");
    press("mod+y");
    press("/");
    press("mod+a");
    expect(calls).toEqual(["undo", "redo", "redo", "search"]);
    expect(prevented()).toBe(5);
    expect(selection.selected.size).toBe(graph.order);
    press("escape");
    expect(selection.selected.size).toBe(0);
    expect(press("space")).toBe(false);
  });
});
