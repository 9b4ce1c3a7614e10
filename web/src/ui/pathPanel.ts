// The path finder: three ways to connect entities — the shortest path, the k
// shortest paths, and where stolen money went (moneyFlow under a taint model)
// — with optional filters, and the answer read hop by hop. The controller
// owns the state (PathView) and calls the API; this module only renders it
// and reports what the user asked for.
import { formatTime, formatUSD, kindWords, plural } from "../format";
import { formatAmount, type Hop } from "../graphModel";
import { kindLabel, nodeColor } from "../style";
import type { Direction, EdgeKind, FlowHop, GNode, MoneyFlow, NodeKind, TaintModel } from "../types";
import { MAX_HOPS_LIMIT } from "../viewState";
import { rebuild } from "./details";
import { h } from "./dom";
import { field, kindPicker, radios } from "./expandDialog";
import {
  DEFAULT_PATH_PARAMS,
  EDGE_KIND_GROUPS,
  K_PATHS_MAX,
  PATH_FIELD_LABELS,
  asSentence,
  checkPathParams,
  compactNumber,
  dateInputValue,
  describeFilters,
  noPathMessage,
  parseIntInRange,
  readKinds,
  truncationMessage,
  writeKinds,
  type PathField,
  type PathMode,
  type PathParams,
} from "./forms";
import "./panels.css";

export type { PathMode, PathParams } from "./forms";

/** A path end or a flow source/sink, as the panel shows it; `kind` colours its dot when known. */
export interface PathEnd {
  id: string;
  label: string;
  kind?: NodeKind;
}

export interface FoundPath {
  hops: Hop[];
  length: number;
}

/** The answer to a shortest-path or k-paths search. */
export interface PathsResult {
  kind: "paths";
  /** Shortest first; empty when nothing was found. */
  paths: FoundPath[];
  /** Nodes reached but not passed through because of their degree. */
  skippedHubs: string[];
  truncated: boolean;
  reason: string | null;
  fromLabel: string;
  toLabel: string;
  /** The parameters the search ran with (the panel's may have changed since). */
  params: PathParams;
}

/** The answer to a money-flow trace, with what the controller put on the canvas for it. */
export interface FlowResult {
  kind: "flow";
  flow: MoneyFlow;
  nodeIds: string[];
  edgeIds: string[];
}

export interface PathView {
  mode: PathMode;
  /**
   * Shortest and k paths use the first of each list; a money flow traces from
   * all of `from` (its sources) to all of `to` (its optional sinks).
   */
  ends: { from: PathEnd[]; to: PathEnd[] };
  params: PathParams;
  loading: boolean;
  result: PathsResult | FlowResult | null;
  /** Index of the chosen path of a PathsResult (highlighted when `highlighted`). */
  active: number;
  /** Whether a path or the flow is highlighted on the canvas. */
  highlighted: boolean;
}

export function emptyPath(): PathView {
  return { mode: "shortest", ends: { from: [], to: [] }, params: { ...DEFAULT_PATH_PARAMS }, loading: false, result: null, active: 0, highlighted: false };
}

export interface PathActions {
  /** Re-render after it: the tab's form changes. */
  setMode(mode: PathMode): void;
  /** Called as the user types, with valid numbers only; store it. Re-rendering is not needed: the panel keeps its controls current. */
  setParams(patch: Partial<PathParams>): void;
  /** Runs the search of the current mode; only called when the form is valid. */
  find(): void;
  removeEnd(which: "from" | "to", id: string): void;
  swap(): void;
  /** Chooses and highlights a path of the PathsResult. */
  highlightPath(index: number): void;
  highlightFlow(): void;
  clearHighlight(): void;
  /** Selects a node (a flow's node may not be on the canvas unless its flow was drawn). */
  select(id: string): void;
}

const TABS: { mode: PathMode; label: string; title: string }[] = [
  { mode: "shortest", label: "Shortest", title: "The shortest path between two entities" },
  { mode: "k", label: "K paths", title: "Several shortest paths, to see alternative routes" },
  { mode: "flow", label: "Money flow", title: "Where value from some sources went, under a taint model" },
];

