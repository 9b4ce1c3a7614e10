// Browser test of task A of issue 16: risk computed by the server. The real
// binary serves the combined dataset of the task tests (lib.mjs
// combinedData: the demo case, every real public file of ../shared/data —
// OFAC's SDN list and address lists, MITRE ATT&CK, GraphSense TagPacks,
// the thefts table — and a generated S scenario, loaded by the binary
// itself); the Ronin bridge exploiter wallet, searched and added ALONE to
// the canvas, is badged sanctioned with the reason in the details panel and
// the hover card, the path behind the flag goes on the canvas on request, and
// the badge stays when that path's sanction node leaves the canvas again.
//
//   node e2e/risk.e2e.mjs     (after `make build`; see ui.e2e.mjs for the environment)
import { assert, checkPrerequisites, combinedData, launchBrowser, log, openPage, run, serverTail, startServer, stopServer, until } from "./lib.mjs";

const state = { step: "setup" };
const RONIN = "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96";
const SANCTION = "sanction:ofac-27307";

async function main() {
  checkPrerequisites();
  let data;
  let server;
  let browser;
  const pageErrors = [];
  try {
    state.step = "the combined dataset";
    data = await combinedData("risk");
    state.step = "server health";
    server = await startServer({ dataDir: data.data, demo: false });
    browser = await launchBrowser();
    const { page, hook, order, waitIdle, nodePoint, shot } = await openPage(browser, { errors: pageErrors });
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);
    await until("graph stats in the header", async () => /Graph [\d,]+ nodes/.test(await page.getByTestId("stats").innerText()));

    state.step = "search the Ronin bridge exploiter";
    await page.getByTestId("search-input").fill("Ronin bridge exploiter");
    const hit = page.locator(`[data-testid="search-result"][data-node-id="${RONIN}"]`);
    await hit.waitFor();
    assert((await hit.getByTestId("hit-badge-sanctioned").count()) === 1, `the search result should be badged sanctioned: ${await hit.innerText()}`);
    const title = await hit.getByTestId("hit-badge-sanctioned").getAttribute("title");
    // The designation is named by whom it designates, its program said once.
    assert(title?.includes("designated on OFAC SDN: LAZARUS GROUP (DPRK3)") && !title.includes("(DPRK3) (DPRK3)"), `the search badge should say why: ${title}`);
    await shot("risk-01-search");

    state.step = "the wallet alone on the canvas";
    await hit.click();
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), RONIN);
    await waitIdle();
    assert((await order()) === 1, `the wallet should be alone on the canvas, not with ${await order()} nodes`);
    assert((await hook(() => window.__redthread.graph.size)) === 0, "no edge is drawn");
    const badges = await until("the wallet's badges", () => hook((id) => window.__redthread.graph.getNodeAttribute(id, "badges"), RONIN));
    assert(badges.includes("sanctioned"), `the wallet alone should be badged sanctioned: ${JSON.stringify(badges)}`);
    const details = page.getByTestId("details-panel");
    await until("details to show the wallet", async () => (await details.getByTestId("details-id").innerText()) === RONIN);
    await details.getByTestId("badge-sanctioned").waitFor();
    // The address lists designate the wallet too ("OFAC SDN list", no entry
    // named): the flag of LAZARUS GROUP's entry is the one whose path ends at SANCTION.
    const sanctioned = details.locator('[data-testid="risk-flag"][data-kind="SANCTIONED"]');
    const flag = sanctioned.filter({ hasText: "LAZARUS GROUP (DPRK3)" });
    await flag.waitFor();
    const reason = await flag.getByTestId("risk-reason").innerText();
    assert(/designated on OFAC SDN: LAZARUS GROUP \(DPRK3\)$/.test(reason), `the details should give the reason: ${reason}`);
    const kinds = await details.getByTestId("risk-flag").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
    const reasons = await sanctioned.getByTestId("risk-reason").allInnerTexts();
    log(`flags in details: ${kinds.join(", ")}; SANCTIONED: ${reasons.join(" | ")}`);
    await shot("risk-02-alone-sanctioned");

    state.step = "hover card";
    const p = await nodePoint(RONIN);
    await page.mouse.move(p.x, p.y);
    const card = page.getByTestId("hover-card");
    await until("the hover card to give the reason", async () => (await card.isVisible()) && (await card.innerText()).includes("OFAC SDN: LAZARUS GROUP (DPRK3)"));
    await shot("risk-03-hover");
    await page.mouse.move(5, 5);

    state.step = "show the path behind the flag";
    await flag.getByTestId("risk-show-path").click();
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), SANCTION);
    await waitIdle();
    const edgeId = `${RONIN}>SANCTIONED_BY>${SANCTION}`;
    assert(await hook((id) => window.__redthread.graph.hasEdge(id) && window.__redthread.graph.getEdgeAttribute(id, "onPath") === true, edgeId), "the sanction edge should be drawn and highlighted");
    await shot("risk-04-path");

    state.step = "the sanction edge leaves the canvas, the badge stays";
    await hook((id) => window.__redthread.app.select({ type: "node", id }), SANCTION);
    await until("details to show the sanction", async () => (await details.getByTestId("details-id").innerText()) === SANCTION);
    await details.getByTestId("details-remove").click();
    await page.waitForFunction((id) => !window.__redthread.graph.hasNode(id), SANCTION);
    await waitIdle();
    assert((await hook(() => window.__redthread.graph.size)) === 0, "the sanction edge should be gone");
    const after = await hook((id) => window.__redthread.graph.getNodeAttribute(id, "badges"), RONIN);
    assert(after?.includes("sanctioned"), `the badge should not depend on what is drawn: ${JSON.stringify(after)}`);
    await hook((id) => window.__redthread.app.select({ type: "node", id }), RONIN);
    await flag.waitFor();
    await shot("risk-05-edge-removed");

    assert(pageErrors.length === 0, `page errors:\n${pageErrors.join("\n")}`);
  } catch (err) {
    if (server) console.error(`server output:\n${serverTail(server)}`);
    throw err;
  } finally {
    await browser?.close();
    await stopServer(server);
    data?.remove();
  }
}

run("risk", main, state);
