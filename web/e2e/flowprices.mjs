// The USD half of task C (issue 16), a step of flowassets.e2e.mjs kept in
// its own module: after the per-asset checks, the generated price table is
// ingested through the binary (`redthread ingest --format prices`, with the
// server stopped, as a user would), and the same theft's flow must now
// rank its sinks by USD by default, cite the price table, and rank as a
// valuation made here says: each tainted transfer into a sink's wallets,
// its tainted amount times its asset's close on its UTC day, read from
// prices.csv apart from the server.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assert, AUTH, BIN, E2EError, log, startServer, stopServer, until } from "./lib.mjs";

async function gql(base, query, variables) {
  const res = await fetch(`${base}/graphql`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors?.length) throw new E2EError(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** prices.csv as "ASSET DAY" → close, read with a plain split (the generator writes no quoted fields). */
function readCloses(file) {
  const [header, ...rows] = readFileSync(file, "utf8").trim().split("\n");
  assert(header.startsWith("date,asset,usd_close"), `price file header ${header}`);
  const out = new Map();
  for (const r of rows) {
    const [day, asset, close] = r.split(",");
    out.set(`${asset} ${day}`, Number(close));
  }
  return out;
}

/** Each sink's USD, valued here from the flow's tainted transfers and the closes. */
async function valuedHere(base, incident, closes) {
  const d = await gql(
    base,
    `query($from: [ID!]!) { moneyFlow(from: $from, maxHops: 12, taint: POISON, limit: 100) {
      reason sinks { node { id } wallets } tainted { edge { to asset time } taintedAmount { asset amount } } } }`,
    { from: [`incident:${incident}`] },
  );
  const f = d.moneyFlow;
  assert(!/carried tainted value/.test(f.reason ?? ""), `the tainted transfers were cut (${f.reason}): the valuation here would be short`);
  const into = new Map();
  for (const t of f.tainted) {
    const key = `${t.edge.asset} ${t.edge.time.slice(0, 10)}`;
    assert(closes.has(key), `no close in prices.csv for ${key}`);
    into.set(t.edge.to, (into.get(t.edge.to) ?? 0) + t.taintedAmount.amount * closes.get(key));
  }
  const usd = new Map();
  for (const s of f.sinks) usd.set(s.node.id, s.wallets.reduce((sum, w) => sum + (into.get(w) ?? 0), 0));
  return usd;
}

/** Asks the incident's flow under POISON over 12 hops, as flowassets.e2e.mjs does; returns the trace panel. */
export async function askFlow(page, incident) {
  const id = `incident:${incident}`;
  await page.evaluate(async (x) => {
    const { app } = window.__redthread;
    app.addFromSearch(await app.client.node(x));
  }, id);
  await page.waitForFunction((x) => window.__redthread.graph.hasNode(x), id);
  await page.evaluate((x) => window.__redthread.app.select({ type: "node", id: x }), id);
  const trace = page.getByTestId("path-panel");
  await trace.getByTestId("path-mode-flow").click();
  await page.getByTestId("details-panel").getByTestId("details-flow-source").click();
  await trace.getByTestId("path-taint-poison").check();
  await trace.getByTestId("path-max-hops").fill("12");
  await trace.getByTestId("path-find").click();
  await until("the flow's sinks", async () => (await trace.getByTestId("flow-sink").count()) > 0, 60000);
  return trace;
}

const dollars = (text) => Number(text.replace(/[$,]/g, ""));

/**
 * Ingests gen/prices.csv into data with the server stopped, starts it again,
 * asks the flow in the browser and checks it against the valuation here.
 * Returns the new server.
 */
export async function checkPricedFlow({ server, data, gen, ui, incident, state }) {
  state.step = "ingest the generated price table through the binary";
  await stopServer(server);
  const file = join(gen, "prices.csv");
  const ran = spawnSync(BIN, ["ingest", "--data", data, "--format", "prices", file], { encoding: "utf8" });
  const out = `${ran.stdout}${ran.stderr}`;
  assert(ran.status === 0, `redthread ingest --format prices exited ${ran.status}: ${out}`);
  log(out.trim().split("\n").filter((l) => l.includes("prices ")).pop() ?? out.trim());
  assert(/prices \d+ created/.test(out) && / 0 rejected/.test(out), `ingest of ${file}: ${out}`);
  const next = await startServer({ dataDir: data, demo: false });
  const closes = readCloses(file);
  const usd = await valuedHere(next.base, incident, closes);

  state.step = "the flow priced from the table, in the browser";
  const { page, waitIdle, shot } = ui;
  await page.goto(`${next.base}/?e2e`);
  await page.waitForFunction(() => window.__redthread !== undefined);
  const trace = await askFlow(page, incident);
  await waitIdle();
  const rank = trace.getByTestId("flow-rank");
  assert((await rank.inputValue()) === "USD", `with every transfer priced the flow should rank by USD, not ${await rank.inputValue()}`);
  const note = await trace.getByTestId("flow-valuation").locator("summary").innerText();
  assert(/USD priced from prices:prices\.csv: [\d,]+ transfers valued at the close of their UTC day/.test(note), `the panel should say where USD came from: ${note}`);
  const rows = await trace.getByTestId("flow-sink").evaluateAll((rs) =>
    rs.map((r) => {
      const cell = r.querySelector('[data-testid="flow-sink-usd"]');
      return { id: r.getAttribute("data-node-id"), usd: cell?.innerText ?? "", from: cell?.getAttribute("data-usd-from") ?? "", title: cell?.getAttribute("title") ?? "" };
    }),
  );
  assert(rows.length > 0 && rows.length === usd.size, `${rows.length} sinks shown, ${usd.size} in the answer`);
  for (const r of rows) {
    const want = usd.get(r.id);
    assert(want !== undefined && Math.abs(dollars(r.usd) - want) <= 1, `${r.id}: shows ${r.usd}, valued here $${want}`);
    assert(r.from === "PRICE_TABLE" && /price table.*prices:prices\.csv/.test(r.title), `${r.id}: USD from "${r.from}", tooltip "${r.title}"`);
  }
  const shown = rows.map((r) => r.id);
  const want = [...usd.keys()].sort((a, b) => usd.get(b) - usd.get(a) || (a < b ? -1 : 1));
  assert(JSON.stringify(shown) === JSON.stringify(want), `sinks rank ${shown.join(", ")} in the browser; by the USD valued here ${want.join(", ")}`);
  log(`ranked by USD: ${rows.map((r) => `${r.id.replace("service:", "")} ${r.usd}`).join(" | ")}`);
  await rank.evaluate((el) => { el.scrollIntoView({ block: "start" }); });
  await waitIdle();
  await shot("flowassets-04-by-usd");

  state.step = "the closes used, cited";
  await trace.getByTestId("flow-valuation").locator("summary").click();
  await until("the closes listed", async () => (await trace.getByTestId("flow-price").count()) > 0);
  const first = await trace.getByTestId("flow-price").first().innerText();
  const [day, asset, close] = first.split("\t");
  assert(closes.get(`${asset} ${day}`) !== undefined && Math.abs(dollars(close) - closes.get(`${asset} ${day}`)) <= 1 && /prices:prices\.csv/.test(first), `a close listed: ${first}`);
  const route = trace.getByTestId("flow-route").first();
  await route.locator("summary").click();
  const hop = (await route.getByTestId("flow-hop").allInnerTexts()).find((t) => / close of \$/.test(t));
  assert(hop, "a route's transfer should name the close that valued it");
  await trace.getByTestId("flow-valuation").scrollIntoViewIfNeeded();
  await shot("flowassets-05-closes");
  return next;
}