const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "BOTH", label: "Either way" },
  { value: "OUT", label: "Along edges →" },
  { value: "IN", label: "Against edges ←" },
];

const TAINTS: { value: TaintModel; label: string; hint: string }[] = [
  { value: "POISON", label: "Poison", hint: "all a wallet holding tainted value sends is tainted (widest net)" },
  { value: "HAIRCUT", label: "Haircut", hint: "each transfer carries the wallet's tainted share (default)" },
  { value: "FIFO", label: "FIFO", hint: "transfers spend the oldest receipts first" },
];

function dot(kind: NodeKind | undefined): HTMLElement {
  return h("span", { class: "pf-dot", style: kind ? `background:${nodeColor(kind)}` : undefined, "aria-hidden": "true" });
}

export function renderPathPanel(root: HTMLElement, v: PathView, a: PathActions): void {
  rebuild(root, () => {
    root.append(
      h("h2", { id: "path-title", tabindex: -1, "data-focus-fallback": true }, "Trace"),
      tabs(v.mode, a),
      h(
        "div",
        { class: "pf-tabpanel", role: "tabpanel", id: "path-tabpanel", "aria-labelledby": `path-tab-${v.mode}` },
        form(v, a),
        results(v, a),
      ),
    );
  });
}

// --- tabs ----------------------------------------------------------------------

function tabs(mode: PathMode, a: PathActions): HTMLElement {
  const list = h("div", { class: "pf-tabs", role: "tablist", "aria-label": "What to trace" });
  const buttons = TABS.map((t) =>
    h(
      "button",
      {
        type: "button",
        role: "tab",
        id: `path-tab-${t.mode}`,
        class: "pf-tab",
        "aria-selected": String(t.mode === mode),
        "aria-controls": "path-tabpanel",
        // Roving tabindex: Tab reaches the chosen tab; arrows move between them.
        tabindex: t.mode === mode ? 0 : -1,
        title: t.title,
        "data-testid": `path-mode-${t.mode}`,
        onclick: () => { if (t.mode !== mode) a.setMode(t.mode); },
      },
      t.label,
    ),
  );
  list.addEventListener("keydown", (ev) => {
    const i = TABS.findIndex((t) => t.mode === mode);
    const moves: Record<string, number> = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 };
    const next = moves[ev.key];
    if (next === undefined) return;
    ev.preventDefault();
    const j = (next + TABS.length) % TABS.length;
    const tab = TABS[j];
    if (!tab || j === i) return;
    // Focus first, so the re-render keeps the focus on the new tab.
    buttons[j]?.focus();
    a.setMode(tab.mode);
  });
  list.append(...buttons);
  return list;
}

// --- the form ------------------------------------------------------------------

