// Browser test of issue 16's UI fixes and synthetic marks (task E), against
// the real binary, on the combined dataset of the task tests (lib.mjs
// combinedData: the demo case, every real public file of ../shared/data and
// a generated S scenario, loaded by the binary's own commands):
//   - synthetic facts are marked: a generated wallet is "synthetic" (details
//     badge, hover card, ◇ after its canvas label, legend); MITRE's Lazarus
//     Group, which the scenario gives a synthetic designation, is "partly
//     synthetic";
//   - search hits show their degree; a pick puts focus on the canvas; Esc
//     leaves the field;
//   - a hub expanded with a minimum value and a limit, the timeline brushed,
//     a kind hidden: the "active filters" chip says so and a click clears it;
//   - the header keeps Cases… on screen at 1440 and 1280 px with the
//     "too large for a link" note;
//   - Clear canvas closes the open case, drops the filters and the brush,
//     and a later hub expansion starts from the default filters (limit 50);
//   - a theft's money flow, newly drawn, reads left to right.
// Then (i16-uiclear): Clear canvas with a case open asks about unsaved
// changes (Esc cancels; "Save … first" saves and clears; Undo brings the
// view back, the case closed), closes an unchanged case and says so; a large
// flow forces only the labels it keeps, and an opened route is labelled whole.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assert, checkPrerequisites, combinedData, launchBrowser, log, openPage, run, SHOTS, startServer, stopServer, serverTail, until,
} from "./lib.mjs";

const state = { step: "start" };
const LAZARUS = "threat_group:lazarus-group";

async function searchAndPick(page, query, label) {
  const input = page.getByTestId("search-input");
  await input.fill(query);
  const hit = page.getByTestId("search-result").filter({ hasText: label }).first();
  await hit.waitFor();
  await hit.click();
}

