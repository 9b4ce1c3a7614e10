// API tokens of the admin's agency: create (the secret shown once), list
// with last use, revoke.
import type { Scope } from "../gql/graphql";
import { clear, h } from "../ui/dom";
import { type AdminContext, failure, onceBox, when } from "./context";
import { CREATE_TOKEN, REVOKE_TOKEN, TOKENS_QUERY } from "./queries";

const SCOPES: Scope[] = ["READ", "WRITE", "INGEST"];
const LIFETIMES: [string, string][] = [
  ["24h", "1 day"],
  ["168h", "7 days"],
  ["720h", "30 days"],
  ["2160h", "90 days"],
  ["8760h", "1 year"],
];

export class TokensSection {
  private secret: HTMLElement | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: AdminContext,
  ) {}

  async load(): Promise<void> {
    let data;
    try {
      data = await this.ctx.client.request(TOKENS_QUERY, {});
    } catch (err) {
      this.ctx.notice(`Tokens could not be loaded: ${failure(err)}`);
      return;
    }
    clear(this.root);
    this.root.append(h("h2", {}, "API tokens"), this.createForm(data.users.filter((u) => !u.disabled)));
    if (this.secret) this.root.append(this.secret);
    const now = Date.now();
    const rows = data.apiTokens.map((t) => {
      const expired = new Date(t.expiresAt).getTime() <= now;
      const status = t.revokedAt ? `revoked ${when(t.revokedAt)}` : expired ? "expired" : "live";
      return h(
        "tr",
        { "data-testid": "token-row", "data-token": t.id, class: t.revokedAt || expired ? "disabled" : undefined },
        h("td", { class: "mono nowrap" }, t.id),
        h("td", {}, t.user || t.userId),
        h("td", {}, t.scopes.map((s) => s.toLowerCase()).join(", ")),
        h("td", { class: "nowrap" }, when(t.createdAt)),
        h("td", { class: "nowrap" }, when(t.expiresAt)),
        h("td", { class: "nowrap", "data-testid": "token-last-use" }, t.lastUsedAt ? when(t.lastUsedAt) : "never"),
        h("td", { "data-testid": "token-status" }, status),
        h(
          "td",
          { class: "actions" },
          t.revokedAt ? null : h("button", { type: "button", class: "small", "data-testid": "token-revoke", onclick: () => void this.revoke(t.id) }, "Revoke"),
        ),
      );
    });
    this.root.append(
      rows.length === 0
        ? h("p", { class: "empty" }, "No tokens yet.")
        : h(
            "table",
            { class: "admin-table", "data-testid": "tokens-table" },
            h("thead", {}, h("tr", {}, ["Token", "User", "Scopes", "Created", "Expires", "Last use", "Status", ""].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, rows),
          ),
    );
  }

  private createForm(users: { id: string; email: string; role: string }[]): HTMLElement {
    const user = h(
      "select",
      { "aria-label": "User the token acts as", "data-testid": "token-user" },
      users.map((u) => h("option", { value: u.id, selected: u.email === this.ctx.me.email }, `${u.email} (${u.role.toLowerCase()})`)),
    );
    const boxes = SCOPES.map((s) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", value: s, checked: s === "READ", "data-testid": `token-scope-${s.toLowerCase()}` }), ` ${s.toLowerCase()}`),
    );
    const expires = h("select", { "aria-label": "Expires after", "data-testid": "token-expires" }, LIFETIMES.map(([v, label]) => h("option", { value: v, selected: v === "720h" }, label)));
    const form = h("form", { class: "admin-form", "data-testid": "create-token-form" }, user, h("span", { class: "scopes" }, boxes), expires, h("button", { type: "submit", "data-testid": "create-token-submit" }, "Create token"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const scopes = boxes.map((b) => b.querySelector("input") as HTMLInputElement).filter((i) => i.checked).map((i) => i.value as Scope);
      if (scopes.length === 0) {
        this.ctx.notice("Choose at least one scope.");
        return;
      }
      void this.create(user.value, scopes, expires.value);
    });
    return form;
  }

  private async create(userId: string, scopes: Scope[], expiresIn: string): Promise<void> {
    try {
      const r = (await this.ctx.client.request(CREATE_TOKEN, { userId, scopes, expiresIn })).createApiToken;
      this.secret = onceBox("token-secret", `Token ${r.token.id} for ${r.token.user}`, r.secret);
      this.ctx.notice(`Token ${r.token.id} created.`, "ok");
    } catch (err) {
      this.ctx.notice(`The token could not be created: ${failure(err)}`);
      return;
    }
    await this.load();
  }

  private async revoke(id: string): Promise<void> {
    try {
      await this.ctx.client.request(REVOKE_TOKEN, { id });
      this.ctx.notice(`Token ${id} revoked: it stops working at once.`, "ok");
    } catch (err) {
      this.ctx.notice(`Token ${id} not revoked: ${failure(err)}`);
    }
    await this.load();
  }
}
