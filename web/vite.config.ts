import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// The Go server serves the built app and /graphql from the same origin. In
// development (`npm run dev`) Vite proxies the API to a local
// `redthread serve` (default 127.0.0.1:8080; override with REDTHREAD_API).
const api = process.env.REDTHREAD_API ?? "http://127.0.0.1:8080";
const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * @sigma/node-image builds two ready-made programs when imported, which we
 * never use: each costs a throwaway WebGL context and a 4096² texture canvas
 * (64 MB). Marking those two calls pure lets the bundler drop them. (Rollup's
 * manualPureFunctions would also drop calls on what the factory returns.)
 */
const pureNodeImagePresets: Plugin = {
  name: "pure-node-image-presets",
  transform(code, id) {
    if (!id.includes("@sigma/node-image")) return null;
    return { code: code.replace(/= createNodeImageProgram\(/g, "= /*#__PURE__*/ createNodeImageProgram("), map: null };
  },
};

export default defineConfig({
  base: "./",
  plugins: [pureNodeImagePresets],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // sigma + graphology are ~250 kB minified; one chunk is fine for now.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // The app, the sign-in page (its own small bundle, served without
      // credentials as assets/signin-*), the agency admin page (/admin), and the render benchmark's page
      // (bench/render.mjs serves dist/).
      input: { main: page("index.html"), signin: page("signin.html"), admin: page("admin.html"), bench: page("bench.html") },
    },
  },
  server: {
    proxy: {
      "/graphql": api,
      "/healthz": api,
      "/auth": api,
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
