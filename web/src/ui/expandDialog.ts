// The expand dialog: before putting a node's neighbours on the canvas, pick
// which ones (direction, edge and node kinds, a time window, a minimum USD
// value, how many, how deep). A hub (an exchange has hundreds of thousands of
// edges) gets a plain warning: an unfiltered expansion shows an arbitrary
// handful of its connections.
import { kindWords, plural } from "../format";
import { kindLabel } from "../style";
import { NODE_KINDS, type Direction, type EdgeKind, type GNode, type NodeKind } from "../types";
import { h } from "./dom";
import { field, kindPicker, radios, uniqueId, type Field } from "./widgets";
import {
  DEFAULT_EXPAND,
  EXPAND_LIMIT_MAX,
  expandDraft,
  expandFilterCount,
  hubWarning,
  parseExpandDraft,
  type ExpandDraft,
  type ExpandField,
  type ExpandFilters,
} from "./expandForm";
import { EDGE_KIND_GROUPS, parseIntInRange } from "./forms";
import "./panels.css";

export type { ExpandFilters } from "./expandForm";

/** Above this many connections (GNode.degree) a node is a hub: the dialog warns before expanding it. */
export const HUB_WARNING_DEGREE = 200;

const DIRECTIONS: { value: Direction; label: string; hint: string }[] = [
  { value: "BOTH", label: "Either way", hint: "everything linked to it" },
  { value: "OUT", label: "Outgoing", hint: "what it sent, controls, is attributed to" },
  { value: "IN", label: "Incoming", hint: "what sent to it, controls it" },
];

const DEPTHS = [
  { value: "1", label: "1 — its neighbours" },
  { value: "2", label: "2 — and theirs", hint: "grows fast" },
] as const;

/**
 * Opens the expand dialog for a node, prefilled with `initial`. Resolves with
 * the chosen filters, or null when cancelled (Cancel, Esc). The platform's
 * modal dialog traps focus; focus returns to where it was.
 */
export function openExpandDialog(host: HTMLElement, node: GNode, initial: ExpandFilters): Promise<ExpandFilters | null> {
  return new Promise((resolve) => {
    const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const name = node.label || node.key;
    const hub = node.degree > HUB_WARNING_DEGREE;
    const ids = { title: uniqueId("xd-title"), about: uniqueId("xd-about"), warn: uniqueId("xd-warn") };
    let result: ExpandFilters | null = null;
    const dialog = h("dialog", {
      class: "xd",
      "aria-labelledby": ids.title,
      "aria-describedby": hub ? `${ids.about} ${ids.warn}` : ids.about,
      "data-testid": "expand-dialog",
    });

    /** Puts a fresh form for `start` in the dialog ("Reset filters" mounts the defaults). */
    const mount = (start: ExpandDraft): void => {
      let draft = start;
      let submitted = false;
      const touched = new Set<ExpandField>();
      const update = (patch: Partial<ExpandDraft>) => {
        draft = { ...draft, ...patch };
        validate();
      };

      const { direction, edgeKinds, nodeKinds, since, until, minUSD, limit, depth } = expandFields(draft, {
        touch: (k) => { touched.add(k); },
        update,
        validate: () => { validate(); },
      });

      const warningText = h("span", {});
      const filterCount = h("span", { class: "fm-hint", "aria-live": "polite", "data-testid": "expand-filter-count" });
      // A date input reports a half-typed date as an empty value: ask its validity.
      const incomplete = (f: Field<HTMLInputElement>) => (f.input.validity.badInput ? "Incomplete date: finish it or clear it." : undefined);
      // In the order shown, so the first invalid one gets the focus.
      const slots: [ExpandField, { setError: (m: string | undefined) => void; focus: () => void }][] = [
        ["edgeKinds", edgeKinds],
        ["nodeKinds", nodeKinds],
        ["since", { setError: since.setError, focus: () => { since.input.focus(); } }],
        ["until", { setError: until.setError, focus: () => { until.input.focus(); } }],
        ["minUSD", { setError: minUSD.setError, focus: () => { minUSD.input.focus(); } }],
        ["limit", { setError: limit.setError, focus: () => { limit.input.focus(); } }],
      ];

      function validate(): { value: ExpandFilters | null; firstError: (() => void) | null } {
        const parsed = parseExpandDraft(draft);
        const errors: Partial<Record<ExpandField, string>> = parsed.ok ? {} : { ...parsed.errors };
        const badSince = incomplete(since);
        const badUntil = incomplete(until);
        if (badSince) errors.since = badSince;
        if (badUntil) errors.until = badUntil;
        let firstError: (() => void) | null = null;
        for (const [k, slot] of slots) {
          slot.setError(submitted || touched.has(k) ? errors[k] : undefined);
          if (errors[k] !== undefined) firstError ??= slot.focus;
        }
        const lim = parseIntInRange(draft.limit, 1, EXPAND_LIMIT_MAX);
        warningText.textContent = hubWarning(name, node.degree, lim.ok ? lim.value : initial.limit);
        const n = parsed.ok ? expandFilterCount(parsed.value) : 0;
        filterCount.textContent = n > 0 ? `${plural(n, "filter")} set` : "No filter set";
        return { value: parsed.ok && !firstError ? parsed.value : null, firstError };
      }

      const form = h(
        "form",
        {
          class: "xd-form",
          novalidate: true,
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            submitted = true;
            const r = validate();
            if (r.value === null) {
              r.firstError?.();
              return;
            }
            result = r.value;
            dialog.close();
          },
        },
        dialogHeader(ids, node, hub, warningText),
        h(
          "div",
          { class: "xd-body" },
          h("div", { class: "xd-col" }, direction, edgeKinds.el),
          h(
            "div",
            { class: "xd-col" },
            nodeKinds.el,
            h("fieldset", { class: "fm-group" }, h("legend", {}, "Time and value"), h("div", { class: "fm-row" }, since.el, until.el), minUSD.el),
            h("fieldset", { class: "fm-group" }, h("legend", {}, "Size"), limit.el, depth),
          ),
        ),
        dialogFooter(hub, filterCount, {
          reset: () => {
            mount(expandDraft(DEFAULT_EXPAND));
            dialog.querySelector<HTMLElement>("[data-testid='expand-reset']")?.focus();
          },
          cancel: () => { dialog.close(); },
        }),
      );
      dialog.replaceChildren(form);
      validate();
    };

    mount(expandDraft(initial));
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (returnTo?.isConnected) returnTo.focus();
      resolve(result);
    });
    host.append(dialog);
    dialog.showModal();
  });
}

