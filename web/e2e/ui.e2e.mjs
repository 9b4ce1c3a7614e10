// Browser test of the first investigation steps: the real redthread binary
// with the demo case, the built UI it embeds, and Debian's Chromium driven
// by playwright-core (see lib.mjs).
//
//   npm run e2e          (after `make build`, or with REDTHREAD_BIN=/path/to/redthread)
//
// Environment: REDTHREAD_BIN (default ../bin/redthread), CHROMIUM (default
// /usr/bin/chromium), E2E_TIMEOUT_MS (per-step deadline, default 20000).
// Screenshots of each step go to web/screenshots/. Exits non-zero with a
// message naming the failed step.
import { join } from "node:path";
import {
  assert,
  checkPrerequisites,
  E2EError,
  launchBrowser,
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

async function main() {
  checkPrerequisites();
  const data = tempDir("redthread-e2e-");
  let server;
  let browser;
  let page;
  const pageErrors = [];
  try {
    state.step = "server health";
    server = await startServer({ dataDir: data.dir });
    const base = server.base;
    state.step = "browser";
    browser = await launchBrowser();
    // The aborted request of the "error and retry" step is logged on purpose.
    const p1 = await openPage(browser, { errors: pageErrors, quiet: () => state.step === "error and retry" });
    page = p1.page;
    const { hook, order, waitIdle, nodePoint, shot } = p1;

    state.step = "load";
    await page.goto(`${base}/?e2e`);
    await page.waitForFunction(() => window.__redthread !== undefined);
    await until("graph stats in the header", async () => /Graph [\d,]+ nodes/.test(await page.getByTestId("stats").innerText()));
    const stats = await page.getByTestId("stats").innerText();
    log(`header: ${stats.replace(/\s+/g, " ")}`);
    assert((await order()) === 0, "canvas should start empty");
    await shot("01-start");

    state.step = "search Lazarus";
    await page.getByTestId("search-input").fill("Lazarus");
    const lazHit = page.getByTestId("search-result").filter({ hasText: "Lazarus Group" }).first();
    await lazHit.waitFor();
    const lazId = await lazHit.getAttribute("data-node-id");
    assert(lazId, "search result has no data-node-id");
    assert((await lazHit.innerText()).toLowerCase().includes("threat group"), `Lazarus result should show its kind: ${await lazHit.innerText()}`);
    await shot("02-search-lazarus");
    await lazHit.click();
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), lazId);
    const details = page.getByTestId("details-panel");
    await until("details to show Lazarus Group", async () => (await details.getByTestId("details-label").innerText()) === "Lazarus Group");
    assert((await details.getByTestId("details-id").innerText()) === lazId, "details panel shows another ID");
    const nSources = await details.getByTestId("source").count();
    assert(nSources >= 1, "Lazarus Group should have at least one source in the details panel");
    log(`Lazarus Group (${lazId}) on canvas with ${nSources} source(s)`);
    await waitIdle();
    await shot("03-lazarus-selected");

    state.step = "expand Lazarus by double-click";
    const before = await order();
    const p = await nodePoint(lazId);
    await page.mouse.dblclick(p.x, p.y);
    await until("the node count to grow after the double-click", async () => (await order()) > before);
    await waitIdle();
    const afterExpand = await order();
    log(`expanded: ${before} → ${afterExpand} nodes`);
    await shot("04-lazarus-expanded");

    state.step = "error and retry";
    // A failed request shows the error with its code and a retry that works.
    await page.route("**/graphql", (route) => {
      const body = route.request().postData() ?? "";
      if (body.includes("query Neighbors")) return route.abort("connectionrefused");
      return route.continue();
    });
    await details.getByTestId("details-expand").click();
    await page.getByTestId("expand-confirm").click();
    const err = page.getByTestId("error-notice");
    await err.waitFor();
    assert((await err.getByTestId("error-code").innerText()) === "NETWORK", `error notice should carry the code NETWORK: ${await err.innerText()}`);
    await shot("05-error");
    await page.unroute("**/graphql");
    await err.getByTestId("retry").click();
    await err.waitFor({ state: "detached" });
    await waitIdle();
    assert((await page.getByTestId("error-notice").count()) === 0, "an error is still shown after a successful retry");

    state.step = "a server error names its request";
    // An error the real server answers shows its code and the request's ID,
    // the one in X-Request-Id that the server's logs carry.
    await page.route("**/graphql", (route) => {
      const body = route.request().postData() ?? "";
      if (!body.includes("query Neighbors")) return route.continue();
      const req = JSON.parse(body);
      req.variables.id = "not an id";
      return route.continue({ postData: JSON.stringify(req) });
    });
    const answered = page.waitForResponse((r) => r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes("query Neighbors"));
    await details.getByTestId("details-expand").click();
    await page.getByTestId("expand-confirm").click();
    const headerId = (await answered).headers()["x-request-id"] ?? "";
    const srvErr = page.getByTestId("error-notice");
    await srvErr.waitFor();
    const shownId = await srvErr.getByTestId("error-request-id").innerText();
    assert(headerId !== "" && shownId === headerId, `the error notice shows request ${shownId}, the server answered X-Request-Id ${headerId}`);
    assert((await srvErr.getByTestId("error-code").innerText()) !== "NETWORK", `a server error is not a network failure: ${await srvErr.innerText()}`);
    await shot("05b-server-error");
    await page.unroute("**/graphql");
    await srvErr.getByRole("button", { name: "Dismiss message" }).click();
    await srvErr.waitFor({ state: "detached" });

    state.step = "search the Russian exchange";
    await page.getByTestId("search-input").fill("Russian");
    const exHit = page.getByTestId("search-result").filter({ hasText: /Russian/i }).filter({ hasText: /service/i }).first();
    await exHit.waitFor();
    const exId = await exHit.getAttribute("data-node-id");
    const exLabel = (await exHit.locator(".hit-label").innerText()).trim();
    // Pick it with the keyboard: arrow down to it, then Enter.
    const ids = await page.getByTestId("search-result").evaluateAll((els) => els.map((e) => e.getAttribute("data-node-id")));
    const input = page.getByTestId("search-input");
    for (let i = 0; i < ids.indexOf(exId); i++) await input.press("ArrowDown");
    assert((await page.locator('[data-testid="search-result"][aria-selected="true"]').getAttribute("data-node-id")) === exId, "arrow keys should move to the exchange");
    await input.press("Enter");
    await page.waitForFunction((id) => window.__redthread.graph.hasNode(id), exId);
    await until("details to show the exchange", async () => (await details.getByTestId("details-id").innerText()) === exId);
    log(`exchange: ${exLabel} (${exId})`);
    await details.getByTestId("details-path-to").click();
    await until("the path's end to be set", async () => (await page.getByTestId("path-to").innerText()) === exLabel);

    state.step = "pick Lazarus on the canvas as the path start";
    await waitIdle();
    const q = await nodePoint(lazId);
    await page.mouse.click(q.x, q.y);
    await until("a click on the canvas to select Lazarus", async () => (await details.getByTestId("details-id").innerText()) === lazId);
    await details.getByTestId("details-path-from").click();
    await until("the path's start to be set", async () => (await page.getByTestId("path-from").innerText()) === "Lazarus Group");
    assert((await page.getByTestId("path-direction").inputValue()) === "BOTH", "path direction should default to BOTH");
    await shot("06-path-ends");

    state.step = "no path within too few hops";
    const panel = page.getByTestId("path-panel");
    await panel.getByTestId("path-max-hops").fill("3");
    await panel.getByTestId("path-max-hops").press("Tab");
    await page.getByTestId("path-find").click();
    await until("the no-path message", async () => /^No path .* within 3 hops/.test(await panel.getByTestId("path-summary").innerText()));
    assert((await panel.getByTestId("path-hop").count()) === 0, "no hops should be listed when there is no path");

    state.step = "find the path";
    await panel.getByTestId("path-max-hops").fill("12");
    await panel.getByTestId("path-max-hops").press("Tab");
    await page.getByTestId("path-find").click();
    await until("the path's hops", async () => (await panel.getByTestId("path-hop").count()) > 0);
    const summary = await panel.getByTestId("path-summary").innerText();
    const hops = panel.getByTestId("path-hop");
    const nHops = await hops.count();
    assert(nHops >= 3, `expected several hops from Lazarus Group to the exchange, got ${nHops}: ${summary}`);
    assert((await panel.getByTestId("path-start").getAttribute("data-testid")) === "path-start", "no start row");
    assert((await hops.first().getAttribute("data-from")) === lazId, "the path should start at Lazarus Group");
    assert((await hops.last().getAttribute("data-to")) === exId, "the path should end at the exchange");
    const hopText = (await hops.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());
    log(`path: ${summary}\n  ${hopText.join("\n  ")}`);
    const hl = await hook(() => {
      const g = window.__redthread.graph;
      return { on: g.filterNodes((_n, a) => a.onPath).length, dim: g.filterNodes((_n, a) => a.dimmed).length, order: g.order };
    });
    assert(hl.on === nHops + 1, `expected ${nHops + 1} highlighted nodes, got ${hl.on}`);
    assert(hl.dim === hl.order - hl.on, "every node off the path should be dimmed");
    await waitIdle();
    await shot("07-path");

    state.step = "clear the highlight";
    await panel.getByTestId("path-clear-highlight").click();
    const dimAfter = await hook(() => window.__redthread.graph.filterNodes((_n, a) => a.dimmed || a.onPath).length);
    assert(dimAfter === 0, `${dimAfter} nodes still highlighted or dimmed after "Clear highlight"`);
    assert(await panel.getByTestId("path-hop").count() === nHops, "the hop list should stay after clearing the highlight");
    await shot("08-cleared");

    state.step = "reopen the view from its link";
    const link = page.url();
    assert(link.includes("#v="), `the URL should carry the view (nodes, positions, the path search): ${link}`);
    const { page: page2 } = await openPage(browser, { errors: pageErrors, name: "second page" });
    await page2.goto(link);
    const panel2 = page2.getByTestId("path-panel");
    await panel2.getByTestId("path-summary").waitFor();
    const n2 = await panel2.getByTestId("path-hop").count();
    assert(n2 === nHops, `the reopened link should show the same ${nHops}-hop path, shows ${n2}`);
    assert((await panel2.getByTestId("path-hop").last().getAttribute("data-to")) === exId, "the reopened path should end at the exchange");
    await page2.waitForFunction(() => window.__redthread?.isIdle());
    await page2.screenshot({ path: join(SHOTS, "09-reopened-link.png") });
    log("screenshot screenshots/09-reopened-link.png");
    await page2.close();

    state.step = "page errors";
    assert(pageErrors.length === 0, `the page reported errors:\n${pageErrors.join("\n")}`);
  } catch (err) {
    if (page) {
      await page.screenshot({ path: join(SHOTS, "failure.png") }).catch(() => {});
      log("screenshot screenshots/failure.png");
    }
    if (pageErrors.length) console.error(`[e2e] page errors:\n${pageErrors.join("\n")}`);
    if (server && !(err instanceof E2EError && state.step !== "server health")) console.error(`[e2e] server output (last lines):\n${serverTail(server)}`);
    throw err;
  } finally {
    await browser?.close().catch(() => {});
    await stopServer(server);
    data.remove();
  }
}

run("first steps", main, state);
