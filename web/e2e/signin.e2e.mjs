// Browser test of signing in (issue 17): the real binary with `serve --demo`
// prints how to sign in; Chromium opens the app without credentials, is sent
// to the sign-in page, is refused a wrong password, signs in with the
// printed line, sees the user and agency in the top bar, saves nothing
// without the CSRF token, and signs out; then a one-time link from
// `user add` signs a second user in, once.
//
//   node e2e/signin.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { assert, BIN, checkPrerequisites, launchBrowser, log, openPage, run, serverTail, SHOTS, startServer, stopServer, tempDir, until } from "./lib.mjs";

const state = { step: "setup" };

async function main() {
  checkPrerequisites();
  const tmp = tempDir("redthread-signin-");
  let server;
  let browser;
  try {
    state.step = "a user with a one-time sign-in link (user add, no password)";
    const cli = (args, input = "") => spawnSync(BIN, [...args, "--data", tmp.dir], { encoding: "utf8", input });
    assert(cli(["agency", "add", "--name", "Local", "local"]).status === 0, "agency add local");
    const added = cli(["user", "add", "--agency", "local", "--role", "viewer", "linked@local.test"]);
    const code = /#link=(rl_\S+)/.exec(added.stdout)?.[1];
    assert(added.status === 0 && code, `user add printed no link: ${added.stdout} ${added.stderr}`);

    state.step = "start serve --demo";
    server = await startServer({ dataDir: tmp.dir });
    const line = await until("the demo sign-in line on the console", () => /sign in at (\S+) as (\S+) with password (\S+)/.exec(server.output.join("")));
    const [, at, email, password] = line;
    log(`console: sign in at ${at} as ${email} with password (${password.length} characters)`);
    assert(at === `${server.base}/signin`, `the line names ${at}, want ${server.base}/signin`);

    browser = await launchBrowser();
    const errors = [];
    // The wrong password and the page's own 401s are expected console errors.
    const ui = await openPage(browser, { errors, name: "signin", signedIn: false, quiet: () => true });
    const { page, shot } = ui;

    state.step = "the app without credentials goes to sign in";
    await page.goto(`${server.base}/?e2e`);
    await page.waitForURL((u) => u.pathname === "/signin");
    assert(new URL(page.url()).searchParams.get("next") === "/?e2e", `next should come back to the page: ${page.url()}`);
    await page.getByTestId("signin-form").waitFor();
    await shot("signin-page");

    state.step = "a wrong password is refused";
    await page.getByTestId("signin-email").fill(email);
    await page.getByTestId("signin-password").fill("not the password");
    await page.getByTestId("signin-submit").click();
    const refusal = await until("the refusal", async () => (await page.getByTestId("signin-error").isVisible()) && page.getByTestId("signin-error").innerText());
    assert(/wrong email or password/i.test(refusal), `refusal: ${refusal}`);
    assert(new URL(page.url()).pathname === "/signin", "still on the sign-in page");
    await shot("signin-refused");

    state.step = "sign in with the printed line";
    await page.getByTestId("signin-password").fill(password);
    await page.getByTestId("signin-submit").click();
    await page.waitForURL((u) => u.pathname === "/" && u.search === "?e2e");
    await page.waitForFunction(() => window.__redthread);
    await until("the top bar to name the user", async () => (await page.getByTestId("account-email").innerText().catch(() => "")) === email);
    const agency = await page.getByTestId("account-agency").innerText();
    assert(agency.toLowerCase() === "local · analyst", `top bar agency: ${agency}`);
    const cookies = await ui.context.cookies();
    const session = cookies.find((c) => c.name === "redthread_session");
    assert(session?.httpOnly && session.sameSite === "Strict", `session cookie ${JSON.stringify(session)}`);
    assert(!(await page.evaluate(() => document.cookie)).includes("redthread_session"), "the page's script must not read the session cookie");
    await until("the app to load its stats", async () => /\d/.test(await page.getByTestId("stats").innerText()));
    await page.locator("header.app-header").screenshot({ path: join(SHOTS, "signin-topbar.png") });
    await shot("signin-app");

    state.step = "a POST without the CSRF token is refused";
    const bare = await page.evaluate(async () => {
      const r = await fetch("/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: 'mutation { deleteCase(id: "x") }' }) });
      return { status: r.status, body: await r.text() };
    });
    assert(bare.status === 403 && bare.body.includes("X-CSRF-Token"), `POST without CSRF: ${JSON.stringify(bare)}`);

    state.step = "sign out";
    await page.getByTestId("sign-out").click();
    await page.waitForURL((u) => u.pathname === "/signin");
    await page.goto(`${server.base}/`);
    await page.waitForURL((u) => u.pathname === "/signin");
    const api = await page.evaluate(async () => (await fetch("/graphql?query=%7Bstats%7Bnodes%7D%7D")).status);
    assert(api === 401, `the API after sign-out: ${api}`);

    state.step = "a one-time link signs in once";
    await page.goto(`${server.base}/signin?next=%2F%3Fe2e#link=${code}`);
    await page.waitForURL((u) => u.pathname === "/" && u.search === "?e2e");
    await until("the top bar to name the linked user", async () => (await page.getByTestId("account-email").innerText().catch(() => "")) === "linked@local.test");
    assert((await page.getByTestId("account-agency").innerText()) === "Local · viewer", "the linked user is a viewer of Local");
    await page.getByTestId("sign-out").click();
    await page.waitForURL((u) => u.pathname === "/signin");
    await page.goto(`${server.base}/signin#link=${code}`);
    const again = await until("the used link to be refused", async () => (await page.getByTestId("signin-error").isVisible()) && page.getByTestId("signin-error").innerText());
    assert(/credentials/.test(again), `a used link: ${again}`);
    assert(!page.url().includes("#link="), "the page takes the link out of the address bar");
    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
  } catch (err) {
    if (server) log(`server output:\n${serverTail(server)}`);
    throw err;
  } finally {
    await browser?.close();
    await stopServer(server);
    tmp.remove();
  }
}

run("signin", main, state);
