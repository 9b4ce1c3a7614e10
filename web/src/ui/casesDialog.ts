// The cases dialog: save the canvas as a case (update the open one, or a new
// one), and list the saved cases to open or delete. A save that would
// overwrite someone else's newer save stops and asks (CONFLICT).
import { ApiError, type RedthreadClient } from "../api";
import { formatTime } from "../format";
import type { SavedCase } from "../types";
import { caseList } from "./caseList";
import { MAX_CASE_NAME, saveForm } from "./caseSaveForm";
import { stixImportControl } from "./caseStix";
import { h } from "./dom";
import "./widgets.css";

export { MAX_CASE_NAME };

export interface OpenCase {
  id: string;
  name: string;
  /** The version the canvas was loaded from or last saved as. */
  version: number;
}

export interface CasesDialogDeps {
  client: Pick<RedthreadClient, "cases" | "saveCase" | "deleteCase" | "exportCaseStix" | "importCaseStix">;
  /** The case on the canvas, if any: "Save" updates it. */
  current: OpenCase | null;
  /** The view document to save (caseView.ts). */
  captureView(): unknown;
  /** Opens a saved case on the canvas (the dialog closes). */
  open(id: string): void;
  /** A STIX bundle was imported: the graph on the server grew. */
  imported?(): void;
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

  const sf = saveForm(id, current?.name ?? "", {
    submit: () => void save(current ? { kind: "update" } : { kind: "new" }),
    saveNew: () => void save({ kind: "new" }),
  });
  const { form, input } = sf;

  const list = caseList({
    client: deps.client,
    signal: listAbort.signal,
    current: () => current,
    open: (caseId) => {
      deps.open(caseId);
      dialog.close();
    },
    deleted: (caseId) => {
      if (current?.id !== caseId) return;
      current = null;
      sf.renderHint(null);
    },
    fallbackFocus: input,
  });

  const dialog: HTMLDialogElement = dialogFrame(id, form, list, stixImport(deps, list, () => { dialog.close(); }));

  /** Someone saved the case after it was loaded: say who and when, and let the user choose. */
  const conflict = async (err: ApiError) => {
    const open = current;
    if (!open) return;
    sf.setBusy(true, "Checking who saved the case…");
    let latest: SavedCase | undefined;
    let known = true;
    try {
      const cases = await deps.client.cases(listAbort.signal);
      latest = cases.find((c) => c.id === open.id);
      list.render(cases);
    } catch {
      known = false; // the server's message still names who saved it and when
    }
    sf.setBusy(false);
    if (known && !latest) {
      sf.choose(`“${open.name}” was deleted since you opened it.`, [
        { text: "Save as new", testid: "case-save-as-new", run: () => void save({ kind: "new" }) },
      ]);
      return;
    }
    sf.choose(latest ? conflictText(latest, open) : err.message, [
      { text: "Overwrite", testid: "case-overwrite", run: () => void save({ kind: "overwrite", version: latest?.version }) },
      { text: "Save as a copy", testid: "case-save-copy", run: () => void save({ kind: "copy" }) },
    ]);
  };

  const save = async (mode: SaveMode): Promise<void> => {
    if (inflight) return;
    const name = input.value.trim();
    const nameError = checkName(name);
    if (nameError) {
      sf.showNameError(nameError);
      input.focus();
      return;
    }
    const open = current;
    let args: SaveArgs;
    try {
      args = saveArgs(mode, open, name, deps.captureView());
    } catch (err) {
      sf.saveError(err, () => void save(mode));
      return;
    }
    sf.setBusy(true, "Saving…");
    const run = (async () => {
      try {
        saved = await deps.client.saveCase(args);
        sf.setBusy(false);
        if (dialog.open) dialog.close();
      } catch (err) {
        sf.setBusy(false);
        if (err instanceof ApiError && err.code === "CONFLICT" && open && (mode.kind === "update" || mode.kind === "overwrite")) {
          await conflict(err);
        } else if (err instanceof ApiError && err.code === "NOT_FOUND" && open && args.id !== undefined) {
          sf.choose(`“${open.name}” was deleted since you opened it.`, [
            { text: "Save as new", testid: "case-save-as-new", run: () => void save({ kind: "new" }) },
          ]);
        } else {
          sf.saveError(err, () => void save(mode));
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

  return new Promise<SavedCase | null>((resolve) => {
    dialog.addEventListener("close", () => {
      listAbort.abort();
      dialog.remove();
      if (returnTo?.isConnected) returnTo.focus();
      // A save still on its way when the dialog was closed may yet succeed: wait for it.
      void (inflight ?? Promise.resolve()).then(() => { resolve(saved); });
    });
    sf.renderHint(current);
    host.append(dialog);
    dialog.showModal();
    input.focus();
    input.select();
    void list.load();
  });
}

/** Import STIX…: an imported case opens at once (the dialog closes); one with objects not read stays listed, the message saying which. */
function stixImport(deps: CasesDialogDeps, list: { load(): Promise<void> }, close: () => void): HTMLElement {
  return stixImportControl(deps.client, (r) => {
    deps.imported?.();
    if (r.skipped.length > 0) {
      void list.load();
      return;
    }
    deps.open(r.case.id);
    close();
  });
}

/** The dialog: a header with Close, the save form, the list of saved cases. */
function dialogFrame(id: (s: string) => string, form: HTMLElement, list: { body: HTMLElement; status: HTMLElement; stixStatus: HTMLElement }, stix: HTMLElement): HTMLDialogElement {
  const dialog = h("dialog", { class: "rt-dialog rt-cases", "aria-labelledby": id("title"), "data-testid": "cases-dialog" });
  const closeBtn = h("button", { type: "button", class: "rt-dialog-close", "aria-label": "Close", onclick: () => { dialog.close(); } }, "×");
  dialog.append(
    h("header", { class: "rt-dialog-head" }, h("h2", { id: id("title") }, "Cases"), closeBtn),
    form,
    h("section", { class: "rt-case-saved", "aria-labelledby": id("list-title") }, h("h3", { id: id("list-title") }, "Saved cases"), list.body, list.status, list.stixStatus, stix),
  );
  return dialog;
}

function conflictText(latest: SavedCase, open: OpenCase): string {
  return `${latest.updatedBy ?? "Someone"} saved this case at ${formatTime(latest.updatedAt)} since you opened it (version ${latest.version}; you opened version ${open.version}).`;
}

type SaveArgs = Parameters<CasesDialogDeps["client"]["saveCase"]>[0];

/** Why a case name cannot be saved, or null. */
function checkName(name: string): string | null {
  if (name === "") return "Give the case a name.";
  if (Array.from(name).length > MAX_CASE_NAME) return `At most ${MAX_CASE_NAME} characters.`;
  return null;
}

/** What to send for a save: update the open case (at the version loaded, or any when overwriting), or make a new one. */
function saveArgs(mode: SaveMode, open: OpenCase | null, name: string, view: unknown): SaveArgs {
  if (mode.kind === "update" && open) return { id: open.id, name, view, expectedVersion: open.version };
  if (mode.kind === "overwrite" && open) return { id: open.id, name, view, ...(mode.version !== undefined ? { expectedVersion: mode.version } : {}) };
  if (mode.kind === "copy") return { name: copyName(name), view };
  return { name, view };
}

/** "Name (copy)", within the server's limit. */
function copyName(name: string): string {
  const suffix = " (copy)";
  return Array.from(name).slice(0, MAX_CASE_NAME - suffix.length).join("").trimEnd() + suffix;
}
