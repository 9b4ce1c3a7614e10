// Browser test of task A of issue 16: risk computed by the server. The real
// binary serves the demo case plus real public data it ingested itself
// (OFAC's SDN list of 2024-05-03, MITRE ATT&CK's DPRK groups, GraphSense
// TagPacks); the Ronin bridge exploiter wallet, searched and added ALONE to
// the canvas, is badged sanctioned with the reason in the details panel and
// the hover card, the path behind the flag goes on the canvas on request, and
// the badge stays when that path's sanction node leaves the canvas again.
//
//   node e2e/risk.e2e.mjs     (after `make build`; see ui.e2e.mjs for the environment)
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { assert, BIN, checkPrerequisites, launchBrowser, log, openPage, run, serverTail, startServer, stopServer, tempDir, until, webDir } from "./lib.mjs";

const state = { step: "setup" };
const DATA = resolve(webDir, process.env.REDTHREAD_SHARED_DATA ?? "../../shared/data");
const RONIN = "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96";
const SANCTION = "sanction:ofac-27307";

/** Loads the real public data with the binary's own ingest command. */
function ingestRealData(dataDir) {
  const tp = (f) => join(DATA, "graphsense-tagpacks", f);
  const jobs = [
    ["ofac-csv", [join(DATA, "ofac", "sdn-2024-05-03.csv")]],
    ["stix", [join(DATA, "mitre-attack", "dprk-enterprise-attack-v18.1.json")]],
    ["tagpack", [tp("actors/graphsense.actorpack.yaml"), tp("packs/ronin_bridge.yaml"), tp("packs/lazarus.yaml"), tp("packs/tornado_cash.yaml")]],
  ];
  for (const [format, files] of jobs) {
    try {
      execFileSync(BIN, ["ingest", "--data", dataDir, "--format", format, ...files], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      // Exit 3 (cli.ExitRejected): loaded, with some records rejected — the
      // SDN list has remarks OFAC cut mid-address, rejected by design.
      if (err.status !== 3) throw err;
    }
    log(`ingested ${format}: ${files.map((f) => f.slice(DATA.length + 1)).join(", ")}`);
  }
}

async function main() {
  checkPrerequisites();
  const data = tempDir("redthread-e2e-risk-");
  let server;
  let browser;
  const pageErrors = [];
  try {
    state.step = "ingest the real data";
    ingestRealData(data.dir);
    state.step = "server health";
    server = await startServer({ dataDir: data.dir });
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
    const flag = details.locator('[data-testid="risk-flag"][data-kind="SANCTIONED"]');
    await flag.waitFor();
    const reason = await flag.getByTestId("risk-reason").innerText();
    assert(/designated on OFAC SDN: LAZARUS GROUP \(DPRK3\)$/.test(reason), `the details should give the reason: ${reason}`);
    const kinds = await details.getByTestId("risk-flag").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
    log(`flags in details: ${kinds.join(", ")}; SANCTIONED: ${reason}`);
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
    await details.locator('[data-testid="risk-flag"][data-kind="SANCTIONED"]').waitFor();
    await shot("risk-05-edge-removed");

    assert(pageErrors.length === 0, `page errors:\n${pageErrors.join("\n")}`);
  } catch (err) {
    if (server) console.error(`server output:\n${serverTail(server)}`);
    throw err;
  } finally {
    await browser?.close();
    await stopServer(server);
    data.remove();
  }
}

run("risk", main, state);
