// A modal question with a few answers as buttons (not window.confirm, which
// blocks the page and cannot be styled or labelled): Esc, the close button
// and Cancel all answer "cancel"; focus starts on the first answer and goes
// back where it was.
import type { ClearChoice } from "../controllers/cases";
import { h } from "./dom";
import "./widgets.css";

export interface Answer<T> {
  value: T;
  text: string;
  testid: string;
  primary?: boolean;
}

export interface Question<T> {
  title: string;
  text: string;
  answers: Answer<T>[];
  /** What Esc, the close button and the backdrop answer. */
  cancel: T;
  testid: string;
}

let dialogs = 0;

/** Shows the question; resolves with the answer chosen. */
export function ask<T>(host: HTMLElement, q: Question<T>): Promise<T> {
  const n = ++dialogs;
  const titleId = `rt-ask-title-${n}`;
  const textId = `rt-ask-text-${n}`;
  const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let answer = q.cancel;
  const dialog = h("dialog", { class: "rt-dialog rt-ask", role: "alertdialog", "aria-labelledby": titleId, "aria-describedby": textId, "data-testid": q.testid });
  const close = (v: T) => {
    answer = v;
    dialog.close();
  };
  const buttons = q.answers.map((a) =>
    h("button", { type: "button", class: a.primary ? "primary" : undefined, "data-testid": a.testid, onclick: () => { close(a.value); } }, a.text),
  );
  dialog.append(
    h(
      "header",
      { class: "rt-dialog-head" },
      h("h2", { id: titleId }, q.title),
      h("button", { type: "button", class: "rt-dialog-close", "aria-label": "Cancel", onclick: () => { close(q.cancel); } }, "×"),
    ),
    h("p", { id: textId }, q.text),
    h("div", { class: "rt-row rt-ask-answers" }, buttons),
  );
  return new Promise<T>((resolve) => {
    // Esc fires "cancel" and closes the dialog; `answer` is still q.cancel then.
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (returnTo?.isConnected) returnTo.focus();
      resolve(answer);
    });
    host.append(dialog);
    dialog.showModal();
    buttons[0]?.focus();
  });
}

/** Clear canvas with unsaved changes to the open case: save them first, discard them, or cancel. */
export function askBeforeClear(host: HTMLElement, c: { name: string; version: number }): Promise<ClearChoice> {
  return ask<ClearChoice>(host, {
    title: "Clear the canvas?",
    text: `The open case “${c.name}” has changes not saved since version ${c.version}. Clearing closes the case; the next Save makes a new one.`,
    answers: [
      { value: "save", text: `Save “${c.name}” first`, testid: "clear-save-first", primary: true },
      { value: "discard", text: "Discard changes and clear", testid: "clear-discard" },
      { value: "cancel", text: "Cancel", testid: "clear-cancel" },
    ],
    cancel: "cancel",
    testid: "clear-confirm",
  });
}
