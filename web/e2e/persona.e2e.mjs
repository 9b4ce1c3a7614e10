// Browser test of persona evidence (issue 16, task D), against the real
// binary on the combined dataset of the task tests (lib.mjs combinedData:
// the demo case, every real public file of ../shared/data and a generated S
// scenario, loaded by the binary's own commands): the demo's four IT-worker personas collapse into one
// group whose details list every link with its score and the identifiers the
// personas share (with their weights); the shared identifiers are on the
// canvas and highlighted; opening the group shows each member with its
// edges; a Reject, with who judged and why, records a judgement that takes
// the link out of the next answer (in the panel and over the API). Every
// step saves a screenshot in web/screenshots/. Then, on the same data, the
// review of same-actor candidates across sources (MITRE ATT&CK ↔ OFAC SDN).
//
//   node e2e/persona.e2e.mjs    (after `make build`; environment as in lib.mjs)
import { assert, AUTH, E2E_USER, checkPrerequisites, combinedData, launchBrowser, log, openPage, run, serverTail, startServer, stopServer, until } from "./lib.mjs";

const state = { step: "setup" };
const PERSONA = (x) => `person:illustrative-it-worker-persona-${x}`;
const [A, B, C, D] = ["a", "b", "c", "d"].map(PERSONA);
const EMAIL = "identifier:email:appdev.studio@example.com";
const PAYOUT_A = "wallet:eth:0xc0f0b99e4c604c6970d1a7f9de4ad50fc43b6d19";
// Who judges is the signed-in user (the server records it; the client cannot say).
const JUDGE = E2E_USER.email;

/** Asks the server itself for the persona cluster of A: the answer the UI's next request gets. */
async function clusterOverApi(base) {
  const res = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { ...AUTH, "content-type": "application/json" },
    body: JSON.stringify({ query: `query { personaCluster(id: "${A}") { members { id } links { a b score } rejected { a b judgement { decision by reason } } } }` }),
  });
  const body = await res.json();
  assert(!body.errors, `personaCluster failed: ${JSON.stringify(body.errors)}`);
  return body.data.personaCluster;
}

const MITRE_LAZARUS = "threat_group:lazarus-group";
const OFAC_LAZARUS = "organization:ofac-sdn-27307";

/**
 * Same actor across sources, on MITRE ATT&CK and the OFAC SDN list as the
 * combined data holds them: the review lists MITRE's Lazarus Group ↔ OFAC's
 * LAZARUS GROUP with the names they share; a rejected pair leaves the list,
 * a confirmed one shows its judgement.
 */
async function sameActors(browser, errors, server) {
  const { page, waitIdle, shot } = await openPage(browser, { errors, name: "same-actors", viewport: { width: 1440, height: 900 } });
  state.step = "same actors: the review lists Lazarus Group";
  await page.goto(`${server.base}/?e2e`);
  await page.waitForFunction(() => window.__redthread !== undefined);
  await page.getByTestId("same-actors").click();
  const dialog = page.getByTestId("same-as-dialog");
  const lazarus = dialog.locator(`[data-testid="same-as-candidate"][data-a="${OFAC_LAZARUS}"][data-b="${MITRE_LAZARUS}"]`);
  await lazarus.waitFor();
  const folded = await lazarus.getByTestId("same-as-match").evaluateAll((els) => els.map((e) => e.getAttribute("data-folded")));
  for (const want of ["lazarus group", "hidden cobra", "guardians of peace"]) assert(folded.includes(want), `Lazarus Group's evidence should include ${want}: ${folded.join(", ")}`);
  const datasets = await lazarus.getByTestId("same-as-datasets").allInnerTexts();
  assert(/sdn-2024-05-03/.test(datasets[0]) && /enterprise-attack/.test(datasets[1]), `each side should name its dataset: ${datasets.join(" | ")}`);
  const total = await dialog.getByTestId("same-as-candidate").count();
  // On the combined data the list is long: Lazarus Group in view.
  await lazarus.scrollIntoViewIfNeeded();
  await shot("persona-04-same-actors");

  state.step = "same actors: reject one, confirm Lazarus";
  const other = dialog.getByTestId("same-as-candidate").filter({ hasNotText: "LAZARUS" }).first();
  const [oa, ob] = [await other.getAttribute("data-a"), await other.getAttribute("data-b")];
  await dialog.getByTestId("same-as-reason").fill("checked by the e2e test");
  await other.getByTestId("same-as-reject").click();
  await until("the rejected pair to leave the list", async () => (await dialog.locator(`[data-testid="same-as-candidate"][data-a="${oa}"][data-b="${ob}"]`).count()) === 0);
  assert((await dialog.getByTestId("same-as-candidate").count()) === total - 1, "one candidate fewer after a rejection");
  await lazarus.getByTestId("same-as-confirm").click();
  await until("the confirmation shown", async () => /Confirmed by/.test(await lazarus.innerText()));
  assert((await lazarus.getByTestId("same-as-judgement").innerText()).includes(JUDGE), "the confirmation names who judged");
  await waitIdle();
  await lazarus.scrollIntoViewIfNeeded();
  await shot("persona-05-same-actors-judged");
  log(`same actors: ${total} candidates; rejected ${oa} ↔ ${ob}; confirmed Lazarus Group`);
}

