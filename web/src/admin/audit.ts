// The agency's audit log: a table, newest first, with filters and paging.
import { clear, h } from "../ui/dom";
import { type AuditFilterForm, auditVariables, type AuditVariables } from "./auditFilters";
import { type AdminContext, failure, when } from "./context";
import { AUDIT_QUERY } from "./queries";

export class AuditSection {
  private filters: AuditVariables = { first: 25 };
  /** Cursors of the pages before the one shown (for Newer). */
  private back: (string | undefined)[] = [];
  private after: string | undefined;
  private readonly table = h("div", { class: "audit-results", "data-testid": "audit-results" });

  constructor(
    root: HTMLElement,
    private readonly ctx: AdminContext,
  ) {
    root.append(h("h2", {}, "Audit log"), this.filterForm(), this.table);
  }

  async load(): Promise<void> {
    let page;
    try {
      page = (await this.ctx.client.request(AUDIT_QUERY, { ...this.filters, after: this.after })).auditLog;
    } catch (err) {
      this.ctx.notice(`The audit log could not be loaded: ${failure(err)}`);
      return;
    }
    clear(this.table);
    const rows = page.entries.map((e) =>
      h(
        "tr",
        { "data-testid": "audit-row", class: `outcome-${e.outcome.toLowerCase()}` },
        h("td", { class: "nowrap" }, when(e.at)),
        h("td", { "data-testid": "audit-actor" }, e.actor),
        h("td", { "data-testid": "audit-action", class: "mono" }, e.action),
        h("td", { class: "mono" }, e.target),
        h("td", { "data-testid": "audit-outcome" }, e.outcome.toLowerCase()),
        h("td", {}, e.detail),
        h("td", { class: "mono" }, e.addr),
      ),
    );
    const newer = h("button", { type: "button", "data-testid": "audit-newer", disabled: this.back.length === 0, onclick: () => void this.page(-1, undefined) }, "← Newer");
    const older = h("button", { type: "button", "data-testid": "audit-older", disabled: !page.next, onclick: () => void this.page(1, page.next ?? undefined) }, "Older →");
    this.table.append(
      rows.length === 0
        ? h("p", { class: "empty", "data-testid": "audit-empty" }, "No entries match.")
        : h(
            "table",
            { class: "admin-table", "data-testid": "audit-table" },
            h("thead", {}, h("tr", {}, ["When", "Who", "Action", "Target", "Outcome", "Detail", "From"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, rows),
          ),
      h("div", { class: "pager" }, newer, h("span", { "data-testid": "audit-page" }, `Page ${this.back.length + 1}`), older),
    );
  }

  private async page(dir: 1 | -1, next: string | undefined): Promise<void> {
    if (dir === 1) {
      this.back.push(this.after);
      this.after = next;
    } else {
      this.after = this.back.pop();
    }
    await this.load();
  }

  private filterForm(): HTMLElement {
    const field = (name: keyof AuditFilterForm, label: string, attrs: Record<string, string>) =>
      h("label", { class: "filter" }, label, h("input", { name, "data-testid": `audit-filter-${name}`, ...attrs }));
    const outcome = h(
      "select",
      { name: "outcome", "data-testid": "audit-outcome-filter" },
      h("option", { value: "" }, "any"),
      ["OK", "DENIED", "FAILED"].map((o) => h("option", { value: o }, o.toLowerCase())),
    );
    const form = h(
      "form",
      { class: "admin-form audit-filters", "data-testid": "audit-filters" },
      field("action", "Action", { type: "text", placeholder: "signin, share.", size: "14" }),
      field("actor", "Who", { type: "text", placeholder: "email", size: "20" }),
      h("label", { class: "filter" }, "Outcome", outcome),
      field("since", "Since", { type: "datetime-local" }),
      field("until", "Until", { type: "datetime-local" }),
      h("button", { type: "submit", "data-testid": "audit-apply" }, "Filter"),
      h("button", { type: "reset", "data-testid": "audit-reset" }, "Reset"),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const get = (k: string): string => {
        const v = data.get(k);
        return typeof v === "string" ? v : "";
      };
      const v = auditVariables({ action: get("action"), actor: get("actor"), outcome: get("outcome"), since: get("since"), until: get("until") });
      if ("error" in v) {
        this.ctx.notice(v.error);
        return;
      }
      this.ctx.notice(undefined);
      this.filters = v;
      this.back = [];
      this.after = undefined;
      void this.load();
    });
    form.addEventListener("reset", () => {
      this.filters = { first: 25 };
      this.back = [];
      this.after = undefined;
      void this.load();
    });
    return form;
  }
}
