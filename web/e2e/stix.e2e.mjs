// Browser test of the STIX exchange (issue 17, "Exchange formats"): on a
// server with the demo case, a case around the Lazarus Group is saved; in
// the Cases dialog its STIX button downloads a STIX 2.1 bundle that holds
// the official TLP 2.0 marking definitions and marks every object; on a
// second server with an empty store, Import STIX… reads the file into a
// new case, which opens with the same nodes and edges. Screenshots in
// web/screenshots/stix-*.png.
//
//   node e2e/stix.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assert, AUTH, checkPrerequisites, launchBrowser, log, openPage, run, serverTail, startServer, stopServer, tempDir, until } from "./lib.mjs";

const state = { step: "setup" };
const LAZARUS = "threat_group:lazarus-group";
const TLP2 = {
  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "TLP:CLEAR",
  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "TLP:GREEN",
  "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "TLP:AMBER",
  "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "TLP:AMBER+STRICT",
  "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "TLP:RED",
};

async function gql(base, query, variables) {
  const res = await fetch(`${base}/graphql`, { method: "POST", headers: { "Content-Type": "application/json", ...AUTH }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  assert(!body.errors, `${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function main() {
  checkPrerequisites();
  const a = tempDir("redthread-stix-a-");
  const b = tempDir("redthread-stix-b-");
  const errors = [];
  let from, to;
  const browser = await launchBrowser();
  try {
    from = await startServer({ dataDir: a.dir });
    state.step = "save a case around the Lazarus Group (API)";
    const { neighbors } = await gql(from.base, `query($id: ID!) { neighbors(id: $id, depth: 3, limit: 80) { nodes { id } edges { id } } }`, { id: LAZARUS });
    const nodes = neighbors.nodes.map((n, i) => ({ id: n.id, x: Math.round(100 * Math.cos(i)), y: Math.round(100 * Math.sin(i)), ...(n.id === LAZARUS ? { note: "Part of the RGB; attributed the Coincheck theft." } : {}) }));
    const view = { v: 1, nodes, edges: neighbors.edges.map((e) => e.id), groups: [], filters: {} };
    const { saveCase } = await gql(from.base, `mutation($view: JSON!) { saveCase(name: "Lazarus, three hops", view: $view) { id } }`, { view });
    log(`case ${saveCase.id}: ${nodes.length} nodes, ${view.edges.length} edges`);

    state.step = "export the case as STIX from the Cases dialog";
    const one = await openPage(browser, { errors, name: "export", acceptDownloads: true, viewport: { width: 1440, height: 900 }, server: from });
    await one.page.goto(`${from.base}/?e2e`);
    await one.page.waitForFunction(() => window.__redthread !== undefined);
    await one.page.getByTestId("cases-open").click();
    const dialog = one.page.getByTestId("cases-dialog");
    const row = dialog.locator(`[data-testid="case-row"][data-case-id="${saveCase.id}"]`);
    await row.waitFor();
    const [download] = await Promise.all([one.page.waitForEvent("download"), row.getByTestId("case-stix").click()]);
    const file = join(a.dir, download.suggestedFilename());
    await download.saveAs(file);
    assert(/^redthread-lazarus-three-hops-.*\.stix\.json$/.test(download.suggestedFilename()), `file name ${download.suggestedFilename()}`);
    await until("the dialog to say it exported", async () => /Exported “Lazarus, three hops” as STIX/.test(await dialog.getByTestId("case-stix-status").innerText()));
    await one.shot("stix-01-export");

    state.step = "the bundle: TLP 2.0 definitions, every object marked, the case as a report";
    const bundle = JSON.parse(readFileSync(file, "utf8"));
    assert(bundle.type === "bundle" && Array.isArray(bundle.objects), "not a bundle");
    const defs = bundle.objects.filter((o) => o.type === "marking-definition");
    for (const d of defs) {
      assert(TLP2[d.id] === d.name && d.created === "2022-10-01T00:00:00.000Z", `${d.id} is not the TLP 2.0 definition it names (${d.name})`);
      assert(d.extensions["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]?.tlp_2_0 === d.name.slice(4).toLowerCase(), `${d.id}: its TLP 2.0 extension`);
    }
    const unmarked = bundle.objects.filter((o) => o.type !== "marking-definition" && !(o.object_marking_refs ?? []).some((r) => TLP2[r]));
    assert(unmarked.length === 0, `objects without a TLP 2.0 marking: ${unmarked.map((o) => o.id).join(", ")}`);
    const report = bundle.objects.find((o) => o.type === "report");
    assert(report?.name === "Lazarus, three hops", "the report names the case");
    assert(bundle.objects.some((o) => o.type === "intrusion-set" && o.name === "Lazarus Group"), "the Lazarus Group as an intrusion set");
    assert(bundle.objects.some((o) => o.type === "note" && o.content.startsWith("Part of the RGB")), "the note as a STIX note");
    await one.context.close();

    state.step = "import the file on another server";
    to = await startServer({ dataDir: b.dir, demo: false });
    const two = await openPage(browser, { errors, name: "import", viewport: { width: 1440, height: 900 }, server: to });
    await two.page.goto(`${to.base}/?e2e`);
    await two.page.waitForFunction(() => window.__redthread !== undefined);
    await two.page.getByTestId("cases-open").click();
    const dialog2 = two.page.getByTestId("cases-dialog");
    await dialog2.getByTestId("case-list-empty").waitFor();
    await dialog2.getByTestId("stix-import-file").setInputFiles(file);
    await until("the imported case to open", async () => (await two.page.getByTestId("case-name").innerText()) === "Lazarus, three hops");
    await two.page.waitForFunction(() => window.__redthread?.isIdle() && window.__redthread.graph.order > 0);
    await until("the case's nodes", async () => (await two.order()) === nodes.length);
    const size = await two.hook(() => window.__redthread.graph.size);
    assert(size === view.edges.length, `the imported case has ${size} edges, the exported one ${view.edges.length}`);
    const note = await two.hook((id) => window.__redthread.graph.getNodeAttribute(id, "annotation") ?? null, LAZARUS);
    assert(note?.startsWith("Part of the RGB"), `the note came back: ${note}`);
    await until("the header to count the imported graph", async () => /Graph\s+\d+\s+nodes/.test(await two.page.getByTestId("stats").innerText()) && !/Graph\s+0\s+nodes/.test(await two.page.getByTestId("stats").innerText()));
    await two.waitIdle();
    await two.shot("stix-02-imported-case");

    state.step = "the imported facts keep their sources and markings";
    const ids = nodes.map((n) => n.id);
    const q = `query($ids: [ID!]!) { nodes(ids: $ids) { id label marking sources { dataset record marking } } }`;
    const [x, y] = [await gql(from.base, q, { ids }), await gql(to.base, q, { ids })];
    assert(JSON.stringify(x) === JSON.stringify(y), "the second server serves the facts as the first");

    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
    log(`stix: exported ${bundle.objects.length} objects, ${defs.length} TLP 2.0 definitions; imported ${nodes.length} nodes, ${size} edges`);
  } catch (err) {
    for (const s of [from, to]) if (s) console.error(serverTail(s));
    throw err;
  } finally {
    await browser.close();
    await stopServer(from);
    await stopServer(to);
    a.remove();
    b.remove();
  }
}

run("stix.e2e", main, state);
