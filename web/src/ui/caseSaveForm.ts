// The cases dialog's save form: the case name with its error, a hint on what
// Save does, Save and Save as new, and a status line that shows progress, a
// failure with a retry, or a choice (after a conflict).
import type { OpenCase } from "./casesDialog";
import { clear, h } from "./dom";
import { describeError } from "./notices";

/** The server's limit on case names (cases.MaxNameRunes). */
export const MAX_CASE_NAME = 200;

export interface SaveForm {
  form: HTMLFormElement;
  input: HTMLInputElement;
  showNameError(text: string | null): void;
  /** The hint and Save as new follow the case that is open. */
  renderHint(current: OpenCase | null): void;
  setBusy(busy: boolean, text?: string): void;
  saveError(err: unknown, retry: () => void): void;
  /** Asks what to do, the choices and Cancel as buttons; the first has the focus. */
  choose(text: string, choices: { text: string; testid: string; run: () => void }[]): void;
}

/** `id` makes the dialog's element IDs; `submit` and `saveNew` are the two buttons' actions. */
export function saveForm(id: (s: string) => string, name: string, on: { submit: () => void; saveNew: () => void }): SaveForm {
  const input = h("input", {
    id: id("name"),
    type: "text",
    required: true,
    maxlength: MAX_CASE_NAME,
    autocomplete: "off",
    spellcheck: "false",
    value: name,
    "aria-describedby": `${id("hint")} ${id("name-error")}`,
    "data-testid": "case-name",
  });
  const nameError = h("p", { id: id("name-error"), class: "rt-field-error", hidden: true });
  const hint = h("p", { id: id("hint"), class: "rt-muted" });
  const saveBtn = h("button", { type: "submit", class: "primary", "data-testid": "case-save" }, "Save");
  const saveNewBtn = h("button", { type: "button", "data-testid": "case-save-new", onclick: on.saveNew }, "Save as new");
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
    on.submit();
  });
  const showNameError = (text: string | null) => {
    nameError.textContent = text ?? "";
    nameError.hidden = text === null;
    input.setAttribute("aria-invalid", String(text !== null));
  };
  input.addEventListener("input", () => { showNameError(null); });

  return {
    form,
    input,
    showNameError,
    renderHint: (current) => {
      hint.textContent = current
        ? `“${current.name}” is open (version ${current.version}): Save updates it, Save as new keeps it and makes another case.`
        : "Save makes a new case of what is on the canvas.";
      saveNewBtn.hidden = current === null;
    },
    setBusy: (busy, text = "") => {
      saveBtn.disabled = busy;
      saveNewBtn.disabled = busy;
      form.setAttribute("aria-busy", String(busy));
      clear(saveStatus);
      if (text) saveStatus.append(h("span", { class: "rt-spinner", "aria-hidden": "true" }), text);
    },
    saveError: (err, retry) => {
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
    },
    choose: (text, choices) => {
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
    },
  };
}