/** The generated exchanges' wallets, as the scenario's own entities file lists them. */
function exchangeWallets(gen) {
  const records = readFileSync(join(gen, "entities.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const exchanges = new Set(records.filter((r) => r.type === "node" && r.kind === "SERVICE" && r.props?.category === "exchange").map((r) => r.id));
  return records.filter((r) => r.type === "edge" && r.kind === "CONTROLS" && exchanges.has(r.from)).map((r) => r.to);
}

/**
 * The busiest wallet of the generated exchanges (a hot wallet), put on the
 * canvas. Its candidates come from the generated files, not a search for
 * "exchange": on the combined data the real TagPacks' and OFAC's exchanges
 * fill the search results.
 */
async function addHub(ui, wallets) {
  const { hook } = ui;
  const hub = await hook(async (list) => {
    const { app } = window.__redthread;
    let best = null;
    for (const id of list) {
      const n = await app.client.node(id);
      if (n && (!best || n.degree > best.degree)) best = n;
    }
    if (best) app.addFromSearch(best);
    return best;
  }, wallets);
  assert(hub && hub.degree > 200, `no exchange wallet has more than 200 connections (best of ${wallets.length}: ${JSON.stringify(hub?.id)} ${hub?.degree})`);
  await ui.page.waitForFunction((id) => window.__redthread.graph.hasNode(id), hub.id);
  await ui.waitIdle();
  return hub;
}

/** Cases… is on screen: inside the viewport, not covered. */
async function casesButtonOnScreen(page, width) {
  const box = await page.getByTestId("cases-open").boundingBox();
  assert(box && box.width > 20, "Cases… has no box");
  assert(box.x >= 0 && box.x + box.width <= width, `Cases… is off a ${width}-px screen: x ${box.x} + ${box.width}`);
  const hit = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest("[data-testid]")?.getAttribute("data-testid"), { x: box.x + box.width / 2, y: box.y + box.height / 2 });
  assert(hit === "cases-open", `Cases… is covered by ${hit}`);
}

async function main() {
  checkPrerequisites();
  const errors = [];
  let browser;
  let server;
  let ui;
  let combined;
  try {
    state.step = "the combined dataset";
    combined = await combinedData("uifixes");
    server = await startServer({ dataDir: combined.data, demo: false });
    browser = await launchBrowser();
    ui = await openPage(browser, { errors, viewport: { width: 1440, height: 900 } });
    const { page, hook, waitIdle, shot } = ui;
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);

    state.step = "degree in search results";
    await page.getByTestId("search-input").fill("Lazarus Group");
    const hit = page.locator(`[data-testid="search-result"][data-node-id="${LAZARUS}"]`);
    await hit.waitFor();
    const degreeText = await hit.getByTestId("search-result-degree").innerText();
    const degree = await hook(async (id) => (await window.__redthread.app.client.node(id)).degree, LAZARUS);
    assert(degreeText === `${degree.toLocaleString("en-US")} edges`, `Lazarus Group's hit says "${degreeText}", the graph ${degree} edges`);
    log(`search hit: Lazarus Group, ${degreeText}`);
    await shot("uifix-01-search-degree");

    state.step = "focus after a search pick";
    await hit.click();
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), LAZARUS);
    await until("focus on the canvas", () => page.evaluate(() => document.activeElement?.id === "canvas"));
    // A shortcut now acts instead of typing into the search field: "?" opens the help.
    await page.keyboard.press("?");
    await until("the shortcuts help", () => page.getByTestId("shortcuts-help").isVisible());
    assert((await page.getByTestId("search-input").inputValue()) === "Lazarus Group", "a shortcut typed into the search field");
    await page.keyboard.press("Escape");

    state.step = "Esc leaves the search field";
    await page.getByTestId("search-input").focus();
    await page.getByTestId("search-input").fill("Kimsuky");
    await page.getByTestId("search-result").first().waitFor();
    await page.keyboard.press("Escape");
    await until("focus out of the search field", () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") !== "search-input"));
    // A search still on its way when Esc was pressed does not open the list later.
    await new Promise((r) => setTimeout(r, 800));
    assert(await page.getByTestId("search-results").isHidden(), "the results stay open after Esc");

    state.step = "partly synthetic Lazarus Group";
    await hook((id) => { window.__redthread.app.select({ type: "node", id }); }, LAZARUS);
    const details = page.getByTestId("details-panel");
    const badge = details.getByTestId("badge-illustrative");
    await badge.waitFor();
    const lazBadge = await badge.innerText();
    assert(/partly synthetic/i.test(lazBadge), `Lazarus Group (MITRE + generated) should be partly synthetic, badge: ${lazBadge}`);
    const lazShare = await hook(async (id) => (await window.__redthread.app.client.node(id)).illustrativeShare, LAZARUS);
    assert(lazShare === "SOME", `the API says Lazarus Group's illustrative share is ${lazShare}`);
    await shot("uifix-02-lazarus-partly-synthetic");

    state.step = "hub expanded with filters";
    await page.getByTestId("clear-canvas").click();
    const wallets = exchangeWallets(combined.gen);
    const hub = await addHub(ui, wallets);
    log(`hub: ${hub.id} with ${hub.degree} connections`);
    let p = await ui.nodePoint(hub.id);
    await page.mouse.dblclick(p.x, p.y);
    await page.getByTestId("hub-warning").waitFor();
    await page.getByTestId("expand-limit").fill("1000");
    await page.getByTestId("expand-min-usd").fill("1");
    await page.getByTestId("expand-confirm").click();
    await until("the hub's neighbourhood", async () => (await ui.order()) > 150, 60000);
    await waitIdle();
    const filtered = await ui.order();
    log(`expanded with limit 1000 and min USD 1: ${filtered} nodes`);

    state.step = "synthetic wallet marked";
    await hook((id) => { window.__redthread.app.select({ type: "node", id }); }, hub.id);
    await until("the hub's synthetic badge", async () => /^◇ synthetic$/i.test(await details.getByTestId("badge-illustrative").innerText()));
    const label = await hook((id) => window.__redthread.sigma.getNodeDisplayData(id)?.label, hub.id);
    assert(typeof label === "string" && label.endsWith("◇"), `the hub's canvas label should end with ◇: ${label}`);
    assert(await page.getByTestId("legend-illustrative").isVisible(), "the legend does not explain ◇");
    p = await ui.nodePoint(hub.id);
    await page.mouse.move(p.x, p.y);
    await until("the hover card's synthetic line", async () => /synthetic/i.test(await page.getByTestId("hover-illustrative").innerText().catch(() => "")));
    await shot("uifix-03-synthetic-hub");
    await page.mouse.move(5, 300);

    // ---- Risk and synthetic in the CSV export (issue 16, i16-uiclear) ----
    // The export menu's real code path; the files are read from the Blobs it
    // hands the browser (this page does not accept downloads).
    state.step = "risk and synthetic in the CSV export";
    await until("the hub's risk", () => hook((id) => window.__redthread.graph.getNodeAttribute(id, "risk") !== undefined, hub.id));
    await hook(() => {
      window.__blobs = [];
      const make = URL.createObjectURL.bind(URL);
      URL.createObjectURL = (b) => { window.__blobs.push(b); return make(b); };
    });
    await page.getByTestId("export-button").click();
    await page.getByTestId("export-csv").click();
    await until("the CSV files", () => hook(() => window.__blobs.length === 2));
    const [nodesCsv] = await hook(() => Promise.all(window.__blobs.map((b) => b.text())));
    const [header, ...rows] = nodesCsv.trim().split("\r\n");
    const cols = header.split(",");
    const row = rows.find((r) => r.startsWith(`${hub.id},`));
    assert(row, `the hub is not in the CSV export:\n${nodesCsv.slice(0, 500)}`);
    const cell = (name) => row.split(",")[cols.indexOf(name)]; // no quoted commas in these cells
    const hubRisk = await hook((id) => window.__redthread.graph.getNodeAttribute(id, "risk").flags.map((f) => f.kind), hub.id);
    assert(cell("illustrative") === "synthetic", `the hub's illustrative cell: ${cell("illustrative")}`);
    assert(hubRisk.every((k) => cell("risk_flags").includes(k)) && cell("risk_flags") !== "not loaded", `the hub's risk_flags cell ${cell("risk_flags")} should list ${hubRisk}`);
    log(`CSV export: ${cols.slice(-4, -1).join(", ")} = ${cols.slice(-4, -1).map(cell).join(" | ")}`);
    // ---- end of risk and synthetic in the CSV export ---------------------

    state.step = "header at 1440 and 1280 px";
    const note = page.getByTestId("case-note");
    await until("the too-large-for-a-link note", () => note.isVisible(), 30000);
    await casesButtonOnScreen(page, 1440);
    await shot("uifix-04-header-1440");
    await page.setViewportSize({ width: 1280, height: 800 });
    await casesButtonOnScreen(page, 1280);
    await shot("uifix-05-header-1280");
    await page.setViewportSize({ width: 1440, height: 900 });

    state.step = "active filters chip";
    const chip = page.getByTestId("filters-chip");
    assert(await chip.isHidden(), "a filters chip with no filter");
    const end = page.getByTestId("timeline-end");
    await end.focus();
    for (let i = 0; i < 3; i++) await end.press("Shift+ArrowLeft");
    await chip.waitFor();
    await page.getByTestId("legend-kind-SERVICE").click();
    await until("the chip to name both filters", async () => /time .* · 1 node kind hidden/.test(await chip.innerText()));
    log(`chip: ${await chip.innerText()}`);
    await shot("uifix-06-filters-chip");
    await chip.click();
    await until("the chip to go", () => chip.isHidden());
    assert(JSON.stringify(await hook(() => window.__redthread.app.filters.current)) === "{}", "the chip's click left filters on");
    assert(await hook(() => window.__redthread.graph.filterNodes((_n, a) => a.filteredOut).length === 0), "nodes stay filtered out");

    state.step = "a case saved, then filters on again";
    // A smaller view to save: the hub and a few neighbours.
    await page.getByTestId("cases-open").click();
    const cases = page.getByTestId("cases-dialog");
    await cases.waitFor();
    await cases.getByTestId("case-name").fill("Hub, filtered");
    await cases.getByTestId("case-save").click();
    await until("the case to be saved", async () => (await page.getByTestId("case-name").innerText()) === "Hub, filtered");
    await end.focus();
    for (let i = 0; i < 3; i++) await end.press("Shift+ArrowLeft");
    await chip.waitFor();

    // ---- Clear canvas with an open case (issue 16, i16-uiclear) ----------
    // The saved case now has unsaved changes (the brush moved): Clear canvas
    // asks, Esc cancels, "Save … first" saves and clears, Undo brings the
    // view back as a new view; reopened unchanged, Clear canvas closes it
    // without asking and says so.
    state.step = "Clear canvas asks about unsaved changes";
    const ask = page.getByTestId("clear-confirm");
    const before = await ui.order();
    await page.getByTestId("clear-canvas").click();
    await ask.waitFor();
    const askText = await ask.innerText();
    assert(/“Hub, filtered” has changes not saved since version 1/.test(askText), `the question does not name the case and its version: ${askText}`);
    assert(await page.evaluate(() => document.activeElement?.getAttribute("data-testid") === "clear-save-first"), "focus is not on the first answer");
    assert((await ask.getAttribute("role")) === "alertdialog" && (await ask.getAttribute("aria-labelledby")) !== null, "the question is not a labelled alertdialog");
    await shot("uifix-07a-clear-asks");
    await page.keyboard.press("Escape");
    await until("the question to close on Esc", () => ask.isHidden());
    assert((await ui.order()) === before, `Esc cleared the canvas: ${await ui.order()} of ${before} nodes`);
    assert((await page.getByTestId("case-name").innerText()) === "Hub, filtered", "Esc closed the case");

    state.step = "Clear canvas: save the case first";
    await page.getByTestId("clear-canvas").click();
    await ask.getByTestId("clear-save-first").click();
    await cases.waitFor();
    assert((await cases.getByTestId("case-name").inputValue()) === "Hub, filtered", "the save dialog does not hold the open case");
    await cases.getByTestId("case-save").click();
    await until("an empty canvas after saving", async () => (await ui.order()) === 0);
    await until("the case closed", async () => (await page.getByTestId("case-name").innerText()) === "Unsaved view");
    const closedNote = page.getByTestId("case-closed-notice");
    await closedNote.waitFor();
    const savedText = await closedNote.innerText();
    assert(/Saved “Hub, filtered” \(version 2\) and closed it/.test(savedText), `the status line says: ${savedText}`);
    await shot("uifix-07b-saved-and-cleared");
    const versions = await hook(async () => (await window.__redthread.app.client.cases()).filter((c) => c.name === "Hub, filtered").map((c) => c.version));
    assert(JSON.stringify(versions) === "[2]", `the case should have been saved once more (version 2), not copied: ${JSON.stringify(versions)}`);

    state.step = "Undo after Clear canvas";
    await page.getByTestId("undo").click();
    await until("the view back", async () => (await ui.order()) === before);
    assert((await page.getByTestId("case-name").innerText()) === "Unsaved view", "undo reopened the case: a Save would overwrite it");
    log(`undo after Clear canvas: ${before} nodes back, the case stays closed`);

    state.step = "Clear canvas closes an unchanged case";
    await page.getByTestId("cases-open").click();
    await cases.waitFor();
    await cases.locator('[data-testid="case-row"]', { hasText: "Hub, filtered" }).getByTestId("case-open").click();
    await until("the case open", async () => (await page.getByTestId("case-name").innerText()) === "Hub, filtered");
    await waitIdle();
    assert(!(await hook(() => window.__redthread.app.cases.dirty)), "a case just opened has unsaved changes");
    await chip.waitFor(); // version 2 holds the brush
    // ---- end of Clear canvas with an open case ---------------------------

    state.step = "Clear canvas";
    await page.getByTestId("clear-canvas").click();
    await until("an empty canvas", async () => (await ui.order()) === 0);
    await until("the case closed", async () => (await page.getByTestId("case-name").innerText()) === "Unsaved view");
    assert(await ask.isHidden(), "Clear canvas asked about a case without unsaved changes");
    assert(/Closed the case “Hub, filtered” \(no unsaved changes/.test(await closedNote.innerText()), "Clear canvas did not say it closed the case");
    assert(await chip.isHidden(), "the filters chip stays after Clear canvas");
    assert(JSON.stringify(await hook(() => window.__redthread.app.filters.current)) === "{}", "filters survive Clear canvas");
    await shot("uifix-07-cleared");

    state.step = "hub expansion after Clear canvas";
    await addHub(ui, wallets);
    p = await ui.nodePoint(hub.id);
    await page.mouse.dblclick(p.x, p.y);
    await page.getByTestId("hub-warning").waitFor();
    const limit = await page.getByTestId("expand-limit").inputValue();
    const minUSD = await page.getByTestId("expand-min-usd").inputValue();
    assert(limit === "50" && minUSD === "", `the dialog after Clear canvas should start from the defaults (limit 50, no minimum), has limit ${limit}, min USD "${minUSD}"`);
    await shot("uifix-08-dialog-defaults");
    await page.getByTestId("expand-confirm").click();
    await until("the default expansion", async () => (await ui.order()) > 1, 60000);
    await waitIdle();
    const order = await ui.order();
    assert(order <= 51 && order > 10, `a default expansion of the hub shows at most 50 neighbours, the canvas has ${order} nodes`);
    assert(await chip.isHidden(), "a filters chip after a default expansion");
    log(`default expansion after Clear canvas: ${order} nodes`);

    state.step = "money flow laid out left to right";
    await page.getByTestId("clear-canvas").click();
    await until("an empty canvas", async () => (await ui.order()) === 0);
    const trace = page.getByTestId("path-panel");
    await trace.getByTestId("path-mode-flow").click();
    await searchAndPick(page, "Theft from", "Theft from");
    await details.getByTestId("details-flow-source").click();
    await trace.getByTestId("path-find").click();
    await until("the flow's summary", async () => (await trace.getByTestId("flow-summaries").innerText()).length > 0, 60000);
    await waitIdle();
    const xs = await hook(() => {
      const { graph, app } = window.__redthread;
      const r = app.trace.path.result;
      const x = (id) => graph.getNodeAttribute(id, "x");
      return { sources: r.flow.sources.map((n) => x(n.id)), sinks: r.flow.sinks.map((s) => x(s.node.id)), nodes: r.nodeIds.length };
    });
    assert(xs.sinks.length > 0, "the flow has no sink");
    assert(Math.max(...xs.sources) < Math.min(...xs.sinks), `sources should be left of every sink: ${JSON.stringify(xs)}`);
    log(`flow of ${xs.nodes} nodes: sources at x ≤ ${Math.max(...xs.sources).toFixed(1)}, sinks at x ≥ ${Math.min(...xs.sinks).toFixed(1)}`);
    await shot("uifix-09-flow-left-to-right");

    // ---- Flow labels culled (issue 16, i16-uiclear) ----------------------
    // A large flow forces only the labels flowLabels.ts keeps (sources,
    // sinks, the top routes' nodes, the largest transfers); an opened route
    // labels all of its names and amounts.
    state.step = "flow labels culled";
    const forced = () => hook(() => {
      const { graph, sigma, app } = window.__redthread;
      const r = app.trace.path.result;
      const nodes = r.nodeIds.filter((id) => sigma.getNodeDisplayData(id)?.forceLabel).length;
      const edges = r.edgeIds.filter((id) => graph.hasEdge(id) && sigma.getEdgeDisplayData(id)?.forceLabel && sigma.getEdgeDisplayData(id)?.label).length;
      const kept = app.trace.flowLabels;
      return { nodes, edges, flowNodes: r.nodeIds.length, flowEdges: r.edgeIds.length, keptNodes: kept.nodes.size, keptEdges: kept.edges.size, routes: r.flow.routes.length };
    });
    const culled = await forced();
    log(`flow labels: ${culled.nodes} of ${culled.flowNodes} node labels and ${culled.edges} of ${culled.flowEdges} amounts forced`);
    assert(culled.nodes <= culled.keptNodes && culled.nodes < culled.flowNodes / 2, `too many forced flow labels: ${JSON.stringify(culled)}`);
    assert(culled.edges <= culled.keptEdges && culled.edges <= 8, `too many forced amount labels: ${JSON.stringify(culled)}`);
    assert(await trace.getByTestId("flow-label-note").isVisible(), "the panel does not say which flow labels are drawn");

    state.step = "an opened route labelled";
    const pick = Math.min(culled.routes - 1, 5);
    const routeItem = trace.getByTestId("flow-route").nth(pick);
    await routeItem.locator("summary").click();
    await until("the route's labels", async () => (await hook(() => window.__redthread.app.trace.path.route)) === pick);
    await waitIdle();
    const routeLabels = await hook((i) => {
      const { graph, sigma, app } = window.__redthread;
      const route = app.trace.path.result.flow.routes[i];
      const edges = route.hops.filter((hp) => hp.edge && graph.hasEdge(hp.edge.id)).map((hp) => hp.edge.id);
      const nodes = [...new Set(route.hops.flatMap((hp) => [hp.from, hp.to]))].filter((id) => graph.hasNode(id));
      return {
        edges: edges.length,
        labelledEdges: edges.filter((id) => sigma.getEdgeDisplayData(id)?.forceLabel && sigma.getEdgeDisplayData(id)?.label).length,
        nodes: nodes.length,
        labelledNodes: nodes.filter((id) => sigma.getNodeDisplayData(id)?.forceLabel).length,
      };
    }, pick);
    log(`route ${pick + 1} opened: ${routeLabels.labelledNodes} of ${routeLabels.nodes} names, ${routeLabels.labelledEdges} of ${routeLabels.edges} amounts labelled`);
    assert(routeLabels.edges > 0 && routeLabels.labelledEdges === routeLabels.edges && routeLabels.labelledNodes === routeLabels.nodes, `the opened route is not labelled whole: ${JSON.stringify(routeLabels)}`);
    await shot("uifix-10-flow-route-labelled");
    // Zoomed in, the flow's other names show where they have room (sigma's label grid).
    await hook(() => window.__redthread.sigma.getCamera().setState({ x: 0.5, y: 0.5, ratio: 0.35 }));
    await waitIdle();
    await new Promise((r) => setTimeout(r, 300));
    await shot("uifix-11-flow-zoomed");
    // ---- end of flow labels culled ---------------------------------------

    state.step = "page errors";
    assert(errors.length === 0, `the page reported errors:\n${errors.join("\n")}`);
  } catch (err) {
    if (ui) await ui.page.screenshot({ path: join(SHOTS, "uifix-failure.png") }).catch(() => {});
    if (server) console.error(`[e2e] server output (last lines):\n${serverTail(server)}`);
    if (errors.length) console.error(`[e2e] page errors:\n${errors.join("\n")}`);
    throw err;
  } finally {
    await ui?.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stopServer(server);
    combined?.remove();
  }
}

run("UI fixes and synthetic marks", main, state);
