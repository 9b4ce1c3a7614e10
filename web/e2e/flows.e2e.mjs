// Browser test of an investigation from start to finish, against the real
// binary: on the demo case, search → expand with filters → k paths → money
// flow → collapse a persona cluster → timeline brush and play → hide a kind
// from the legend → annotate, undo and redo → save the case → reopen it from
// its link → export → collapse the communities and undo it → the dark theme;
// then on generated data (the scenario's S scale), the hub warning before
// expanding an exchange and the timeline over thousands of transfers. Every
// step saves a screenshot in web/screenshots/.
//
//   node e2e/flows.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assert,
  checkPrerequisites,
  E2EError,
  launchBrowser,
  loadGenerated,
  log,
  openPage,
  run,
  serverTail,
  SHOTS,
  startServer,
  stopServer,
  tempDir,
  until,
} from "./lib.mjs";

const state = { step: "setup" };
const COINCHECK = "incident:coincheck-theft";
const RUSSIAN = "service:unnamed-russian-exchange";
const PERSONA_A = "person:illustrative-it-worker-persona-a";

/** Searches `text` and picks the first result whose text matches `match`; returns its node ID. */
async function searchAndPick(page, text, match) {
  await page.getByTestId("search-input").fill(text);
  const hit = page.getByTestId("search-result").filter({ hasText: match }).first();
  await hit.waitFor();
  const id = await hit.getAttribute("data-node-id");
  await hit.click();
  await page.waitForFunction((nid) => window.__redthread.graph.hasNode(nid), id);
  return id;
}

/** Saves a download to a temporary file and returns its bytes. */
async function download(page, dir, click) {
  const [d] = await Promise.all([page.waitForEvent("download"), click()]);
  const file = join(dir, d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), bytes: readFileSync(file) };
}

