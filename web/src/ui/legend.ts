// Legend strip under the canvas: colours of the node kinds and edge groups
// that are on the canvas (hidden while the canvas is empty).
import { EDGE_LEGEND, NODE_COLORS, NODE_KIND_LABELS } from "../style";
import { NODE_KINDS } from "../types";
import { clear, h } from "./dom";

export function renderLegend(root: HTMLElement, present: { nodeKinds: ReadonlySet<string>; edgeColors: ReadonlySet<string> }): void {
  clear(root);
  root.hidden = present.nodeKinds.size === 0;
  const kinds = NODE_KINDS.filter((k) => present.nodeKinds.has(k));
  const edges = EDGE_LEGEND.filter((r) => present.edgeColors.has(r.color));
  root.append(
    h("h2", {}, "Nodes"),
    ...kinds.map((k) =>
      h("span", { class: "row" }, h("span", { class: "dot", style: `background:${NODE_COLORS[k]}`, "aria-hidden": "true" }), NODE_KIND_LABELS[k]),
    ),
  );
  if (edges.length === 0) return;
  root.append(
    h("span", { class: "sep", "aria-hidden": "true" }),
    h("h2", {}, "Edges"),
    ...edges.map((r) => h("span", { class: "row" }, h("span", { class: "line", style: `background:${r.color}`, "aria-hidden": "true" }), r.label)),
  );
}