function form(v: PathView, a: PathActions): HTMLElement {
  const mode = v.mode;
  const flow = mode === "flow";
  // The values being typed: numbers as text, so "" or "1" on the way to "12" are not lost.
  const cur: PathParams = { ...v.params };
  const text = { maxHops: String(v.params.maxHops), k: String(v.params.k) };
  let noKinds = false;
  // Errors show once a field was left (or Find pressed); values that came in invalid (an edited link) at once.
  const shown = new Set<PathField>(Object.keys(checkPathParams(mode, cur).errors) as PathField[]);
  const set = (patch: Partial<PathParams>) => {
    Object.assign(cur, patch);
    a.setParams(patch);
    refresh();
  };

  const from = v.ends.from[0];
  const to = v.ends.to[0];
  const ends = flow ? flowEnds(v, a) : pathEnds(v, a);

  const numberField = (key: "maxHops" | "k", label: string, max: number, testid: string) => {
    const input = h("input", { type: "number", min: 1, max, step: 1, value: text[key], "data-testid": testid, class: "pf-num" });
    input.addEventListener("input", () => {
      text[key] = input.value;
      const n = parseIntInRange(input.value, 1, max);
      if (n.ok) set({ [key]: n.value });
      else refresh();
    });
    input.addEventListener("change", () => {
      shown.add(key);
      refresh();
    });
    return field(label, input, `1–${max}`);
  };
  const maxHops = numberField("maxHops", "Max hops", MAX_HOPS_LIMIT, "path-max-hops");
  const k = mode === "k" ? numberField("k", "Paths", K_PATHS_MAX, "path-k") : null;

  const direction = h(
    "select",
    { "data-testid": "path-direction", onchange: (ev: Event) => { set({ direction: (ev.currentTarget as HTMLSelectElement).value as Direction }); } },
    DIRECTIONS.map((d) => h("option", { value: d.value, selected: d.value === v.params.direction }, d.label)),
  );
  const dirField = flow ? null : field("Direction", direction);
  const taint = flow
    ? radios({ legend: "Taint model", options: TAINTS, value: v.params.taint, onChange: (t) => { set({ taint: t }); }, testid: "path-taint" })
    : null;

  const textField = (key: "since" | "until" | "minUSD", label: string, attrs: Record<string, string>, hint?: string) => {
    const input = h("input", { ...attrs, value: key === "minUSD" ? v.params[key] : dateInputValue(v.params[key]), "data-testid": `path-${key === "minUSD" ? "min-usd" : key}` });
    input.addEventListener("input", () => { set({ [key]: input.value }); });
    input.addEventListener("change", () => {
      shown.add(key);
      refresh();
    });
    return field(label, input, hint);
  };
  const since = textField("since", "Since", { type: "date" });
  const until = textField("until", "Until", { type: "date" });
  const minUSD = textField("minUSD", "Minimum USD", { type: "text", inputmode: "decimal", autocomplete: "off", placeholder: "e.g. 10k" }, "Transfers without a USD value pass.");
  const kinds = flow
    ? null
    : kindPicker<EdgeKind>({
        legend: "Edge kinds",
        groups: EDGE_KIND_GROUPS,
        picked: readKinds(v.params.edgeKinds),
        words: kindWords,
        onChange: (picked) => {
          shown.add("edgeKinds");
          // "None" cannot be stored ("" means all): the panel holds it and blocks Find.
          noKinds = picked.length === 0;
          if (noKinds) refresh();
          else set({ edgeKinds: writeKinds(picked) });
        },
        testid: "path-edge-kinds",
      });
  const filterSummary = h("span", { class: "pf-filter-summary" });
  const filters = h(
    "details",
    { class: "pf-filters", "data-key": `path-filters:${flow ? "flow" : "paths"}`, "data-testid": "path-filters" },
    h("summary", {}, "Filters", filterSummary),
    h("div", { class: "fm-row" }, since.el, until.el),
    minUSD.el,
    kinds?.el ?? null,
  );

  const findLabel = { shortest: "Find path", k: "Find paths", flow: "Trace flow" }[mode];
  const find = h("button", { type: "submit", class: "primary", "data-testid": "path-find", "aria-describedby": "path-find-hint" }, v.loading ? "Searching…" : findLabel);
  const hint = h("p", { class: "pf-hint", id: "path-find-hint", "aria-live": "polite", "data-testid": "path-find-hint" });

  /** Why Find cannot run now, or null when it can. */
  const blocker = (): string | null => {
    if (v.loading) return "Searching…";
    if (flow && v.ends.from.length === 0) return "Add one or more sources with “Add to flow sources” in the details panel.";
    if (!flow && (!from || !to)) return "Set a start and an end: “Path from here” and “Path to here” in the details panel, or shift-click two nodes.";
    if (!flow && from?.id === to?.id) return "The start and the end are the same node.";
    return null;
  };

  function refresh(): boolean {
    const { filters: f, errors } = checkPathParams(mode, cur);
    const hops = parseIntInRange(text.maxHops, 1, MAX_HOPS_LIMIT);
    if (!hops.ok) errors.maxHops = hops.error;
    if (k) {
      const n = parseIntInRange(text.k, 1, K_PATHS_MAX);
      if (!n.ok) errors.k = n.error;
    }
    if (noKinds) errors.edgeKinds = "Pick at least one edge kind.";
    // A date input reports a half-typed date as an empty value.
    if (since.input.validity.badInput) errors.since = "Incomplete date: finish it or clear it.";
    if (until.input.validity.badInput) errors.until = "Incomplete date: finish it or clear it.";
    const show = (key: PathField) => (shown.has(key) ? errors[key] : undefined);
    maxHops.setError(show("maxHops"));
    k?.setError(show("k"));
    since.setError(show("since"));
    until.setError(show("until"));
    minUSD.setError(show("minUSD"));
    kinds?.setError(show("edgeKinds"));
    const described = describeFilters(f);
    filterSummary.textContent = described ? ` · ${described}` : " · none";
    const invalid = Object.keys(errors) as PathField[];
    // A filter with an error is inside the closed <details>: open it so the error is seen.
    if ((["since", "until", "minUSD", "edgeKinds"] as PathField[]).some((key) => show(key))) filters.open = true;
    const why = blocker() ?? (invalid.length > 0 ? `Check ${invalid.map((key) => PATH_FIELD_LABELS[key]).join(", ")}.` : null);
    // aria-disabled, not disabled: the button keeps the focus while a search runs.
    find.setAttribute("aria-disabled", String(why !== null));
    hint.textContent = why ?? "";
    return why === null;
  }

  const el = h(
    "form",
    {
      class: "pf-form",
      novalidate: true,
      "aria-label": TABS.find((t) => t.mode === mode)?.title ?? "",
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        (["maxHops", "k", "since", "until", "minUSD", "edgeKinds"] as PathField[]).forEach((key) => shown.add(key));
        if (refresh()) a.find();
        else (ev.currentTarget as HTMLFormElement).querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
      },
    },
    ends,
    h("div", { class: "pf-opts" }, dirField?.el ?? null, maxHops.el, k?.el ?? null),
    taint,
    filters,
    h(
      "div",
      { class: "pf-buttons" },
      find,
      // A flow's answer has its own Highlight / Clear pair.
      flow
        ? null
        : h(
            "button",
            { type: "button", "data-testid": "path-clear-highlight", disabled: !v.highlighted, "aria-label": "Clear the highlight on the canvas", onclick: () => { a.clearHighlight(); } },
            "Clear highlight",
          ),
    ),
    hint,
  );
  refresh();
  return el;
}

