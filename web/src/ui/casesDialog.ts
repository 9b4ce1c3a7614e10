// The cases dialog: save the canvas as a case (update the open one, or a new
// one), and list the saved cases to open or delete. A save that would
// overwrite someone else's newer save stops and asks (CONFLICT).
import { ApiError, type RedthreadClient } from "../api";
import { formatTime, plural } from "../format";
import type { SavedCase } from "../types";
import { clear, h } from "./dom";
import { describeError } from "./notices";
import "./widgets.css";

/** The server's limit on case names (cases.MaxNameRunes). */
export const MAX_CASE_NAME = 200;

export interface OpenCase {
  id: string;
  name: string;
  /** The version the canvas was loaded from or last saved as. */
  version: number;
}

export interface CasesDialogDeps {
  client: Pick<RedthreadClient, "cases" | "saveCase" | "deleteCase">;
  /** The case on the canvas, if any: "Save" updates it. */
  current: OpenCase | null;
  /** The view document to save (caseView.ts). */
  captureView(): unknown;
  /** Opens a saved case on the canvas (the dialog closes). */
  open(id: string): void;
}

type SaveMode = { kind: "update" } | { kind: "new" } | { kind: "overwrite"; version: number | undefined } | { kind: "copy" };

let dialogs = 0;

/**
 * Shows the cases dialog (modal; Esc closes it and focus goes back where it
 * was). Resolves when it closes: with the case the user saved, or null.
 */
