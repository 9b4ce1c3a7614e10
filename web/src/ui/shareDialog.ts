// The share dialog of the open case: share it with another agency (or named
// users there) up to a marking cap, for a while, with or without comments;
// preview it as the recipient will see it first; copy the new link (shown
// once); list the case's links and revoke them; read the comments that came
// back.
import { ApiError } from "../api";
import { formatTime, markingLabel } from "../format";
import type { Marking } from "../gql/graphql";
import { shareLive, type CaseComment, type Share, type ShareApi, type SharedCase } from "../shareApi";
import { clear, h } from "./dom";
import "./share.css";
import "./widgets.css";

export interface ShareDialogDeps {
  api: Pick<ShareApi, "preview" | "share" | "revoke" | "sharing">;
  caseId: string;
  caseName: string;
  /** The absolute address of a link's path (/shared#link=…). */
  absolute(url: string): string;
  copy(text: string): Promise<void>;
}

const CAPS: Marking[] = ["TLP_CLEAR", "TLP_GREEN", "TLP_AMBER", "TLP_RED"];
const EXPIRIES: [string, string][] = [["1d", "1 day"], ["3d", "3 days"], ["7d", "7 days"], ["30d", "30 days"], ["90d", "90 days"]];

let dialogs = 0;

/** Shows the dialog (modal; Esc closes it); resolves when it closes. */
export function openShareDialog(host: HTMLElement, d: ShareDialogDeps): Promise<void> {
  const n = ++dialogs;
  const id = (s: string) => `rt-share-${s}-${n}`;
  const abort = new AbortController();
  const agency = h("input", { id: id("agency"), type: "text", required: true, autocomplete: "off", placeholder: "police", "data-testid": "share-agency" });
  const users = h("input", { id: id("users"), type: "text", autocomplete: "off", placeholder: "optional: emails, comma-separated", "data-testid": "share-users" });
  const cap = h("select", { id: id("cap"), "data-testid": "share-cap" }, CAPS.map((c) => h("option", { value: c, selected: c === "TLP_AMBER" }, markingLabel(c))));
  const expiry = h("select", { id: id("expiry"), "data-testid": "share-expiry" }, EXPIRIES.map(([v, t]) => h("option", { value: v, selected: v === "7d" }, t)));
  const comments = h("input", { id: id("comments"), type: "checkbox", checked: true, "data-testid": "share-allow-comments" });
  const status = h("div", { class: "rt-share-status", role: "status", "aria-live": "polite", "data-testid": "share-status" });
  const result = h("div", { class: "rt-share-result", "data-testid": "share-result" });
  const list = h("div", { class: "rt-share-list", "data-testid": "share-list" });
  const commentList = h("div", { class: "rt-share-comments", "data-testid": "share-comments" });

  const request = () => ({
    caseId: d.caseId,
    agency: agency.value.trim(),
    users: users.value.split(",").map((u) => u.trim()).filter((u) => u !== ""),
    cap: cap.value as Marking,
  });
  const fail = (err: unknown) => {
    if (err instanceof DOMException && err.name === "AbortError") return;
    status.replaceChildren(h("p", { class: "rt-error", "data-testid": "share-error" }, err instanceof ApiError || err instanceof Error ? err.message : String(err)));
  };
  const busy = (text: string) => { status.replaceChildren(h("p", { class: "rt-loading" }, text)); };
  const needAgency = (): boolean => {
    if (agency.value.trim() !== "") return true;
    status.replaceChildren(h("p", { class: "rt-field-error" }, "Name the agency to share with."));
    agency.focus();
    return false;
  };

  const preview = async () => {
    if (!needAgency()) return;
    busy("Previewing…");
    try {
      const sc = await d.api.preview(request(), abort.signal);
      status.replaceChildren();
      result.replaceChildren(previewView(sc));
    } catch (err) {
      fail(err);
    }
  };
  const share = async () => {
    if (!needAgency()) return;
    busy("Sharing…");
    try {
      const link = await d.api.share({ ...request(), expiresIn: expiry.value, allowComments: comments.checked }, abort.signal);
      status.replaceChildren();
      result.replaceChildren(linkView(d, d.absolute(link.url)));
      await reload();
    } catch (err) {
      fail(err);
    }
  };
  const revoke = async (s: Share) => {
    busy("Revoking…");
    try {
      await d.api.revoke(s.id, abort.signal);
      status.replaceChildren(h("p", { class: "rt-muted", "data-testid": "share-revoked" }, `The link to ${s.agency} no longer opens.`));
      await reload();
    } catch (err) {
      fail(err);
    }
  };
  const reload = async () => {
    try {
      const s = await d.api.sharing(d.caseId, abort.signal);
      renderShares(list, s?.shares ?? [], (x) => void revoke(x));
      renderComments(commentList, s?.comments ?? []);
    } catch (err) {
      fail(err);
    }
  };

  const dialog = h("dialog", { class: "rt-dialog rt-share", "aria-labelledby": id("title"), "data-testid": "share-dialog" });
  const form = h(
    "form",
    { class: "rt-share-form", onsubmit: (e: Event) => { e.preventDefault(); void share(); } },
    field(id("agency"), "Agency", agency),
    field(id("users"), "Only these users there", users),
    h("div", { class: "rt-row" }, field(id("cap"), "Up to marking", cap), field(id("expiry"), "Expires after", expiry),
      h("label", { class: "rt-share-check", for: id("comments") }, comments, " Recipients may comment")),
    h("p", { class: "rt-muted" }, "TLP:AMBER+STRICT facts are never shared; TLP:RED only with named users."),
    h("div", { class: "rt-row" },
      h("button", { type: "button", "data-testid": "share-preview", onclick: () => void preview() }, "Preview as recipient"),
      h("button", { type: "submit", class: "primary", "data-testid": "share-submit" }, "Share")),
    status,
    result,
  );
  dialog.append(
    h("header", { class: "rt-dialog-head" }, h("h2", { id: id("title") }, `Share “${d.caseName}”`),
      h("button", { type: "button", class: "rt-dialog-close", "aria-label": "Close", onclick: () => { dialog.close(); } }, "×")),
    form,
    h("section", { class: "rt-share-section" }, h("h3", {}, "Links"), list),
    h("section", { class: "rt-share-section" }, h("h3", {}, "Comments from recipients"), commentList),
  );
  return new Promise<void>((resolve) => {
    dialog.addEventListener("close", () => {
      abort.abort();
      dialog.remove();
      resolve();
    });
    host.append(dialog);
    dialog.showModal();
    agency.focus();
    void reload();
  });
}