function pathEnds(v: PathView, a: PathActions): HTMLElement {
  const row = (which: "from" | "to") => {
    const list = v.ends[which];
    const end = list[0];
    const label = which === "from" ? "From" : "To";
    const extra = list.length > 1 ? h("span", { class: "pf-more", title: list.slice(1).map((e) => e.label).join(", ") }, `+${list.length - 1}`) : null;
    return [
      h("span", { class: "pf-end-label", id: `path-${which}-label` }, label),
      h(
        "span",
        { class: `pf-end-value${end ? "" : " unset"}`, title: end ? `${end.kind ? `${kindLabel(end.kind)} · ` : ""}${end.id}` : "" },
        end ? dot(end.kind) : null,
        h(
          "span",
          { "data-testid": `path-${which}`, "aria-labelledby": `path-${which}-label` },
          end ? end.label : which === "from" ? "not set — “Path from here” or shift-click" : "not set — “Path to here” or shift-click",
        ),
        extra,
      ),
      end
        ? h(
            "button",
            { type: "button", class: "small pf-x", "data-testid": `path-clear-${which}`, "aria-label": `Clear the path's ${which === "from" ? "start" : "end"}, ${end.label}`, onclick: () => { a.removeEnd(which, end.id); } },
            "×",
          )
        : h("span", {}),
    ];
  };
  return h(
    "div",
    { class: "pf-ends" },
    h("div", { class: "pf-end-grid" }, ...row("from"), ...row("to")),
    h(
      "button",
      { type: "button", class: "small", "data-testid": "path-swap", "aria-label": "Swap start and end", disabled: v.ends.from.length === 0 && v.ends.to.length === 0, onclick: () => { a.swap(); } },
      "⇅ Swap",
    ),
  );
}

