// A money flow's answer: its sinks with their amounts per asset (and USD
// where every part is priced), a choice of ranking, and its routes with units.
// Different assets are never added together here, as the server never does.
import { formatTime, formatUSD, plural } from "../format";
import { formatAmount } from "../graphModel";
import { nodeColor } from "../style";
import type { UsdSource } from "../gql/enums";
import type { FlowHop, GNode, MoneyFlow, NodeKind } from "../types";
import { h } from "./dom";
import { asSentence, truncationMessage } from "./forms";
import type { PathActions, PathView } from "./pathPanel";

/** A kind's colour dot (none when the kind is unknown). */
export function dot(kind: NodeKind | undefined): HTMLElement {
  return h("span", { class: "pf-dot", style: kind ? `background:${nodeColor(kind)}` : undefined, "aria-hidden": "true" });
}

/** An amount of one asset, for people: "963.8 ETH". */
export function assetAmount(a: { asset: string; amount: number } | null | undefined): string {
  if (!a) return "";
  return `${formatAmount(a.amount)} ${a.asset}`;
}

/** The ranking select's value for a flow: "USD", or "ASSET:<asset ranked first>". */
export function rankValue(f: Pick<MoneyFlow, "rankedBy" | "assetOrder">): string {
  return f.rankedBy === "USD" ? "USD" : `ASSET:${f.assetOrder[0] ?? ""}`;
}

/** Names for the IDs a flow's routes mention: the nodes the answer carries, then the labels the controller looked up. */
function flowNames(f: MoneyFlow, labels: Readonly<Record<string, GNode>>): Map<string, GNode> {
  const m = new Map<string, GNode>(Object.entries(labels));
  const add = (n: GNode | null) => { if (n) m.set(n.id, n); };
  f.sources.forEach(add);
  f.sinks.forEach((s) => { add(s.node); });
  f.tainted.forEach((t) => {
    add(t.edge.fromNode);
    add(t.edge.toNode);
  });
  return m;
}

