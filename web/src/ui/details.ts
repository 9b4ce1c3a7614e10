// The details panel: everything known about the selected node or edge, with
// the provenance of each assertion.
import { formatAmount } from "../graphModel";
import { formatTime, formatUSD, formatValue, kindWords, markingLabel, safeUrl } from "../format";
import { kindLabel, nodeColor } from "../style";
import type { GEdge, GNode, Marking, Property, Source } from "../types";
import { clear, h } from "./dom";

export interface DetailsActions {
  expand(id: string): void;
  pathFrom(id: string): void;
  pathTo(id: string): void;
  remove(id: string): void;
  select(id: string): void;
  /** Label of a node on the canvas, if it is there. */
  labelOf(id: string): string | undefined;
  /** Whether the node is on the canvas. */
  hasNode(id: string): boolean;
}

function marking(m: Marking): HTMLElement {
  return h("span", { class: `marking ${m}`, title: "Traffic Light Protocol marking" }, markingLabel(m));
}

function confidence(c: number): HTMLElement {
  return h("span", { class: "conf", title: "Confidence, 0–100" }, `${c}/100`);
}

function kv(rows: [string, Node | string | null | undefined][]): HTMLElement {
  const dl = h("dl", { class: "kv" });
  for (const [k, v] of rows) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(h("dt", {}, k), h("dd", {}, v));
  }
  return dl;
}

function properties(props: Property[]): HTMLElement[] {
  if (props.length === 0) return [];
  return [h("h3", { class: "section-title" }, "Properties"), kv(props.map((p) => [p.key, formatValue(p.value)]))];
}

function sources(list: Source[]): HTMLElement[] {
  const title = h("h3", { class: "section-title" }, `Sources (${list.length})`);
  if (list.length === 0) return [title, h("p", { class: "placeholder" }, "No source recorded.")];
  return [
    title,
    h(
      "ul",
      { class: "sources", "data-testid": "sources" },
      ...list.map((s) => {
        const url = safeUrl(s.url);
        return h(
          "li",
          { class: "source", "data-testid": "source" },
          h(
            "div",
            { class: "source-head" },
            h("span", { class: "source-dataset" }, s.dataset),
            s.illustrative
              ? h("span", { class: "badge-illustrative", "data-testid": "illustrative", title: "Synthetic: stands in for what the source leaves out" }, "illustrative")
              : null,
            marking(s.marking),
          ),
          s.excerpt ? h("blockquote", {}, s.excerpt) : null,
          h(
            "div",
            { class: "meta" },
            h("span", {}, "confidence ", confidence(s.confidence)),
            s.record ? h("span", {}, "record ", h("span", { class: "mono" }, s.record)) : null,
            s.retrievedAt ? h("span", {}, `retrieved ${formatTime(s.retrievedAt)}`) : null,
            s.job ? h("span", {}, `job ${s.job}`) : null,
            url
              ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "open source ↗")
              : s.url
                ? h("span", { class: "mono" }, s.url)
                : null,
          ),
        );
      }),
    ),
  ];
}

function validity(from: string | null, to: string | null): string {
  if (!from && !to) return "";
  return `${from ? formatTime(from) : "…"} – ${to ? formatTime(to) : "…"}`;
}

export function renderNodeDetails(root: HTMLElement, n: GNode, actions: DetailsActions): void {
  clear(root);
  root.append(
    h("h2", { id: "details-title" }, "Details"),
    h("span", { class: "kind", "data-testid": "details-kind" }, h("span", { class: "dot", style: `background:${nodeColor(n.kind)}`, "aria-hidden": "true" }), kindLabel(n.kind)),
    h("p", { class: "details-title", "data-testid": "details-label" }, n.label || n.key),
    h("div", { class: "mono", "data-testid": "details-id" }, n.id),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", "data-testid": "details-expand", "aria-label": `Expand the neighbours of ${n.label}`, onclick: () => { actions.expand(n.id); } }, "Expand neighbours"),
      h("button", { type: "button", "data-testid": "details-path-from", "aria-label": `Path from ${n.label}`, onclick: () => { actions.pathFrom(n.id); } }, "Path from here"),
      h("button", { type: "button", "data-testid": "details-path-to", "aria-label": `Path to ${n.label}`, onclick: () => { actions.pathTo(n.id); } }, "Path to here"),
      h("button", { type: "button", "aria-label": `Remove ${n.label} from the canvas`, onclick: () => { actions.remove(n.id); } }, "Remove"),
    ),
    kv([
      ["Confidence", confidence(n.confidence)],
      ["Marking", marking(n.marking)],
      ["Chain", n.chain],
      ["Address", n.address ? h("span", { class: "mono" }, n.address) : null],
      ["Key", h("span", { class: "mono" }, n.key)],
      ["Valid", validity(n.validFrom, n.validTo)],
    ]),
    n.aliases.length > 0
      ? h("div", {}, h("h3", { class: "section-title" }, "Aliases"), h("div", { class: "chips", "data-testid": "aliases" }, ...n.aliases.map((a) => h("span", { class: "chip" }, a))))
      : "",
    ...properties(n.properties),
    ...sources(n.sources),
  );
}

export function renderEdgeDetails(root: HTMLElement, e: GEdge, actions: DetailsActions): void {
  clear(root);
  const end = (id: string) =>
    actions.hasNode(id)
      ? h("button", { type: "button", class: "link", onclick: () => { actions.select(id); } }, actions.labelOf(id) ?? id)
      : h("span", { class: "mono" }, id);
  root.append(
    h("h2", { id: "details-title" }, "Details"),
    h("span", { class: "kind", "data-testid": "details-kind" }, "Edge"),
    h("p", { class: "details-title", "data-testid": "details-label" }, kindWords(e.kind)),
    h("div", { class: "mono", "data-testid": "details-id" }, e.id),
    kv([
      ["From", end(e.from)],
      ["To", end(e.to)],
      ["Amount", e.amount != null ? `${formatAmount(e.amount)}${e.asset ? ` ${e.asset}` : ""}` : null],
      ["USD then", formatUSD(e.valueUSD)],
      ["Time", formatTime(e.time)],
      ["Tx hash", e.txHash ? h("span", { class: "mono" }, e.txHash) : null],
      ["Confidence", confidence(e.confidence)],
      ["Marking", marking(e.marking)],
      ["Valid", validity(e.validFrom, e.validTo)],
    ]),
    ...properties(e.properties),
    ...sources(e.sources),
  );
}

export function renderNoSelection(root: HTMLElement, canvasEmpty: boolean): void {
  clear(root);
  root.append(
    h("h2", { id: "details-title" }, "Details"),
    h(
      "p",
      { class: "placeholder", "data-testid": "details-empty" },
      canvasEmpty ? "Search for an entity to put it on the canvas." : "Click a node or an edge to see what is known about it and where it comes from.",
    ),
  );
}
