// Legend strip under the canvas: the glyphs and colours of what is on the
// canvas (services and identifiers by category), the markers in use (badge
// rings, pins, notes, groups) and the edge colour groups; hidden while the
// canvas is empty. Read from the graph itself, so it cannot drift from the
// drawing.
import { nodeVisible, type RGraph } from "../graphModel";
import { iconUrl, nodeIcon, type IconName } from "../icons";
import { ILLUSTRATIVE_MARK, isIllustrative } from "../illustrative";
import { EDGE_LEGEND, NODE_COLORS, kindLabel } from "../style";
import { NODE_KINDS, type NodeKind } from "../types";
import { clear, h } from "./dom";

/** Words for the glyphs that split a kind (services, identifiers). */
const SUBTYPES: Partial<Record<IconName, string>> = {
  exchange: "exchange",
  mixer: "mixer",
  bridge: "bridge",
  service: "other",
  email: "e-mail",
  phone: "phone",
  handle: "handle",
  ip: "IP / domain",
};

const SPLIT_KINDS = new Set<NodeKind>(["SERVICE", "IDENTIFIER"]);

function glyph(color: string, icon: IconName): HTMLElement {
  return h("span", { class: "glyph", style: `background:${color}`, "aria-hidden": "true" }, h("img", { src: iconUrl(icon), alt: "" }));
}

/** Hiding node kinds from the legend: which are hidden, and how to switch one. */
export interface KindToggles {
  hidden: ReadonlySet<string>;
  toggle(kind: NodeKind): void;
}

/**
 * Draws the legend. With `toggles`, each node kind is a button that hides or
 * shows that kind (a filter: the nodes stay on the canvas), and hidden kinds
 * stay listed so they can be shown again.
 */
export function renderLegend(root: HTMLElement, graph: RGraph, toggles?: KindToggles): void {
  clear(root);
  const kinds = new Map<NodeKind, Set<IconName>>();
  let sanctioned = false;
  let risky = false;
  let pinned = false;
  let noted = false;
  let grouped = false;
  let synthetic = false;
  for (const { attributes: a } of graph.nodeEntries()) {
    const hiddenKind = toggles?.hidden.has(a.kind) === true && a.userHidden !== true && a.collapsedInto === undefined && !a.group;
    if (!nodeVisible(a) && !hiddenKind) continue;
    if (a.group) {
      grouped = true;
    } else {
      let icons = kinds.get(a.kind);
      if (!icons) kinds.set(a.kind, (icons = new Set()));
      icons.add(nodeIcon(a));
    }
    sanctioned ||= a.badges?.includes("sanctioned") === true;
    risky ||= a.badges?.includes("high-risk") === true;
    pinned ||= a.pinned === true;
    noted ||= a.annotation !== undefined && a.annotation !== "";
    synthetic ||= isIllustrative(a.data);
  }
  const edgeColors = new Set<string>();
  let valued = false;
  for (const { attributes: a } of graph.edgeEntries()) {
    edgeColors.add(a.color);
    valued ||= a.data.valueUSD !== null;
  }

  root.hidden = graph.order === 0;
  if (root.hidden) return;

  const nodeRows: HTMLElement[] = [];
  for (const k of NODE_KINDS) {
    const icons = kinds.get(k);
    if (!icons) continue;
    for (const icon of icons) {
      const sub = SPLIT_KINDS.has(k) ? SUBTYPES[icon] : undefined;
      const label = sub ? `${kindLabel(k)}: ${sub}` : kindLabel(k);
      if (toggles) {
        const shown = !toggles.hidden.has(k);
        nodeRows.push(
          h(
            "button",
            {
              type: "button",
              class: "row kind-toggle",
              "aria-pressed": String(shown),
              title: shown ? `Hide every ${kindLabel(k).toLowerCase()} (a filter)` : `Show ${kindLabel(k).toLowerCase()} nodes again`,
              "data-testid": `legend-kind-${k}`,
              onclick: () => { toggles.toggle(k); },
            },
            glyph(NODE_COLORS[k], icon),
            label,
          ),
        );
      } else {
        nodeRows.push(h("span", { class: "row" }, glyph(NODE_COLORS[k], icon), label));
      }
    }
  }
  if (grouped) nodeRows.push(h("span", { class: "row" }, glyph("var(--muted)", "group"), "Group (members)"));
  root.append(h("h2", {}, "Nodes"), ...nodeRows);

  const markers = [
    sanctioned ? h("span", { class: "row" }, h("span", { class: "ring sanctioned", "aria-hidden": "true" }), "Sanctioned") : null,
    risky ? h("span", { class: "row" }, h("span", { class: "ring high-risk", "aria-hidden": "true" }), "High risk") : null,
    pinned ? h("span", { class: "row" }, h("span", { class: "ring pinned", "aria-hidden": "true" }), "Pinned") : null,
    noted ? h("span", { class: "row" }, h("span", { class: "note", "aria-hidden": "true" }, "✎"), "Has a note") : null,
    synthetic
      ? h("span", { class: "row", "data-testid": "legend-illustrative", title: "Some or all of its sources are illustrative (generated), not real facts" }, h("span", { class: "note", "aria-hidden": "true" }, ILLUSTRATIVE_MARK), "Synthetic facts")
      : null,
  ].filter((m): m is HTMLElement => m !== null);
  if (markers.length > 0) {
    root.append(h("span", { class: "sep", "aria-hidden": "true" }), h("h2", {}, "Markers"), ...markers);
  }

  const edges = EDGE_LEGEND.filter((r) => edgeColors.has(r.color));
  if (edges.length === 0) return;
  root.append(
    h("span", { class: "sep", "aria-hidden": "true" }),
    h("h2", {}, "Edges"),
    ...edges.map((r) => h("span", { class: "row" }, h("span", { class: "line", style: `background:${r.color}`, "aria-hidden": "true" }), r.label)),
  );
  if (valued) root.append(h("span", { class: "row" }, h("span", { class: "widths", "aria-hidden": "true" }), "Width: USD value (log scale)"));
}
