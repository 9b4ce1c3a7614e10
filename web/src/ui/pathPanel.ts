// The path panel: pick two ends, a direction and a hop bound, find the
// shortest path, and read it hop by hop.
import { kindWords, plural } from "../format";
import type { Hop } from "../graphModel";
import { nodeColor } from "../style";
import type { Direction, GNode } from "../types";
import { DEFAULT_MAX_HOPS, MAX_HOPS_LIMIT } from "../viewState";
import { clear, h } from "./dom";

export interface PathEnd {
  id: string;
  label: string;
}

export interface PathView {
  from: PathEnd | null;
  to: PathEnd | null;
  direction: Direction;
  maxHops: number;
  loading: boolean;
  result: {
    hops: Hop[];
    truncated: boolean;
    reason: string | null;
    fromLabel: string;
    toLabel: string;
    /** The bound the search ran with. */
    maxHops: number;
  } | null;
  highlighted: boolean;
}

export interface PathActions {
  setDirection(d: Direction): void;
  setMaxHops(n: number): void;
  find(): void;
  clearEnd(which: "from" | "to"): void;
  swap(): void;
  clearHighlight(): void;
  select(id: string): void;
}

const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "BOTH", label: "Either way" },
  { value: "OUT", label: "Along edges (from → to)" },
  { value: "IN", label: "Against edges" },
];


export function renderPathPanel(root: HTMLElement, v: PathView, a: PathActions): void {
  clear(root);
  const endRow = (which: "from" | "to", end: PathEnd | null) => [
    h("span", { class: "end-label", id: `path-${which}-label` }, which === "from" ? "From" : "To"),
    h(
      "span",
      { class: `end-value${end ? "" : " unset"}`, "data-testid": `path-${which}`, "aria-labelledby": `path-${which}-label`, title: end?.id ?? "" },
      end ? end.label : which === "from" ? "not set — “Path from here” or shift-click" : "not set — “Path to here” or shift-click",
    ),
    end
      ? h("button", { type: "button", class: "small", "aria-label": `Clear the path's ${which === "from" ? "start" : "end"}`, onclick: () => { a.clearEnd(which); } }, "×")
      : h("span", {}),
  ];

  const dir = h(
    "select",
    { "aria-label": "Path direction", "data-testid": "path-direction", onchange: (ev: Event) => { a.setDirection((ev.target as HTMLSelectElement).value as Direction); } },
    ...DIRECTIONS.map((d) => h("option", { value: d.value, selected: d.value === v.direction }, d.label)),
  );
  const hops = h("input", {
    type: "number",
    min: 1,
    max: MAX_HOPS_LIMIT,
    value: v.maxHops,
    "aria-label": "Maximum hops",
    "data-testid": "path-max-hops",
    onchange: (ev: Event) => {
      const n = Number((ev.target as HTMLInputElement).value);
      a.setMaxHops(Number.isFinite(n) ? Math.min(MAX_HOPS_LIMIT, Math.max(1, Math.round(n))) : DEFAULT_MAX_HOPS);
    },
  });

  root.append(
    h("h2", { id: "path-title" }, "Path"),
    h("div", { class: "path-ends" }, ...endRow("from", v.from), ...endRow("to", v.to)),
    h("div", { class: "path-opts" }, h("label", {}, "Direction", dir), h("label", {}, "Max hops", hops)),
    h(
      "div",
      { class: "path-buttons" },
      h(
        "button",
        { type: "button", class: "primary", "data-testid": "path-find", disabled: !v.from || !v.to || v.loading, "aria-busy": String(v.loading), onclick: () => { a.find(); } },
        v.loading ? "Finding…" : "Find path",
      ),
      h("button", { type: "button", "aria-label": "Swap start and end", disabled: !v.from && !v.to, onclick: () => { a.swap(); } }, "⇅ Swap"),
      h("button", { type: "button", "data-testid": "path-clear-highlight", disabled: !v.highlighted, onclick: () => { a.clearHighlight(); } }, "Clear highlight"),
    ),
  );

  const r = v.result;
  if (!r) return;
  if (r.hops.length === 0) {
    root.append(
      h(
        "p",
        { class: "path-summary", "data-testid": "path-summary", role: "status" },
        `No path from ${r.fromLabel} to ${r.toLabel} within ${plural(r.maxHops, "hop")}.`,
        r.truncated ? ` The search stopped early${r.reason ? `: ${r.reason}` : ""}.` : "",
        r.maxHops < MAX_HOPS_LIMIT ? " Try a larger “Max hops”." : "",
      ),
    );
    return;
  }
  const start = r.hops[0]?.from;
  root.append(
    h(
      "p",
      { class: "path-summary", "data-testid": "path-summary", role: "status" },
      h("strong", {}, plural(r.hops.length, "hop")),
      ` from ${r.fromLabel} to ${r.toLabel}.`,
      r.truncated ? ` (search truncated${r.reason ? `: ${r.reason}` : ""})` : "",
    ),
    h(
      "ol",
      { class: "hops", "data-testid": "path-hops", "aria-label": "Path, hop by hop" },
      start
        ? h(
            "li",
            { class: "hop", "data-testid": "path-start" },
            h("span", { class: "hop-n", "aria-hidden": "true" }, "●"),
            h("div", {}, h("div", { class: "hop-edge" }, "start"), nodeButton(start, a)),
          )
        : null,
      ...r.hops.map((hop) =>
        h(
          "li",
          { class: "hop", "data-testid": "path-hop", "data-from": hop.from.id, "data-to": hop.to.id },
          h("span", { class: "hop-n" }, `${hop.index + 1}.`),
          h(
            "div",
            {},
            h("div", { class: "hop-edge" }, h("span", { class: "arrow", "aria-hidden": "true" }, hop.forward ? "→ " : "← "), kindWords(hop.edge.kind), hop.forward ? "" : " (walked backwards)"),
            nodeButton(hop.to, a),
          ),
        ),
      ),
    ),
  );
}

function nodeButton(n: GNode, a: PathActions): HTMLElement {
  return h(
    "button",
    { type: "button", class: "link", "data-testid": "path-node", "data-node-id": n.id, title: n.id, onclick: () => { a.select(n.id); } },
    h("span", { class: "dot", style: `display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:5px;background:${nodeColor(n.kind)}`, "aria-hidden": "true" }),
    n.label || n.key,
  );
}
