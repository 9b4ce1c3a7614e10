// PNG export of the canvas as drawn: sigma's layers (WebGL edges and nodes,
// 2D labels and hover boxes) composed on one canvas over the theme's
// background, at the screen's pixel ratio. The WebGL layers keep no drawing
// buffer (preserveDrawingBuffer: false, for speed), so the frame is rendered
// and copied in the same task, before the browser may clear it.
// (@sigma/export-image renders through a second sigma instance instead: new
// WebGL contexts and a full re-process of the graph, too costly at 50k nodes.)

/** What exportPNG needs of a sigma instance. */
export interface Exportable {
  refresh(): unknown;
  getCanvases(): Record<string, HTMLCanvasElement>;
}

export interface ExportOptions {
  /** Fill behind the drawing, e.g. PALETTES[theme].background; transparent when omitted. */
  background?: string;
}

/** sigma's pointer-capture layer: transparent, nothing to export. */
const SKIPPED = new Set(["mouse"]);

/** The canvas as a PNG image, the size of the canvas on screen times the pixel ratio. */
export function exportPNG(sigma: Exportable, opts: ExportOptions = {}): Promise<Blob> {
  sigma.refresh();
  // getCanvases() lists the layers in the order they are stacked.
  const layers = Object.entries(sigma.getCanvases())
    .filter(([id]) => !SKIPPED.has(id))
    .map(([, c]) => c);
  const first = layers[0];
  if (!first || first.width === 0 || first.height === 0) return Promise.reject(new Error("The canvas has no size to export"));
  const out = document.createElement("canvas");
  out.width = first.width;
  out.height = first.height;
  const ctx = out.getContext("2d");
  if (!ctx) return Promise.reject(new Error("No 2D canvas context to compose the image"));
  if (opts.background) {
    ctx.fillStyle = opts.background;
    ctx.fillRect(0, 0, out.width, out.height);
  }
  for (const layer of layers) ctx.drawImage(layer, 0, 0, out.width, out.height);
  return new Promise((resolve, reject) => {
    out.toBlob((blob) => {
      if (blob) resolve(blob);
      else reject(new Error("The browser could not encode the PNG"));
    }, "image/png");
  });
}
