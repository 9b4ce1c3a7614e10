// The shared view's panel (/shared#link=TOKEN): whose case this is, that it
// is read-only, how many facts the sharing agency's markings withheld, and
// the comments made through this link with a box to add one.
import { ApiError } from "../api";
import { formatTime, markingLabel } from "../format";
import type { CaseComment, SharedCase } from "../shareApi";
import { h } from "./dom";
import { renderComments } from "./shareDialog";
import "./share.css";
import "./widgets.css";

export interface SharedPanelActions {
  comment(text: string): Promise<CaseComment>;
}

/** The panel for an opened shared case. */
export function renderSharedPanel(root: HTMLElement, sc: SharedCase, act: SharedPanelActions): void {
  const comments: CaseComment[] = [...sc.comments];
  const list = h("div", { class: "rt-share-comments", "data-testid": "shared-comments" });
  renderComments(list, comments);
  const status = h("div", { role: "status", "aria-live": "polite", "data-testid": "shared-comment-status" });
  const text = h("textarea", { rows: 3, maxlength: 4000, "aria-label": "Comment for the sharing agency", "data-testid": "shared-comment-text" });
  const submit = async () => {
    const t = text.value.trim();
    if (t === "") return;
    status.replaceChildren(h("p", { class: "rt-loading" }, "Sending…"));
    try {
      comments.push(await act.comment(t));
      text.value = "";
      renderComments(list, comments);
      status.replaceChildren(h("p", { class: "rt-muted" }, `Sent to ${sc.case.agency}.`));
    } catch (err) {
      status.replaceChildren(h("p", { class: "rt-error" }, err instanceof ApiError || err instanceof Error ? err.message : String(err)));
    }
  };
  const s = sc.share;
  root.replaceChildren(
    h("h2", { class: "panel-title" }, "Shared case"),
    h("p", { "data-testid": "shared-title" }, h("strong", {}, sc.case.name), ` — shared by ${s.owner}, read-only`),
    h("p", { class: "rt-muted" }, `Up to ${markingLabel(s.cap)}, until ${formatTime(s.expiresAt)}.`),
    sc.notice
      ? h("p", { class: "rt-warn rt-shared-notice", "data-testid": "shared-notice" }, sc.notice)
      : h("p", { class: "rt-muted", "data-testid": "shared-notice" }, "Nothing of the case is withheld from you."),
    h("h3", {}, "Comments"),
    list,
    s.allowComments
      ? h("form", { class: "rt-shared-comment", onsubmit: (e: Event) => { e.preventDefault(); void submit(); } },
        text, h("div", { class: "rt-row" }, h("button", { type: "submit", class: "primary", "data-testid": "shared-comment-submit" }, "Comment")), status)
      : h("p", { class: "rt-muted" }, "This share takes no comments."),
  );
}

/** The panel when the link does not open (any reason: the server says none). */
export function renderSharedDenied(root: HTMLElement, err: unknown): void {
  const msg = err instanceof ApiError && err.code === "TOO_MANY_REQUESTS" ? err.message
    : "This link does not open: it may have expired or been revoked, or it is not for you. Ask the agency that shared it for a new one.";
  root.replaceChildren(
    h("h2", { class: "panel-title" }, "Shared case"),
    h("p", { class: "rt-error", "data-testid": "shared-denied" }, msg),
  );
}
