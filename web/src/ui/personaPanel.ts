// The evidence of a persona cluster in the details panel: every link with its
// score, the identifiers the two personas share and the weight of each, the
// judgement in force (who decided what, when and why), and Confirm / Reject
// buttons that record a judgement. Links an analyst rejected are listed
// apart: shown, no longer followed.
import { formatTime, plural } from "../format";
import type { PersonaCluster, PersonaEvidence, PersonaLink, SameAsDecision } from "../types";
import { h } from "./dom";
import { field } from "./widgets";
import "./personaPanel.css";

/** What the panel does; the groups controller carries it out. */
export interface PersonaPanelActions {
  /** The cluster's answer as last fetched, or undefined before it is. */
  evidence(groupId: string): PersonaCluster | undefined;
  /** Fetches the cluster's answer (a group from a saved case has none yet). */
  load(groupId: string): void;
  /** Records a judgement on a link, then fetches the cluster again. */
  judge(groupId: string, link: PersonaLink, decision: SameAsDecision, reason: string): void;
  /** Highlights on the canvas the link's personas, shared identifiers and their edges (every link without one). */
  highlight(groupId: string, link?: PersonaLink): void;
  labelOf(id: string): string | undefined;
  select(id: string): void;
}

/** How an evidence type reads in a sentence. */
const TYPE_WORDS: Record<string, string> = {
  email: "e-mail",
  phone: "phone",
  handle: "handle",
  ip: "IP address",
  domain: "domain",
  url: "URL",
  photo: "photo hash",
  wallet: "payout wallet",
  same_as: "same-as assertion",
  judgement: "analyst judgement",
};

export function typeWords(t: string): string {
  return TYPE_WORDS[t] ?? t;
}

/** A score or a weight as a two-decimal figure: 0.85. */
export function weight(w: number): string {
  return w.toFixed(2);
}

/** "Rejected by alice on 7 Dec 2026 05:52: different photos". */
export function judgementLine(j: NonNullable<PersonaLink["judgement"]>): string {
  const what = j.decision === "SAME" ? "Confirmed" : "Rejected";
  return `${what} by ${j.by} on ${formatTime(j.at)}: ${j.reason}`;
}

/** The link's key, whatever its order: "a|b" with a < b (the server's order). */
export function linkKey(l: Pick<PersonaLink, "a" | "b">): string {
  return l.a < l.b ? `${l.a}|${l.b}` : `${l.b}|${l.a}`;
}

function evidenceItem(e: PersonaEvidence, a: PersonaPanelActions): HTMLElement {
  const what = e.identifier ? (a.labelOf(e.identifier) ?? e.identifier) : e.edges.join(", ");
  return h(
    "li",
    { class: "pp-evidence", "data-testid": "persona-evidence", "data-type": e.type, "data-identifier": e.identifier },
    h("span", { class: "pp-type" }, typeWords(e.type)),
    " ",
    e.identifier
      ? h("button", { type: "button", class: "link mono", title: e.identifier, onclick: () => { a.select(e.identifier); } }, what)
      : h("span", { class: "mono" }, what),
    " ",
    h("span", { class: "pp-weight", title: e.weight === 0 ? "Shared by too many personas to count (a weak hub)" : "What this evidence alone adds to the score" }, `weight ${weight(e.weight)}`),
  );
}

