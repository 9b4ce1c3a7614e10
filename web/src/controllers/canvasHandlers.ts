// The canvas's clicks, double-clicks and drags bound to the controllers.
import type { CanvasHandlers } from "../canvas";
import type { RGraph } from "../graphModel";
import type { EditsController } from "./edits";
import type { GroupsController } from "./groups";
import type { Layout } from "./ports";
import type { SelectionController } from "./selection";
import type { TraceController } from "./trace";

/** The controllers, read when the canvas reports (they are built after it). */
export interface CanvasControllers {
  readonly graph: RGraph;
  readonly trace: Pick<TraceController, "pick">;
  readonly selection: Pick<SelectionController, "toggle" | "select">;
  readonly groups: Pick<GroupsController, "toggle">;
  readonly edits: Pick<EditsController, "expand">;
  readonly layout: Pick<Layout, "stop">;
  readonly history: { commit(): void };
}

export function canvasHandlers(c: CanvasControllers): CanvasHandlers {
  return {
    // Shift-click picks a path end, Ctrl/⌘-click adds to the selection.
    clickNode: (id, ev) => {
      if (ev.shiftKey) c.trace.pick(id);
      else if (ev.ctrlKey) c.selection.toggle(id);
      else c.selection.select({ type: "node", id });
    },
    // A group opens (or folds) on a double-click: it has no neighbours of its own to ask for.
    doubleClickNode: (id) => {
      if (c.graph.getNodeAttribute(id, "group")) c.groups.toggle(id);
      else void c.edits.expand(id);
    },
    clickEdge: (id, ev) => {
      if (ev.ctrlKey) c.selection.toggle(id);
      else c.selection.select({ type: "edge", id });
    },
    clickStage: () => { c.selection.select(null); },
    dragStart: () => { c.layout.stop(); },
    dragged: () => { c.history.commit(); },
  };
}
