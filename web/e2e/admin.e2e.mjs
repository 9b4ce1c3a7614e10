// Browser test of the agency admin page (issue 17): the real binary, two
// agencies. An admin of agency fiu goes from the top bar to Admin, adds a
// user whose one-time link signs them in (their last sign-in shows), changes
// their role, disables them (their session stops at once), enables them and
// ends their sessions; creates an API token shown once (copied), sees its
// last use, revokes it; reads the audit log with filters and paging. An admin
// of agency cyber sees none of fiu's users or entries; an analyst gets no
// Admin link and the page says why.
//
//   node e2e/admin.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { assert, BIN, SHOTS, checkPrerequisites, launchBrowser, log, openPage, run, serverTail, signIn, startServer, stopServer, tempDir, until } from "./lib.mjs";

const state = { step: "setup" };
const FIU_ADMIN = { email: "boss@fiu.example", password: "fiu-admin-password-0123" };
const CYBER_ADMIN = { email: "chief@cyber.example", password: "cyber-admin-password-0123" };
const NEWBIE = "newbie@fiu.example";

async function main() {
  checkPrerequisites();
  const tmp = tempDir("redthread-admin-");
  let server;
  let browser;
  let failShot;
  try {
    state.step = "two agencies with an admin each (agency add, user add)";
    const cli = (args, input = "") => spawnSync(BIN, [...args, "--data", tmp.dir], { encoding: "utf8", input });
    for (const [id, name] of [["fiu", "Financial Intelligence Unit"], ["cyber", "Cyber Unit"]]) assert(cli(["agency", "add", "--name", name, id]).status === 0, `agency add ${id}`);
    assert(cli(["user", "add", "--agency", "fiu", "--role", "admin", FIU_ADMIN.email], `${FIU_ADMIN.password}\n`).status === 0, "user add fiu admin");
    assert(cli(["user", "add", "--agency", "cyber", "--role", "admin", CYBER_ADMIN.email], `${CYBER_ADMIN.password}\n`).status === 0, "user add cyber admin");
    assert(cli(["user", "add", "--agency", "cyber", "--role", "analyst", "spy@cyber.example"], "cyber-analyst-password-01\n").status === 0, "user add cyber analyst");

    server = await startServer({ dataDir: tmp.dir });
    const fiu = { base: server.base, session: await signIn(server.base, FIU_ADMIN) };
    browser = await launchBrowser();
    const errors = [];
    // Refused requests (a disabled user's, a revoked token's) log console errors on purpose.
    let expectErrors = false;
    const ui = await openPage(browser, { errors, name: "fiu-admin", server: fiu, quiet: () => expectErrors });
    await ui.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    const { page, shot } = ui;
    failShot = () => shot("admin-failed");

    state.step = "the top bar's Admin link opens the admin page";
    await page.goto(`${server.base}/`);
    await page.getByTestId("account-admin").waitFor();
    await page.locator("header.app-header").screenshot({ path: join(SHOTS, "admin-topbar.png") });
    await page.getByTestId("account-admin").click();
    await page.waitForURL((u) => u.pathname === "/admin");
    await until("the title to name the agency", async () => (await page.getByTestId("admin-title").innerText()) === "Agency admin · Financial Intelligence Unit");
    const emails = async () => page.getByTestId("user-row").evaluateAll((rows) => rows.map((r) => r.dataset.email));
    await until("fiu's users", async () => (await emails()).join() === FIU_ADMIN.email);

    state.step = "add a user: the one-time link, shown once, copied";
    await page.getByTestId("add-user-email").fill(NEWBIE);
    await page.getByTestId("add-user-role").selectOption("ANALYST");
    await page.getByTestId("add-user-submit").click();
    const link = await until("the sign-in link", async () => page.getByTestId("signin-link-value").inputValue().catch(() => ""));
    assert(link.startsWith(`${server.base}/signin#link=rl_`), `link: ${link}`);
    await until("the new user listed", async () => (await emails()).includes(NEWBIE));
    await page.getByTestId("signin-link-copy").click();
    await until("Copied", async () => (await page.getByTestId("signin-link-copied").innerText()) === "Copied");
    assert((await page.evaluate(() => navigator.clipboard.readText())) === link, "the clipboard holds the link");
    await shot("admin-users-added");

    state.step = "the link signs the new user in; their last sign-in shows";
    const newbie = await openPage(browser, { errors, name: "newbie", signedIn: false, quiet: () => expectErrors });
    await newbie.page.goto(link);
    await newbie.page.waitForURL((u) => u.pathname === "/");
    await until("the newbie's top bar", async () => (await newbie.page.getByTestId("account-email").innerText().catch(() => "")) === NEWBIE);
    assert((await newbie.page.getByTestId("account-admin").count()) === 0, "an analyst has no Admin link");
    await page.reload();
    const row = () => page.locator(`[data-testid="user-row"][data-email="${NEWBIE}"]`);
    await until("the last sign-in", async () => /UTC$/.test(await row().getByTestId("user-last-signin").innerText().catch(() => "")));

    state.step = "role, disable (the session stops at once), enable, end sessions";
    await row().getByTestId("user-role").selectOption("VIEWER");
    await until("the role change", async () => (await page.getByTestId("admin-notice").innerText()) === `${NEWBIE} is now viewer.`);
    const newbieSession = () => newbie.page.evaluate(async () => (await fetch("/auth/session")).status);
    assert((await newbie.page.evaluate(async () => (await (await fetch("/auth/session")).json()).role)) === "viewer", "the new role applies to the live session");
    expectErrors = true;
    await row().getByTestId("user-toggle").click();
    await until("disabled", async () => (await row().getByTestId("user-status").innerText()) === "disabled");
    assert((await newbieSession()) === 401, "a disabled user's session is refused");
    await row().getByTestId("user-toggle").click();
    await until("enabled", async () => (await row().getByTestId("user-status").innerText()).startsWith("active"));
    // The refusal cleared the browser's cookie; the server still holds the
    // session until it expires or is ended.
    await row().getByTestId("user-end-sessions").click();
    await until("one session ended", async () => (await page.getByTestId("admin-notice").innerText()) === `1 session of ${NEWBIE} ended.`);
    await row().getByTestId("user-end-sessions").click();
    await until("none left", async () => (await page.getByTestId("admin-notice").innerText()) === `0 sessions of ${NEWBIE} ended.`);
    await shot("admin-users");

    state.step = "create a token: shown once, works, last use, revoke";
    await page.getByTestId("tab-tokens").click();
    await page.getByTestId("create-token-form").waitFor();
    await page.getByTestId("token-scope-write").check();
    await page.getByTestId("create-token-submit").click();
    const secret = await until("the token secret", async () => page.getByTestId("token-secret-value").inputValue().catch(() => ""));
    assert(/^rt_[a-z0-9]+_[a-z0-9]+$/.test(secret), `secret: ${secret}`);
    const tokenId = secret.split("_")[1];
    await page.getByTestId("token-secret-copy").click();
    await until("Copied", async () => (await page.getByTestId("token-secret-copied").innerText()) === "Copied");
    const gql = (token, query) =>
      fetch(`${server.base}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
    // Enough case views for two pages of audit entries.
    for (let i = 0; i < 30; i++) assert((await gql(secret, `{ case(id: "view-${i}") { id } }`)).ok, "the new token works");
    await page.getByTestId("tab-users").click();
    await page.getByTestId("tab-tokens").click();
    const tokenRow = () => page.locator(`[data-testid="token-row"][data-token="${tokenId}"]`);
    await until("the token's last use", async () => /UTC$/.test(await tokenRow().getByTestId("token-last-use").innerText().catch(() => "")));
    assert((await page.getByTestId("token-secret-value").count()) === 1, "the secret box stays until the page is left");
    await shot("admin-tokens-created");
    await tokenRow().getByTestId("token-revoke").click();
    await until("revoked", async () => (await tokenRow().getByTestId("token-status").innerText()).startsWith("revoked"));
    assert((await gql(secret, "{ stats { nodes } }")).status === 401, "a revoked token is refused");
    await page.reload();
    assert((await page.getByTestId("token-secret-value").count()) === 0, "the secret is not shown again");
    await shot("admin-tokens");

    state.step = "the audit log: newest first, filters, paging";
    await page.getByTestId("tab-audit").click();
    const actions = async () => page.getByTestId("audit-action").allInnerTexts();
    await until("a full first page", async () => (await actions()).length === 25);
    assert((await actions())[0] === "token.revoke", `newest first: ${(await actions()).slice(0, 3)}`);
    await page.getByTestId("audit-older").click();
    await until("page 2", async () => (await page.getByTestId("audit-page").innerText()) === "Page 2");
    const older = await actions();
    for (const want of ["user.add", "user.role", "user.disable", "user.enable", "user.sessions.end", "token.create", "signin"]) {
      assert(older.includes(want), `page 2 should hold ${want}: ${older}`);
    }
    await shot("admin-audit-page2");
    await page.getByTestId("audit-newer").click();
    await until("page 1", async () => (await page.getByTestId("audit-page").innerText()) === "Page 1");
    await page.getByTestId("audit-action").first().waitFor();
    await page.getByTestId("audit-filters").locator('input[name="action"]').fill("user.");
    await page.getByTestId("audit-apply").click();
    // The last is the command line's: boss was added with `redthread user add`.
    await until("user actions only", async () => (await actions()).join() === "user.sessions.end,user.sessions.end,user.enable,user.disable,user.role,user.add,user.add");
    assert((await page.getByTestId("audit-actor").last().innerText()) === "cli", "the first user.add is the command line's");
    await page.getByTestId("audit-filters").locator('input[name="action"]').fill("signin");
    await page.getByTestId("audit-filters").locator('input[name="actor"]').fill(NEWBIE);
    await page.getByTestId("audit-apply").click();
    await until("the newbie's sign-in", async () => (await actions()).join() === "signin" && (await page.getByTestId("audit-actor").innerText()) === NEWBIE);
    await page.getByTestId("audit-reset").click();
    await until("the whole log again", async () => (await actions()).length === 25);
    await shot("admin-audit");

    state.step = "another agency's admin sees none of fiu's";
    const cyber = { base: server.base, session: await signIn(server.base, CYBER_ADMIN) };
    const other = await openPage(browser, { errors, name: "cyber-admin", server: cyber });
    await other.page.goto(`${server.base}/admin#users`);
    const cyberEmails = async () => other.page.getByTestId("user-row").evaluateAll((rows) => rows.map((r) => r.dataset.email).sort().join());
    await until("cyber's users", async () => (await cyberEmails()) === `${CYBER_ADMIN.email},spy@cyber.example`);
    await other.page.getByTestId("tab-audit").click();
    await until("cyber's log", async () => (await other.page.getByTestId("audit-actor").allInnerTexts()).length > 0);
    const actors = await other.page.getByTestId("audit-actor").allInnerTexts();
    // Cyber's own users, and the command line that added them.
    assert(actors.every((a) => a.endsWith("@cyber.example") || a === "cli"), `cyber's log holds ${actors}`);
    assert(!actors.some((a) => a.endsWith("@fiu.example")), `cyber's log holds fiu's entries: ${actors}`);
    await other.shot("admin-other-agency");

    state.step = "an analyst is told the page is for admins";
    await newbie.page.goto(`${server.base}/admin`);
    await newbie.page.waitForURL((u) => u.pathname === "/signin");
    const analyst = await openPage(browser, { errors, name: "analyst", quiet: () => true });
    await analyst.page.goto(`${server.base}/admin`);
    await until("the notice", async () => /for Local's admins; you are an analyst/.test(await analyst.page.getByTestId("admin-notice").innerText().catch(() => "")));
    await analyst.shot("admin-analyst");
    expectErrors = false;
    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
    log("admin page: users, tokens and audit as planned; the other agency apart");
  } catch (err) {
    if (failShot) await failShot().catch(() => undefined);
    if (server) log(`server output:\n${serverTail(server)}`);
    throw err;
  } finally {
    await browser?.close();
    await stopServer(server);
    tmp.remove();
  }
}

run("admin", main, state);
