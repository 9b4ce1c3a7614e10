// Search box with results as you type (debounced), an ARIA combobox: arrow
// keys move through the results, Enter or a click picks one. A pick, or
// Escape, leaves the field (focus goes where `leave` puts it: the canvas),
// so that the keyboard shortcuts work at once and type nothing into it.
import type { RedthreadClient } from "../api";
import { badgesOf, isHighRiskFlag } from "../badges";
import { kindLabel, nodeColor } from "../style";
import type { GNode, SearchHit } from "../types";
import { clear, h } from "./dom";
import { describeError } from "./notices";

export interface SearchOptions {
  client: RedthreadClient;
  onPick(node: GNode): void;
  /** Moves focus out of the field (to the canvas) after a pick or on Escape. */
  leave?(): void;
  debounceMs?: number;
}

export function mountSearch(root: HTMLElement, opts: SearchOptions): { focus(): void } {
  const debounceMs = opts.debounceMs ?? 200;
  const input = searchInput();
  const list = h("ul", { id: "search-results", class: "search-results", role: "listbox", "aria-label": "Search results", "data-testid": "search-results", hidden: true });
  root.append(input, list);

  let hits: SearchHit[] = [];
  let active = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;
  let seq = 0;
  // Enter pressed before the results came: pick the best hit when they do.
  let pickWhenReady = false;

  const setOpen = (open: boolean) => { openList(list, input, open); };

  const message = (text: string | (Node | string)[], testid: string) => {
    clear(list);
    list.append(h("li", { class: "search-msg", role: "presentation", "data-testid": testid }, text));
    setOpen(true);
  };

  const renderHits = () => {
    if (hits.length === 0) {
      message(`No match for “${input.value.trim()}”.`, "search-empty");
      return;
    }
    clear(list);
    list.append(...hits.map((hit, i) => hitItem(hit, i, i === active, () => { pick(i); })));
    if (active >= 0) input.setAttribute("aria-activedescendant", `search-hit-${active}`);
    else input.removeAttribute("aria-activedescendant");
    setOpen(true);
  };

  const run = async (q: string) => {
    controller?.abort();
    controller = new AbortController();
    const mine = ++seq;
    message("Searching…", "search-loading");
    try {
      const res = await opts.client.search(q, 10, controller.signal);
      if (mine !== seq) return;
      hits = res;
      active = hits.length > 0 ? 0 : -1;
      renderHits();
      if (pickWhenReady && hits.length > 0) pick(0);
      pickWhenReady = false;
    } catch (err) {
      if (mine !== seq || (err instanceof DOMException && err.name === "AbortError")) return;
      const { message: msg, code } = describeError(err);
      hits = [];
      pickWhenReady = false;
      message(errorLine(msg, code, () => void run(q)), "search-error");
    }
  };

  // Drops the search on its way (an emptied field, Escape, blur): its results must not open the list later.
  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    seq++;
    controller?.abort();
    pickWhenReady = false;
    setOpen(false);
  };

  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    hits = []; // results of an older query must not be picked
    pickWhenReady = false;
    const q = input.value.trim();
    if (q === "") {
      cancel();
      return;
    }
    timer = setTimeout(() => void run(q), debounceMs);
  };

  const pick = (i: number) => {
    const hit = hits[i];
    if (!hit) return;
    setOpen(false);
    opts.onPick(hit.node);
    opts.leave?.();
  };

  input.addEventListener("input", schedule);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (hits.length === 0) return;
      ev.preventDefault();
      const d = ev.key === "ArrowDown" ? 1 : -1;
      active = (active + d + hits.length) % hits.length;
      renderHits();
      document.getElementById(`search-hit-${active}`)?.scrollIntoView({ block: "nearest" });
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      if (hits.length === 0) {
        // Search right away instead of waiting for the debounce, then pick.
        if (timer !== undefined) clearTimeout(timer);
        const q = input.value.trim();
        if (q) {
          pickWhenReady = true;
          void run(q);
        }
        return;
      }
      pick(active >= 0 ? active : 0);
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      cancel();
      opts.leave?.();
    }
  });
  input.addEventListener("focus", () => {
    if (hits.length > 0 && input.value.trim() !== "") renderHits();
  });
  input.addEventListener("blur", cancel);

  return { focus: () => { input.focus(); } };
}

/** Shows or hides the results list, and says so on the combobox. */
function openList(list: HTMLElement, input: HTMLInputElement, open: boolean): void {
  list.hidden = !open;
  input.setAttribute("aria-expanded", String(open));
  if (!open) input.removeAttribute("aria-activedescendant");
}

function searchInput(): HTMLInputElement {
  return h("input", {
    id: "search-input",
    type: "search",
    placeholder: "Search names, wallets, e-mails, handles…",
    autocomplete: "off",
    spellcheck: "false",
    role: "combobox",
    "aria-label": "Search the graph",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": "search-results",
    "data-testid": "search-input",
  });
}

/** One result: kind, label and ID; a click picks it. */
function hitItem(hit: SearchHit, i: number, active: boolean, pick: () => void): HTMLElement {
  const n = hit.node;
  const li = h(
    "li",
    {
      id: `search-hit-${i}`,
      role: "option",
      "aria-selected": String(active),
      "data-testid": "search-result",
      "data-node-id": n.id,
      title: n.id,
    },
    h("span", { class: "kind" }, h("span", { class: "dot", style: `background:${nodeColor(n.kind)}`, "aria-hidden": "true" }), kindLabel(n.kind)),
    h("span", { class: "hit-label" }, n.label || n.key),
    ...hitBadges(n),
    h("span", { class: "hit-degree", title: "Connections in the graph: what an expansion would bring", "data-testid": "search-result-degree" }, `${n.degree.toLocaleString("en-US")} ${n.degree === 1 ? "edge" : "edges"}`),
    h("span", { class: "hit-id" }, n.id),
  );
  li.addEventListener("mousedown", (ev) => { ev.preventDefault(); }); // keep focus in the input
  li.addEventListener("click", pick);
  return li;
}

/** The hit's badges from the server's risk, each titled with its reasons. */
function hitBadges(n: SearchHit["node"]): HTMLElement[] {
  const flags = n.risk?.flags ?? [];
  return badgesOf(n, n.risk).map((b) =>
    h(
      "span",
      {
        class: `hit-badge ${b}`,
        "data-testid": `hit-badge-${b}`,
        title: flags.filter((f) => (b === "sanctioned" ? f.kind === "SANCTIONED" : isHighRiskFlag(f))).map((f) => f.reason).join("\n"),
      },
      b === "sanctioned" ? "Sanctioned" : "High risk",
    ),
  );
}

/** A failed search: the message, its code and a retry. */
function errorLine(msg: string, code: string, retry: () => void): (Node | string)[] {
  return [
    h("span", { role: "alert" }, `Search failed: ${msg} `, h("code", {}, code), " "),
    h("button", { type: "button", class: "small", "data-testid": "search-retry", onclick: retry }, "Retry"),
  ];
}
