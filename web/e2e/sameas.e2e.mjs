// Browser test of same actors across sources (issue 16), against the real
// binary on the real public data (../shared/data, SOURCES.md): MITRE ATT&CK,
// the OFAC SDN list, and GraphSense's sinbad.io and Tornado.cash TagPacks,
// each loaded by `redthread ingest`, whose report names the same-actor
// candidates of the job's entities. The review then lists OFAC's SINBAD ↔
// GraphSense's sinbad.io (matched on the domain's name) and TORNADO CASH ↔
// tornado.cash with both spellings and each side's dataset; a confirmation
// names who judged, and when; Show on canvas draws both. Screenshots in
// web/screenshots/same-actors-*.png.
//
//   node e2e/sameas.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { assert, AUTH, E2E_USER, BIN, checkPrerequisites, launchBrowser, log, openPage, run, serverTail, startServer, stopServer, tempDir, until, webDir } from "./lib.mjs";

const state = { step: "setup" };
const DATA = resolve(webDir, process.env.REDTHREAD_DATA ?? "../../shared/data");
const JOBS = [
  { format: "stix", files: ["mitre-attack/dprk-enterprise-attack-v18.1.json"], report: null },
  // Exit 3: the SDN list's own bad records (truncated addresses) are reported.
  { format: "ofac-csv", files: ["ofac/sdn-2024-05-03.csv"], report: "4 same-actor candidates to review (LAZARUS GROUP ↔ Lazarus Group, BLUENOROFF ↔ APT38, ANDARIEL ↔ Andariel, …)" },
  { format: "tagpack", files: ["graphsense-tagpacks/packs/sinbad_io.yaml", "graphsense-tagpacks/packs/tornado_cash.yaml"], report: "2 same-actor candidates to review (TORNADO CASH ↔ tornado.cash, SINBAD ↔ sinbad.io)" },
];
const SINBAD = { a: "organization:ofac-sdn-44437", b: "service:sinbad.io" };
const TORNADO = { a: "organization:ofac-sdn-39796", b: "service:tornado.cash" };
// Who judges is the signed-in user (the server records it; the client cannot say).
const JUDGE = E2E_USER.email;

/** The same candidates over the API, for the panel to agree with. */
async function candidatesOverApi(base) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { ...AUTH, "content-type": "application/json" },
    body: JSON.stringify({ query: "{ sameAsCandidates(first: 500) { candidates { a { id } b { id } matches { a b folded domain } } } }" }),
  });
  const body = await res.json();
  assert(!body.errors, `sameAsCandidates failed: ${JSON.stringify(body.errors)}`);
  return body.data.sameAsCandidates.candidates;
}