interface FieldHooks {
  /** The user left the field: its error shows from now on. */
  touch(k: ExpandField): void;
  update(patch: Partial<ExpandDraft>): void;
  validate(): void;
}

/** The dialog's fields, prefilled from `draft`. */
function expandFields(draft: ExpandDraft, hk: FieldHooks) {
  const direction = radios({ legend: "Direction", options: DIRECTIONS, value: draft.direction, onChange: (v) => { hk.update({ direction: v }); }, testid: "expand-direction" });
  const edgeKinds = kindPicker<EdgeKind>({
    legend: "Edge kinds",
    groups: EDGE_KIND_GROUPS,
    picked: draft.edgeKinds,
    words: kindWords,
    onChange: (k) => {
      hk.touch("edgeKinds");
      hk.update({ edgeKinds: k });
    },
    testid: "expand-edge-kinds",
  });
  const nodeKinds = kindPicker<NodeKind>({
    legend: "Node kinds",
    groups: [{ label: "Node kinds", kinds: NODE_KINDS }],
    picked: draft.nodeKinds,
    words: kindLabel,
    onChange: (k) => {
      hk.touch("nodeKinds");
      hk.update({ nodeKinds: k });
    },
    testid: "expand-node-kinds",
  });
  const textField = (key: "since" | "until" | "minUSD" | "limit", label: string, attrs: Record<string, string | number>, hint?: string) => {
    const input = h("input", { ...attrs, value: draft[key], "data-testid": `expand-${key === "minUSD" ? "min-usd" : key}` });
    input.addEventListener("input", () => { hk.update({ [key]: input.value }); });
    input.addEventListener("change", () => {
      hk.touch(key);
      hk.validate();
    });
    return field(label, input, hint);
  };
  const since = textField("since", "Since", { type: "date" });
  const until = textField("until", "Until", { type: "date" });
  const minUSD = textField("minUSD", "Minimum USD", { type: "text", inputmode: "decimal", autocomplete: "off", placeholder: "e.g. 10k or 1.5M" }, "Edges without a USD value pass.");
  const limit = textField("limit", "At most", { type: "number", min: 1, max: EXPAND_LIMIT_MAX, step: 1 }, `neighbours (1–${EXPAND_LIMIT_MAX.toLocaleString("en-US")})`);
  const depth = radios({ legend: "Depth", options: DEPTHS, value: draft.depth === "2" ? "2" : "1", onChange: (v) => { hk.update({ depth: v }); }, testid: "expand-depth" });
  return { direction, edgeKinds, nodeKinds, since, until, minUSD, limit, depth };
}

function dialogHeader(ids: { title: string; about: string; warn: string }, node: GNode, hub: boolean, warningText: HTMLElement): HTMLElement {
  return h(
    "header",
    { class: "xd-head" },
    h("h2", { id: ids.title }, `Expand ${node.label || node.key}`),
    h(
      "p",
      { id: ids.about, class: "xd-about" },
      `${kindLabel(node.kind)} · `,
      h("strong", { "data-testid": "expand-degree" }, plural(node.degree, "connection")),
      " in the graph",
    ),
    hub ? h("p", { class: "xd-warning", id: ids.warn, "data-testid": "hub-warning" }, h("strong", {}, "Hub. "), warningText) : null,
  );
}

function dialogFooter(hub: boolean, filterCount: HTMLElement, on: { reset: () => void; cancel: () => void }): HTMLElement {
  return h(
    "footer",
    { class: "xd-foot" },
    h("button", { type: "button", "data-testid": "expand-reset", onclick: on.reset }, "Reset filters"),
    filterCount,
    h("span", { class: "xd-spacer" }),
    h("button", { type: "button", "data-testid": "expand-cancel", onclick: on.cancel }, "Cancel"),
    h("button", { type: "submit", class: "primary", "data-testid": "expand-confirm" }, hub ? "Expand anyway" : "Expand"),
  );
}