function flowEnds(v: PathView, a: PathActions): HTMLElement {
  const list = (which: "from" | "to", title: string, empty: string, testid: string) => {
    const ends = v.ends[which];
    const role = which === "from" ? "sources" : "sinks";
    const titleId = `flow-${role}-title`;
    return h(
      "div",
      { class: "pf-flow-ends" },
      h("span", { class: "pf-end-label", id: titleId }, title),
      ends.length === 0
        ? h("p", { class: "pf-end-value unset", "data-testid": testid }, empty)
        : h(
            "ul",
            { class: "pf-chips", "aria-labelledby": titleId, "data-testid": testid },
            ends.map((e) =>
              h(
                "li",
                { class: "pf-chip", "data-testid": `flow-${which === "from" ? "source" : "sink"}`, "data-node-id": e.id, title: `${e.kind ? `${kindLabel(e.kind)} · ` : ""}${e.id}` },
                dot(e.kind),
                h("span", { class: "pf-chip-label" }, e.label),
                h(
                  "button",
                  { type: "button", class: "pf-x", "data-key": `remove-${role}:${e.id}`, "aria-label": `Remove ${e.label} from the ${role}`, onclick: () => { a.removeEnd(which, e.id); } },
                  "×",
                ),
              ),
            ),
          ),
    );
  };
  return h(
    "div",
    { class: "pf-ends" },
    list("from", "Sources", "None yet — wallets, an incident (its loot) or an entity (its wallets): “Add to flow sources” in the details panel.", "flow-sources"),
    list("to", "Sinks", "Any service (exchanges, OTC desks…); or pick with “Add to flow sinks”.", "flow-sinks"),
  );
}

// --- results -------------------------------------------------------------------

