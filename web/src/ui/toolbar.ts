// The toolbar's buttons, re-rendered as the state they show changes (layout
// running, undo and redo available, theme).
import type { Theme } from "../style";
import { clear, h } from "./dom";

export interface ToolbarState {
  layoutRunning: boolean;
  canUndo: boolean;
  canRedo: boolean;
  theme: Theme;
}

export interface ToolbarActions {
  fit: () => void;
  toggleLayout: () => void;
  undo: () => void;
  redo: () => void;
  communities: () => void;
  /** Opens the review of same-actor candidates across sources. */
  sameActors: () => void;
  clearHighlight: () => void;
  clearCanvas: () => void;
  toggleTheme: () => void;
  help: () => void;
}

export function renderToolbar(root: HTMLElement, s: ToolbarState, a: ToolbarActions): void {
  clear(root);
  const btn = (label: string, testid: string, title: string, onclick: () => void, opts: { pressed?: boolean; disabled?: boolean } = {}) =>
    h("button", { type: "button", "data-testid": testid, title, "aria-label": title, "aria-pressed": opts.pressed === undefined ? undefined : String(opts.pressed), disabled: opts.disabled, onclick }, label);
  root.append(
    btn("Fit", "fit", "Fit the graph in view (F)", a.fit),
    btn(s.layoutRunning ? "Stop layout" : "Re-layout", "layout-toggle", s.layoutRunning ? "Stop the layout (L)" : "Run the layout (L)", a.toggleLayout, { pressed: s.layoutRunning }),
    btn("Undo", "undo", "Undo (Ctrl+Z)", a.undo, { disabled: !s.canUndo }),
    btn("Redo", "redo", "Redo (Ctrl+Shift+Z)", a.redo, { disabled: !s.canRedo }),
    btn("Communities", "group-communities", "Collapse the canvas's communities into groups", a.communities),
    btn("Same actors…", "same-actors", "Review entities that different sources name alike", a.sameActors),
    btn("Clear highlight", "clear-highlight", "Clear the path highlight", a.clearHighlight),
    btn("Clear canvas", "clear-canvas", "Remove everything from the canvas", a.clearCanvas),
    btn(s.theme === "dark" ? "Light" : "Dark", "theme-toggle", "Switch between light and dark themes (T)", a.toggleTheme),
    btn("?", "help", "Keyboard shortcuts (?)", a.help),
  );
}
