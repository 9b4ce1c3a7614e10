// The case bar above the canvas: the open case's name, whether the view has
// unsaved changes, a note when the view is too large for a link, and the
// button that opens the cases dialog.
import type { CaseBarView } from "../controllers/cases";
import { clear, h } from "./dom";

export function caseBarView(root: HTMLElement, openCases: () => void, openShare?: () => void): CaseBarView {
  return {
    render: (s) => {
      clear(root);
      root.append(
        h(
          "span",
          { class: "case-info" },
          h("span", { class: "case-name", "data-testid": "case-name" }, s.name ?? "Unsaved view"),
          s.dirty ? h("span", { class: "case-dirty", title: "Changed since it was saved" }, "• unsaved changes") : null,
          // Shortened by CSS when the header is tight; the whole note is its title.
          s.note ? h("span", { class: "case-note", role: "status", title: s.note, "data-testid": "case-note" }, s.note) : null,
        ),
        h("button", { type: "button", class: "small", "data-testid": "cases-open", title: "Save or open cases (Ctrl+S)", onclick: openCases }, "Cases…"),
      );
      if (openShare && s.name !== null) {
        root.append(h("button", { type: "button", class: "small", "data-testid": "share-open", title: "Share this case with another agency", onclick: openShare }, "Share…"));
      }
    },
  };
}

/** The case bar of the shared view: the shared case, read-only, no cases to save or open. */
export function sharedBarView(root: HTMLElement): CaseBarView {
  return {
    render: () => {
      root.replaceChildren(h("span", { class: "case-info" }, h("span", { class: "case-name", "data-testid": "case-name" }, "Shared case (read-only)")));
    },
  };
}