export function flowResult(f: MoneyFlow, labels: Readonly<Record<string, GNode>>, v: PathView, a: PathActions): HTMLElement {
  const names = flowNames(f, labels);
  const name = (id: string) => {
    const n = names.get(id);
    return n ? n.label || n.key : id;
  };
  const nodeRef = (id: string, at: string) =>
    h("button", { type: "button", class: "link pf-node", "data-key": `flow-node:${at}:${id}`, title: id, onclick: () => { a.select(id); } }, dot(names.get(id)?.kind), name(id));
  const box = h("section", { class: "pf-results", "aria-label": "Money flow", "data-testid": "flow-results" });
  const sources = f.sources.map((s) => s.label || s.key).join(", ");

  if (f.sinks.length === 0) {
    box.append(
      h(
        "p",
        { class: "pf-summary", "data-testid": "path-summary", role: "status" },
        `No traced value from ${sources || "the sources"} reached a sink under ${f.taint}. Try more hops, other sinks or fewer filters.`,
      ),
    );
    if (f.truncated) box.append(h("p", { class: "pf-warn", role: "note", "data-testid": "path-truncated" }, truncationMessage(f.reason)));
    return box;
  }

  box.append(
    h(
      "p",
      { class: "pf-summary", "data-testid": "path-summary", role: "status" },
      h("strong", {}, plural(f.sinks.length, "sink")),
      `, ${plural(f.routeCount, "route")} from ${sources} under ${f.taint}`,
      f.stolen !== null ? ` (reported stolen ${formatUSD(f.stolen)})` : "",
      ".",
    ),
    h("ul", { class: "pf-sentences", "data-testid": "flow-summaries" }, f.sinks.map((s) => h("li", {}, asSentence(s.summary)))),
  );
  if (f.truncated) box.append(h("p", { class: "pf-warn", role: "note", "data-testid": "path-truncated" }, truncationMessage(f.reason)));
  box.append(
    h(
      "div",
      { class: "pf-buttons" },
      h(
        "button",
        { type: "button", "data-testid": "flow-highlight", "aria-pressed": String(v.highlighted), onclick: () => { a.highlightFlow(); } },
        "Highlight flow",
      ),
      h("button", { type: "button", "data-testid": "flow-clear", disabled: !v.highlighted, onclick: () => { a.clearHighlight(); } }, "Clear"),
      h("span", { class: "pf-note" }, plural(f.tainted.length, "tainted transfer")),
    ),
    ...(v.highlighted
      ? [
          h(
            "p",
            { class: "pf-note", "data-testid": "flow-label-note" },
            "Labelled on the canvas: sources, sinks, the largest routes and transfers; open a route to label all of it, hover or zoom for the rest.",
          ),
        ]
      : []),
    h("h3", { class: "pf-section", id: "flow-sinks-title" }, "Sinks"),
    rankChoice(f, v, a),
    sinksTable(f, nodeRef),
    h(
      "p",
      { class: "pf-note", "data-testid": "flow-units" },
      f.priced
        ? "Amounts per asset; USD at each transfer's date."
        : f.prices.length > 0
          ? "No USD price for some of these transfers: amounts are per asset and never added together; USD only where every part is priced."
          : "No USD prices loaded for some of these transfers: amounts are per asset and never added together; USD only where every part is priced.",
    ),
    valuationNote(f) ?? "",
    h(
      "h3",
      { class: "pf-section", id: "flow-routes-title" },
      `Routes (${f.routes.length.toLocaleString("en-US")} listed${f.routes.length < f.routeCount ? ` of ${f.routeCount.toLocaleString("en-US")} found` : ""}, largest first)`,
    ),
    h(
      "ol",
      { class: "pf-routes", "aria-labelledby": "flow-routes-title", "data-testid": "flow-routes" },
      f.routes.map((r, i) =>
        h(
          "li",
          { "data-testid": "flow-route", "data-alike": String(r.alike) },
          h(
            "details",
            {
              "data-key": `route:${i}:${r.sink}`,
              // An opened route's names and amounts are labelled on the canvas.
              ontoggle: (e: Event) => {
                if ((e.target as HTMLDetailsElement).open) a.highlightRoute(i);
                else if (v.route === i) a.highlightRoute(null);
              },
            },
            h(
              "summary",
              {},
              h("strong", {}, assetAmount(r.amount)),
              r.value !== null ? h("span", { title: usdFromTitle(r.usdFrom) }, ` (${formatUSD(r.value)})`) : "",
              ` to ${name(r.sink)} · ${plural(r.hops.length, "step")}`,
              r.alike > 1 ? h("span", { class: "pf-alike", "data-testid": "flow-route-alike" }, ` · ${r.alike.toLocaleString("en-US")} routes like this`) : null,
            ),
            h("ol", { class: "pf-hops" }, r.hops.map((hp, j) => flowHop(hp, `${i}:${j}`, name, nodeRef))),
          ),
        ),
      ),
    ),
  );
  return box;
}

/** "Rank by": USD, or the amount of one asset first (then the others in the flow's order). */
function rankChoice(f: MoneyFlow, v: PathView, a: PathActions): HTMLElement {
  const options = [
    h("option", { value: "USD", selected: f.rankedBy === "USD" }, f.priced ? "USD value" : "USD value (where priced)"),
    ...f.assetOrder.map((asset) => h("option", { value: `ASSET:${asset}`, selected: rankValue(f) === `ASSET:${asset}` }, `${asset} amount`)),
  ];
  const select = h(
    "select",
    {
      "data-testid": "flow-rank",
      disabled: v.loading,
      onchange: (e: Event) => {
        const val = (e.target as HTMLSelectElement).value;
        if (val === "USD") a.rankFlow("USD");
        else a.rankFlow("ASSET", val.slice("ASSET:".length));
      },
    },
    options,
  );
  return h("label", { class: "pf-rank" }, "Rank sinks by ", select);
}

