import "./styles.css";
import { App } from "./app";

const app = new App();

// Test hook for the browser test (e2e/ui.e2e.mjs): the WebGL canvas cannot be
// read from the DOM, so with `?e2e` in the URL the graph and the renderer are
// exposed to find where a node is drawn and how many nodes there are.
if (new URLSearchParams(window.location.search).has("e2e")) {
  (window as unknown as { __redthread: unknown }).__redthread = {
    graph: app.graph,
    sigma: app.canvas.sigma,
    isIdle: () => app.isIdle(),
    app,
  };
}