async function demoFlow(browser, errors, tmp) {
  const server = await startServer({ dataDir: tmp.dir });
  const ui = await openPage(browser, { errors, acceptDownloads: true });
  const { page, hook, waitIdle, shot } = ui;
  try {
    state.step = "load";
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);
    const details = page.getByTestId("details-panel");

    state.step = "search → expand with filters";
    const lazarus = await searchAndPick(page, "Lazarus", "Lazarus Group");
    await waitIdle();
    await details.getByTestId("details-expand").click();
    const dialog = page.getByTestId("expand-dialog");
    await dialog.waitFor();
    assert((await page.getByTestId("hub-warning").count()) === 0, "Lazarus Group is no hub: no warning expected");
    await dialog.getByTestId("expand-depth-2").check();
    await shot("flow-01-expand-dialog");
    await dialog.getByTestId("expand-confirm").click();
    await until("the two-hop neighbourhood", async () => (await ui.order()) > 5);
    await waitIdle();
    log(`expanded Lazarus Group two hops: ${await ui.order()} nodes`);
    await shot("flow-02-expanded");

    state.step = "k paths";
    await searchAndPick(page, "Russian", /Russian/i);
    await details.getByTestId("details-path-to").click();
    await hook((id) => window.__redthread.app.select({ type: "node", id }), lazarus);
    await details.getByTestId("details-path-from").click();
    const trace = page.getByTestId("path-panel");
    await trace.getByTestId("path-mode-k").click();
    await trace.getByTestId("path-max-hops").fill("12");
    await trace.getByTestId("path-k").fill("3");
    await trace.getByTestId("path-find").click();
    await until("three paths listed", async () => (await trace.getByTestId("path-select").count()) === 3);
    await trace.getByTestId("path-select").nth(1).click();
    const onPath = await hook(() => window.__redthread.graph.filterNodes((_n, a) => a.onPath).length);
    assert(onPath >= 10, `the second path should be highlighted (${onPath} nodes on it)`);
    await waitIdle();
    await shot("flow-03-k-paths");

    state.step = "money flow";
    await trace.getByTestId("path-mode-flow").click();
    await hook((id) => window.__redthread.app.select({ type: "node", id }), lazarus);
    // From the theft (its loot wallets) to the exchange, the sink kept from the k-paths search.
    await searchAndPick(page, "Coincheck theft", "Coincheck theft");
    await details.getByTestId("details-flow-source").click();
    await trace.getByTestId("path-taint-haircut").check();
    await trace.getByTestId("path-find").click();
    const summaries = trace.getByTestId("flow-summaries");
    await until("the flow's summary for the Russian exchange", async () => /21\.9 M reached Unnamed Russian exchange/.test(await summaries.innerText()));
    const tainted = await hook(() => window.__redthread.graph.filterEdges((_e, a) => a.onPath).length);
    assert(tainted >= 5, `the flow's transfers should be highlighted (${tainted})`);
    assert(await hook((id) => window.__redthread.graph.getNodeAttribute(id, "onPath") === true, RUSSIAN), "the exchange should be on the highlighted flow");
    log(`money flow: ${(await summaries.innerText()).split("\n")[0]}`);
    await waitIdle();
    await shot("flow-04-money-flow");

    state.step = "collapse a persona cluster";
    await searchAndPick(page, "persona A", /persona A/i);
    await details.getByTestId("details-persona-cluster").click();
    const group = await until("a persona group", () =>
      hook(() => window.__redthread.graph.findNode((_n, a) => a.group?.origin === "persona" && a.group.collapsed) ?? null),
    );
    const folded = await hook((g) => window.__redthread.graph.filterNodes((_n, a) => a.collapsedInto === g).length, group);
    assert(folded >= 4, `the four IT-worker personas should fold into the group (${folded} did)`);
    assert(await hook((id) => window.__redthread.graph.getNodeAttribute(id, "collapsedInto") !== undefined, PERSONA_A), "persona A should be folded");
    await waitIdle();
    await shot("flow-05-cluster-collapsed");
    await details.getByTestId("details-group-toggle").click();
    assert(await hook((id) => window.__redthread.graph.getNodeAttribute(id, "collapsedInto") === undefined, PERSONA_A), "opening the group should bring persona A back");
    await hook((g) => window.__redthread.app.toggleGroup(g), group);

    state.step = "timeline";
    const start = page.getByTestId("timeline-start");
    await start.focus();
    for (let i = 0; i < 4; i++) await start.press("Shift+ArrowRight");
    await until("transfers filtered out by the brush", () => hook(() => window.__redthread.graph.filterEdges((_e, a) => a.filteredOut).length > 0));
    const label = await page.getByTestId("timeline-label").innerText();
    log(`timeline window: ${label}`);
    await shot("flow-06-timeline-brushed");
    await page.getByTestId("timeline-play").click();
    await until("the timeline to play", async () => (await page.getByTestId("timeline-play").getAttribute("aria-pressed")) === "true" || /pause/i.test(await page.getByTestId("timeline-play").innerText()));
    await page.waitForTimeout(1500);
    await shot("flow-07-timeline-playing");
    await page.getByTestId("timeline-play").click();
    await page.getByTestId("timeline-reset").click();
    await until("the whole timeline again", () => hook(() => window.__redthread.graph.filterEdges((_e, a) => a.filteredOut).length === 0));

    state.step = "hide a kind from the legend";
    const incidents = page.getByTestId("legend-kind-INCIDENT");
    await incidents.click();
    await until("incidents filtered out", () => hook(() => window.__redthread.graph.filterNodes((_n, a) => a.kind === "INCIDENT" && a.filteredOut).length > 0));
    assert((await incidents.getAttribute("aria-pressed")) === "false", "the legend should show incidents as hidden");
    await incidents.click();
    await until("incidents shown again", () => hook(() => window.__redthread.graph.filterNodes((_n, a) => a.filteredOut).length === 0));

    state.step = "annotate, undo, redo";
    await hook((id) => window.__redthread.app.select({ type: "node", id }), COINCHECK);
    await details.getByTestId("annotation").fill("534 M USD of NEM stolen on 2018-01-26; follow the HAIRCUT flow.");
    await details.getByTestId("annotation-save").click();
    const note = () => hook((id) => window.__redthread.graph.getNodeAttribute(id, "annotation") ?? null, COINCHECK);
    assert((await note())?.startsWith("534 M USD"), "the note should be saved on the node");
    await page.getByTestId("graph-canvas").focus();
    await page.keyboard.press("Control+z");
    await until("undo to take the note away", async () => (await note()) === null);
    await page.keyboard.press("Control+Shift+z");
    await until("redo to bring the note back", async () => (await note()) !== null);

    state.step = "save the case";
    const before = await hook(() => ({ order: window.__redthread.graph.order, size: window.__redthread.graph.size }));
    await page.getByTestId("cases-open").click();
    const cases = page.getByTestId("cases-dialog");
    await cases.waitFor();
    await cases.getByTestId("case-name").fill("Coincheck → Russian exchange");
    await shot("flow-08-save-case");
    await cases.getByTestId("case-save").click();
    await until("the case to be saved", async () => (await page.getByTestId("case-name").innerText()) === "Coincheck → Russian exchange");
    await until("the link to name the case", async () => /#case=[a-z2-7]+$/.test(page.url()));
    const link = page.url();
    log(`saved: ${link.replace(server.base, "")}`);

    state.step = "reopen from the link";
    const again = await openPage(browser, { errors, name: "reopened" });
    await again.page.goto(link);
    await again.page.waitForFunction(() => window.__redthread?.isIdle() && window.__redthread.graph.order > 0);
    await until("the case's nodes", async () => (await again.order()) === before.order);
    const after = await again.hook(() => ({ order: window.__redthread.graph.order, size: window.__redthread.graph.size }));
    assert(after.size === before.size, `the reopened case has ${after.size} edges, the saved view ${before.size}`);
    assert(
      (await again.hook((id) => window.__redthread.graph.getNodeAttribute(id, "annotation") ?? null, COINCHECK))?.startsWith("534 M USD"),
      "the note should come back with the case",
    );
    await until("the flow to be traced again", async () => /21\.9 M reached/.test(await again.page.getByTestId("flow-summaries").innerText()));
    await again.waitIdle();
    await again.shot("flow-09-reopened-case");
    await again.context.close();

    state.step = "export";
    const png = await download(page, tmp.dir, async () => {
      await page.getByTestId("export-button").click();
      await page.getByTestId("export-png").click();
    });
    assert(png.bytes.subarray(1, 4).toString() === "PNG" && png.bytes.length > 10_000, `PNG export: ${png.name}, ${png.bytes.length} bytes`);
    const svg = await download(page, tmp.dir, async () => {
      await page.getByTestId("export-button").click();
      await page.getByTestId("export-svg").click();
    });
    assert(svg.bytes.toString().includes("<svg") && svg.bytes.toString().includes("Unnamed Russian exchange"), "SVG export should draw the labels");
    const graphml = await download(page, tmp.dir, async () => {
      await page.getByTestId("export-button").click();
      await page.getByTestId("export-graphml").click();
    });
    assert(/<graphml[\s>]/.test(graphml.bytes.toString()) && graphml.bytes.toString().includes(RUSSIAN), "GraphML export should hold the exchange");
    await hook((id) => window.__redthread.app.select({ type: "node", id }), COINCHECK);
    const json = await download(page, tmp.dir, async () => {
      await page.getByTestId("export-button").click();
      await page.getByTestId("export-json").click();
    });
    assert(json.bytes.toString().includes(COINCHECK), "JSON export should hold the selection");
    log(`exports: ${[png, svg, graphml, json].map((f) => `${f.name} (${f.bytes.length} bytes)`).join(", ")}`);

    state.step = "communities";
    await page.getByTestId("group-communities").click();
    const communities = await until("community groups", () =>
      hook(() => window.__redthread.graph.filterNodes((_n, a) => a.group?.origin === "community" && a.group.collapsed).length),
    );
    log(`communities: ${communities} collapsed`);
    await waitIdle();
    await shot("flow-10-communities");
    await page.getByTestId("undo").click();
    await until("undo to open the communities again", () => hook(() => window.__redthread.graph.filterNodes((_n, a) => a.group?.origin === "community").length === 0));

    state.step = "dark theme";
    await page.keyboard.press("Escape");
    await page.getByTestId("theme-toggle").click();
    await until("the dark theme", async () => (await page.evaluate(() => document.documentElement.dataset.theme)) === "dark");
    await waitIdle();
    await shot("flow-11-dark");
  } catch (err) {
    await onFailure(ui, server, "flow-failure");
    throw err;
  } finally {
    await ui.context.close().catch(() => {});
    await stopServer(server);
  }
}

