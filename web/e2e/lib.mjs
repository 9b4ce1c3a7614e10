// Shared pieces of the browser tests: the real redthread binary on a free
// port, Debian's Chromium driven by playwright-core, polling, screenshots,
// and data loaded through the binary's own commands (the combined dataset
// of the task tests, built once per binary and copied per test).
import { spawn, execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = resolve(webDir, process.env.REDTHREAD_BIN ?? "../bin/redthread");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const STEP_MS = Number(process.env.E2E_TIMEOUT_MS ?? 20000);
export const SHOTS = join(webDir, "screenshots");
/** The real public data (../shared/data/SOURCES.md). */
export const SHARED_DATA = resolve(webDir, process.env.SHARED_DATA ?? "../../shared/data");

/** Chromium's flags here: headless, no sandbox (root in CI), WebGL on SwiftShader (no GPU). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--enable-unsafe-swiftshader",
  "--use-angle=swiftshader",
];

/**
 * Credentials. Every server the tests start has this REDTHREAD_ADMIN_TOKEN
 * (the tests' own API calls send AUTH), and an analyst of agency local the
 * browser pages are signed in as (openPage puts a session cookie, made over
 * POST /auth/signin, into the page's context before it opens).
 */
export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";
export const AUTH = Object.freeze({ authorization: `Bearer ${ADMIN_TOKEN}` });
export const E2E_USER = Object.freeze({ email: "e2e-analyst@local.test", password: "e2e-password-0123456789" });
export const SESSION_COOKIE = "redthread_session";

export class E2EError extends Error {}

export function assert(cond, msg) {
  if (!cond) throw new E2EError(msg);
}

export const log = (msg) => console.log(`[e2e] ${msg}`);

export async function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** Polls fn until it returns a truthy value or the deadline passes. */
export async function until(what, fn, ms = STEP_MS, everyMs = 100) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err instanceof E2EError) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new E2EError(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function checkPrerequisites() {
  assert(existsSync(BIN), `no binary at ${BIN}: run \`make build\` (or set REDTHREAD_BIN)`);
  assert(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * `redthread ingest` of files in format, as one job. Exit 3 (finished, some
 * records rejected) is a load: the real files hold addresses that fail their
 * checksums, truncated remarks and lists of chains Redthread cannot check.
 * Returns the job's summary line.
 */
export function ingest(dataDir, format, files) {
  const r = spawnSync(BIN, ["ingest", "--data", dataDir, "--format", format, ...files], { encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.status !== 0 && r.status !== 3) {
    throw new E2EError(`ingest --format ${format} ${files.join(" ")} exited ${r.status ?? r.signal}: ${(r.stderr ?? r.error?.message ?? "").slice(-2000)}`);
  }
  const lines = (r.stderr ?? "").trim().split("\n");
  return lines.findLast((l) => / records in /.test(l)) ?? lines.at(-1);
}

/**
 * Generates the scenario's S scale (10k wallets, 50k transfers, seed 1)
 * with `redthread generate` and loads every file with `redthread ingest`
 * in the format generate names for it; the price table (format prices)
 * only when asked, since it changes what flows say in USD.
 */
export function loadGenerated(dataDir, genDir, { prices = false } = {}) {
  const out = execFileSync(BIN, ["generate", "--scale", "S", "--seed", "1", "--out", genDir], { encoding: "utf8" });
  for (const line of out.split("\n")) {
    const m = /^(\S+)\s+(\S+)\s+[\d,]+ bytes/.exec(line);
    if (!m || m[2] === "-" || (m[2] === "prices" && !prices)) continue;
    ingest(dataDir, m[2], [join(genDir, m[1])]);
  }
}

/**
 * Every file of the real public data a reader exists for, by the format that
 * reads it, as a user would load ../shared/data: OFAC's SDN CSV, its derived
 * files and every address list (ofac-csv), the FtM export (ftm), MITRE
 * ATT&CK (stix), the ActorPack with every TagPack (tagpack, read together)
 * and the thefts table (incidents).
 */
export function realDataJobs(dir = SHARED_DATA) {
  const files = (sub, ...exts) => {
    const at = join(dir, sub);
    assert(existsSync(at), `no ${at}: the real public data is missing (set SHARED_DATA)`);
    return readdirSync(at).filter((f) => exts.some((e) => f.endsWith(e))).sort().map((f) => join(at, f));
  };
  return [
    ["ofac-csv", [...files("ofac", ".csv", ".json"), ...files("ofac/addresses-by-currency", ".txt", ".json")]],
    ["ftm", files("ofac", ".jsonl")],
    ["stix", files("mitre-attack", ".json")],
    ["tagpack", [...files("graphsense-tagpacks/actors", ".yaml"), ...files("graphsense-tagpacks/packs", ".yaml")]],
    ["incidents", files("incidents", ".csv")],
  ];
}

// The combined dataset is built once per binary, real data and fixture
// version, kept under the repository's gitignored tmp/ (or E2E_FIXTURE_DIR),
// and copied for each test, which may then write to its copy.
const FIXTURE_VERSION = 2; // 2: the generated price table is left out (flowassets loads it for its USD half)
const FIXTURE_ROOT = resolve(webDir, process.env.E2E_FIXTURE_DIR ?? "../tmp/e2e-fixture");

function fixtureKey() {
  const h = createHash("sha256").update(`combined v${FIXTURE_VERSION}\0`).update(readFileSync(BIN));
  for (const [format, files] of realDataJobs()) {
    for (const f of files) h.update(`${format}\0${f.slice(SHARED_DATA.length)}\0`).update(readFileSync(f));
  }
  return h.digest("hex").slice(0, 16);
}

async function graphStats(base) {
  const res = await fetch(`${base}/graphql`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ query: "{ stats { nodes edges } }" }) });
  const body = await res.json();
  assert(!body.errors, `stats: ${JSON.stringify(body.errors)}`);
  return body.data.stats;
}

/** Loads the demo, the real data and the S scenario into dir/data (the scenario's files in dir/gen); says what each step took. */
async function buildCombined(dir) {
  const data = join(dir, "data");
  const steps = [];
  const timed = async (what, fn) => {
    const t = Date.now();
    const said = await fn();
    steps.push({ what, ms: Date.now() - t });
    log(`combined dataset: ${what} in ${((Date.now() - t) / 1000).toFixed(1)} s${said ? `: ${said}` : ""}`);
  };
  // `serve --demo` writes the demo case into an empty store only: it goes first.
  await timed("demo (serve --demo)", async () => stopServer(await startServer({ dataDir: data })));
  for (const [format, files] of realDataJobs()) {
    await timed(`ingest ${format} (${files.length} real file${files.length > 1 ? "s" : ""})`, () => ingest(data, format, files));
  }
  await timed("generate S seed 1 and ingest every file", () => loadGenerated(data, join(dir, "gen")));
  const server = await startServer({ dataDir: data, demo: false });
  try {
    return { steps, ...(await graphStats(server.base)) };
  } finally {
    await stopServer(server);
  }
}

/** Removes other keys' datasets, and builds left by runs that died over an hour ago. */
function pruneFixtures(keep) {
  for (const name of readdirSync(FIXTURE_ROOT)) {
    const p = join(FIXTURE_ROOT, name);
    if (name === keep || (name.includes(".partial-") && Date.now() - statSync(p).mtimeMs < 3600e3)) continue;
    rmSync(p, { recursive: true, force: true });
  }
}

/**
 * The task tests' dataset, made as a user would with the real binary: the
 * demo case (as `serve --demo` loads it), every real file of ../shared/data
 * and `redthread generate --scale S --seed 1` with every generated file, all
 * through `redthread ingest` (about 68 k nodes, 135 k edges). Built once and
 * cached; each call gets its own copy of the store (`data`), removed by
 * `remove()`. `gen` holds the generated files (truth.json): read only, shared.
 */
export async function combinedData(name) {
  const key = fixtureKey();
  const cached = join(FIXTURE_ROOT, key);
  let built = false;
  if (!existsSync(join(cached, "fixture.json"))) {
    mkdirSync(FIXTURE_ROOT, { recursive: true });
    const partial = mkdtempSync(join(FIXTURE_ROOT, `${key}.partial-`));
    try {
      const t = Date.now();
      const meta = await buildCombined(partial);
      writeFileSync(join(partial, "fixture.json"), JSON.stringify({ key, version: FIXTURE_VERSION, builtMs: Date.now() - t, ...meta }, null, 2));
      renameSync(partial, cached);
      built = true;
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      // Another run finished the same dataset first: use it.
      if (!existsSync(join(cached, "fixture.json"))) throw err;
    }
    pruneFixtures(key);
  }
  const meta = JSON.parse(readFileSync(join(cached, "fixture.json"), "utf8"));
  const own = tempDir(`redthread-${name}-`);
  const data = join(own.dir, "data");
  const t = Date.now();
  cpSync(join(cached, "data"), data, { recursive: true });
  log(
    `combined dataset ${key}: ${meta.nodes.toLocaleString("en-US")} nodes, ${meta.edges.toLocaleString("en-US")} edges; ` +
      `${built ? "built" : "cached, built"} in ${(meta.builtMs / 1000).toFixed(1)} s; copied for ${name} in ${Date.now() - t} ms`,
  );
  return { data, gen: join(cached, "gen"), stats: { nodes: meta.nodes, edges: meta.edges }, remove: own.remove };
}

/**
 * Adds the tests' analyst (E2E_USER) to agency local in dataDir's store
 * with `redthread agency add` and `user add`, as an administrator would;
 * an agency or user already there is kept.
 */
function ensureUser(dataDir) {
  const run = (args, input) => spawnSync(BIN, [...args, "--data", dataDir], { encoding: "utf8", input });
  const conflict = (r) => r.status === 1 && /CONFLICT/.test(r.stderr);
  const agency = run(["agency", "add", "--name", "Local", "local"]);
  if (agency.status !== 0 && !conflict(agency)) throw new E2EError(`agency add local: ${agency.stderr}`);
  const user = run(["user", "add", "--agency", "local", "--role", "analyst", E2E_USER.email], `${E2E_USER.password}\n`);
  if (user.status !== 0 && !conflict(user)) throw new E2EError(`user add: ${user.stderr}`);
}

/** Signs in over the API as user; returns the session cookie's value and the session (its CSRF token). */
export async function signIn(base, user = E2E_USER) {
  const res = await fetch(`${base}/auth/signin`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(user) });
  const body = await res.json();
  assert(res.ok, `sign-in as ${user.email}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  assert(cookie, `sign-in set no ${SESSION_COOKIE} cookie`);
  return { cookie: cookie.slice(SESSION_COOKIE.length + 1), session: body };
}

/** The server started last: openPage signs its pages in to it unless told another. */
let current;

/** Starts `redthread serve` on a free port; resolves once /healthz answers and the tests' analyst has signed in. */
export async function startServer({ dataDir, demo = true, extraArgs = [] }) {
  mkdirSync(dataDir, { recursive: true });
  ensureUser(dataDir);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ["serve", "--addr", `127.0.0.1:${port}`, "--data", dataDir, ...(demo ? ["--demo"] : []), ...extraArgs];
  log(`starting ${BIN} ${args.join(" ")}`);
  const proc = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, REDTHREAD_ADMIN_TOKEN: ADMIN_TOKEN } });
  const output = [];
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 400) output.shift();
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  const exited = new Promise((r) => proc.on("exit", (code, signal) => r({ code, signal })));
  proc.on("error", (err) => output.push(`spawn error: ${err.message}\n`));
  // Interrupted (Ctrl-C, a CI timeout): take the server down too.
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => {
      proc.kill("SIGKILL");
      process.exit(130);
    });
  }
  const server = { proc, output, exited, base };
  await until(
    "GET /healthz to answer 200",
    async () => {
      if (proc.exitCode !== null) throw new E2EError(`server exited with ${proc.exitCode}:\n${output.join("")}`);
      const res = await fetch(`${base}/healthz`).catch(() => null);
      return res?.ok;
    },
    60000,
  );
  const html = await (await fetch(`${base}/`, { headers: AUTH })).text();
  assert(html.includes('data-testid="graph-canvas"'), `GET / does not serve the built UI (run \`make build\`): ${html.slice(0, 200)}`);
  server.session = await signIn(base);
  current = server;
  return server;
}

export async function stopServer(server) {
  if (!server || server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  server.proc.kill("SIGTERM");
  const timer = setTimeout(() => server.proc.kill("SIGKILL"), 5000);
  await server.exited;
  clearTimeout(timer);
}

export function serverTail(server) {
  return server.output.join("").split("\n").slice(-40).join("\n");
}

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A page at 1280×800 that records page errors (and console errors unless
 * `quiet()` says they are expected), with helpers over the `?e2e` test hook
 * (`window.__redthread`: the WebGL drawing cannot be read from the DOM).
 */
export async function openPage(browser, { errors, quiet = () => false, name = "page", acceptDownloads = false, viewport = { width: 1280, height: 800 }, server = current, signedIn = true }) {
  const context = await browser.newContext({ viewport, acceptDownloads });
  if (signedIn) {
    assert(server?.session, "openPage: no signed-in server (startServer first)");
    await context.addCookies([{ name: SESSION_COOKIE, value: server.session.cookie, url: server.base, httpOnly: true, sameSite: "Strict" }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on("pageerror", (err) => errors.push(`${name}: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !quiet()) errors.push(`${name} console: ${msg.text()}`);
  });
  const hook = (fn, arg) => page.evaluate(fn, arg);
  return {
    page,
    context,
    hook,
    shot: async (file) => {
      await page.screenshot({ path: join(SHOTS, `${file}.png`) });
      log(`screenshot screenshots/${file}.png`);
    },
    order: () => hook(() => window.__redthread.graph.order),
    waitIdle: () => page.waitForFunction(() => window.__redthread?.isIdle()),
    /** Where a node is drawn, in page coordinates. */
    nodePoint: async (id) => {
      const box = await page.getByTestId("graph-canvas").boundingBox();
      const p = await hook((nid) => {
        const { graph, sigma } = window.__redthread;
        const a = graph.getNodeAttributes(nid);
        return sigma.graphToViewport({ x: a.x, y: a.y });
      }, id);
      return { x: box.x + p.x, y: box.y + p.y };
    },
  };
}

/** Runs a test's main function: prints the verdict, names the failed step, exits non-zero on failure. */
export function run(name, main, state) {
  main().then(
    () => {
      console.log(`[e2e] ${name}: passed`);
    },
    (err) => {
      console.error(`[e2e] ${name}: FAILED at step "${state.step}": ${err instanceof Error ? err.message : String(err)}`);
      if (!(err instanceof E2EError) && err instanceof Error && err.stack) console.error(err.stack);
      process.exitCode = 1;
    },
  );
}
