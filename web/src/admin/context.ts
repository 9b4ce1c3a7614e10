// What the admin page's sections share: the API client, who is signed in,
// and the page's notice line.
import type { RedthreadClient } from "../api";
import { ApiError } from "../api";
import type { SessionInfo } from "../auth";
import { h } from "../ui/dom";

export interface AdminContext {
  client: RedthreadClient;
  me: SessionInfo;
  /** Shows a message at the top of the page (undefined hides it). */
  notice(msg: string | undefined, kind?: "error" | "ok"): void;
}

/** The message of a failed request, with its code. */
export function failure(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

/** A time as the tables show it: UTC, to the second; "—" for none. */
export function when(t: string | null | undefined): string {
  if (!t) return "—";
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** A secret shown once (a sign-in link, a token), with Copy. */
export function onceBox(testid: string, title: string, value: string): HTMLElement {
  const field = h("input", { type: "text", readonly: true, value, class: "once-value", "data-testid": `${testid}-value`, "aria-label": title });
  const status = h("span", { class: "once-status", "aria-live": "polite", "data-testid": `${testid}-copied` });
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (an insecure origin): select it for Ctrl+C.
      field.select();
      status.textContent = "Selected: press Ctrl+C";
      return;
    }
    status.textContent = "Copied";
  };
  return h(
    "div",
    { class: "once-box", role: "status", "data-testid": testid },
    h("strong", {}, title),
    h("p", { class: "once-hint" }, "Shown once: copy it now and pass it on privately. It cannot be shown again."),
    h("div", { class: "once-row" }, field, h("button", { type: "button", "data-testid": `${testid}-copy`, onclick: () => void copy() }, "Copy"), status),
  );
}
