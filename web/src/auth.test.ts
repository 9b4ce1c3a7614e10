import { describe, expect, it } from "vitest";
import { Account, signInURL } from "./auth";
import type { FetchFn } from "./api";

const session = { email: "analyst@local.demo", agency: "local", agencyName: "Local", role: "analyst", scopes: ["read", "write", "ingest"], via: "session", csrf: "tok" };

function fake(status: number, body: unknown): { fetch: FetchFn; calls: { url: string; init?: RequestInit }[] } {
  const calls: { url: string; init?: RequestInit }[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push({ url: input, init });
      return Promise.resolve(new Response(JSON.stringify(body), { status }));
    },
  };
}

describe("Account", () => {
  it("fetches the session once and gives its CSRF token", async () => {
    const f = fake(200, session);
    let away = 0;
    const a = new Account(f.fetch, () => { away++; });
    expect(await a.csrf()).toBe("tok");
    expect((await a.session())?.email).toBe("analyst@local.demo");
    expect(f.calls.map((c) => c.url)).toEqual(["/auth/session"]);
    expect(away).toBe(0);
  });

  it("goes to sign in without a session", async () => {
    let away = 0;
    const a = new Account(fake(401, { errors: [] }).fetch, () => { away++; });
    expect(await a.csrf()).toBeUndefined();
    expect(away).toBe(1);
  });

  it("signs out with the CSRF token, then goes to sign in", async () => {
    const f = fake(200, session);
    let away = 0;
    const a = new Account(f.fetch, () => { away++; });
    await a.signOut();
    const out = f.calls.find((c) => c.url === "/auth/signout");
    expect(out?.init?.method).toBe("POST");
    expect(out?.init?.headers).toEqual({ "X-CSRF-Token": "tok" });
    expect(away).toBe(1);
  });
});

describe("signInURL", () => {
  it("comes back to the page", () => {
    expect(signInURL({ pathname: "/case/42", search: "?x=1", hash: "#n" })).toBe("/signin?next=%2Fcase%2F42%3Fx%3D1%23n");
  });
});
