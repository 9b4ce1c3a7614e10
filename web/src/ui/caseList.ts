// The cases dialog's list of saved cases: loaded when the dialog opens, each
// with Open and Delete (asked to confirm; a failure offers a retry).
import type { RedthreadClient } from "../api";
import { formatTime, plural } from "../format";
import type { SavedCase } from "../types";
import type { OpenCase } from "./casesDialog";
import { stixExportButton } from "./caseStix";
import { clear, h } from "./dom";
import { describeError } from "./notices";

export interface CaseListDeps {
  client: Pick<RedthreadClient, "cases" | "deleteCase" | "exportCaseStix">;
  signal: AbortSignal;
  /** The case on the canvas, if any (marked "open"). */
  current(): OpenCase | null;
  /** Opens a case (the dialog closes). */
  open(id: string): void;
  /** A case was deleted. */
  deleted(id: string): void;
  /** Where focus goes when the last row is deleted. */
  fallbackFocus: HTMLElement;
}

export interface CaseList {
  body: HTMLElement;
  /** Announces deletions to screen readers. */
  status: HTMLElement;
  /** Says how a STIX export went. */
  stixStatus: HTMLElement;
  load(): Promise<void>;
  render(cases: SavedCase[]): void;
}

export function caseList(d: CaseListDeps): CaseList {
  const body = h("div", { class: "rt-case-list", "data-testid": "case-list" });
  const status = h("p", { class: "rt-sr-only", "aria-live": "polite" });
  const stixStatus = h("p", { class: "rt-muted", "data-testid": "case-stix-status", "aria-live": "polite" });
const loadList = async () => {
  clear(body);
  body.append(h("p", { class: "rt-loading", role: "status" }, h("span", { class: "rt-spinner", "aria-hidden": "true" }), "Loading cases…"));
  body.setAttribute("aria-busy", "true");
  try {
    renderList(await d.client.cases(d.signal));
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") return;
    const { message, code } = describeError(err);
    clear(body);
    body.append(
      h(
        "div",
        { class: "rt-error", role: "alert", "data-testid": "case-list-error" },
        h("span", {}, `Loading the cases failed: ${message} `, h("code", {}, code)),
        h("button", { type: "button", class: "small", "data-testid": "retry", onclick: () => void loadList() }, "Retry"),
      ),
    );
  } finally {
    body.removeAttribute("aria-busy");
  }
};

const renderList = (cases: SavedCase[]) => {
  clear(body);
  if (cases.length === 0) {
    body.append(h("p", { class: "rt-muted", "data-testid": "case-list-empty" }, "No saved cases yet."));
    return;
  }
  body.append(h("ul", {}, cases.map((c) => renderRow(c))));
};

const renderRow = (c: SavedCase): HTMLElement => {
  const who = c.updatedBy ?? c.createdBy;
  const isOpen = d.current()?.id === c.id;
  const actions = h("div", { class: "rt-case-actions" });
  const row = h(
    "li",
    { class: "rt-case-row", "data-testid": "case-row", "data-case-id": c.id, "aria-current": isOpen ? "true" : false },
    h(
      "div",
      { class: "rt-case-main" },
      h("span", { class: "rt-case-name" }, c.name, isOpen ? h("span", { class: "rt-badge" }, "open") : null),
      h(
        "span",
        { class: "rt-case-meta" },
        `${plural(c.nodeCount, "node")} · updated `,
        h("time", { datetime: c.updatedAt }, formatTime(c.updatedAt)),
        who ? ` by ${who}` : "",
      ),
    ),
    actions,
  );

  const idle = () => {
    clear(actions);
    actions.append(
      h(
        "button",
        { type: "button", "data-testid": "case-open", "aria-label": `Open “${c.name}”`, onclick: () => { d.open(c.id); } },
        "Open",
      ),
      stixExportButton(d.client, c, stixStatus),
      h("button", { type: "button", class: "rt-danger", "data-testid": "case-delete", "aria-label": `Delete “${c.name}”`, onclick: confirm }, "Delete"),
    );
  };

  function confirm(): void {
    clear(actions);
    const cancel = h("button", { type: "button", onclick: () => { idle(); focusIn(actions, "case-delete"); } }, "Cancel");
    actions.append(
      h("span", { class: "rt-confirm", role: "alert" }, `Delete “${c.name}”? This cannot be undone.`),
      h("button", { type: "button", class: "rt-danger", "data-testid": "case-delete-confirm", onclick: () => void remove() }, "Delete"),
      cancel,
    );
    cancel.focus(); // the safe choice has the focus
  }

  const remove = async () => {
    clear(actions);
    actions.append(h("span", { class: "rt-loading", role: "status" }, h("span", { class: "rt-spinner", "aria-hidden": "true" }), "Deleting…"));
    try {
      await d.client.deleteCase(c.id);
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      status.textContent = `Deleted “${c.name}”.`;
      d.deleted(c.id);
      if (!body.querySelector(".rt-case-row")) renderList([]);
      // Focus stays in the list rather than falling back to the document.
      (next?.querySelector("button") ?? d.fallbackFocus).focus();
    } catch (err) {
      const { message, code } = describeError(err);
      clear(actions);
      actions.append(
        h("span", { class: "rt-error", role: "alert" }, `Deleting failed: ${message} `, h("code", {}, code)),
        h("button", { type: "button", class: "small", "data-testid": "retry", onclick: () => void remove() }, "Retry"),
        h("button", { type: "button", class: "small", onclick: () => { idle(); focusIn(actions, "case-delete"); } }, "Cancel"),
      );
    }
  };

  idle();
  return row;
};
  return { body, status, stixStatus, load: loadList, render: renderList };
}

function focusIn(root: HTMLElement, testid: string): void {
  root.querySelector<HTMLElement>(`[data-testid="${testid}"]`)?.focus();
}
