// Exports of the canvas for reports and other tools: CSV tables (safe to open
// in a spreadsheet), JSON with the full API data, GraphML for Gephi, and an
// SVG drawing. Pure string building: the UI turns the strings into downloads.
import { edgeVisible, nodeVisible, type NodeAttrs, type RGraph } from "./graphModel";
import { ILLUSTRATIVE_MARK, illustrativeLevel } from "./illustrative";
import { PALETTES } from "./style";

/** Which nodes and edges to export (IDs not on the canvas are skipped). */
export interface ExportIds {
  nodes: readonly string[];
  edges: readonly string[];
}

const NODE_COLUMNS = ["id", "kind", "label", "address_or_key", "chain", "marking", "confidence", "sources", "annotation", "illustrative", "badges", "risk_flags", "risk_reasons"];
const EDGE_COLUMNS = ["id", "kind", "from", "to", "amount", "asset", "valueUSD", "time", "txHash", "marking", "confidence", "illustrative"];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break. Text starting with = + - @ tab or CR gets a leading ' (OWASP, CSV
 * injection): labels and notes come from OSINT and must not run as formulas.
 * Numbers are written as they are (-0.5 is a number, not a formula).
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Written for a node whose risk the server has not given yet (risk.ts asks for it). */
export const RISK_NOT_LOADED = "not loaded";

/**
 * A node's risk as the badges show it, for the tables: its badges
 * ("sanctioned; high-risk"), its server flags' kinds ("SANCTIONED; SERVICE
 * (mixer)") and their reasons, one per flag (" | " between). A group has no
 * flags of its own and wears its members' badges.
 */
export function riskCells(a: Pick<NodeAttrs, "badges" | "risk" | "group">): { badges: string; flags: string; reasons: string } {
  const badges = (a.badges ?? []).join("; ");
  if (!a.risk) return { badges, flags: a.group ? "" : RISK_NOT_LOADED, reasons: "" };
  const flags = a.risk.flags.map((f) => (f.kind === "SERVICE" && f.category ? `SERVICE (${f.category})` : f.kind));
  const reasons = a.risk.flags.map((f) => f.reason);
  if (a.risk.truncated) reasons.push(`risk cut short: ${a.risk.reason ?? "limits reached"}`);
  return { badges, flags: flags.join("; "), reasons: reasons.join(" | ") };
}

function csvRows(header: string[], rows: (string | number | null | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(",") + "\r\n").join("");
}

/** The chosen nodes and edges as two CSV tables (CRLF line ends, header row first). */
export function toCSV(graph: RGraph, ids: ExportIds): { nodes: string; edges: string } {
  const nodes = ids.nodes.filter((id) => graph.hasNode(id)).map((id) => {
    const a = graph.getNodeAttributes(id);
    const d = a.data;
    const r = riskCells(a);
    return [id, d.kind, a.label, d.address ?? d.key, d.chain, d.marking, d.confidence, d.sources.length, a.annotation, illustrativeLevel(d), r.badges, r.flags, r.reasons];
  });
  const edges = ids.edges.filter((id) => graph.hasEdge(id)).map((id) => {
    const d = graph.getEdgeAttribute(id, "data");
    return [id, d.kind, d.from, d.to, d.amount, d.asset, d.valueUSD, d.time, d.txHash, d.marking, d.confidence, illustrativeLevel(d)];
  });
  return { nodes: csvRows(NODE_COLUMNS, nodes), edges: csvRows(EDGE_COLUMNS, edges) };
}

/** The chosen nodes and edges as JSON: `{nodes: [{data, view}], edges: [{data, view}]}`, data as the API gave it (or synthesized for groups and aggregates), view the other attributes. */
export function toJSON(graph: RGraph, ids: ExportIds): string {
  const nodes = ids.nodes.filter((id) => graph.hasNode(id)).map((id) => {
    const { data, ...view } = graph.getNodeAttributes(id);
    return { data, view };
  });
  const edges = ids.edges.filter((id) => graph.hasEdge(id)).map((id) => {
    const { data, ...view } = graph.getEdgeAttributes(id);
    return { data, view };
  });
  return JSON.stringify({ nodes, edges }, null, 2);
}

const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;" };

/**
 * Text for XML content or attribute values: markup characters escaped, tab
 * and line breaks as character references (attributes would flatten them),
 * and characters XML 1.0 forbids (control characters, lone surrogates)
 * replaced by U+FFFD, so that any label gives a well-formed document.
 */
