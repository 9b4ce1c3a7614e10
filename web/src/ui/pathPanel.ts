// The path finder: four ways to connect entities — the shortest path, the k
// shortest paths, the nearest matches of a kind (sanctioned, attributed, a
// service category...), and where stolen money went (moneyFlow under a taint
// model) — with optional filters, and the answer read hop by hop. The controller
// owns the state (PathView) and calls the API; this module only renders it
// and reports what the user asked for.
import { kindWords } from "../format";
import type { Hop } from "../graphModel";
import { kindLabel } from "../style";
import type { Direction, EdgeKind, FlowRanking, GNode, MoneyFlow, NodeKind, TaintModel } from "../types";
import { MAX_HOPS_LIMIT } from "../viewState";
import { h } from "./dom";
import { field, kindPicker, radios, rebuild } from "./widgets";
import {
  DEFAULT_PATH_PARAMS,
  EDGE_KIND_GROUPS,
  K_PATHS_MAX,
  NEAREST_TARGETS,
  PATH_FIELD_LABELS,
  checkPathParams,
  dateInputValue,
  describeFilters,
  parseIntInRange,
  readKinds,
  splitTarget,
  writeKinds,
  type PathField,
  type PathMode,
  type PathParams,
} from "./forms";
import { dot, pathResults } from "./pathResults";
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
  /** Nodes the routes name that the answer does not carry, looked up for their labels. */
  labels: Record<string, GNode>;
  nodeIds: string[];
  edgeIds: string[];
  /** What it was traced from (the sources chosen: wallets, an incident, an entity). */
  origins: string[];
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
  /** The flow's route the investigator opened: its names and amounts are labelled on the canvas. */
  route: number | null;
  /** How the flow's sinks rank, as the investigator chose; null: the server's default (USD when priced, else per asset). */
  rank: { by: FlowRanking; asset?: string } | null;
}

export function emptyPath(): PathView {
  return { mode: "shortest", ends: { from: [], to: [] }, params: { ...DEFAULT_PATH_PARAMS }, loading: false, result: null, active: 0, highlighted: false, route: null, rank: null };
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
  /** A flow's route was opened (its index) or closed (null): its labels go on the canvas. */
  highlightRoute(index: number | null): void;
  clearHighlight(): void;
  /** Ranks the flow's sinks by USD, or by an asset's amount first; traces again. */
  rankFlow(by: FlowRanking, asset?: string): void;
  /** Selects a node (a flow's node may not be on the canvas unless its flow was drawn). */
  select(id: string): void;
  /** Selects an edge (a path's hop). */
  selectEdge(id: string): void;
}

