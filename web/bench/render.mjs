// Render benchmark: the built bench page (dist/bench.html, src/bench/*) in
// Debian's Chromium, for investigation-shaped subgraphs of several sizes.
//
//   npm run build && node bench/render.mjs [--sizes 1000,10000,50000] [--pan-ms 3000]
//                                          [--layout-cap-ms 30000] [--seed 1] [--json]
//                                          [--dist DIR] [--label NAME] [--shots DIR] [--profile DIR]
//
// For each size, in a fresh page (1280×800): time to first frame (from
// handing the subgraph to mergeSubgraph on the mounted canvas and refreshing
// it, as the app does, to the first frame on screen; split into the graph
// merge, badges, sigma's refresh and the frames after it), time until the ForceAtlas2 worker layout
// settles (the app's LayoutController; settled when the mean distance a node
// moves in one layout step, averaged over the last 10 steps, is below 0.1% of
// the drawing's diagonal: src/layoutSettle.ts; capped), and frames per second
// while panning for --pan-ms: a mouse drag on the stage, one move per
// animation frame, through sigma's own drag handling (mean fps, 95th
// percentile frame time). Then the same graph at the same positions in a bare
// sigma (default settings: the circle node program, line edges, no app
// code): its first frame and pan fps, of which the app's pan fps is a ratio.
// The same pan on an empty canvas is the baseline. --dist benchmarks another
// build (e.g. main's, for a before/after in one session). One Chromium at a time; headless Chromium
// has no GPU here, so WebGL runs on SwiftShader (CPU) and absolute numbers
// are far below a desktop GPU's.
// Environment: CHROMIUM (default /usr/bin/chromium).
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, webDir } from "../e2e/lib.mjs";


const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png" };

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,50000" },
    "pan-ms": { type: "string", default: "3000" },
    "layout-cap-ms": { type: "string", default: "30000" },
    seed: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
    dist: { type: "string", default: join(webDir, "dist") },
    label: { type: "string", default: "" },
    shots: { type: "string", default: "" },
    profile: { type: "string", default: "" },
  },
});
const dist = resolve(args.dist);
const sizes = args.sizes.split(",").map((s) => Number(s.trim()));
const panMs = Number(args["pan-ms"]);
const layoutCapMs = Number(args["layout-cap-ms"]);
const seed = Number(args.seed);
if (sizes.some((n) => !Number.isInteger(n) || n <= 0) || !(panMs > 0) || !(layoutCapMs > 0) || !Number.isInteger(seed)) {
  console.error("usage: node bench/render.mjs [--sizes 1000,10000,50000] [--pan-ms 3000] [--layout-cap-ms 30000] [--seed 1] [--json]");
  process.exit(2);
}
if (!existsSync(join(dist, "bench.html"))) {
  console.error("dist/bench.html is missing: run `npm run build` first");
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM)`);
  process.exit(2);
}

/** Serves dist/ on a free local port. */
function serve() {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (path === "/favicon.ico") {
      res.writeHead(204).end(); // the page has none; a 404 would count as a page error
      return;
    }
    const file = join(dist, path);
    if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** The functions with the most self time in a CPU profile, one a line. */
function topFunctions(prof, n) {
  const self = new Map();
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const dt = prof.timeDeltas;
  prof.samples.forEach((id, i) => {
    const x = byId.get(id);
    const f = x.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i + 1] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [`profile: ${total.toFixed(0)} ms sampled`, ...[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${v.toFixed(0).padStart(7)} ms  ${k}`)].join("\n");
}

