import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The Go server serves the built app and /graphql from the same origin. In
// development (`npm run dev`) Vite proxies the API to a local
// `redthread serve` (default 127.0.0.1:8080; override with REDTHREAD_API).
const api = process.env.REDTHREAD_API ?? "http://127.0.0.1:8080";
const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // sigma + graphology are ~250 kB minified; one chunk is fine for now.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // The app, and the render benchmark's page (bench/render.mjs serves dist/).
      input: { main: page("index.html"), bench: page("bench.html") },
      treeshake: {
        // @sigma/node-image builds two programs at import time that we never
        // use, each with a throwaway WebGL context and a 4096² texture canvas
        // (64 MB); marking the factory pure lets the bundler drop them.
        manualPureFunctions: ["createNodeImageProgram"],
      },
    },
  },
  server: {
    proxy: {
      "/graphql": api,
      "/healthz": api,
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
