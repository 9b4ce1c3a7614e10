// Generic form and panel widgets shared by the dialogs and panels: labelled
// fields with their error text, kind pickers, radio groups, and a rebuild
// that keeps the user's place when a panel is rendered again.
import { clear, h } from "./dom";

let uid = 0;
/** A prefix for element IDs, unique per rendered form (several may coexist). */
export function uniqueId(base: string): string {
  uid += 1;
  return `${base}-${uid}`;
}

/** A labelled input with a hint and an error line that screen readers read with it. */
export interface Field<E extends HTMLElement> {
  el: HTMLElement;
  input: E;
  /** Shows (or, with undefined, clears) the field's error. */
  setError: (message: string | undefined) => void;
}

export function field<E extends HTMLInputElement | HTMLSelectElement>(label: string, input: E, hint?: string): Field<E> {
  const id = input.id || uniqueId("fm");
  input.id = id;
  const error = h("span", { class: "fm-error", id: `${id}-err` });
  const hintEl = hint ? h("span", { class: "fm-hint", id: `${id}-hint` }, hint) : null;
  input.setAttribute("aria-describedby", [hintEl ? `${id}-hint` : "", `${id}-err`].filter(Boolean).join(" "));
  const el = h("div", { class: "fm-field" }, h("label", { for: id }, label), input, hintEl, error);
  return {
    el,
    input,
    setError: (message) => {
      error.textContent = message ?? "";
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}

/** A group of checkboxes for kinds, in sub-groups with a tri-state box each, plus All / None. */
export interface KindPicker {
  el: HTMLFieldSetElement;
  setError: (message: string | undefined) => void;
  /** Focuses the first checkbox. */
  focus: () => void;
}

export function kindPicker<K extends string>(o: {
  legend: string;
  groups: readonly { label: string; kinds: readonly K[] }[];
  picked: readonly K[];
  words(kind: K): string;
  onChange(picked: K[]): void;
  testid: string;
}): KindPicker {
  const id = uniqueId(o.testid);
  const error = h("span", { class: "fm-error", id: `${id}-err` });
  const boxes: HTMLInputElement[] = [];
  const groupBoxes: { box: HTMLInputElement; members: HTMLInputElement[] }[] = [];
  const picked = new Set(o.picked);
  const read = () => boxes.filter((b) => b.checked).map((b) => b.value as K);
  // A group's box is checked when all its kinds are, mixed when some are.
  const syncGroups = () => {
    for (const g of groupBoxes) {
      const n = g.members.filter((m) => m.checked).length;
      g.box.checked = n === g.members.length;
      g.box.indeterminate = n > 0 && n < g.members.length;
    }
  };
  const changed = () => {
    syncGroups();
    o.onChange(read());
  };
  const tools = h(
    "div",
    { class: "fm-kinds-tools" },
    h("button", { type: "button", class: "small", "aria-label": `All ${o.legend.toLowerCase()}`, onclick: () => { boxes.forEach((b) => (b.checked = true)); changed(); } }, "All"),
    h("button", { type: "button", class: "small", "aria-label": `No ${o.legend.toLowerCase()}`, onclick: () => { boxes.forEach((b) => (b.checked = false)); changed(); } }, "None"),
  );
  const el = h("fieldset", { class: "fm-kinds", "data-testid": o.testid, "aria-describedby": `${id}-err` }, h("legend", {}, o.legend), tools);
  const grouped = o.groups.length > 1;
  for (const g of o.groups) {
    const members = g.kinds.map((k) => {
      const box = h("input", { type: "checkbox", value: k, checked: picked.has(k), "data-kind": k, onchange: changed });
      boxes.push(box);
      return box;
    });
    const items = members.map((box, i) => h("label", { class: "fm-check" }, box, o.words(g.kinds[i] as K)));
    if (!grouped) {
      el.append(h("div", { class: "fm-kind-items" }, items));
      continue;
    }
    const box = h("input", {
      type: "checkbox",
      "data-group": g.label,
      onchange: (ev: Event) => {
        const on = (ev.currentTarget as HTMLInputElement).checked;
        members.forEach((m) => (m.checked = on));
        changed();
      },
    });
    groupBoxes.push({ box, members });
    el.append(
      h(
        "div",
        { class: "fm-kind-group", role: "group", "aria-label": g.label },
        h("label", { class: "fm-check fm-kind-group-label" }, box, g.label, h("span", { class: "fm-sr" }, " (all)")),
        h("div", { class: "fm-kind-items" }, items),
      ),
    );
  }
  el.append(error);
  syncGroups();
  return {
    el,
    setError: (message) => {
      error.textContent = message ?? "";
    },
    focus: () => {
      boxes[0]?.focus();
    },
  };
}

/** A group of radio buttons (arrow keys move between them: the platform's). */
export function radios<V extends string>(o: {
  legend: string;
  options: readonly { value: V; label: string; hint?: string }[];
  value: V;
  onChange(v: V): void;
  testid: string;
}): HTMLFieldSetElement {
  const name = uniqueId(o.testid);
  return h(
    "fieldset",
    { class: "fm-radios", "data-testid": o.testid },
    h("legend", {}, o.legend),
    o.options.map((opt) =>
      h(
        "label",
        { class: "fm-check" },
        h("input", {
          type: "radio",
          name,
          value: opt.value,
          checked: opt.value === o.value,
          "data-testid": `${o.testid}-${opt.value.toLowerCase()}`,
          onchange: () => { o.onChange(opt.value); },
        }),
        h("span", {}, opt.label, opt.hint ? h("span", { class: "fm-hint" }, ` — ${opt.hint}`) : null),
      ),
    ),
  );
}

/**
 * Rebuilds a panel's content without losing the user's place: the focused
 * control (and its caret), unsaved text of fields marked `data-draft`, open
 * `<details>` and the scroll position survive when the same keys are
 * rendered again (key: data-key, else data-testid, else id). When the
 * focused control is gone, focus goes to the element marked
 * `data-focus-fallback` rather than to the page.
 */
export function rebuild(root: HTMLElement, build: () => void): void {
  const keyOf = (el: Element): string | null => el.getAttribute("data-key") ?? el.getAttribute("data-testid") ?? (el.id || null);
  const active = document.activeElement;
  const hadFocus = active !== null && active !== root && root.contains(active);
  const focusKey = hadFocus ? keyOf(active) : null;
  const caret = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement ? [active.selectionStart, active.selectionEnd] : null;
  const open = new Map<string, boolean>();
  for (const d of root.querySelectorAll<HTMLDetailsElement>("details[data-key]")) open.set(keyOf(d) ?? "", d.open);
  const drafts = new Map<string, string>();
  for (const f of root.querySelectorAll<HTMLTextAreaElement | HTMLInputElement>("[data-draft]")) drafts.set(keyOf(f) ?? "", f.value);
  const scroll = root.scrollTop;

  clear(root);
  build();

  for (const f of root.querySelectorAll<HTMLTextAreaElement | HTMLInputElement>("[data-draft]")) {
    const v = drafts.get(keyOf(f) ?? "");
    if (v !== undefined && v !== f.value) {
      f.value = v;
      // The field's own listener recomputes what depends on it (Save enabled).
      f.dispatchEvent(new Event("input"));
    }
  }
  for (const d of root.querySelectorAll<HTMLDetailsElement>("details[data-key]")) {
    const was = open.get(keyOf(d) ?? "");
    if (was !== undefined) d.open = was;
  }
  root.scrollTop = scroll;
  if (!hadFocus) return;
  let target: HTMLElement | null = null;
  if (focusKey !== null) {
    for (const el of root.querySelectorAll<HTMLElement>("[data-key], [data-testid], [id]")) {
      if (keyOf(el) === focusKey) {
        // A control that became disabled cannot take the focus back.
        if (!(el instanceof HTMLButtonElement && el.disabled)) target = el;
        break;
      }
    }
  }
  target ??= root.querySelector<HTMLElement>("[data-focus-fallback]");
  target?.focus({ preventScroll: true });
  if (target && caret && (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) && typeof caret[0] === "number" && typeof caret[1] === "number") {
    target.setSelectionRange(caret[0], caret[1]);
  }
}

/** Appends what is there: optional parts of a panel are null when absent. */
export function fill(root: HTMLElement, ...parts: (Node | null)[]): void {
  for (const p of parts) if (p) root.append(p);
}

