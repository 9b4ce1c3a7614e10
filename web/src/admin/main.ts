// The agency admin page (/admin): users, API tokens and the audit log of
// the signed-in admin's agency. Its own entry; the server answers its
// GraphQL only for admins (others get FORBIDDEN, and see why here).
import "./admin.css";
import { RedthreadClient } from "../api";
import { Account, signInURL } from "../auth";
import { byId, h } from "../ui/dom";
import { AuditSection } from "./audit";
import type { AdminContext } from "./context";
import { TokensSection } from "./tokens";
import { UsersSection } from "./users";

const toSignIn = (): void => { window.location.assign(signInURL(window.location)); };
const account = new Account((input, init) => fetch(input, init), toSignIn);
const client = new RedthreadClient({ csrf: () => account.csrf(), unauthenticated: toSignIn });
const noticeEl = byId("admin-notice");

function notice(msg: string | undefined, kind: "error" | "ok" = "error"): void {
  noticeEl.hidden = !msg;
  noticeEl.textContent = msg ?? "";
  noticeEl.className = `admin-notice ${kind}`;
}

type Tab = "users" | "tokens" | "audit";
const TABS: Tab[] = ["users", "tokens", "audit"];

async function main(): Promise<void> {
  const me = await account.session();
  if (!me) return;
  const agency = me.agencyName || me.agency;
  byId("admin-title").textContent = `Agency admin · ${agency}`;
  const bar = byId("admin-account");
  bar.append(h("span", { class: "who", "data-testid": "admin-who" }, `${me.email} · ${me.role}`), h("a", { href: "/", class: "button", "data-testid": "admin-back" }, "Investigation"));
  if (me.via === "session") bar.append(h("button", { type: "button", "data-testid": "admin-sign-out", onclick: () => void account.signOut() }, "Sign out"));
  if (me.role !== "admin") {
    notice(`This page is for ${agency}'s admins; you are ${me.role === "analyst" ? "an" : "a"} ${me.role}.`);
    for (const t of TABS) (byId(`tab-${t}`) as HTMLButtonElement).disabled = true;
    byId("panel-users").hidden = true;
    return;
  }
  const ctx: AdminContext = { client, me, notice };
  const sections = {
    users: new UsersSection(byId("panel-users"), ctx),
    tokens: new TokensSection(byId("panel-tokens"), ctx),
    audit: new AuditSection(byId("panel-audit"), ctx),
  };
  const show = (tab: Tab): void => {
    for (const t of TABS) {
      byId(`panel-${t}`).hidden = t !== tab;
      byId(`tab-${t}`).setAttribute("aria-selected", String(t === tab));
    }
    if (window.location.hash !== `#${tab}`) history.replaceState(null, "", `#${tab}`);
    void sections[tab].load();
  };
  for (const t of TABS) byId(`tab-${t}`).addEventListener("click", () => { show(t); });
  const fromHash = window.location.hash.slice(1) as Tab;
  show(TABS.includes(fromHash) ? fromHash : "users");
}

void main();
