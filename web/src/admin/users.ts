// Users of the admin's agency: add (with a one-time sign-in link), role,
// disable or enable, end sessions.
import type { Role } from "../gql/graphql";
import { clear, h } from "../ui/dom";
import { type AdminContext, failure, onceBox, when } from "./context";
import { ADD_USER, END_SESSIONS, SET_DISABLED, SET_ROLE, USERS_QUERY } from "./queries";

const ROLES: Role[] = ["VIEWER", "ANALYST", "ADMIN"];

export class UsersSection {
  private link: HTMLElement | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: AdminContext,
  ) {}

  async load(): Promise<void> {
    let users;
    try {
      users = (await this.ctx.client.request(USERS_QUERY, {})).users;
    } catch (err) {
      this.ctx.notice(`Users could not be loaded: ${failure(err)}`);
      return;
    }
    clear(this.root);
    this.root.append(h("h2", {}, "Users"), this.addForm());
    if (this.link) this.root.append(this.link);
    const rows = users.map((u) => {
      const self = u.email === this.ctx.me.email;
      const role = h(
        "select",
        { "aria-label": `Role of ${u.email}`, "data-testid": "user-role", disabled: self, onchange: (ev) => void this.setRole(u.id, u.email, (ev.target as HTMLSelectElement).value as Role) },
        ROLES.map((r) => h("option", { value: r, selected: r === u.role }, r.toLowerCase())),
      );
      const toggle = h(
        "button",
        { type: "button", class: "small", "data-testid": "user-toggle", disabled: self, onclick: () => void this.setDisabled(u.id, u.email, !u.disabled) },
        u.disabled ? "Enable" : "Disable",
      );
      const end = h("button", { type: "button", class: "small", "data-testid": "user-end-sessions", onclick: () => void this.endSessions(u.id, u.email) }, "End sessions");
      return h(
        "tr",
        { "data-testid": "user-row", "data-email": u.email, class: u.disabled ? "disabled" : undefined },
        h("td", {}, u.email, self ? h("span", { class: "you" }, " (you)") : null),
        h("td", {}, role),
        h("td", { "data-testid": "user-status" }, u.disabled ? "disabled" : u.hasPassword ? "active" : "active (link only)"),
        h("td", { "data-testid": "user-last-signin" }, u.lastSignInAt ? when(u.lastSignInAt) : "never"),
        h("td", { class: "actions" }, toggle, end),
      );
    });
    this.root.append(
      h(
        "table",
        { class: "admin-table", "data-testid": "users-table" },
        h("thead", {}, h("tr", {}, ["Email", "Role", "Status", "Last sign-in", ""].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows),
      ),
    );
  }

  private addForm(): HTMLElement {
    const email = h("input", { type: "email", required: true, placeholder: "name@agency.example", "aria-label": "Email of the new user", "data-testid": "add-user-email" });
    const role = h("select", { "aria-label": "Role of the new user", "data-testid": "add-user-role" }, ROLES.map((r) => h("option", { value: r, selected: r === "ANALYST" }, r.toLowerCase())));
    const form = h("form", { class: "admin-form", "data-testid": "add-user-form" }, email, role, h("button", { type: "submit", "data-testid": "add-user-submit" }, "Add user"));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (!email.value.trim()) {
        this.ctx.notice("Give the new user's email.");
        email.focus();
        return;
      }
      void this.add(email.value.trim(), role.value as Role);
    });
    return form;
  }

  private async add(email: string, role: Role): Promise<void> {
    try {
      const r = (await this.ctx.client.request(ADD_USER, { email, role })).addUser;
      const url = new URL(r.signInPath, window.location.origin).toString();
      this.link = onceBox("signin-link", `One-time sign-in link for ${r.user.email}`, url);
      this.ctx.notice(`${r.user.email} added as ${role.toLowerCase()}.`, "ok");
    } catch (err) {
      this.ctx.notice(`${email} could not be added: ${failure(err)}`);
      return;
    }
    await this.load();
  }

  private async setRole(id: string, email: string, role: Role): Promise<void> {
    await this.change(`${email} is now ${role.toLowerCase()}.`, () => this.ctx.client.request(SET_ROLE, { id, role }));
  }

  private async setDisabled(id: string, email: string, disabled: boolean): Promise<void> {
    await this.change(`${email} ${disabled ? "disabled: their sessions and tokens stop working" : "enabled"}.`, () =>
      this.ctx.client.request(SET_DISABLED, { id, disabled }),
    );
  }

  private async endSessions(id: string, email: string): Promise<void> {
    try {
      const n = (await this.ctx.client.request(END_SESSIONS, { id })).endUserSessions;
      this.ctx.notice(`${n} session${n === 1 ? "" : "s"} of ${email} ended.`, "ok");
    } catch (err) {
      this.ctx.notice(`Sessions of ${email} not ended: ${failure(err)}`);
    }
    await this.load();
  }

  private async change(done: string, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
      this.ctx.notice(done, "ok");
    } catch (err) {
      this.ctx.notice(failure(err));
    }
    await this.load();
  }
}
