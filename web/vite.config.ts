import { defineConfig } from "vitest/config";

// The Go server serves the built app and /graphql from the same origin. In
// development (`npm run dev`) Vite proxies the API to a local
// `redthread serve` (default 127.0.0.1:8080; override with REDTHREAD_API).
const api = process.env.REDTHREAD_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // sigma + graphology are ~250 kB minified; one chunk is fine for now.
    chunkSizeWarningLimit: 800,
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
