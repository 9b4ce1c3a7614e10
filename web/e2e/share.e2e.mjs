// Browser test of sharing a case between agencies (issue 17): agencies fiu
// and police made with the binary's own commands, facts of several markings
// owned by fiu loaded with `redthread ingest`. An analyst of fiu signs in,
// builds a case over those facts, previews it as police, shares it; an
// analyst of police signs in, opens the link, sees the redacted case and the
// withheld notice, comments; fiu's analyst sees the comment and revokes the
// link; police's next load is refused. Screenshots: screenshots/share-*.png.
//
//   node e2e/share.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { assert, BIN, checkPrerequisites, launchBrowser, log, openPage, run, serverTail, signIn, startServer, stopServer, tempDir, until } from "./lib.mjs";

const state = { step: "setup" };

const ANA = { email: "ana@fiu.test", password: "fiu-password-0123456789" };
const BO = { email: "bo@police.test", password: "police-password-0123456789" };

const w = (n) => `wallet:eth:0x5a1e00000000000000000000000000000000000${n}`;
const W1 = w(1); // AMBER: carried to police
const W2 = w(2); // AMBER+STRICT: never carried
const W3 = w(3); // GREEN
const W4 = w(4); // CLEAR
const STRICT_LABEL = "Informant wallet";

/** The facts, in Redthread's native JSON lines, owned by fiu. */
function facts() {
  const src = (marking) => [{ dataset: "fiu-case-file-17", record: marking, confidence: 80, marking, agency: "fiu" }];
  const node = (id, label, marking) => ({ type: "node", kind: "WALLET", key: id.replace(/^wallet:/, ""), label, sources: src(marking) });
  const edge = (from, to, amount, marking) => ({ type: "edge", kind: "TRANSFER", from, to, amount, asset: "ETH", time: "2026-11-02T10:00:00Z", sources: src(marking) });
  return [
    node(W1, "Mule wallet", "TLP:AMBER"),
    node(W2, STRICT_LABEL, "TLP:AMBER+STRICT"),
    node(W3, "Exchange deposit wallet", "TLP:GREEN"),
    node(W4, "Public payout wallet", "TLP:CLEAR"),
    edge(W1, W2, 4, "TLP:AMBER"),
    edge(W1, W3, 12, "TLP:AMBER"),
    edge(W4, W1, 20, "TLP:GREEN"),
  ].map((r) => JSON.stringify(r)).join("\n") + "\n";
}