async function onFailure(ui, server, name) {
  await ui.page.screenshot({ path: join(SHOTS, `${name}.png`) }).catch(() => {});
  log(`screenshot screenshots/${name}.png`);
  console.error(`[e2e] server output (last lines):\n${serverTail(server)}`);
}

async function generatedFlow(browser, errors, tmp) {
  state.step = "generated data";
  const data = join(tmp.dir, "gen-data");
  loadGenerated(data, join(tmp.dir, "gen"));
  const server = await startServer({ dataDir: data, demo: false });
  const ui = await openPage(browser, { errors });
  const { page, hook, waitIdle, shot } = ui;
  try {
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);

    state.step = "hub warning";
    // The busiest wallet of the generated exchanges: a hot wallet.
    await page.getByTestId("search-input").fill("exchange");
    const hits = page.getByTestId("search-result");
    await hits.first().waitFor();
    const ids = await hits.evaluateAll((els) => els.map((e) => e.getAttribute("data-node-id")));
    const hub = await hook(async (list) => {
      const { app } = window.__redthread;
      let best = null;
      for (const id of list.filter((x) => x.startsWith("service:"))) {
        const sub = await app.client.neighbors(id, { edgeKinds: ["CONTROLS"], limit: 500 });
        for (const n of sub.nodes) if (n.kind === "WALLET" && (!best || n.degree > best.degree)) best = n;
      }
      if (best) app.addFromSearch(best);
      return best;
    }, ids);
    assert(hub && hub.degree > 200, `no exchange wallet has more than 200 connections (best: ${JSON.stringify(hub?.id)} ${hub?.degree})`);
    log(`hub: ${hub.id} with ${hub.degree} connections`);
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), hub.id);
    await waitIdle();
    const p = await ui.nodePoint(hub.id);
    await page.mouse.dblclick(p.x, p.y);
    const warning = page.getByTestId("hub-warning");
    await warning.waitFor();
    log(`hub warning: ${await warning.innerText()}`);
    await shot("gen-01-hub-warning");
    await page.getByTestId("expand-limit").fill("1000");
    await page.getByTestId("expand-confirm").click();
    await until("the hub's neighbourhood", async () => (await ui.order()) > 150, 60000);
    await waitIdle();
    log(`expanded the hub: ${await ui.order()} nodes, ${await hook(() => window.__redthread.graph.size)} edges`);
    await shot("gen-02-hub-expanded");

    state.step = "timeline over generated transfers";
    const end = page.getByTestId("timeline-end");
    await end.focus();
    for (let i = 0; i < 3; i++) await end.press("Shift+ArrowLeft");
    await until("the brush to hide transfers", () => hook(() => window.__redthread.graph.filterEdges((_e, a) => a.filteredOut).length > 0));
    await waitIdle();
    await shot("gen-03-timeline");
  } catch (err) {
    await onFailure(ui, server, "gen-failure");
    throw err;
  } finally {
    await ui.context.close().catch(() => {});
    await stopServer(server);
  }
}

async function main() {
  checkPrerequisites();
  const tmp = tempDir("redthread-flows-");
  const errors = [];
  let browser;
  try {
    browser = await launchBrowser();
    await demoFlow(browser, errors, tmp);
    await generatedFlow(browser, errors, tmp);
    state.step = "page errors";
    assert(errors.length === 0, `the page reported errors:\n${errors.join("\n")}`);
  } catch (err) {
    if (errors.length) console.error(`[e2e] page errors:\n${errors.join("\n")}`);
    if (!(err instanceof E2EError)) console.error(err);
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    tmp.remove();
  }
}

run("investigation flows", main, state);