function results(v: PathView, a: PathActions): HTMLElement | null {
  const r = v.result;
  if (!r) return null;
  if (r.kind === "flow") return v.mode === "flow" ? flowResult(r.flow, v, a) : null;
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
  const key = `path:${p.hops.map((hp) => hp.edge.id).join(",")}`;
  return h(
    "li",
    { class: `pf-path${chosen ? " is-active" : ""}` },
    head,
    // The only path is always open; of several, the chosen one starts open.
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
      return h(
        "li",
        { class: "pf-hop", "data-testid": "path-hop", "data-from": hop.from.id, "data-to": hop.to.id, "data-edge-id": e.id },
        h("span", { class: "pf-hop-n" }, `${hop.index + 1}.`),
        h(
          "div",
          {},
          h(
            "div",
            { class: "pf-hop-edge" },
            h("span", { class: "pf-arrow", "aria-hidden": "true" }, hop.forward ? "→ " : "← "),
            h("span", { class: "pf-hop-kind" }, kindWords(e.kind)),
            facts,
            hop.forward ? null : h("span", { class: "pf-backwards", title: "The edge points the other way: the path follows it backwards" }, " · walked backwards"),
          ),
          nodeButton(hop.to, a, String(hop.index)),
        ),
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

// --- money flow ----------------------------------------------------------------

/** Names for the IDs a flow's routes mention: the nodes the answer carries. */
function flowNames(f: MoneyFlow): Map<string, GNode> {
  const m = new Map<string, GNode>();
  const add = (n: GNode | null) => { if (n) m.set(n.id, n); };
  f.sources.forEach(add);
  f.sinks.forEach((s) => { add(s.node); });
  f.tainted.forEach((t) => {
    add(t.edge.fromNode);
    add(t.edge.toNode);
  });
  return m;
}

function flowResult(f: MoneyFlow, v: PathView, a: PathActions): HTMLElement {
  const names = flowNames(f);
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
    h("h3", { class: "pf-section", id: "flow-sinks-title" }, "Sinks"),
    h(
      "table",
      { class: "pf-table", "aria-labelledby": "flow-sinks-title", "data-testid": "flow-sinks" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Sink"), h("th", { scope: "col", class: "num" }, "USD"), h("th", { scope: "col", class: "num" }, "Routes"), h("th", { scope: "col" }, "Arrived"))),
      h(
        "tbody",
        {},
        f.sinks.map((s, i) =>
          h(
            "tr",
            { "data-testid": "flow-sink", "data-node-id": s.node.id },
            h("th", { scope: "row" }, nodeRef(s.node.id, `sink${i}`), s.category ? h("span", { class: "pf-cat" }, s.category) : null),
            h("td", { class: "num", title: formatUSD(s.valueUSD) }, `$${compactNumber(s.valueUSD)}`),
            h("td", { class: "num" }, s.routes.toLocaleString("en-US")),
            h("td", { class: "pf-when" }, arrival(s.firstArrival, s.lastArrival)),
          ),
        ),
      ),
    ),
    h("h3", { class: "pf-section", id: "flow-routes-title" }, f.routes.length < f.routeCount ? `Routes (${f.routes.length} of ${f.routeCount.toLocaleString("en-US")}, largest first)` : `Routes (${f.routes.length}, largest first)`),
    h(
      "ol",
      { class: "pf-routes", "aria-labelledby": "flow-routes-title", "data-testid": "flow-routes" },
      f.routes.map((r, i) =>
        h(
          "li",
          { "data-testid": "flow-route" },
          h(
            "details",
            { "data-key": `route:${i}:${r.sink}` },
            h("summary", {}, h("strong", {}, compactNumber(r.value)), ` to ${name(r.sink)} · ${plural(r.hops.length, "step")}`),
            h("ol", { class: "pf-hops" }, r.hops.map((hp, j) => flowHop(hp, `${i}:${j}`, name, nodeRef))),
          ),
        ),
      ),
    ),
    h("p", { class: "pf-note" }, "Values are in USD where the transfers have a USD value, else in the asset's own units."),
  );
  return box;
}

function arrival(first: string | null, last: string | null): string {
  const a = formatTime(first).slice(0, 10);
  const b = formatTime(last).slice(0, 10);
  if (!a && !b) return "";
  return a === b || !b ? a : `${a} – ${b}`;
}

function flowHop(hp: FlowHop, at: string, name: (id: string) => string, nodeRef: (id: string, at: string) => HTMLElement): HTMLElement {
  const value = `${compactNumber(hp.tainted)} tainted${hp.value !== hp.tainted ? ` of ${compactNumber(hp.value)}` : ""}`;
  if (hp.edge === null) {
    // A crossing inside a service followed through (a bridge, a mixer): no transfer to show.
    return h(
      "li",
      { class: "pf-hop pf-crossing", "data-testid": "flow-hop" },
      h("span", { class: "pf-hop-n", "aria-hidden": "true" }, "⇣"),
      h("div", {}, h("div", { class: "pf-hop-edge" }, `through ${hp.service ? name(hp.service) : "a service"}`, hp.time ? ` · ${formatTime(hp.time)}` : ""), h("div", { class: "pf-hop-edge" }, value)),
    );
  }
  return h(
    "li",
    { class: "pf-hop", "data-testid": "flow-hop", "data-edge-id": hp.edge.id },
    h("span", { class: "pf-hop-n", "aria-hidden": "true" }, "→"),
    h(
      "div",
      {},
      h("div", { class: "pf-hop-edge" }, [formatTime(hp.time), value].filter((s) => s !== "").join(" · ")),
      h("div", { class: "pf-flow-pair" }, nodeRef(hp.from, `${at}f`), h("span", { class: "pf-arrow", "aria-label": "to" }, "→"), nodeRef(hp.to, `${at}t`)),
    ),
  );
}
