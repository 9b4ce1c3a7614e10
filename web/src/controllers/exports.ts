// What the export menu writes: the canvas as PNG, SVG and GraphML, the
// selection as CSV and JSON, named after the open case.
import type { Canvas } from "../canvas";
import { exportPNG } from "../exportImage";
import { toCSV, toGraphML, toJSON, toSVG, type ExportIds } from "../exporters";
import type { RGraph } from "../graphModel";
import { PALETTES, type Theme } from "../style";
import type { ExportActions } from "../ui/exportMenu";

export interface ExportDeps {
  graph: RGraph;
  sigma: Canvas["sigma"];
  theme(): Theme;
  /** The canvas's size on the page, for the SVG. */
  size(): { width: number; height: number };
  selection(): ExportIds;
  caseName(): string | undefined;
  onError(what: string, err: unknown): void;
}

export function exportActions(d: ExportDeps): ExportActions {
  return {
    png: () => exportPNG(d.sigma, { background: PALETTES[d.theme()].background }),
    svg: () => {
      const pal = PALETTES[d.theme()];
      const box = d.size();
      return toSVG(d.graph, {
        width: Math.round(box.width),
        height: Math.round(box.height),
        theme: { background: pal.background, label: pal.label, edgeDim: pal.dimEdge, path: pal.path, sanctioned: pal.sanctioned, highRisk: pal.highRisk },
      });
    },
    csv: () => toCSV(d.graph, d.selection()),
    json: () => toJSON(d.graph, d.selection()),
    graphml: () => toGraphML(d.graph, { visibleOnly: true }),
    hasSelection: () => d.selection().nodes.length > 0,
    fileLabel: () => d.caseName() ?? "view",
    onError: (what, err) => { d.onError(what, err); },
  };
}
