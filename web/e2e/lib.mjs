// Shared pieces of the browser tests: the real redthread binary on a free
// port, Debian's Chromium driven by playwright-core, polling, screenshots,
// and generated data loaded through the binary's own ingest command.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
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
    execFileSync(BIN, ["ingest", "--data", dataDir, "--format", m[2], join(genDir, m[1])], { stdio: ["ignore", "ignore", "pipe"] });
  }
}

/** Starts `redthread serve` on a free port; resolves once /healthz answers. */
export async function startServer({ dataDir, demo = true, extraArgs = [] }) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ["serve", "--addr", `127.0.0.1:${port}`, "--data", dataDir, ...(demo ? ["--demo"] : []), ...extraArgs];
  log(`starting ${BIN} ${args.join(" ")}`);
  const proc = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
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
  const html = await (await fetch(`${base}/`)).text();
  assert(html.includes('data-testid="graph-canvas"'), `GET / does not serve the built UI (run \`make build\`): ${html.slice(0, 200)}`);
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
export async function openPage(browser, { errors, quiet = () => false, name = "page", acceptDownloads = false, viewport = { width: 1280, height: 800 } }) {
  const context = await browser.newContext({ viewport, acceptDownloads });
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
