// The signed-in user and agency in the top bar, with Sign out.
import type { SessionInfo } from "../auth";
import { clear, h } from "./dom";

export function renderAccount(root: HTMLElement, s: SessionInfo, signOut: () => void): void {
  clear(root);
  const agency = s.agencyName || s.agency;
  root.append(
    h(
      "span",
      { class: "account-who", title: `${s.email}, ${s.role} of ${agency}` },
      h("span", { class: "account-email", "data-testid": "account-email" }, s.email),
      h("span", { class: "account-agency", "data-testid": "account-agency" }, `${agency} · ${s.role}`),
    ),
  );
  // The agency admin page: users, tokens, audit.
  if (s.role === "admin") root.append(h("a", { href: "/admin", class: "button small account-admin", "data-testid": "account-admin" }, "Admin"));
  // A bearer token (no cookie) has no session to end.
  if (s.via === "session") root.append(h("button", { type: "button", class: "small", "data-testid": "sign-out", onclick: signOut }, "Sign out"));
}