async function main() {
  checkPrerequisites();
  const errors = [];
  let data;
  let server;
  let ui;
  const browser = await launchBrowser();
  try {
    data = await combinedData("persona");
    server = await startServer({ dataDir: data.data, demo: false });
    ui = await openPage(browser, { errors, viewport: { width: 1440, height: 900 } });
    const { page, hook, waitIdle, shot } = ui;
    state.step = "load";
    await page.goto(`${server.base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);
    const details = page.getByTestId("details-panel");

    state.step = "collapse the persona cluster";
    await page.getByTestId("search-input").fill("persona A");
    const hit = page.getByTestId("search-result").filter({ hasText: /persona A/i }).first();
    await hit.click();
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), A);
    await details.getByTestId("details-persona-cluster").click();
    const group = await until("a persona group", () =>
      hook(() => window.__redthread.graph.findNode((_n, a) => a.group?.origin === "persona" && a.group.collapsed) ?? null),
    );
    const members = await hook((g) => window.__redthread.graph.getNodeAttribute(g, "group").members, group);
    assert([A, B, C, D].every((m) => members.includes(m)), `the four personas should be the group's members: ${members.join(", ")}`);

    state.step = "every link with its evidence";
    const links = details.getByTestId("persona-link");
    await until("the links listed", async () => (await links.count()) >= 4);
    const api = await clusterOverApi(server.base);
    assert((await links.count()) === api.links.length, `the panel lists ${await links.count()} links; the server has ${api.links.length}`);
    for (let i = 0; i < (await links.count()); i++) {
      const row = links.nth(i);
      const text = await row.innerText();
      const score = await row.getByTestId("persona-link-score").innerText();
      assert(/score \d\.\d\d/.test(score), `link ${i} should show its score: ${score}`);
      assert((await row.getByTestId("persona-evidence").count()) >= 1, `link ${i} should list its evidence: ${text}`);
      assert(/weight \d\.\d\d/.test(text), `link ${i} should show each evidence's weight: ${text}`);
    }
    // Scores as the server gives them, per pair.
    for (const l of api.links) {
      const row = details.locator(`[data-testid="persona-link"][data-a="${l.a}"][data-b="${l.b}"]`);
      const score = await row.getByTestId("persona-link-score").innerText();
      assert(score === `score ${l.score.toFixed(2)}`, `${l.a}–${l.b}: panel "${score}", server ${l.score}`);
    }
    // A and B share an e-mail (0.9); A and D a payout wallet (0.85).
    const ab = details.locator(`[data-testid="persona-link"][data-a="${A}"][data-b="${B}"]`);
    const abEmail = ab.locator(`[data-testid="persona-evidence"][data-identifier="${EMAIL}"]`);
    assert(/e-mail/.test(await abEmail.innerText()) && /weight 0\.90/.test(await abEmail.innerText()), `A–B should show the shared e-mail at 0.90: ${await abEmail.innerText()}`);
    const ad = details.locator(`[data-testid="persona-link"][data-a="${A}"][data-b="${D}"]`);
    const adWallet = ad.locator(`[data-testid="persona-evidence"][data-identifier="${PAYOUT_A}"]`);
    assert(/payout wallet/.test(await adWallet.innerText()) && /weight 0\.85/.test(await adWallet.innerText()), `A–D should show the payout wallet at 0.85: ${await adWallet.innerText()}`);

    state.step = "shared identifiers on the canvas, highlighted";
    const lit = await hook(({ email, wallet }) => {
      const g = window.__redthread.graph;
      return [email, wallet].map((id) => g.hasNode(id) && g.getNodeAttribute(id, "onPath") === true);
    }, { email: EMAIL, wallet: PAYOUT_A });
    assert(lit.every(Boolean), `the shared e-mail and payout wallet should be on the canvas and highlighted: ${lit}`);
    await waitIdle();
    await links.first().scrollIntoViewIfNeeded();
    await shot("persona-01-evidence");

    state.step = "open the group: members come with their edges";
    await details.getByTestId("details-group-toggle").click();
    const degrees = await hook((ms) => ms.map((m) => window.__redthread.graph.degree(m)), [A, B, C, D]);
    assert(degrees.every((d) => d > 0), `every member should be placed with its edges: degrees ${degrees.join(", ")}`);
    await waitIdle();
    await shot("persona-02-group-open");
    await hook((g) => window.__redthread.app.toggleGroup(g), group);
    await hook((g) => window.__redthread.app.select({ type: "node", id: g }), group);

    state.step = "reject a link, with why (who is the signed-in user)";
    await ab.waitFor();
    await ab.getByTestId("persona-reject").click();
    // Who judges is the signed-in user; the reason is asked for.
    assert(/Give a reason/.test(await details.innerText()), "a judgement without a reason should ask for it");
    await details.getByTestId("persona-reason").fill("shared studio inbox, different people (e2e)");
    await ab.getByTestId("persona-reject").click();
    await until("the rejected link listed apart", async () => (await details.getByTestId("persona-rejected-link").count()) === 1);
    const rejected = details.getByTestId("persona-rejected-link").first();
    assert((await rejected.getAttribute("data-a")) === A && (await rejected.getAttribute("data-b")) === B, "the rejected link should be A–B");
    const judgement = await rejected.getByTestId("persona-judgement").innerText();
    assert(judgement.includes(`Rejected by ${JUDGE}`) && judgement.includes("shared studio inbox"), `the judgement should say who and why: ${judgement}`);
    assert((await details.locator(`[data-testid="persona-link"][data-a="${A}"][data-b="${B}"]`).count()) === 0, "A–B should be gone from the links");
    const after = await clusterOverApi(server.base);
    assert(!after.links.some((l) => l.a === A && l.b === B), "the next answer over the API should not follow A–B");
    assert(after.rejected.some((l) => l.a === A && l.b === B && l.judgement.decision === "DIFFERENT" && l.judgement.by === JUDGE), "the next answer should list A–B as rejected by the judge");
    assert(after.links.length === api.links.length - 1, `one link fewer: ${after.links.length} after, ${api.links.length} before`);
    await waitIdle();
    await rejected.scrollIntoViewIfNeeded();
    await shot("persona-03-rejected");
    log(`rejected A–B; links now ${after.links.map((l) => `${l.a.slice(-1)}–${l.b.slice(-1)} ${l.score}`).join(", ")}`);

    await sameActors(browser, errors, server);
    assert(errors.length === 0, `page errors: ${errors.join("; ")}`);
  } catch (err) {
    await ui?.shot("persona-failed").catch(() => undefined);
    if (server) console.error(serverTail(server));
    throw err;
  } finally {
    await browser.close();
    await stopServer(server);
    data?.remove();
  }
}

run("persona.e2e", main, state);
