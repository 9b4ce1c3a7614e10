// The same-actor review dialog: entities from different sources whose names
// or aliases match (MITRE's "Lazarus Group" and OFAC's "LAZARUS GROUP"),
// each with the names that matched and the datasets behind each side, for
// an analyst to confirm or reject. Nothing is merged: a judgement is a
// SAME_AS edge naming who decided and why (the persona judgements), a
// rejected pair is not proposed again and a confirmed one shows as such.
import type { RedthreadClient } from "../api";
import { kindWords } from "../format";
import type { GNode, SameAsCandidate, SameAsDecision } from "../types";
import { h } from "./dom";
import { judgementLine } from "./personaPanel";
import { field } from "./widgets";
import "./widgets.css";
import "./personaPanel.css";

/** Candidates asked for per page. */
export const CANDIDATES_PAGE = 50;

export interface SameAsDialogDeps {
  client: Pick<RedthreadClient, "sameAsCandidates" | "judgeSameAs">;
  /** Puts the two entities on the canvas, with the edge of the judgement in force if any. */
  show(a: GNode, b: GNode, edgeIds: string[]): void;
  /** Called after a judgement is recorded: what rests on identities may change (risk). */
  judged?(): void;
}

function side(n: GNode, datasets: readonly string[]): HTMLElement {
  return h(
    "div",
    { class: "sa-side" },
    h("strong", {}, n.label || n.key),
    " ",
    h("span", { class: "pp-type" }, kindWords(n.kind)),
    h("div", { class: "fm-hint", "data-testid": "same-as-datasets" }, datasets.join(", ") || "no dataset named"),
  );
}

/** One piece of evidence in words: both spellings, and the rule that matched them. */
export function matchWords(m: SameAsCandidate["matches"][number]): (HTMLElement | string)[] {
  const rule = m.domain
    ? h("span", { class: "pp-type", title: "A web domain matched by its name, without the top-level domain: weaker than one name" }, "domain")
    : h("span", { class: "pp-type", title: "The same name once case, punctuation, accents and corporate suffixes are set aside" }, "name");
  return [rule, ` ${m.a} = ${m.b}`, h("span", { class: "fm-hint" }, ` (“${m.folded}”)`)];
}

/** Shows the dialog (modal; Esc closes it). Resolves when it closes. */
export function openSameAsDialog(host: HTMLElement, deps: SameAsDialogDeps): Promise<void> {
  const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const reasonInput = h("input", { type: "text", maxlength: 1000, "data-testid": "same-as-reason" });
  const reason = field("Reason", reasonInput, "Why: it goes with the judgement, under your name.");
  const list = h("ul", { class: "pp-links", "data-testid": "same-as-list" });
  const status = h("p", { class: "fm-hint", role: "status", "data-testid": "same-as-status" });
  const counts = h("p", { class: "fm-hint", "data-testid": "same-as-count" }, "Looking for candidates…");
  const more = h("button", { type: "button", "data-testid": "same-as-more", hidden: true }, "More candidates");
  const closeBtn = h("button", { type: "button", class: "rt-dialog-close", "aria-label": "Close" }, "×");
  const dialog = h(
    "dialog",
    { class: "rt-dialog sa-dialog", "aria-labelledby": "sa-title", "data-testid": "same-as-dialog" },
    h("header", { class: "rt-dialog-head" }, h("h2", { id: "sa-title" }, "Same actor across sources"), closeBtn),
    h("p", { class: "fm-hint" }, "Entities from different datasets whose names or aliases match once case, punctuation, accents and corporate suffixes are set aside, or whose web domain names the other (sinbad.io, SINBAD). Nothing is merged until you confirm."),
    h("div", { class: "pp-form" }, reason.el),
    status,
    counts,
    list,
    more,
  );
  closeBtn.addEventListener("click", () => { dialog.close(); });

  let cursor: string | undefined;
  let shown = 0;
  const read = (): { reason: string } | undefined => {
    const v = { reason: reasonInput.value.trim() };
    reason.setError(v.reason ? undefined : "Give a reason.");
    if (!v.reason) {
      reasonInput.focus();
      return undefined;
    }
    return v;
  };

  const row = (c: SameAsCandidate): HTMLElement => {
    const record = async (decision: SameAsDecision) => {
      const v = read();
      if (!v) return;
      status.textContent = decision === "SAME" ? "Recording the confirmation…" : "Recording the rejection…";
      try {
        const j = await deps.client.judgeSameAs({ a: c.a.id, b: c.b.id, decision, ...v });
        status.textContent = `${decision === "SAME" ? "Confirmed" : "Rejected"} by ${j.by}: ${c.a.label} and ${c.b.label}.`;
        deps.judged?.();
        await reload();
      } catch (err) {
        status.textContent = `Could not record the judgement: ${err instanceof Error ? err.message : String(err)}`;
      }
    };
    const judge = (decision: SameAsDecision) => () => { void record(decision); };
    const j = c.judgement;
    return h(
      "li",
      { class: "pp-link", "data-testid": "same-as-candidate", "data-a": c.a.id, "data-b": c.b.id },
      h("div", { class: "sa-pair" }, side(c.a, c.datasetsA), h("span", { class: "sa-eq", "aria-label": "may be the same as" }, "≟"), side(c.b, c.datasetsB)),
      h(
        "ul",
        { class: "pp-evidence-list" },
        c.matches.map((m) => h("li", { class: "pp-evidence", "data-testid": "same-as-match", "data-folded": m.folded, "data-domain": String(m.domain) }, ...matchWords(m))),
      ),
      j ? h("p", { class: "pp-judgement pp-same", "data-testid": "same-as-judgement" }, judgementLine(j)) : null,
      h(
        "div",
        { class: "dp-actions", role: "group", "aria-label": `Judge ${c.a.label} and ${c.b.label}` },
        j ? null : h("button", { type: "button", "data-testid": "same-as-confirm", onclick: judge("SAME") }, "Confirm"),
        h("button", { type: "button", "data-testid": "same-as-reject", onclick: judge("DIFFERENT") }, "Reject"),
        h("button", { type: "button", "data-testid": "same-as-show", onclick: () => { deps.show(c.a, c.b, j ? [j.edge] : []); } }, "Show on canvas"),
      ),
    );
  };

  const load = async (reset: boolean) => {
    const want = reset ? Math.max(shown, CANDIDATES_PAGE) : CANDIDATES_PAGE;
    const page = await deps.client.sameAsCandidates(Math.min(want, 500), reset ? undefined : cursor);
    if (reset) list.replaceChildren();
    for (const c of page.candidates) list.append(row(c));
    shown = list.childElementCount;
    cursor = page.endCursor ?? undefined;
    more.hidden = !page.hasNextPage;
    const cut = page.truncated ? ` Cut short: ${page.reason ?? "a limit was reached"}.` : "";
    counts.textContent = `${shown === 0 ? "No candidates." : `${shown} candidates${page.hasNextPage ? " so far" : ""}.`}${cut}`;
  };
  const reload = () => load(true);
  more.addEventListener("click", () => {
    void load(false).catch((err: unknown) => { status.textContent = `Could not list candidates: ${err instanceof Error ? err.message : String(err)}`; });
  });

  host.append(dialog);
  dialog.showModal();
  void load(true).catch((err: unknown) => { status.textContent = `Could not list candidates: ${err instanceof Error ? err.message : String(err)}`; });
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      returnTo?.focus();
      resolve();
    });
  });
}
