// Loading, warning and error messages over the canvas. An error shows the
// GraphQL message and code, the request's ID when the server gave one, and
// offers a retry.
import { ApiError } from "../api";
import { clear, h } from "./dom";

export interface NoticeHandle {
  dismiss(): void;
}

export function describeError(err: unknown): { message: string; code: string; requestId?: string } {
  if (err instanceof ApiError) return err.requestId ? { message: err.message, code: err.code, requestId: err.requestId } : { message: err.message, code: err.code };
  if (err instanceof Error) return { message: err.message, code: "CLIENT" };
  return { message: String(err), code: "CLIENT" };
}

export class Notices {
  constructor(private readonly root: HTMLElement) {}

  loading(text: string): NoticeHandle {
    const el = h("div", { class: "notice loading", role: "status", "data-testid": "loading-notice" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", { class: "notice-body" }, text));
    this.root.appendChild(el);
    return { dismiss: () => { el.remove(); } };
  }

  /** A warning; the same text is shown once, and it goes away by itself. */
  warn(text: string, testid = "warn-notice", ttlMs = 10000): NoticeHandle {
    for (const n of this.root.querySelectorAll<HTMLElement>(".notice.warn")) {
      if (n.dataset.text === text) n.remove();
    }
    const handle = this.closable("warn", [text], testid);
    const el = this.root.lastElementChild as HTMLElement;
    el.dataset.text = text;
    const timer = setTimeout(() => { handle.dismiss(); }, ttlMs);
    return { dismiss: () => { clearTimeout(timer); handle.dismiss(); } };
  }

  error(what: string, err: unknown, retry?: () => void): NoticeHandle {
    const { message, code, requestId } = describeError(err);
    const body: (Node | string)[] = [h("strong", {}, `${what} failed: `), message, " ", h("code", { "data-testid": "error-code" }, code)];
    if (requestId) {
      // The ID the server's logs carry, for a report to the operators.
      body.push(h("span", { class: "notice-request" }, " · request ", h("code", { "data-testid": "error-request-id", title: "Quote this ID when you report the error" }, requestId)));
    }
    return this.closable("error", body, "error-notice", retry);
  }

  clearAll(kind?: "warn" | "error"): void {
    if (!kind) {
      clear(this.root);
      return;
    }
    this.root.querySelectorAll(`.notice.${kind}`).forEach((n) => { n.remove(); });
  }

  private closable(kind: "warn" | "error", body: (Node | string)[], testid: string, retry?: () => void): NoticeHandle {
    const el = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": testid });
    const dismiss = () => { el.remove(); };
    el.append(h("span", { class: "notice-body" }, body));
    if (retry) {
      el.append(h("button", { type: "button", class: "small", "data-testid": "retry", onclick: () => { dismiss(); retry(); } }, "Retry"));
    }
    el.append(
      h("button", { type: "button", class: "small", "aria-label": "Dismiss message", onclick: dismiss }, "×"),
    );
    this.root.appendChild(el);
    return { dismiss };
  }
}
