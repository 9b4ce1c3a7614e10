// The details panel's building blocks: headings, key–value lists, markings,
// sources with their provenance, badges, the note editor and the buttons
// shared by the node, group and edge views.
import { formatTime, formatValue, markingLabel, safeUrl } from "../format";
import type { Badge, NodeAttrs } from "../graphModel";
import { ILLUSTRATIVE_MARK, illustrativeLevel, illustrativeTitle, type Illustrated } from "../illustrative";
import { nodeColor } from "../style";
import type { GNode, Marking, Property, Source } from "../types";
import type { DetailsActions } from "./details";
import { h } from "./dom";
import { HUB_WARNING_DEGREE } from "./expandDialog";

const BADGES: Record<Badge, { text: string; title: string }> = {
  sanctioned: { text: "Sanctioned", title: "Designated on a sanctions list: dealing with it is prohibited" },
  "high-risk": { text: "High risk", title: "A high-risk role: mixer, theft wallet, laundering service…" },
};

export function heading(): HTMLElement {
  return h("h2", { id: "details-title", tabindex: -1, "data-focus-fallback": true }, "Details");
}

export function marking(m: Marking): HTMLElement {
  return h("span", { class: `marking ${m}`, title: "Traffic Light Protocol marking" }, markingLabel(m));
}

export function confidence(c: number): HTMLElement {
  return h("span", { class: "conf", title: "Confidence, 0–100" }, `${c}/100`);
}

export function kv(rows: [string, Node | string | null | undefined][]): HTMLElement {
  const dl = h("dl", { class: "kv" });
  for (const [k, v] of rows) {
    if (v === null || v === undefined || v === "") continue;
    dl.append(h("dt", {}, k), h("dd", {}, v));
  }
  return dl;
}

export function properties(props: Property[]): HTMLElement[] {
  if (props.length === 0) return [];
  return [h("h3", { class: "section-title" }, "Properties"), kv(props.map((p) => [p.key, formatValue(p.value)]))];
}

export function sources(list: Source[]): HTMLElement[] {
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
            // Only http(s): a javascript: or data: URL from a dataset must not become a link.
            url
              ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "data-testid": "source-link", "aria-label": `Open the source record of ${s.dataset} in a new tab` }, "open source ↗")
              : s.url
                ? h("span", { class: "mono" }, s.url)
                : null,
          ),
        );
      }),
    ),
  ];
}

export function validity(from: string | null, to: string | null): string {
  if (!from && !to) return "";
  return `${from ? formatTime(from) : "…"} – ${to ? formatTime(to) : "…"}`;
}

export function button(label: string, attrs: Record<string, string | boolean | undefined>, onclick: () => void): HTMLButtonElement {
  return h("button", { type: "button", ...attrs, onclick }, label);
}

export function badges(list: Badge[] | undefined, hub: boolean, synthetic: Illustrated | null = null): HTMLElement | null {
  const items = (list ?? []).map((b) => h("span", { class: `dp-badge dp-badge-${b}`, title: BADGES[b].title, "data-testid": `badge-${b}` }, BADGES[b].text));
  const level = synthetic ? illustrativeLevel(synthetic) : null;
  if (level !== null) items.push(h("span", { class: "dp-badge dp-badge-illustrative", title: illustrativeTitle(level), "data-testid": "badge-illustrative" }, `${ILLUSTRATIVE_MARK} ${level}`));
  if (hub) items.push(h("span", { class: "dp-badge dp-badge-hub", title: `More than ${HUB_WARNING_DEGREE} connections: expand it with filters`, "data-testid": "badge-hub" }, "Hub"));
  return items.length > 0 ? h("div", { class: "dp-badges", "aria-label": "Markers" }, items) : null;
}

/** Why a selected node may not be drawn, and the way back. */
export function visibilityNotes(a: NodeAttrs, actions: DetailsActions): HTMLElement | null {
  const notes: HTMLElement[] = [];
  if (a.userHidden) notes.push(h("p", {}, "Hidden on the canvas: “Show” puts it back."));
  if (a.filteredOut) notes.push(h("p", {}, "Not drawn: outside the timeline window or of a hidden kind."));
  const folded = a.collapsedInto;
  if (folded !== undefined) {
    notes.push(
      h("p", {}, `Folded into the group ${actions.labelOf(folded) ?? folded}. `, button("Open the group", { class: "link", "data-testid": "details-open-folding-group" }, () => { actions.toggleGroup(folded); })),
    );
  }
  return notes.length > 0 ? h("div", { class: "dp-notes", role: "note" }, notes) : null;
}

export function annotation(a: NodeAttrs, actions: DetailsActions): HTMLElement {
  const id = a.data.id;
  const saved = a.annotation ?? "";
  const fieldId = "dp-annotation";
  const hint = h("span", { class: "dp-hint", id: "dp-annotation-hint" }, "Ctrl+Enter saves · Esc undoes the edit");
  const area = h("textarea", {
    id: fieldId,
    class: "dp-annotation",
    rows: 3,
    placeholder: "Your note: why it matters, what to check next…",
    "data-testid": "annotation",
    // Keyed by node: an unsaved note survives a re-render, never moves to another node.
    "data-key": `annotation:${id}`,
    "data-draft": true,
    "aria-describedby": "dp-annotation-hint",
  });
  area.value = saved;
  const save = button("Save note", { class: "small", "data-testid": "annotation-save", disabled: true }, () => {
    // Saving re-renders the panel and disables this button: keep the focus in the note.
    area.focus();
    commit();
  });
  const cancel = button("Cancel", { class: "small", "data-testid": "annotation-cancel", disabled: true }, () => {
    area.value = saved;
    sync();
    area.focus();
  });
  const sync = () => {
    const dirty = area.value.trim() !== saved;
    save.disabled = !dirty;
    cancel.disabled = !dirty;
  };
  const commit = () => {
    const text = area.value.trim();
    if (text === saved) return;
    area.value = text;
    actions.annotate(id, text);
  };
  area.addEventListener("input", sync);
  area.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      commit();
    } else if (ev.key === "Escape" && area.value.trim() !== saved) {
      // Handled here, so the page's Esc shortcut does not also fire.
      ev.preventDefault();
      area.value = saved;
      sync();
    }
  });
  return h(
    "div",
    { class: "dp-annotation-box" },
    h("label", { for: fieldId, class: "section-title" }, "Note"),
    area,
    h("div", { class: "dp-row" }, save, cancel, hint),
  );
}

export function kindLine(n: GNode, text: string): HTMLElement {
  return h("span", { class: "kind", "data-testid": "details-kind" }, h("span", { class: "dot", style: `background:${nodeColor(n.kind)}`, "aria-hidden": "true" }), text);
}

export function pinButton(a: NodeAttrs, actions: DetailsActions): HTMLButtonElement {
  const pinned = a.pinned === true;
  return button(
    pinned ? "Unpin" : "Pin",
    { "data-testid": "details-pin", "aria-label": pinned ? `Unpin ${a.label}: let the layout move it` : `Pin ${a.label} where it is` },
    () => { actions.pin([a.data.id], !pinned); },
  );
}

export function hideButton(a: NodeAttrs, actions: DetailsActions): HTMLButtonElement {
  const hidden = a.userHidden === true;
  return button(
    hidden ? "Show" : "Hide",
    { "data-testid": "details-hide", "aria-label": hidden ? `Show ${a.label} on the canvas` : `Hide ${a.label} from the canvas` },
    () => {
      if (hidden) actions.show([a.data.id]);
      else actions.hide([a.data.id]);
    },
  );
}
