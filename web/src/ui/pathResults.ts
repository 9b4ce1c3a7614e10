// The path finder's answers: the paths found, hop by hop, and a money flow's
// sinks and routes (ui/flowResults.ts). Renders what the controller put in PathView.results.
import { formatTime, formatUSD, kindWords, plural, safeUrl } from "../format";
import { formatAmount, type Hop } from "../graphModel";
import { kindLabel } from "../style";
import type { GNode, Source } from "../types";
import { confidence, marking } from "./detailsParts";
import { h } from "./dom";
import { dot, flowResult } from "./flowResults";
import { checkPathParams, describeFilters, noPathMessage, truncationMessage } from "./forms";
import type { FoundPath, PathActions, PathView, PathsResult } from "./pathPanel";

export { dot };

export function pathResults(v: PathView, a: PathActions): HTMLElement | null {
  const r = v.result;
  if (!r) return null;
  if (r.kind === "flow") return v.mode === "flow" ? flowResult(r.flow, r.labels, v, a) : null;
  return v.mode === "flow" ? null : pathsResult(r, v, a);
}

function pathsResult(r: PathsResult, v: PathView, a: PathActions): HTMLElement {
  const box = h("section", { class: "pf-results", "aria-label": "Paths found", "data-testid": "path-results" });
  const filtered = describeFilters(checkPathParams("shortest", r.params).filters) !== "";
  if (r.paths.length === 0) {
    box.append(
      h(
        "p",
        { class: "pf-summary", "data-testid": "path-summary", role: "status" },
        noPathMessage({ fromLabel: r.fromLabel, toLabel: r.toLabel, maxHops: r.params.maxHops, direction: r.params.direction, filtered }),
      ),
    );
  } else {
    const one = r.paths.length === 1;
    const first = r.paths[0];
    box.append(
      h(
        "p",
        { class: "pf-summary", "data-testid": "path-summary", role: "status" },
        one && first ? h("strong", {}, plural(first.hops.length, "hop")) : h("strong", {}, plural(r.paths.length, "path")),
        ` from ${r.fromLabel} to ${r.toLabel}${one ? "." : ", shortest first."}`,
      ),
      h(
        "ol",
        { class: "pf-paths", "aria-label": "Paths" },
        r.paths.map((p, i) => pathItem(p, i, one, v, a)),
      ),
    );
  }
  if (r.truncated) box.append(h("p", { class: "pf-warn", role: "note", "data-testid": "path-truncated" }, truncationMessage(r.reason)));
  if (r.skippedHubs.length > 0) {
    box.append(
      h(
        "p",
        { class: "pf-note", "data-testid": "path-skipped-hubs" },
        `Not passed through (too many connections to follow): `,
        r.skippedHubs.flatMap((id, i) => [i > 0 ? ", " : "", h("span", { class: "pf-id" }, id)]),
        ".",
      ),
    );
  }
  return box;
}

function pathItem(p: FoundPath, i: number, only: boolean, v: PathView, a: PathActions): HTMLElement {
  const chosen = v.highlighted && v.active === i;
  const via = p.hops.slice(0, -1).map((hp) => hp.to.label || hp.to.key);
  const hops = hopList(p.hops, a);
  const head = h(
    "button",
    {
      type: "button",
      class: "pf-path-select",
      "aria-pressed": String(chosen),
      "data-testid": "path-select",
      "data-key": `path-select:${i}`,
      title: chosen ? "Highlighted on the canvas" : "Highlight this path on the canvas",
      onclick: () => { a.highlightPath(i); },
    },
    h("span", { class: "pf-path-name" }, `Path ${i + 1} · ${plural(p.hops.length, "hop")}`),
    via.length > 0 ? h("span", { class: "pf-path-via" }, `via ${via.join(" → ")}`) : null,
  );
  // Choosing a path opens its hops: the key changes with the choice, so the
  // open state kept across re-renders (rebuild) is the user's only while the
  // choice stands.
  const key = `path:${v.active === i ? "chosen" : "other"}:${p.hops.map((hp) => hp.edge.id).join(",")}`;
  return h(
    "li",
    { class: `pf-path${chosen ? " is-active" : ""}` },
    head,
    // The only path is always open; of several, the chosen one opens.
    only ? hops : h("details", { class: "pf-path-hops", "data-key": key, open: v.active === i }, h("summary", {}, "Hops"), hops),
  );
}