function sinksTable(f: MoneyFlow, nodeRef: (id: string, at: string) => HTMLElement): HTMLElement {
  const usd = f.sinks.some((s) => s.valueUSD !== null);
  const lines = (xs: string[]) => xs.flatMap((x, i) => (i > 0 ? [h("br"), x] : [x]));
  return h(
    "table",
    { class: "pf-table", "aria-labelledby": "flow-sinks-title", "data-testid": "flow-sinks" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, "Sink"),
        h("th", { scope: "col", class: "num" }, "Amount"),
        h("th", { scope: "col" }, "Asset"),
        usd ? h("th", { scope: "col", class: "num" }, "USD") : null,
        h("th", { scope: "col", class: "num" }, "Routes"),
        h("th", { scope: "col" }, "Arrived"),
      ),
    ),
    h(
      "tbody",
      {},
      f.sinks.map((s, i) =>
        h(
          "tr",
          { "data-testid": "flow-sink", "data-node-id": s.node.id },
          h("th", { scope: "row" }, nodeRef(s.node.id, `sink${i}`), s.category ? h("span", { class: "pf-cat" }, s.category) : null),
          h("td", { class: "num", "data-testid": "flow-sink-amount" }, lines(s.amounts.map((x) => formatAmount(x.amount)))),
          h("td", { "data-testid": "flow-sink-asset" }, lines(s.amounts.map((x) => x.asset))),
          usd
            ? h(
                "td",
                {
                  class: "num",
                  "data-testid": "flow-sink-usd",
                  "data-usd-from": s.usdFrom.join(" "),
                  title: s.valueUSD === null ? `No USD price for ${s.unpriced.join(", ")}` : sinkUSDTitle(s.usdFrom, f),
                },
                s.valueUSD === null ? "—" : formatUSD(s.valueUSD),
              )
            : null,
          h("td", { class: "num", title: s.routes === 0 ? "Routes not counted: more routes than the search counts" : "" }, s.routes === 0 ? "—" : s.routes.toLocaleString("en-US")),
          h("td", { class: "pf-when" }, arrival(s.firstArrival, s.lastArrival)),
        ),
      ),
    ),
  );
}

function arrival(first: string | null, last: string | null): string {
  const a = formatTime(first).slice(0, 10);
  const b = formatTime(last).slice(0, 10);
  if (!a && !b) return "";
  return a === b || !b ? a : `${a} – ${b}`;
}

/**
 * A hop's value: "12.5 ETH tainted of 40 ETH ($80,000)"; a crossing has
 * none. A USD value from the price table names the close it used:
 * "($80,000 at the 2024-01-02 close of $2,000)".
 */
export function hopValue(hp: Pick<FlowHop, "amount" | "taintedAmount" | "value" | "tainted"> & Partial<Pick<FlowHop, "price">>): string {
  if (!hp.amount || !hp.taintedAmount) return "";
  const whole = hp.taintedAmount.amount === hp.amount.amount;
  const close = hp.price ? ` at the ${hp.price.day} close of ${formatUSD(hp.price.usdClose)}` : "";
  const usd = hp.tainted !== null ? ` (${formatUSD(hp.tainted)}${close})` : "";
  return whole ? `${assetAmount(hp.taintedAmount)} tainted${usd}` : `${assetAmount(hp.taintedAmount)} tainted${usd} of ${assetAmount(hp.amount)}`;
}