const TABS: { mode: PathMode; label: string; title: string }[] = [
  { mode: "shortest", label: "Shortest", title: "The shortest path between two entities" },
  { mode: "k", label: "K paths", title: "Several shortest paths, to see alternative routes" },
  { mode: "nearest", label: "Nearest", title: "The shortest paths to the nearest sanctioned, attributed or other matching nodes" },
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

export function renderPathPanel(root: HTMLElement, v: PathView, a: PathActions): void {
  rebuild(root, () => {
    root.append(
      h("h2", { id: "path-title", tabindex: -1, "data-focus-fallback": true }, "Trace"),
      tabs(v.mode, a),
      h(
        "div",
        { class: "pf-tabpanel", role: "tabpanel", id: "path-tabpanel", "aria-labelledby": `path-tab-${v.mode}` },
        form(v, a),
        pathResults(v, a),
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

  const nearest = mode === "nearest";
  const ends = flow ? flowEnds(v, a) : pathEnds(v, a, nearest);
  const target = nearest ? targetField(v, set, () => { shown.add("target"); refresh(); }) : null;

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
  const k = mode === "k" || nearest ? numberField("k", nearest ? "Matches" : "Paths", K_PATHS_MAX, "path-k") : null;

  const direction = h(
    "select",
    { "data-testid": "path-direction", onchange: (ev: Event) => { set({ direction: (ev.currentTarget as HTMLSelectElement).value as Direction }); } },
    DIRECTIONS.map((d) => h("option", { value: d.value, selected: d.value === v.params.direction }, d.label)),
  );
  const dirField = flow ? null : field("Direction", direction);
  const taint = flow
    ? radios({ legend: "Taint model", options: TAINTS, value: v.params.taint, onChange: (t) => { set({ taint: t }); }, testid: "path-taint" })
    : null;

  const { since, until, minUSD, kinds, filterSummary, filters } = pathFilters(v, {
    set,
    refresh: () => { refresh(); },
    show: (key) => { shown.add(key); },
    setNoKinds: (none) => { noKinds = none; },
  });

  const findLabel = { shortest: "Find path", k: "Find paths", nearest: "Find nearest", flow: "Trace flow" }[mode];
  const find = h("button", { type: "submit", class: "primary", "data-testid": "path-find", "aria-describedby": "path-find-hint" }, v.loading ? "Searching…" : findLabel);
  const hint = h("p", { class: "pf-hint", id: "path-find-hint", "aria-live": "polite", "data-testid": "path-find-hint" });

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
    target?.setError(show("target"));
    const described = describeFilters(f);
    filterSummary.textContent = described ? ` · ${described}` : " · none";
    const invalid = Object.keys(errors) as PathField[];
    // A filter with an error is inside the closed <details>: open it so the error is seen.
    if ((["since", "until", "minUSD", "edgeKinds"] as PathField[]).some((key) => show(key))) filters.open = true;
    const why = blocker(v) ?? (invalid.length > 0 ? `Check ${invalid.map((key) => PATH_FIELD_LABELS[key]).join(", ")}.` : null);
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
        (["maxHops", "k", "since", "until", "minUSD", "edgeKinds", "target"] as PathField[]).forEach((key) => shown.add(key));
        if (refresh()) a.find();
        else (ev.currentTarget as HTMLFormElement).querySelector<HTMLElement>("[aria-invalid='true']")?.focus();
      },
    },
    ends,
    target?.el ?? null,
    h("div", { class: "pf-opts" }, dirField?.el ?? null, maxHops.el, k?.el ?? null),
    taint,
    filters,
    // A flow's answer has its own Highlight / Clear pair.
    h("div", { class: "pf-buttons" }, find, flow ? null : clearButton(v, a)),
    hint,
  );
  refresh();
  return el;
}

function pathEnds(v: PathView, a: PathActions, nearest: boolean): HTMLElement {
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
    h("div", { class: "pf-end-grid" }, ...row("from"), ...(nearest ? [] : row("to"))),
    nearest
      ? null
      : h(
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

/** Why Find cannot run now, or null when it can. */
function blocker(v: PathView): string | null {
  const flow = v.mode === "flow";
  const from = v.ends.from[0];
  const to = v.ends.to[0];
  if (v.loading) return "Searching…";
  if (v.mode === "nearest") return from ? null : "Set a start: “Path from here” in the details panel, or shift-click a node.";
  if (flow && v.ends.from.length === 0) return "Add one or more sources with “Add to flow sources” in the details panel.";
  if (!flow && (!from || !to)) return "Set a start and an end: “Path from here” and “Path to here” in the details panel, or shift-click two nodes.";
  if (!flow && from?.id === to?.id) return "The start and the end are the same node.";
  return null;
}

interface FilterHooks {
  /** Stores valid values as they are typed. */
  set(patch: Partial<PathParams>): void;
  /** Re-validates the form. */
  refresh(): void;
  /** Shows a field's error from now on. */
  show(key: PathField): void;
  /** "None" of the edge kinds is picked (it cannot be stored: "" means all). */
  setNoKinds(none: boolean): void;
}

/** The form's filters, in a <details>: time window, minimum USD and (not for a flow) edge kinds. */
function pathFilters(v: PathView, hk: FilterHooks) {
  const flow = v.mode === "flow";
  const textField = (key: "since" | "until" | "minUSD", label: string, attrs: Record<string, string>, hint?: string) => {
    const input = h("input", { ...attrs, value: key === "minUSD" ? v.params[key] : dateInputValue(v.params[key]), "data-testid": `path-${key === "minUSD" ? "min-usd" : key}` });
    input.addEventListener("input", () => { hk.set({ [key]: input.value }); });
    input.addEventListener("change", () => {
      hk.show(key);
      hk.refresh();
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
          hk.show("edgeKinds");
          // "None" cannot be stored ("" means all): the panel holds it and blocks Find.
          hk.setNoKinds(picked.length === 0);
          if (picked.length === 0) hk.refresh();
          else hk.set({ edgeKinds: writeKinds(picked) });
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

  return { since, until, minUSD, kinds, filterSummary, filters };
}

function clearButton(v: PathView, a: PathActions): HTMLElement {
  return h(
    "button",
    { type: "button", "data-testid": "path-clear-highlight", disabled: !v.highlighted, "aria-label": "Clear the highlight on the canvas", onclick: () => { a.clearHighlight(); } },
    "Clear highlight",
  );
}

/** What "nearest" looks for: a choice, and for some a value typed beside it (PathParams.target). */
function targetField(v: PathView, set: (patch: Partial<PathParams>) => void, changed: () => void) {
  const { choice, text } = splitTarget(v.params.target);
  const select = h(
    "select",
    { "data-testid": "path-target" },
    NEAREST_TARGETS.map((t) => h("option", { value: t.value, selected: t.value === choice }, t.label)),
  );
  const input = h("input", { type: "text", autocomplete: "off", value: text, "data-testid": "path-target-value", class: "pf-target-value" });
  const f = field("Nearest", select);
  const write = () => {
    const t = NEAREST_TARGETS.find((x) => x.value === select.value);
    input.hidden = !t?.input;
    input.placeholder = t?.input ?? "";
    input.setAttribute("aria-label", t?.input ?? "");
    set({ target: t?.input ? `${select.value}:${input.value}` : select.value });
  };
  select.addEventListener("change", () => { write(); changed(); });
  input.addEventListener("input", write);
  input.addEventListener("change", changed);
  const t = NEAREST_TARGETS.find((x) => x.value === choice);
  input.hidden = !t?.input;
  input.placeholder = t?.input ?? "";
  input.setAttribute("aria-label", t?.input ?? "");
  f.el.append(input);
  return { el: f.el, setError: f.setError };
}