const ms = (v) => (v === null ? "—" : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

async function main() {
  const server = await serve();
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const version = browser.version();
  const results = [];
  try {
    for (const nodes of [0, ...sizes]) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors = [];
      page.on("pageerror", (err) => errors.push(err.stack ?? err.message));
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
      });
      await page.goto(`${base}/bench.html`);
      await page.waitForFunction(() => window.__bench !== undefined);
      const renderer = await page.evaluate(() => {
        const gl = document.createElement("canvas").getContext("webgl");
        const info = gl?.getExtension("WEBGL_debug_renderer_info");
        return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : "unknown";
      });
      if (!args.json) process.stderr.write(`${nodes === 0 ? "empty canvas" : `${nodes} nodes`}… `);
      // --shots DIR: the app's canvas at its first frame and once the layout has settled (or stopped).
      const shoot = args.shots !== "" && nodes > 0;
      if (shoot) {
        mkdirSync(args.shots, { recursive: true });
        await page.exposeFunction("__benchShot", (name) => page.screenshot({ path: join(args.shots, `${nodes}-${name}.png`) }));
      }
      // --profile DIR: the page's main thread sampled from the start to the first frame (DIR/N-first-frame.cpuprofile, top functions on stderr).
      const profile = args.profile !== "" && nodes > 0;
      if (profile) {
        mkdirSync(args.profile, { recursive: true });
        const cdp = await page.context().newCDPSession(page);
        await cdp.send("Profiler.enable");
        await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
        await cdp.send("Profiler.start");
        await browser.startTracing(page, { categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "blink", "cc", "gpu", "viz", "disabled-by-default-gpu.service", "v8"] });
        await page.exposeFunction("__benchProfileStop", async () => {
          const { profile: prof } = await cdp.send("Profiler.stop");
          writeFileSync(join(args.profile, `${nodes}-first-frame.trace.json`), await browser.stopTracing());
          writeFileSync(join(args.profile, `${nodes}-first-frame.cpuprofile`), JSON.stringify(prof));
          process.stderr.write(`\n${topFunctions(prof, 25)}\n`);
        });
      }
      const r = await page.evaluate((o) => window.__bench.run(o), { nodes, seed, panMs, layoutCapMs, shots: shoot, profile });
      await page.close();
      if (errors.length > 0) throw new Error(`page errors at ${nodes} nodes:\n${errors.join("\n")}`);
      if (!args.json) process.stderr.write("done\n");
      results.push({ ...r, renderer });
    }
  } finally {
    await browser.close();
    server.close();
  }

  const [empty, ...rows] = results;
  const out = {
    chromium: version,
    renderer: empty.renderer,
    viewport: "1280x800",
    panMs,
    layoutCapMs,
    seed,
    baseline: { panFps: empty.panFps, panP95Ms: empty.panP95Ms },
    runs: rows.map((r) => ({ ...r, fpsVsEmpty: empty.panFps > 0 ? r.panFps / empty.panFps : null, fpsVsBare: r.bare && r.bare.panFps > 0 ? r.panFps / r.bare.panFps : null })),
  };
  if (args.json) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  console.log(`Render benchmark${args.label ? ` (${args.label})` : ""} — Chromium ${version}, headless, no GPU: WebGL on SwiftShader (${empty.renderer}), viewport 1280×800, ${panMs} ms pan, seed ${seed}`);
  console.log(`Baseline (empty canvas): ${empty.panFps.toFixed(1)} fps, p95 frame ${empty.panP95Ms.toFixed(1)} ms`);
  console.log("");
  console.log("| nodes | edges | first frame | merge / refresh / draw | first layout step | layout settled (steps) | pan fps (mean) | pan p95 frame | fps vs empty | bare sigma first frame | bare sigma pan fps | app fps vs bare |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const pct = (v) => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(0)}%`);
  for (const r of out.runs) {
    const steps = r.layoutSteps === undefined ? "" : ` (${r.layoutSteps})`;
    const settled = (r.layoutSettleMs === null ? `> ${ms(layoutCapMs)} (cap)` : ms(r.layoutSettleMs)) + steps;
    const b = r.bare ?? null;
    console.log(
      `| ${r.nodes.toLocaleString("en-US")} | ${r.edges.toLocaleString("en-US")} | ${ms(r.firstFrameMs)} | ${ms(r.mergeMs)} / ${ms(r.phases.sigmaMs)} / ${ms(r.phases.framesMs)} | ${ms(r.layoutFirstStepMs)} | ${settled} | ${r.panFps.toFixed(1)} | ${r.panP95Ms.toFixed(1)} ms | ${pct(r.fpsVsEmpty)} | ${b ? ms(b.firstFrameMs) : "—"} | ${b ? b.panFps.toFixed(1) : "—"} | ${pct(r.fpsVsBare)} |`,
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