async function main() {
  checkPrerequisites();
  const tmp = tempDir("redthread-share-");
  let server;
  let browser;
  try {
    state.step = "agencies, users and facts with the binary's commands";
    const cli = (args, input = "") => {
      // The store flag after the verb (admin commands) or the command (ingest).
      const at = args[0] === "ingest" ? 1 : 2;
      const r = spawnSync(BIN, [...args.slice(0, at), "--data", tmp.dir, ...args.slice(at)], { encoding: "utf8", input });
      assert(r.status === 0, `redthread ${args.join(" ")}: ${r.stderr}`);
      return r;
    };
    cli(["agency", "add", "--name", "Financial Intelligence Unit", "fiu"]);
    cli(["agency", "add", "--name", "Police cyber unit", "police"]);
    cli(["user", "add", "--agency", "fiu", "--role", "analyst", ANA.email], `${ANA.password}\n`);
    cli(["user", "add", "--agency", "police", "--role", "analyst", BO.email], `${BO.password}\n`);
    const file = join(tmp.dir, "fiu-facts.jsonl");
    writeFileSync(file, facts());
    cli(["ingest", "--format", "native", file]);

    server = await startServer({ dataDir: tmp.dir, demo: false });
    const fiu = { ...server, session: await signIn(server.base, ANA) };
    const police = { ...server, session: await signIn(server.base, BO) };
    browser = await launchBrowser();
    const errors = [];
    // Refused links answer 200 with a GraphQL error; nothing else may fail.
    const a = await openPage(browser, { errors, name: "fiu", server: fiu });

    state.step = "fiu builds a case: search the mule wallet, expand it";
    await a.page.goto(`${server.base}/?e2e`);
    await a.page.waitForFunction(() => window.__redthread);
    await a.page.getByTestId("search-input").fill("Mule wallet");
    const hit = a.page.getByTestId("search-result").filter({ hasText: "Mule wallet" }).first();
    await hit.click();
    await a.page.waitForFunction((id) => window.__redthread.graph.hasNode(id), W1);
    await a.page.getByTestId("details-panel").getByTestId("details-expand").click();
    await a.page.getByTestId("expand-confirm").click();
    await a.page.waitForFunction((ids) => ids.every((id) => window.__redthread.graph.hasNode(id)), [W2, W3, W4]);
    await a.waitIdle();
    await a.shot("share-01-fiu-case");

    state.step = "fiu saves the case";
    await a.page.getByTestId("cases-open").click();
    const cases = a.page.getByTestId("cases-dialog");
    await cases.getByTestId("case-name").fill("Mule ring, November");
    await cases.getByTestId("case-save").click();
    await until("the case to be saved", async () => (await a.page.getByTestId("case-name").first().innerText()) === "Mule ring, November");
    await a.page.keyboard.press("Escape");
    await cases.waitFor({ state: "detached" });

    state.step = "fiu previews the case as police";
    await a.page.getByTestId("share-open").click();
    const dialog = a.page.getByTestId("share-dialog");
    await dialog.getByTestId("share-agency").fill("police");
    await dialog.getByTestId("share-preview").click();
    const preview = dialog.getByTestId("share-preview-result");
    await preview.waitFor();
    const previewText = await preview.innerText();
    assert(/will see 3 nodes and 2 edges/.test(previewText), `preview: ${previewText}`);
    assert((await dialog.getByTestId("share-preview-notice").innerText()) === "2 facts withheld under the sharing agency's markings", `preview notice: ${previewText}`);
    assert(!previewText.includes(STRICT_LABEL), `the preview names the withheld wallet: ${previewText}`);
    await a.shot("share-02-preview-as-police");

    state.step = "fiu shares it with police";
    await dialog.getByTestId("share-submit").click();
    const linkInput = dialog.getByTestId("share-link");
    await linkInput.waitFor();
    const url = await linkInput.inputValue();
    assert(url.startsWith(`${server.base}/shared#link=rts1.`), `link: ${url}`);
    await until("the link to be listed", async () => (await dialog.getByTestId("share-row").count()) === 1);
    await a.shot("share-03-link");
    await a.page.keyboard.press("Escape");

    state.step = "police open the link";
    const b = await openPage(browser, { errors, name: "police", server: police });
    await b.page.goto(url.replace("/shared#", "/shared?e2e#"));
    await b.page.waitForFunction(() => window.__redthread);
    const notice = b.page.getByTestId("shared-notice");
    await notice.waitFor();
    assert((await notice.innerText()) === "2 facts withheld under the sharing agency's markings", `notice: ${await notice.innerText()}`);
    await b.page.waitForFunction((ids) => ids.every((id) => window.__redthread.graph.hasNode(id)), [W1, W3, W4]);
    await b.waitIdle();
    const onCanvas = await b.hook(() => window.__redthread.graph.nodes());
    assert(!onCanvas.includes(W2) && onCanvas.length === 3, `police's canvas: ${onCanvas.join(", ")}`);
    const html = await b.page.content();
    assert(!html.includes(STRICT_LABEL) && !html.includes(W2), "the page holds the withheld wallet");
    assert((await b.page.getByTestId("shared-title").innerText()).includes("Mule ring, November"), "the shared case's name");
    assert((await b.page.getByTestId("cases-open").count()) === 0, "the shared view is read-only: no Cases button");
    await b.shot("share-04-police-shared-view");

    state.step = "police comment";
    await b.page.getByTestId("shared-comment-text").fill("W1 also paid a suspect of ours on 3 November.");
    await b.page.getByTestId("shared-comment-submit").click();
    await until("the comment to be listed", async () => (await b.page.getByTestId("shared-comments").innerText()).includes("W1 also paid a suspect"));
    await b.shot("share-05-police-commented");

    state.step = "fiu sees the comment and revokes the link";
    await a.page.getByTestId("share-open").click();
    const dialog2 = a.page.getByTestId("share-dialog");
    await until("the comment in fiu's case", async () => (await dialog2.getByTestId("share-comments").innerText()).includes("W1 also paid a suspect"));
    assert((await dialog2.getByTestId("share-comments").innerText()).includes(BO.email), "the comment names its author");
    await dialog2.getByTestId("share-row").first().getByTestId("share-revoke").click();
    await dialog2.getByTestId("share-revoked").waitFor();
    await until("no active links", async () => (await dialog2.getByTestId("share-row").count()) === 0);
    await a.shot("share-06-fiu-comment-revoked");

    state.step = "police's next load is refused";
    await b.page.reload();
    const denied = b.page.getByTestId("shared-denied");
    await denied.waitFor();
    assert(/does not open/.test(await denied.innerText()), `refusal: ${await denied.innerText()}`);
    assert((await b.hook(() => window.__redthread.graph.order)) === 0, "the canvas stays empty");
    await b.shot("share-07-police-denied");
    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
    log("shared, previewed, opened redacted, commented, revoked, refused");
  } catch (err) {
    if (server) log(`server output:\n${serverTail(server)}`);
    throw err;
  } finally {
    await browser?.close();
    await stopServer(server);
    tmp.remove();
  }
}

run("share", main, state);