export function openCasesDialog(host: HTMLElement, deps: CasesDialogDeps): Promise<SavedCase | null> {
  const n = ++dialogs;
  const id = (s: string) => `rt-cases-${s}-${n}`;
  const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let current = deps.current;
  let saved: SavedCase | null = null;
  let inflight: Promise<void> | null = null;
  const listAbort = new AbortController();

  // --- save form ---------------------------------------------------------------
  const input = h("input", {
    id: id("name"),
    type: "text",
    required: true,
    maxlength: MAX_CASE_NAME,
    autocomplete: "off",
    spellcheck: "false",
    value: current?.name ?? "",
    "aria-describedby": `${id("hint")} ${id("name-error")}`,
    "data-testid": "case-name",
  });
  const nameError = h("p", { id: id("name-error"), class: "rt-field-error", hidden: true });
  const hint = h("p", { id: id("hint"), class: "rt-muted" });
  const saveBtn = h("button", { type: "submit", class: "primary", "data-testid": "case-save" }, "Save");
  const saveNewBtn = h("button", { type: "button", "data-testid": "case-save-new", onclick: () => void save({ kind: "new" }) }, "Save as new");
  const saveStatus = h("div", { class: "rt-case-save-status", "aria-live": "polite", "data-testid": "case-save-status" });
  const form = h(
    "form",
    { class: "rt-case-save", novalidate: true, "aria-labelledby": id("save-title") },
    h("h3", { id: id("save-title") }, "Save the canvas"),
    h("label", { for: id("name") }, "Case name"),
    input,
    nameError,
    hint,
    h("div", { class: "rt-row" }, saveBtn, saveNewBtn),
    saveStatus,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void save(current ? { kind: "update" } : { kind: "new" });
  });
  input.addEventListener("input", () => { showNameError(null); });

  // --- list --------------------------------------------------------------------
  const listBody = h("div", { class: "rt-case-list", "data-testid": "case-list" });
  const listStatus = h("p", { class: "rt-sr-only", "aria-live": "polite" });

  const closeBtn = h("button", { type: "button", class: "rt-dialog-close", "aria-label": "Close", onclick: () => { dialog.close(); } }, "×");
  const dialog = h(
    "dialog",
    { class: "rt-dialog rt-cases", "aria-labelledby": id("title"), "data-testid": "cases-dialog" },
    h("header", { class: "rt-dialog-head" }, h("h2", { id: id("title") }, "Cases"), closeBtn),
    form,
    h("section", { class: "rt-case-saved", "aria-labelledby": id("list-title") }, h("h3", { id: id("list-title") }, "Saved cases"), listBody, listStatus),
  );

  const showNameError = (text: string | null) => {
    nameError.textContent = text ?? "";
    nameError.hidden = text === null;
    input.setAttribute("aria-invalid", String(text !== null));
  };

  const renderForm = () => {
    hint.textContent = current
      ? `“${current.name}” is open (version ${current.version}): Save updates it, Save as new keeps it and makes another case.`
      : "Save makes a new case of what is on the canvas.";
    saveNewBtn.hidden = current === null;
  };

  const setBusy = (busy: boolean, text = "") => {
    saveBtn.disabled = busy;
    saveNewBtn.disabled = busy;
    form.setAttribute("aria-busy", String(busy));
    clear(saveStatus);
    if (text) saveStatus.append(h("span", { class: "rt-spinner", "aria-hidden": "true" }), text);
  };

  const saveError = (err: unknown, retry: () => void) => {
    const { message, code } = describeError(err);
    clear(saveStatus);
    saveStatus.append(
      h(
        "div",
        { class: "rt-error", role: "alert", "data-testid": "case-save-error" },
        h("span", {}, `Saving failed: ${message} `, h("code", {}, code)),
        h("button", { type: "button", class: "small", "data-testid": "retry", onclick: retry }, "Retry"),
      ),
    );
  };

  /** Someone saved the case after it was loaded: say who and when, and let the user choose. */
  const conflict = async (err: ApiError) => {
    const open = current;
    if (!open) return;
    setBusy(true, "Checking who saved the case…");
    let latest: SavedCase | undefined;
    let known = true;
    try {
      const list = await deps.client.cases(listAbort.signal);
      latest = list.find((c) => c.id === open.id);
      renderList(list);
    } catch {
      known = false; // the server's message still names who saved it and when
    }
    setBusy(false);
    if (known && !latest) {
      choose(`“${open.name}” was deleted since you opened it.`, [
        { text: "Save as new", testid: "case-save-as-new", run: () => void save({ kind: "new" }) },
      ]);
      return;
    }
    const text = latest
      ? `${latest.updatedBy ?? "Someone"} saved this case at ${formatTime(latest.updatedAt)} since you opened it (version ${latest.version}; you opened version ${open.version}).`
      : err.message;
    choose(text, [
      { text: "Overwrite", testid: "case-overwrite", run: () => void save({ kind: "overwrite", version: latest?.version }) },
      { text: "Save as a copy", testid: "case-save-copy", run: () => void save({ kind: "copy" }) },
    ]);
  };

  const choose = (text: string, choices: { text: string; testid: string; run: () => void }[]) => {
    clear(saveStatus);
    const box = h(
      "div",
      { class: "rt-warn", role: "alert", "data-testid": "case-conflict" },
      h("p", {}, text),
      h(
        "div",
        { class: "rt-row" },
        choices.map((c) => h("button", { type: "button", "data-testid": c.testid, onclick: c.run }, c.text)),
        h("button", { type: "button", onclick: () => { clear(saveStatus); input.focus(); } }, "Cancel"),
      ),
    );
    saveStatus.append(box);
    box.querySelector("button")?.focus();
  };

  const save = async (mode: SaveMode): Promise<void> => {
    if (inflight) return;
    const name = input.value.trim();
    if (name === "") {
      showNameError("Give the case a name.");
      input.focus();
      return;
    }
    if (Array.from(name).length > MAX_CASE_NAME) {
      showNameError(`At most ${MAX_CASE_NAME} characters.`);
      input.focus();
      return;
    }
    const open = current;
    let args: Parameters<CasesDialogDeps["client"]["saveCase"]>[0];
    try {
      const view = deps.captureView();
      if (mode.kind === "update" && open) args = { id: open.id, name, view, expectedVersion: open.version };
      else if (mode.kind === "overwrite" && open) args = { id: open.id, name, view, ...(mode.version !== undefined ? { expectedVersion: mode.version } : {}) };
      else if (mode.kind === "copy") args = { name: copyName(name), view };
      else args = { name, view };
    } catch (err) {
      saveError(err, () => void save(mode));
      return;
    }
    setBusy(true, "Saving…");
    const run = (async () => {
      try {
        saved = await deps.client.saveCase(args);
        setBusy(false);
        if (dialog.open) dialog.close();
      } catch (err) {
        setBusy(false);
        if (err instanceof ApiError && err.code === "CONFLICT" && open && (mode.kind === "update" || mode.kind === "overwrite")) {
          await conflict(err);
        } else if (err instanceof ApiError && err.code === "NOT_FOUND" && open && args.id !== undefined) {
          choose(`“${open.name}” was deleted since you opened it.`, [
            { text: "Save as new", testid: "case-save-as-new", run: () => void save({ kind: "new" }) },
          ]);
        } else {
          saveError(err, () => void save(mode));
        }
      }
    })();
    inflight = run;
    try {
      await run;
    } finally {
      inflight = null;
    }
  };

  // --- list rendering ----------------------------------------------------------
  const loadList = async () => {
    clear(listBody);
    listBody.append(h("p", { class: "rt-loading", role: "status" }, h("span", { class: "rt-spinner", "aria-hidden": "true" }), "Loading cases…"));
    listBody.setAttribute("aria-busy", "true");
    try {
      renderList(await deps.client.cases(listAbort.signal));
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") return;
      const { message, code } = describeError(err);
      clear(listBody);
      listBody.append(
        h(
          "div",
          { class: "rt-error", role: "alert", "data-testid": "case-list-error" },
          h("span", {}, `Loading the cases failed: ${message} `, h("code", {}, code)),
          h("button", { type: "button", class: "small", "data-testid": "retry", onclick: () => void loadList() }, "Retry"),
        ),
      );
    } finally {
      listBody.removeAttribute("aria-busy");
    }
  };

  const renderList = (cases: SavedCase[]) => {
    clear(listBody);
    if (cases.length === 0) {
      listBody.append(h("p", { class: "rt-muted", "data-testid": "case-list-empty" }, "No saved cases yet."));
      return;
    }
    listBody.append(h("ul", {}, cases.map((c) => renderRow(c))));
  };

  const renderRow = (c: SavedCase): HTMLElement => {
    const who = c.updatedBy ?? c.createdBy;
    const isOpen = current?.id === c.id;
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
          { type: "button", "data-testid": "case-open", "aria-label": `Open “${c.name}”`, onclick: () => { deps.open(c.id); dialog.close(); } },
          "Open",
        ),
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
        await deps.client.deleteCase(c.id);
        const next = row.nextElementSibling ?? row.previousElementSibling;
        row.remove();
        listStatus.textContent = `Deleted “${c.name}”.`;
        if (current?.id === c.id) {
          current = null;
          renderForm();
        }
        if (!listBody.querySelector(".rt-case-row")) renderList([]);
        // Focus stays in the list rather than falling back to the document.
        (next?.querySelector("button") ?? input).focus();
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

  // --- lifecycle ---------------------------------------------------------------
  return new Promise<SavedCase | null>((resolve) => {
    dialog.addEventListener("close", () => {
      listAbort.abort();
      dialog.remove();
      if (returnTo?.isConnected) returnTo.focus();
      // A save still on its way when the dialog was closed may yet succeed: wait for it.
      void (inflight ?? Promise.resolve()).then(() => { resolve(saved); });
    });
    renderForm();
    host.append(dialog);
    dialog.showModal();
    input.focus();
    input.select();
    void loadList();
  });
}

/** "Name (copy)", within the server's limit. */
function copyName(name: string): string {
  const suffix = " (copy)";
  return Array.from(name).slice(0, MAX_CASE_NAME - suffix.length).join("").trimEnd() + suffix;
}

function focusIn(root: HTMLElement, testid: string): void {
  root.querySelector<HTMLElement>(`[data-testid="${testid}"]`)?.focus();
}