export function xmlText(s: string): string {
  // Most labels and IDs need nothing: one cheap test (tabs, line breaks and surrogates, even paired, take the slow path).
  if (!/[^\u0020-\uD7FF\uE000-\uFFFD]|[&<>"']/.test(s)) return s;
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/[&<>"'\t\n\r]/g, (c) => XML_ENTITIES[c] ?? c);
}

/** `#rrggbb` or `#rgb` as 0–255 channels; undefined for other notations. */
function rgb(color: string): [number, number, number] | undefined {
  if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color)) return undefined;
  const h = color.length === 4 ? color.replace(/[0-9a-f]/gi, "$&$&") : color;
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

const GRAPHML_KEYS: [id: string, target: "node" | "edge", name: string, type: "string" | "double" | "int"][] = [
  ["label", "node", "label", "string"],
  ["kind", "node", "kind", "string"],
  ["marking", "node", "marking", "string"],
  ["illustrative", "node", "illustrative", "string"],
  ["badges", "node", "badges", "string"],
  ["risk_flags", "node", "risk_flags", "string"],
  ["risk_reasons", "node", "risk_reasons", "string"],
  ["x", "node", "x", "double"],
  ["y", "node", "y", "double"],
  ["size", "node", "size", "double"],
  ["r", "node", "r", "int"],
  ["g", "node", "g", "int"],
  ["b", "node", "b", "int"],
  ["e_label", "edge", "label", "string"],
  ["e_kind", "edge", "kind", "string"],
  ["amount", "edge", "amount", "double"],
  ["asset", "edge", "asset", "string"],
  ["valueUSD", "edge", "valueUSD", "double"],
  ["time", "edge", "time", "string"],
  ["e_marking", "edge", "marking", "string"],
  ["e_illustrative", "edge", "illustrative", "string"],
];

function graphmlData(key: string, v: string | number | null | undefined): string {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "";
  return `<data key="${key}">${xmlText(String(v))}</data>`;
}

/**
 * The canvas as GraphML for Gephi (directed; parallel edges kept, each with
 * its ID; Gephi reads x, y, size and r, g, b as the drawing). `visibleOnly`:
 * exactly what is drawn (collapsed groups as their group node and aggregate
 * edges); otherwise every real node and edge, hidden or folded ones included,
 * and no group nodes or aggregates.
 */
export function toGraphML(graph: RGraph, opts: { visibleOnly: boolean }): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    ...GRAPHML_KEYS.map(([id, target, name, type]) => `  <key id="${id}" for="${target}" attr.name="${name}" attr.type="${type}"/>`),
    '  <graph id="redthread" edgedefault="directed">',
  ];
  graph.forEachNode((id, a) => {
    if (opts.visibleOnly ? !nodeVisible(a) : a.group !== undefined) return;
    const c = rgb(a.color);
    const r = riskCells(a);
    out.push(
      `    <node id="${xmlText(id)}">` +
        graphmlData("label", a.label) +
        graphmlData("kind", a.kind) +
        graphmlData("marking", a.data.marking) +
        graphmlData("illustrative", illustrativeLevel(a.data)) +
        graphmlData("badges", r.badges || null) +
        graphmlData("risk_flags", r.flags || null) +
        graphmlData("risk_reasons", r.reasons || null) +
        graphmlData("x", a.x) +
        graphmlData("y", a.y) +
        graphmlData("size", a.size) +
        (c ? graphmlData("r", c[0]) + graphmlData("g", c[1]) + graphmlData("b", c[2]) : "") +
        "</node>",
    );
  });
  graph.forEachEdge((id, a, source, target) => {
    if (opts.visibleOnly ? !edgeVisible(graph, id, a) : a.aggregate !== undefined) return;
    const d = a.data;
    out.push(
      `    <edge id="${xmlText(id)}" source="${xmlText(source)}" target="${xmlText(target)}">` +
        graphmlData("e_label", a.label) +
        graphmlData("e_kind", a.kind) +
        graphmlData("amount", d.amount) +
        graphmlData("asset", d.asset) +
        graphmlData("valueUSD", d.valueUSD) +
        graphmlData("time", d.time) +
        graphmlData("e_marking", d.marking) +
        graphmlData("e_illustrative", illustrativeLevel(d)) +
        "</edge>",
    );
  });
  out.push("  </graph>", "</graphml>", "");
  return out.join("\n");
}

/** Colours of the SVG export; the optional ones default to the light palette. */
export interface SvgTheme {
  background: string;
  label: string;
  /** Edges faded because a path is highlighted. */
  edgeDim: string;
  path?: string;
  sanctioned?: string;
  highRisk?: string;
}

const ARROW = 8;
const num = (v: number): string => String(Math.round(v * 100) / 100);

/**
 * The visible part of the canvas as a standalone SVG of `width`×`height`,
 * fitted with padding: edges as lines as wide as on the canvas with
 * arrowheads, nodes as discs in their colour (badges as rings, group nodes
 * with a dashed outline, dimmed ones faded), then labels (none on dimmed
 * nodes, as on the canvas). Self-loops are not drawn. Node sizes stay in
 * pixels, like sigma's; the y axis is flipped (sigma's points up).
 */
