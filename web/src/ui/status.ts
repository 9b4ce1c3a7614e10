// The header's graph and canvas sizes, the "Show N hidden" button, the empty
// canvas's hint and the legend with its kind toggles.
import type { StatusState, StatusView } from "../controllers/status";
import type { RGraph } from "../graphModel";
import type { NodeKind } from "../types";
import { clear, h } from "./dom";
import { renderLegend } from "./legend";

export interface StatusRoots {
  stats: HTMLElement;
  emptyHint: HTMLElement;
  legend: HTMLElement;
  /** The "active filters" chip over the canvas. */
  filterChip: HTMLElement;
}

export interface StatusActions {
  showHidden(): void;
  toggleKind(kind: NodeKind): void;
  hiddenKinds(): readonly NodeKind[] | undefined;
  /** What filters the view, in words; empty when nothing does. */
  activeFilters(): string[];
  clearFilters(): void;
}

export function statusView(roots: StatusRoots, graph: RGraph, actions: StatusActions): StatusView {
  return {
    render: (s: StatusState) => {
      const el = roots.stats;
      clear(el);
      const n = (v: number) => h("b", {}, v.toLocaleString("en-US"));
      el.append(
        s.server
          ? h("span", { "data-testid": "stats-graph", title: "Size of the whole graph on the server" }, "Graph ", n(s.server.nodes), " nodes · ", n(s.server.edges), " edges")
          : s.error
            ? h("span", { class: "stats-err" }, "Graph stats unavailable")
            : h("span", {}, "Graph …"),
        h(
          "span",
          { "data-testid": "stats-canvas", title: "What the canvas shows" },
          "Canvas ",
          n(s.nodes),
          s.nodes === 1 ? " node · " : " nodes · ",
          n(s.edges),
          s.edges === 1 ? " edge" : " edges",
          s.visible < s.nodes ? ` (${s.visible.toLocaleString("en-US")} shown)` : "",
        ),
        ...(s.hidden > 0
          ? [h("button", { type: "button", class: "small", "data-testid": "show-hidden", onclick: () => { actions.showHidden(); } }, `Show ${s.hidden} hidden`)]
          : []),
      );
      roots.emptyHint.hidden = s.nodes > 0;
      renderFilterChip(roots.filterChip, actions);
      renderLegend(roots.legend, graph, { hidden: new Set(actions.hiddenKinds()), toggle: (k) => { actions.toggleKind(k); } });
    },
  };
}

/** The chip that says the view is filtered, and why; a click shows everything again. */
function renderFilterChip(root: HTMLElement, actions: StatusActions): void {
  const active = actions.activeFilters();
  clear(root);
  root.hidden = active.length === 0;
  if (root.hidden) return;
  root.append(
    h(
      "button",
      {
        type: "button",
        class: "filter-chip-button",
        "data-testid": "filters-chip",
        title: `The view is filtered: ${active.join("; ")}. Click to clear every filter.`,
        "aria-label": `Active filters: ${active.join("; ")}. Clear them`,
        onclick: () => { actions.clearFilters(); },
      },
      h("span", { class: "chip-title" }, "Filtered"),
      ` ${active.join(" · ")} `,
      h("span", { class: "chip-x", "aria-hidden": "true" }, "×"),
    ),
  );
}