function field(forId: string, label: string, input: HTMLElement): HTMLElement {
  return h("div", { class: "rt-share-field" }, h("label", { for: forId }, label), input);
}

/** What the recipient will see: counts, the withheld notice, the visible nodes' labels. */
function previewView(sc: SharedCase): HTMLElement {
  const to = sc.share.users.length > 0 ? `${sc.share.users.join(", ")} (${sc.share.agency})` : sc.share.agency;
  return h(
    "div",
    { class: "rt-share-preview", "data-testid": "share-preview-result" },
    h("p", {}, `${to} will see ${sc.nodes.length} nodes and ${sc.edges.length} edges of this case.`),
    sc.notice ? h("p", { class: "rt-warn", "data-testid": "share-preview-notice" }, sc.notice) : h("p", { class: "rt-muted" }, "Nothing is withheld."),
    h("ul", { class: "rt-share-nodes" }, sc.nodes.slice(0, 50).map((n) => h("li", {}, n.label || n.id))),
  );
}

/** The new link, shown once, with Copy. */
function linkView(d: ShareDialogDeps, url: string): HTMLElement {
  const input = h("input", { type: "text", readonly: true, value: url, "data-testid": "share-link", "aria-label": "Share link" });
  const note = h("span", { class: "rt-muted", role: "status" });
  return h(
    "div",
    { class: "rt-share-link" },
    h("p", {}, "The link is shown only once: copy it now and send it to the recipient."),
    h("div", { class: "rt-row" }, input,
      h("button", { type: "button", "data-testid": "share-copy", onclick: () => {
        input.select();
        d.copy(url).then(() => { note.textContent = "Copied."; }, () => { note.textContent = "Select the link and copy it (Ctrl+C)."; });
      } }, "Copy"), note),
  );
}

function renderShares(root: HTMLElement, shares: Share[], revoke: (s: Share) => void): void {
  clear(root);
  const live = shares.filter((s) => shareLive(s));
  if (live.length === 0) {
    root.append(h("p", { class: "rt-muted" }, "No active links."));
    return;
  }
  root.append(h("ul", {}, live.map((s) => h(
    "li",
    { class: "rt-share-row", "data-testid": "share-row" },
    h("span", {}, h("strong", {}, s.users.length > 0 ? `${s.users.join(", ")} (${s.agency})` : s.agency),
      ` · up to ${markingLabel(s.cap)} · until ${formatTime(s.expiresAt)} · `, s.openedAt ? `opened ${formatTime(s.openedAt)}` : "not opened yet",
      s.allowComments ? " · comments" : ""),
    h("button", { type: "button", class: "small rt-danger", "data-testid": "share-revoke", onclick: () => { revoke(s); } }, "Revoke"),
  ))));
}

/** Comments on a case, oldest first. */
export function renderComments(root: HTMLElement, comments: CaseComment[]): void {
  clear(root);
  if (comments.length === 0) {
    root.append(h("p", { class: "rt-muted" }, "No comments yet."));
    return;
  }
  root.append(h("ul", { class: "rt-comment-list" }, comments.map((c) => h(
    "li",
    { class: "rt-comment", "data-testid": "comment" },
    h("div", { class: "rt-comment-head" }, h("strong", {}, c.by), ` (${c.agency}) · ${formatTime(c.at)}`),
    h("div", { class: "rt-comment-text" }, c.text),
  ))));
}
