// Browser test of task C of issue 16: a generated theft's money flow ranks
// its sinks as the scenario's truth says, per asset, and never adds assets
// together. The S scenario is generated and ingested by the real binary,
// with the demo case and the real public data (lib.mjs combinedData); its
// chain data carry no USD prices and its loot crosses a bridge from ETH to
// BTC, so sinks receive both. The truth (truth.json) names every deposit the
// thieves made; their amounts are read from the ingested transfers over
// GraphQL. Under POISON the sinks must rank as the truth ranks them: by ETH
// (what was stolen) first, and by BTC once the investigator chooses it.
// Then (flowprices.mjs) the generated price table is ingested through the
// binary and the same flow ranks in USD by default, cited to prices.csv.
// Screenshots in web/screenshots/.
//
//   node e2e/flowassets.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkPricedFlow } from "./flowprices.mjs";
import { assert, AUTH, checkPrerequisites, combinedData, E2EError, launchBrowser, log, openPage, run, serverTail, startServer, stopServer, until } from "./lib.mjs";

const state = { step: "setup" };
const INCIDENT = "synthetic-theft-001";

async function gql(base, query, variables) {
  const res = await fetch(`${base}/graphql`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors?.length) throw new E2EError(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** What the truth says each service received from the incident's laundering: its deposit and OTC hops, by service and asset. */
async function truthSinks(base, truth) {
  const route = truth.routes.find((r) => r.incident === INCIDENT);
  assert(route, `no laundering route for ${INCIDENT} in truth.json`);
  const out = new Map();
  for (const hop of route.hops.filter((x) => x.step === "deposit" || x.step === "otc")) {
    const to = `wallet:${hop.to}`;
    const d = await gql(base, `query($id: ID!) { neighbors(id: $id, edgeKinds: [TRANSFER, DEPOSITED_AT], limit: 5000) { edges { kind from to amount asset txHash } } }`, { id: to });
    let service = null;
    for (const e of d.neighbors.edges) {
      if (e.kind === "DEPOSITED_AT" && e.from === to) service = e.to;
    }
    const paid = d.neighbors.edges.filter((e) => e.kind === "TRANSFER" && e.to === to && e.from === `wallet:${hop.from}` && e.txHash?.toLowerCase() === hop.tx.toLowerCase());
    assert(service && paid.length > 0, `truth hop ${hop.tx} to ${to}: service ${service}, ${paid.length} transfers`);
    const m = out.get(service) ?? {};
    for (const e of paid) m[e.asset] = (m[e.asset] ?? 0) + e.amount;
    out.set(service, m);
  }
  return out;
}

/** The truth's sinks ranked by the assets in order, largest first. */
function ranked(truth, order) {
  return [...truth.keys()].sort((a, b) => {
    for (const asset of order) {
      const d = (truth.get(b)[asset] ?? 0) - (truth.get(a)[asset] ?? 0);
      if (d !== 0) return d;
    }
    return a < b ? -1 : 1;
  });
}

/** The sinks table as shown: node ID, amounts and assets, one line each. */
async function sinkRows(trace) {
  return trace.getByTestId("flow-sink").evaluateAll((rows) =>
    rows.map((r) => ({
      id: r.getAttribute("data-node-id"),
      amounts: r.querySelector('[data-testid="flow-sink-amount"]').innerText.split("\n").filter(Boolean),
      assets: r.querySelector('[data-testid="flow-sink-asset"]').innerText.split("\n").filter(Boolean),
    })),
  );
}

/** Checks the table against the truth's ranking by `order`, and that no row adds assets. */
async function checkRanking(trace, truth, order, what) {
  const rows = await sinkRows(trace);
  for (const r of rows) {
    assert(r.amounts.length === r.assets.length && new Set(r.assets).size === r.assets.length, `${r.id}: amounts ${r.amounts} for assets ${r.assets}`);
  }
  const shown = rows.map((r) => r.id).filter((id) => truth.has(id));
  const want = ranked(truth, order);
  assert(JSON.stringify(shown) === JSON.stringify(want), `${what}: sinks rank ${shown.join(", ")}; the truth ${want.join(", ")}`);
  log(`${what}: ${rows.map((r) => `${r.id.replace("service:", "")} ${r.amounts.map((a, i) => `${a} ${r.assets[i]}`).join(" + ")}`).join(" | ")}`);
  return rows;
}

async function main() {
  checkPrerequisites();
  const errors = [];
  let browser;
  let server;
  let ui;
  let combined;
  try {
    state.step = "the combined dataset, with the S scenario";
    combined = await combinedData("flowassets");
    const { data, gen } = combined;
    const truthFile = JSON.parse(readFileSync(join(gen, "truth.json"), "utf8"));
    server = await startServer({ dataDir: data, demo: false });
    const truth = await truthSinks(server.base, truthFile);
    assert([...truth.values()].some((m) => Object.keys(m).length > 1), "no sink of the theft received two assets: the test would prove nothing");

    browser = await launchBrowser();
    ui = await openPage(browser, { errors, viewport: { width: 1440, height: 1000 } });
    const { page, hook, waitIdle, shot } = ui;
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);

    state.step = "the theft as the flow's source";
    await hook(async (id) => {
      const { app } = window.__redthread;
      app.addFromSearch(await app.client.node(id));
    }, `incident:${INCIDENT}`);
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), `incident:${INCIDENT}`);
    await hook((id) => window.__redthread.app.select({ type: "node", id }), `incident:${INCIDENT}`);
    const trace = page.getByTestId("path-panel");
    await trace.getByTestId("path-mode-flow").click();
    await page.getByTestId("details-panel").getByTestId("details-flow-source").click();
    await trace.getByTestId("path-taint-poison").check();
    await trace.getByTestId("path-max-hops").fill("12");
    await trace.getByTestId("path-find").click();
    await until("the flow's sinks", async () => (await trace.getByTestId("flow-sink").count()) > 0, 60000);
    await waitIdle();

    state.step = "per asset without prices";
    const rank = trace.getByTestId("flow-rank");
    assert((await rank.inputValue()) === "ASSET:ETH", `without prices the flow should rank by ETH first, not ${await rank.inputValue()}`);
    assert((await trace.getByTestId("flow-sink-usd").count()) === 0, "no sink has a USD value without prices: no USD column");
    assert(/No USD prices loaded/.test(await trace.getByTestId("flow-units").innerText()), "the panel should say no USD prices are loaded");
    const summaries = await trace.getByTestId("flow-summaries").innerText();
    assert(/\d ETH \+ [\d.]+ BTC reached/.test(summaries) && !/, USD [\d.]+ [kM]? ?reached/.test(summaries), `the summaries should name assets, not USD: ${summaries.slice(0, 300)}`);
    await checkRanking(trace, truth, ["ETH", "BTC"], "ranked by ETH");
    const route = await trace.getByTestId("flow-route").first().locator("summary").innerText();
    assert(/^[\d.,]+ (ETH|BTC) to /.test(route), `a route line should carry its unit: ${route}`);
    await trace.getByTestId("flow-rank").evaluate((el) => { el.scrollIntoView({ block: "start" }); });
    await shot("flowassets-01-by-eth");

    state.step = "ranked by BTC, as chosen";
    await rank.selectOption("ASSET:BTC");
    await until("the flow ranked by BTC", async () => (await trace.getByTestId("flow-rank").inputValue()) === "ASSET:BTC" && (await trace.getByTestId("flow-sink").count()) > 0, 60000);
    await waitIdle();
    await checkRanking(trace, truth, ["BTC", "ETH"], "ranked by BTC");
    await trace.getByTestId("flow-rank").evaluate((el) => { el.scrollIntoView({ block: "start" }); });
    await shot("flowassets-02-by-btc");

    state.step = "route details";
    const first = trace.getByTestId("flow-route").first();
    await first.locator("summary").click();
    const hops = await first.getByTestId("flow-hop").allInnerTexts();
    assert(hops.every((t) => !/wallet:(eth|btc):/.test(t)), `route details should show labels, not raw IDs: ${hops.join(" / ")}`);
    await first.scrollIntoViewIfNeeded();
    await shot("flowassets-03-route");

    // The USD half (flowprices.mjs): the price table loaded, sinks rank in USD.
    server = await checkPricedFlow({ server, data, gen, ui, incident: INCIDENT, state });

    state.step = "page errors";
    assert(errors.length === 0, `the page reported errors:\n${errors.join("\n")}`);
  } catch (err) {
    if (ui) await ui.page.screenshot({ path: join("screenshots", "flowassets-failure.png") }).catch(() => {});
    if (server) console.error(serverTail(server));
    if (errors.length) console.error(`[e2e] page errors:\n${errors.join("\n")}`);
    throw err;
  } finally {
    await ui?.context.close().catch(() => {});
    await stopServer(server);
    await browser?.close().catch(() => {});
    combined?.remove();
  }
}

run("money flow per asset, then in USD from the price table", main, state);
