// The page's keyboard shortcuts, each bound to what it does: find, expand,
// trace, hide, remove, pin, group, select, undo, save, view, timeline.
import type { Shortcut } from "../ui/shortcuts";
import type { CaseController } from "./cases";
import type { EditsController } from "./edits";
import type { FiltersController } from "./filters";
import type { GroupsController } from "./groups";
import type { SelectionController } from "./selection";
import type { TraceController } from "./trace";

/** What the shortcuts act on (the composition root binds them to the controllers). */
export interface KeyActions {
  focusSearch: () => void;
  /** The focused node, if the focus is a node. */
  focusedNode: () => string | null;
  selectedNodes: () => string[];
  expand: (id: string) => void;
  pathFrom: (id: string) => void;
  pathTo: (id: string) => void;
  /** Whether Enter runs the search (the focus is on the page or the canvas, not in a field). */
  enterFinds: () => boolean;
  find: () => void;
  hide: (ids: string[]) => void;
  showHidden: () => void;
  remove: (ids: string[]) => void;
  togglePinned: (ids: string[]) => void;
  group: () => void;
  toggleGroupAround: (id: string) => void;
  selectAll: () => void;
  selectNone: () => void;
  undo: () => void;
  redo: () => void;
  openCases: () => void;
  fit: () => void;
  toggleLayout: () => void;
  toggleTheme: () => void;
  hasTimeline: () => boolean;
  togglePlay: () => void;
}

/** Registers the shortcuts with the registry (ui/shortcuts.ts's Shortcuts). */
export function registerShortcuts(s: { register(sc: Shortcut): unknown }, a: KeyActions): void {
  const node = () => a.focusedNode() !== null;
  const sel = () => a.selectedNodes().length > 0;
  const prevent = (run: () => void) => (ev: KeyboardEvent) => {
    ev.preventDefault();
    run();
  };
  const list: Shortcut[] = [
    { keys: "/", group: "Find", description: "Search", run: prevent(a.focusSearch) },
    { keys: "e", group: "Canvas", description: "Expand the selected node…", when: node, run: () => { a.expand(a.focusedNode() ?? ""); } },
    { keys: "p", group: "Paths", description: "Path from the selected node", when: node, run: () => { a.pathFrom(a.focusedNode() ?? ""); } },
    { keys: "shift+p", group: "Paths", description: "Path to the selected node", when: node, run: () => { a.pathTo(a.focusedNode() ?? ""); } },
    { keys: "enter", group: "Paths", description: "Find the path or flow", when: a.enterFinds, run: a.find },
    { keys: "h", group: "Canvas", description: "Hide the selection", when: sel, run: () => { a.hide(a.selectedNodes()); } },
    { keys: "shift+h", group: "Canvas", description: "Show hidden nodes", run: a.showHidden },
    { keys: "delete", group: "Canvas", description: "Remove the selection from the canvas", when: sel, run: () => { a.remove(a.selectedNodes()); } },
    { keys: "backspace", group: "Canvas", description: "Remove the selection from the canvas", when: sel, run: () => { a.remove(a.selectedNodes()); } },
    { keys: "i", group: "Canvas", description: "Pin or unpin the selection", when: sel, run: () => { a.togglePinned(a.selectedNodes()); } },
    { keys: "g", group: "Groups", description: "Group the selection", run: a.group },
    { keys: "c", group: "Groups", description: "Collapse or open the selected group", when: node, run: () => { a.toggleGroupAround(a.focusedNode() ?? ""); } },
    { keys: "mod+a", group: "Canvas", description: "Select everything shown", run: prevent(a.selectAll) },
    { keys: "escape", group: "Canvas", description: "Clear the selection", run: a.selectNone },
    { keys: "mod+z", group: "Edit", description: "Undo", run: prevent(a.undo) },
    { keys: "shift+mod+z", group: "Edit", description: "Redo", run: prevent(a.redo) },
    { keys: "mod+y", group: "Edit", description: "Redo", run: prevent(a.redo) },
    { keys: "mod+s", group: "Cases", description: "Save or open cases", run: prevent(a.openCases) },
    { keys: "f", group: "View", description: "Fit the graph in view", run: a.fit },
    { keys: "l", group: "View", description: "Run or stop the layout", run: a.toggleLayout },
    { keys: "t", group: "View", description: "Light or dark theme", run: a.toggleTheme },
    { keys: "space", group: "Timeline", description: "Play or pause the timeline", when: a.hasTimeline, run: prevent(a.togglePlay) },
  ];
  for (const sc of list) s.register(sc);
}

/** The controllers the keys act on, read when a key is pressed. */
export interface KeyControllers {
  readonly selection: Pick<SelectionController, "focusedNode" | "nodes" | "selectAllVisible" | "select">;
  readonly edits: Pick<EditsController, "expandWithDialog" | "hide" | "showHidden" | "remove" | "togglePinned">;
  readonly trace: Pick<TraceController, "setEnd" | "find">;
  readonly groups: Pick<GroupsController, "groupSelected" | "toggleAround">;
  readonly history: { undo(): void; redo(): void };
  readonly cases: Pick<CaseController, "openDialog">;
  readonly filters: Pick<FiltersController, "hasTimeline">;
}

/** What the keys do on the page itself. */
export type PageKeys = Pick<KeyActions, "focusSearch" | "enterFinds" | "fit" | "toggleLayout" | "toggleTheme" | "togglePlay">;

/** Binds the keys to the controllers. */
export function keyActions(c: KeyControllers, page: PageKeys): KeyActions {
  return {
    ...page,
    focusedNode: () => c.selection.focusedNode(),
    selectedNodes: () => c.selection.nodes(),
    expand: (id) => void c.edits.expandWithDialog(id),
    pathFrom: (id) => { c.trace.setEnd("from", id); },
    pathTo: (id) => { c.trace.setEnd("to", id); },
    find: () => void c.trace.find(),
    hide: (ids) => { c.edits.hide(ids); },
    showHidden: () => { c.edits.showHidden(); },
    remove: (ids) => { c.edits.remove(ids); },
    togglePinned: (ids) => { c.edits.togglePinned(ids); },
    group: () => { c.groups.groupSelected(); },
    toggleGroupAround: (id) => { c.groups.toggleAround(id); },
    selectAll: () => { c.selection.selectAllVisible(); },
    selectNone: () => { c.selection.select(null); },
    undo: () => { c.history.undo(); },
    redo: () => { c.history.redo(); },
    openCases: () => void c.cases.openDialog(),
    hasTimeline: () => c.filters.hasTimeline(),
  };
}