function linkItem(groupId: string, l: PersonaLink, a: PersonaPanelActions, form: JudgeForm, rejected: boolean): HTMLElement {
  const name = (id: string) => a.labelOf(id) ?? id;
  const pair = `${name(l.a)} – ${name(l.b)}`;
  const judge = (decision: SameAsDecision) => () => {
    const v = form.read();
    if (v) a.judge(groupId, l, decision, v.reason);
  };
  const j = l.judgement;
  return h(
    "li",
    { class: `pp-link${rejected ? " pp-rejected" : ""}`, "data-testid": rejected ? "persona-rejected-link" : "persona-link", "data-key": `link:${linkKey(l)}`, "data-a": l.a, "data-b": l.b },
    h(
      "div",
      { class: "pp-head" },
      h("button", { type: "button", class: "link pp-pair", title: "Highlight this link's evidence on the canvas", onclick: () => { a.highlight(groupId, l); } }, pair),
      h("span", { class: "pp-score", "data-testid": "persona-link-score", title: "1 − Π(1 − weight) over the evidence; 1 once confirmed" }, `score ${weight(l.score)}`),
    ),
    h("ul", { class: "pp-evidence-list" }, l.evidence.map((e) => evidenceItem(e, a))),
    j ? h("p", { class: `pp-judgement pp-${j.decision.toLowerCase()}`, "data-testid": "persona-judgement" }, judgementLine(j)) : null,
    h(
      "div",
      { class: "dp-actions", role: "group", "aria-label": `Judge ${pair}` },
      j?.decision === "SAME"
        ? null
        : h("button", { type: "button", "data-testid": "persona-confirm", "aria-label": `Confirm that ${pair} are one person`, onclick: judge("SAME") }, "Confirm"),
      j?.decision === "DIFFERENT"
        ? null
        : h("button", { type: "button", "data-testid": "persona-reject", "aria-label": `Reject: ${pair} are not one person`, onclick: judge("DIFFERENT") }, "Reject"),
    ),
  );
}

interface JudgeForm {
  el: HTMLElement;
  /** The reason, or undefined (and the field flagged and focused). */
  read(): { reason: string } | undefined;
}

/** The judgement's reason; who judges is the signed-in user (the server records it). */
function judgeForm(): JudgeForm {
  const reasonInput = h("input", { type: "text", maxlength: 1000, "data-testid": "persona-reason", "data-key": "persona-reason", "data-draft": true });
  const reason = field("Reason", reasonInput, "Why: it goes with the judgement, under your name.");
  return {
    el: h("div", { class: "pp-form" }, reason.el),
    read: () => {
      const v = { reason: reasonInput.value.trim() };
      reason.setError(v.reason ? undefined : "Give a reason.");
      if (!v.reason) {
        reasonInput.focus();
        return undefined;
      }
      return v;
    },
  };
}

/**
 * The evidence section of a persona group: a button to fetch it when not
 * yet fetched, else the links and the rejected links with their evidence.
 * `members` are the group's members, to say which left the cluster.
 */
export function personaEvidence(groupId: string, members: readonly string[], a: PersonaPanelActions): HTMLElement {
  const c = a.evidence(groupId);
  const title = h("h3", { class: "section-title", id: "pp-title" }, "Evidence");
  if (!c) {
    return h(
      "section",
      { class: "pp", "aria-labelledby": "pp-title", "data-testid": "persona-evidence-section" },
      title,
      h("button", { type: "button", "data-testid": "persona-load-evidence", onclick: () => { a.load(groupId); } }, "Show the links and their evidence"),
    );
  }
  const form = judgeForm();
  const inCluster = new Set(c.members.map((m) => m.id));
  const gone = members.filter((m) => !inCluster.has(m));
  return h(
    "section",
    { class: "pp", "aria-labelledby": "pp-title", "data-testid": "persona-evidence-section" },
    title,
    h(
      "p",
      { class: "dp-sub" },
      `${plural(c.links.length, "link")} between ${plural(c.members.length, "persona")}`,
      c.rejected.length > 0 ? `, ${c.rejected.length} rejected` : "",
      ". ",
      h("button", { type: "button", class: "link", "data-testid": "persona-highlight", onclick: () => { a.highlight(groupId); } }, "Highlight the shared identifiers"),
    ),
    c.truncated ? h("p", { class: "fm-error" }, `Cut short: ${c.reason ?? "a limit was reached"}.`) : null,
    gone.length > 0
      ? h("p", { class: "pp-gone", "data-testid": "persona-gone" }, `No longer linked to this cluster: ${gone.map((m) => a.labelOf(m) ?? m).join(", ")}. Ungroup to take them out.`)
      : null,
    form.el,
    h("ul", { class: "pp-links", "data-testid": "persona-links" }, c.links.map((l) => linkItem(groupId, l, a, form, false))),
    c.rejected.length > 0 ? h("h4", { class: "pp-subtitle" }, "Rejected links (not followed)") : null,
    c.rejected.length > 0 ? h("ul", { class: "pp-links", "data-testid": "persona-rejected" }, c.rejected.map((l) => linkItem(groupId, l, a, form, true))) : null,
  );
}