export function toSVG(graph: RGraph, opts: { width: number; height: number; theme: SvgTheme }): string {
  const { width, height, theme } = opts;
  const pathColor = theme.path ?? PALETTES.light.path;
  const ring = { sanctioned: theme.sanctioned ?? PALETTES.light.sanctioned, "high-risk": theme.highRisk ?? PALETTES.light.highRisk };
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  let maxR = 0;
  graph.forEachNode((_id, a) => {
    if (!nodeVisible(a)) return;
    minX = Math.min(minX, a.x);
    maxX = Math.max(maxX, a.x);
    minY = Math.min(minY, a.y);
    maxY = Math.max(maxY, a.y);
    maxR = Math.max(maxR, a.size + 4 * (a.badges?.length ?? 0));
  });
  const pad = 16 + maxR;
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  const fit = Math.min(spanX > 0 ? (width - 2 * pad) / spanX : Infinity, spanY > 0 ? (height - 2 * pad) / spanY : Infinity);
  const scale = Number.isFinite(fit) && fit > 0 ? fit : 1;
  const X = (x: number): number => width / 2 + (x - (minX + maxX) / 2) * scale;
  const Y = (y: number): number => height / 2 - (y - (minY + maxY) / 2) * scale;

  const markers = new Map<string, string>();
  const edges: string[] = [];
  graph.forEachEdge((id, a, _s, _t, sa, ta) => {
    if (!edgeVisible(graph, id, a)) return;
    const x1 = X(sa.x);
    const y1 = Y(sa.y);
    const x2 = X(ta.x);
    const y2 = Y(ta.y);
    const d = Math.hypot(x2 - x1, y2 - y1);
    // From disc edge to disc edge, leaving room for the arrowhead.
    const gap = d - sa.size - ta.size - ARROW;
    if (gap <= 0) return;
    const ux = (x2 - x1) / d;
    const uy = (y2 - y1) / d;
    const color = a.onPath ? pathColor : a.dimmed ? theme.edgeDim : a.color;
    let marker = markers.get(color);
    if (marker === undefined) {
      marker = `arrow${markers.size}`;
      markers.set(color, marker);
    }
    edges.push(
      `<line x1="${num(x1 + ux * sa.size)}" y1="${num(y1 + uy * sa.size)}" x2="${num(x2 - ux * (ta.size + ARROW))}" y2="${num(y2 - uy * (ta.size + ARROW))}" stroke="${xmlText(color)}" stroke-width="${num(a.size)}" marker-end="url(#${marker})"/>`,
    );
  });

  const nodes: string[] = [];
  const labels: string[] = [];
  graph.forEachNode((_id, a) => {
    if (!nodeVisible(a)) return;
    const cx = num(X(a.x));
    const cy = num(Y(a.y));
    const fade = a.dimmed ? ' opacity="0.3"' : "";
    const outline = a.group ? ` stroke="${xmlText(theme.label)}" stroke-width="1.5" stroke-dasharray="3 2"` : "";
    nodes.push(`<circle cx="${cx}" cy="${cy}" r="${num(a.size)}" fill="${xmlText(a.color)}"${outline}${fade}/>`);
    (a.badges ?? []).forEach((b, i) => {
      nodes.push(`<circle cx="${cx}" cy="${cy}" r="${num(a.size + 2 + 4 * i)}" fill="none" stroke="${xmlText(ring[b])}" stroke-width="2"${fade}/>`);
    });
    if (!a.dimmed && a.label) {
      // As on the canvas: ◇ after a wholly or partly synthetic node's name; the risk reasons as its tooltip.
      const text = a.data.illustrativeShare !== "NONE" ? `${a.label} ${ILLUSTRATIVE_MARK}` : a.label;
      const why = a.risk && a.risk.flags.length > 0 ? `<title>${xmlText(a.risk.flags.map((f) => f.reason).join("\n"))}</title>` : "";
      labels.push(`<text x="${num(X(a.x) + a.size + 3)}" y="${num(Y(a.y) + 4)}">${why}${xmlText(text)}</text>`);
    }
  });

  const defs = [...markers].map(
    ([color, id]) =>
      `<marker id="${id}" viewBox="0 0 10 10" refX="0" refY="5" markerWidth="${ARROW}" markerHeight="${ARROW}" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="${xmlText(color)}"/></marker>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">`,
    `<defs>${defs.join("")}</defs>`,
    `<rect width="100%" height="100%" fill="${xmlText(theme.background)}"/>`,
    `<g class="edges" fill="none">${edges.join("")}</g>`,
    `<g class="nodes">${nodes.join("")}</g>`,
    `<g class="labels" font-family="sans-serif" font-size="12" fill="${xmlText(theme.label)}">${labels.join("")}</g>`,
    "</svg>",
    "",
  ].join("\n");
}