function flowHop(hp: FlowHop, at: string, name: (id: string) => string, nodeRef: (id: string, at: string) => HTMLElement): HTMLElement {
  if (hp.edge === null) {
    // A crossing inside a service followed through (a bridge, a mixer): no transfer, so no value of its own.
    return h(
      "li",
      { class: "pf-hop pf-crossing", "data-testid": "flow-hop" },
      h("span", { class: "pf-hop-n", "aria-hidden": "true" }, "⇣"),
      h(
        "div",
        {},
        h("div", { class: "pf-hop-edge" }, `through ${hp.service ? name(hp.service) : "a service"}`, hp.time ? ` · ${formatTime(hp.time)}` : ""),
        h("div", { class: "pf-flow-pair" }, nodeRef(hp.from, `${at}f`), h("span", { class: "pf-arrow", "aria-label": "to" }, "⇢"), nodeRef(hp.to, `${at}t`)),
      ),
    );
  }
  return h(
    "li",
    { class: "pf-hop", "data-testid": "flow-hop", "data-edge-id": hp.edge.id },
    h("span", { class: "pf-hop-n", "aria-hidden": "true" }, "→"),
    h(
      "div",
      {},
      h("div", { class: "pf-hop-edge" }, [formatTime(hp.time), hopValue(hp)].filter((s) => s !== "").join(" · ")),
      h("div", { class: "pf-flow-pair" }, nodeRef(hp.from, `${at}f`), h("span", { class: "pf-arrow", "aria-label": "to" }, "→"), nodeRef(hp.to, `${at}t`)),
    ),
  );
}

/** Where a value's USD came from, for a tooltip. */
function usdFromTitle(from: UsdSource | readonly UsdSource[] | null): string {
  const list = from === null ? [] : typeof from === "string" ? [from] : from;
  const names = list.map((x) => (x === "PRICE_TABLE" ? "the price table (amount × the close of the transfer's UTC day)" : "the transfers' own USD values"));
  return names.length > 0 ? `USD from ${names.join(" and ")}` : "";
}

/** A sink's USD tooltip: where it came from, naming the price tables. */
function sinkUSDTitle(from: readonly UsdSource[], f: MoneyFlow): string {
  const tables = priceTables(f);
  const t = usdFromTitle(from);
  return from.includes("PRICE_TABLE") && tables.length > 0 ? `${t}: ${tables.join(", ")}` : t;
}

/** The price tables (datasets) the flow's closes came from, by name. */
function priceTables(f: MoneyFlow): string[] {
  return [...new Set(f.prices.map((p) => p.source.dataset))].sort();
}

/**
 * Where the flow's USD values came from: "priced from prices:<file>", how
 * many transfers, and the closes used, each citing its source.
 */
function valuationNote(f: MoneyFlow): HTMLElement | null {
  if (f.pricedFromTable === 0 && f.prices.length === 0) return null;
  const tables = priceTables(f);
  const illustrative = f.prices.some((p) => p.source.illustrative);
  return h(
    "details",
    { class: "pf-note pf-valuation", "data-testid": "flow-valuation" },
    h(
      "summary",
      {},
      `USD priced from ${tables.join(", ")}: ${plural(f.pricedFromTable, "transfer")} valued at the close of their UTC day`,
      illustrative ? h("span", { class: "pf-cat", title: "The closes are synthetic: redthread generate made them" }, "illustrative") : null,
    ),
    h("p", {}, asSentence(f.valuation)),
    h(
      "table",
      { class: "pf-table", "data-testid": "flow-prices" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Day"), h("th", { scope: "col" }, "Asset"), h("th", { scope: "col", class: "num" }, "Close"), h("th", { scope: "col" }, "Source"))),
      h(
        "tbody",
        {},
        f.prices.map((p) =>
          h(
            "tr",
            { "data-testid": "flow-price" },
            h("td", { class: "pf-when" }, p.day),
            h("td", {}, p.asset),
            h("td", { class: "num" }, formatUSD(p.usdClose)),
            h("td", {}, p.source.url ? h("a", { href: p.source.url, target: "_blank", rel: "noopener noreferrer" }, `${p.source.dataset} ${p.source.record ?? ""}`) : `${p.source.dataset} ${p.source.record ?? ""}`),
          ),
        ),
      ),
    ),
  );
}

/** The IDs a flow's routes name that the answer carries no node for: the controller looks their labels up. */
export function unnamedRouteIds(f: MoneyFlow): string[] {
  const known = flowNames(f, {});
  const out = new Set<string>();
  for (const r of f.routes) {
    for (const hp of r.hops) {
      for (const id of [hp.from, hp.to, hp.service]) if (id && !known.has(id)) out.add(id);
    }
    if (!known.has(r.sink)) out.add(r.sink);
  }
  return [...out];
}