async function main() {
  checkPrerequisites();
  if (!JOBS.every((j) => j.files.every((f) => existsSync(resolve(DATA, f))))) {
    log(`same actors: skipped, the real data is not at ${DATA}`);
    return;
  }
  const tmp = tempDir("redthread-sameas-e2e-");
  const errors = [];
  let server;
  const browser = await launchBrowser();
  try {
    for (const job of JOBS) {
      state.step = `ingest ${job.format}: its report`;
      const r = spawnSync(BIN, ["ingest", "--data", tmp.dir, "--format", job.format, ...job.files.map((f) => resolve(DATA, f))], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
      assert(r.status === 0 || r.status === 3, `ingest ${job.files.join(" ")} exited ${r.status}: ${r.stderr.slice(-500)}`);
      if (job.report) assert(r.stderr.includes(job.report), `the ${job.format} job should report "${job.report}":\n${r.stderr.slice(-800)}`);
      else assert(!r.stderr.includes("same-actor"), `the first job has nothing to compare with:\n${r.stderr.slice(-500)}`);
    }
    server = await startServer({ dataDir: tmp.dir, demo: false });
    const api = await candidatesOverApi(server.base);
    const { page, waitIdle, shot, hook } = await openPage(browser, { errors, name: "same-actors", viewport: { width: 1440, height: 900 } });

    state.step = "the review lists sinbad.io and Tornado Cash";
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);
    await page.getByTestId("same-actors").click();
    const dialog = page.getByTestId("same-as-dialog");
    const row = (p) => dialog.locator(`[data-testid="same-as-candidate"][data-a="${p.a}"][data-b="${p.b}"]`);
    await row(SINBAD).waitFor();
    const rows = await dialog.getByTestId("same-as-candidate").count();
    assert(rows === api.length, `the review lists ${rows} candidates; the API has ${api.length}`);

    const sinbadMatch = row(SINBAD).getByTestId("same-as-match");
    assert((await sinbadMatch.count()) === 1, "sinbad.io ↔ SINBAD matches on one name");
    assert((await sinbadMatch.getAttribute("data-domain")) === "true" && (await sinbadMatch.getAttribute("data-folded")) === "sinbad", "sinbad.io matches SINBAD by the domain's name");
    const sinbadText = await sinbadMatch.innerText();
    assert(/domain/.test(sinbadText) && sinbadText.includes("SINBAD = sinbad.io"), `the evidence shows the rule and both spellings: ${sinbadText}`);
    const sinbadSets = await row(SINBAD).getByTestId("same-as-datasets").allInnerTexts();
    assert(/sdn-2024-05-03/.test(sinbadSets[0]) && /sinbad_io\.yaml/.test(sinbadSets[1]), `each side names its dataset: ${sinbadSets.join(" | ")}`);

    const tornadoMatch = row(TORNADO).getByTestId("same-as-match");
    assert((await tornadoMatch.getAttribute("data-folded")) === "tornado cash" && (await tornadoMatch.getAttribute("data-domain")) === "false", "Tornado Cash matches on the name");
    const tornadoText = await tornadoMatch.innerText();
    assert(tornadoText.includes("TORNADO CASH = tornado.cash"), `both spellings: ${tornadoText}`);
    const tornadoSets = await row(TORNADO).getByTestId("same-as-datasets").allInnerTexts();
    assert(/sdn-2024-05-03/.test(tornadoSets[0]) && /tornado_cash\.yaml/.test(tornadoSets[1]), `each side names its dataset: ${tornadoSets.join(" | ")}`);
    await row(SINBAD).scrollIntoViewIfNeeded();
    await shot("same-actors-01-sinbad-tornado");

    state.step = "confirm sinbad.io: who judged, and when";
    await dialog.getByTestId("same-as-reason").fill("OFAC lists https://sinbad.io as SINBAD's website");
    await row(SINBAD).getByTestId("same-as-confirm").click();
    await until("the confirmation shown", async () => (await row(SINBAD).getByTestId("same-as-judgement").count()) === 1);
    const judged = await row(SINBAD).getByTestId("same-as-judgement").innerText();
    assert(judged.startsWith(`Confirmed by ${JUDGE} on `) && /\d{4}|\d{1,2}:\d{2}/.test(judged) && judged.includes("sinbad.io as SINBAD"), `the judgement says who, when and why: ${judged}`);
    assert((await row(SINBAD).getByTestId("same-as-confirm").count()) === 0, "a confirmed pair offers no second confirmation");
    await row(SINBAD).scrollIntoViewIfNeeded();
    await shot("same-actors-02-sinbad-confirmed");

    state.step = "show the pair on the canvas";
    await row(SINBAD).getByTestId("same-as-show").click();
    await until("both on the canvas, with the judgement between them", () =>
      hook(([a, b]) => {
        const g = window.__redthread.graph;
        return g.hasNode(a) && g.hasNode(b) && g.edges(a, b).concat(g.edges(b, a)).some((e) => g.getEdgeAttribute(e, "data")?.kind === "SAME_AS");
      }, [SINBAD.a, SINBAD.b]));
    if (await dialog.isVisible()) await page.keyboard.press("Escape");
    await waitIdle();
    await shot("same-actors-03-sinbad-on-canvas");

    state.step = "a confirmation carries the designation across; a rejection takes it back";
    // The server's risk of a node on the canvas, as the badges show it.
    const judgedFlag = (id, twin) =>
      hook(([id, twin]) => {
        const risk = window.__redthread.graph.getNodeAttribute(id, "risk");
        return risk?.flags.find((f) => f.kind === "SANCTIONED" && f.reason.startsWith(`judged the same actor as ${twin}`))?.reason ?? null;
      }, [id, twin]);
    const sinbadFlag = await judgedFlag(SINBAD.b, "SINBAD");
    assert(sinbadFlag !== null && /designated on OFAC SDN: SINBAD/.test(sinbadFlag), `confirmed, sinbad.io is sanctioned through SINBAD: ${sinbadFlag}`);
    await page.getByTestId("same-actors").click();
    await row(TORNADO).getByTestId("same-as-show").click();
    await until("Tornado Cash on the canvas", () => hook((ids) => ids.every((id) => window.__redthread.graph.hasNode(id) && window.__redthread.graph.getNodeAttribute(id, "risk")), [TORNADO.a, TORNADO.b]));
    assert((await judgedFlag(TORNADO.b, "TORNADO CASH")) === null, "tornado.cash is not sanctioned through TORNADO CASH before a judgement");
    if (!(await dialog.isVisible())) await page.getByTestId("same-actors").click();
    await dialog.getByTestId("same-as-reason").fill("OFAC's entry names the tornado.cash site");
    await row(TORNADO).getByTestId("same-as-confirm").click();
    await until("tornado.cash badged through the confirmation", async () => (await judgedFlag(TORNADO.b, "TORNADO CASH")) !== null);
    assert(await hook((id) => window.__redthread.graph.getNodeAttribute(id, "badges")?.includes("sanctioned") ?? false, TORNADO.b), "tornado.cash's badge is sanctioned");
    if (await dialog.isVisible()) await page.keyboard.press("Escape");
    await waitIdle();
    await shot("same-actors-04-tornado-confirmed-sanctioned");
    await page.getByTestId("same-actors").click();
    await dialog.getByTestId("same-as-reason").fill("two projects after all (e2e)");
    await row(TORNADO).getByTestId("same-as-reject").click();
    await until("the rejection takes the flag back", async () => (await judgedFlag(TORNADO.b, "TORNADO CASH")) === null);
    if (await dialog.isVisible()) await page.keyboard.press("Escape");

    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
    log(`same actors: ${rows} candidates; sinbad.io ↔ SINBAD by domain, Tornado Cash by name; confirmed sinbad.io`);
  } catch (err) {
    if (server) console.error(serverTail(server));
    throw err;
  } finally {
    await browser.close();
    await stopServer(server);
    tmp.remove();
  }
}

run("sameas.e2e", main, state);