function hopList(hops: Hop[], a: PathActions): HTMLElement {
  const start = hops[0]?.from;
  return h(
    "ol",
    { class: "pf-hops", "data-testid": "path-hops", "aria-label": "Path, hop by hop" },
    start
      ? h(
          "li",
          { class: "pf-hop", "data-testid": "path-start" },
          h("span", { class: "pf-hop-n", "aria-hidden": "true" }, "●"),
          h("div", {}, h("div", { class: "pf-hop-edge" }, "start"), nodeButton(start, a, "start")),
        )
      : null,
    hops.map((hop) => {
      const e = hop.edge;
      const facts = [
        e.amount != null ? `${formatAmount(e.amount)}${e.asset ? ` ${e.asset}` : ""}` : "",
        formatUSD(e.valueUSD),
        formatTime(e.time),
      ]
        .filter((s) => s !== "")
        // Each fact on one line: a date or an amount must not break in the middle.
        .flatMap((s) => [" · ", h("span", { class: "pf-fact" }, s)]);
      // A click anywhere on the row (but its links and buttons) selects the hop's edge.
      const row = h(
        "li",
        { class: "pf-hop pf-hop-row", "data-testid": "path-hop", "data-from": hop.from.id, "data-to": hop.to.id, "data-edge-id": e.id },
        h("span", { class: "pf-hop-n" }, `${hop.index + 1}.`),
        h(
          "div",
          {},
          h(
            "div",
            { class: "pf-hop-edge" },
            h("span", { class: "pf-arrow", "aria-hidden": "true" }, hop.forward ? "→ " : "← "),
            h(
              "button",
              { type: "button", class: "link pf-hop-kind", "data-testid": "path-hop-edge", "data-key": `path-edge:${hop.index}:${e.id}`, title: `Select this ${kindWords(e.kind)} edge`, onclick: () => { a.selectEdge(e.id); } },
              kindWords(e.kind),
            ),
            facts,
            hop.forward ? null : h("span", { class: "pf-backwards", title: "The edge points the other way: the path follows it backwards" }, " · walked backwards"),
          ),
          hopSources(e.sources),
          nodeButton(hop.to, a, String(hop.index)),
        ),
      );
      row.addEventListener("click", (ev) => {
        if (!(ev.target instanceof Element) || ev.target.closest("a, button")) return;
        a.selectEdge(e.id);
      });
      return row;
    }),
  );
}

/**
 * Where a hop's edge comes from, inline: each source's dataset, record,
 * confidence and marking, and a link to the record where it has one.
 */
function hopSources(list: readonly Source[]): HTMLElement {
  if (list.length === 0) return h("div", { class: "pf-hop-src pf-hop-src-none", "data-testid": "path-hop-source" }, "no source recorded");
  return h(
    "ul",
    { class: "pf-hop-srcs", "aria-label": "Sources of this hop" },
    list.map((s) => {
      const url = safeUrl(s.url);
      return h(
        "li",
        { class: "pf-hop-src", "data-testid": "path-hop-source" },
        h("span", { class: "pf-src-dataset" }, s.dataset),
        s.record ? h("span", { class: "pf-src-record mono", title: "Record" }, ` #${s.record}`) : null,
        " · ",
        confidence(s.confidence),
        " ",
        marking(s.marking),
        s.illustrative ? h("span", { class: "badge-illustrative", title: "Synthetic: stands in for what the source leaves out" }, "illustrative") : null,
        url
          ? h(
              "a",
              { href: url, target: "_blank", rel: "noopener noreferrer", class: "pf-src-link", "data-testid": "path-hop-source-link", "aria-label": `Open the source record of ${s.dataset} in a new tab` },
              "source ↗",
            )
          : null,
      );
    }),
  );
}

function nodeButton(n: GNode, a: PathActions, at: string): HTMLElement {
  return h(
    "button",
    { type: "button", class: "link pf-node", "data-testid": "path-node", "data-node-id": n.id, "data-key": `path-node:${at}:${n.id}`, title: `${kindLabel(n.kind)} · ${n.id}`, onclick: () => { a.select(n.id); } },
    dot(n.kind),
    n.label || n.key,
  );
}
