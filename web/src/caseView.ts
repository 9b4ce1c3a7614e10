// The saved view ("case") and the link format. A case holds node IDs,
// positions, flags, notes, groups, filters and the path search — never node
// data: reopening it reads the graph again under the reader's own rights
// (the server stores it opaque, cases/cases.go). Small views also travel in
// the URL fragment, compressed.
import { mergeSubgraph, resize, type GroupInfo, type RGraph } from "./graphModel";
import { collapseGroup, expandGroup, listGroups } from "./groups";
import { nodeColor, nodeSize } from "./style";
import { EDGE_KINDS, NODE_KINDS, type EdgeKind, type GEdge, type GNode, type NodeKind } from "./types";
import { decodeView, type ViewState } from "./viewState";
import { applyFilters, type ViewFilters } from "./visibility";

/** A node of the view: where it is drawn and what the user set on it. */
export interface CaseNode {
  id: string;
  x: number;
  y: number;
  pinned?: true;
  hidden?: true;
  note?: string;
}

/** A group of the view (its node is rebuilt from the members). */
export interface CaseGroup {
  id: string;
  members: string[];
  origin: GroupInfo["origin"];
  title: string;
  collapsed: boolean;
}

/** The path search to re-run: a shortest path, k paths, or a money flow. */
export interface CasePath {
  mode: "shortest" | "k" | "flow" | "nearest";
  from: string[];
  to: string[];
  params: Record<string, string | number | boolean>;
}

/** The saved view document (version 1). */
export interface CaseView {
  v: 1;
  nodes: CaseNode[];
  /** Real edges on the canvas (aggregates are rebuilt from the groups). */
  edges: string[];
  groups: CaseGroup[];
  filters: ViewFilters;
  path?: CasePath;
  camera?: { x: number; y: number; ratio: number };
  selected?: string[];
  focus?: string;
  theme?: string;
}

/** What the view holds besides the graph: the app's state. */
export type ViewExtras = Partial<Pick<CaseView, "filters" | "path" | "camera" | "selected" | "focus" | "theme">>;

const round2 = (v: number): number => (Number.isFinite(v) ? Math.round(v * 100) / 100 : 0);

/** The view of the canvas: real nodes with rounded positions and flags, real edges, groups, and the app's extras. */
export function captureView(graph: RGraph, extras: ViewExtras = {}): CaseView {
  const nodes: CaseNode[] = [];
  const groups: CaseGroup[] = [];
  graph.forEachNode((id, a) => {
    if (a.group) {
      const { members, origin, title, collapsed } = a.group;
      groups.push({ id, members: [...members], origin, title, collapsed });
      return;
    }
    const n: CaseNode = { id, x: round2(a.x), y: round2(a.y) };
    if (a.pinned) n.pinned = true;
    if (a.userHidden) n.hidden = true;
    if (a.annotation) n.note = a.annotation;
    nodes.push(n);
  });
  const edges: string[] = [];
  graph.forEachEdge((id, a) => {
    if (!a.aggregate) edges.push(id);
  });
  const view: CaseView = { v: 1, nodes, edges, groups, filters: extras.filters ?? {} };
  if (extras.path) view.path = extras.path;
  if (extras.camera) view.camera = extras.camera;
  if (extras.selected) view.selected = extras.selected;
  if (extras.focus !== undefined) view.focus = extras.focus;
  if (extras.theme !== undefined) view.theme = extras.theme;
  return view;
}

// Bounds for untrusted documents: generous for real views, small enough
// that a hostile one cannot make the page build huge strings.
const MAX_ID = 1024;
const MAX_TEXT = 10_000;
const ORIGINS = new Set<string>(["cluster", "community", "persona", "manual"]);
const PATH_MODES = new Set<string>(["shortest", "k", "flow", "nearest"]);
const NODE_KIND_SET = new Set<string>(NODE_KINDS);
const EDGE_KIND_SET = new Set<string>(EDGE_KINDS);

function fail(path: string, what: string): never {
  throw new Error(`case view: ${path}: ${what}`);
}

function record(x: unknown, path: string): Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) fail(path, "expected an object");
  return x as Record<string, unknown>;
}

function list(x: unknown, path: string): unknown[] {
  if (!Array.isArray(x)) fail(path, "expected an array");
  return x;
}

function text(x: unknown, path: string, max = MAX_TEXT): string {
  if (typeof x !== "string") fail(path, "expected a string");
  if (x.length > max) fail(path, `longer than ${max} characters`);
  return x;
}

function id(x: unknown, path: string): string {
  const s = text(x, path, MAX_ID);
  if (s === "") fail(path, "empty ID");
  return s;
}

function finite(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) fail(path, "expected a finite number");
  return x;
}

function flag(x: unknown, path: string): true | undefined {
  if (x === undefined || x === false) return undefined;
  if (x !== true) fail(path, "expected true or false");
  return true;
}

function ids(x: unknown, path: string): string[] {
  return list(x, path).map((v, i) => id(v, `${path}[${i}]`));
}

function filtersOf(x: unknown, path: string): ViewFilters {
  const o = record(x, path);
  const f: ViewFilters = {};
  if (o.window !== undefined) {
    const w = record(o.window, `${path}.window`);
    const from = finite(w.from, `${path}.window.from`);
    const to = finite(w.to, `${path}.window.to`);
    if (from > to) fail(`${path}.window`, "from is after to");
    f.window = { from, to };
  }
  if (o.hiddenKinds !== undefined) {
    f.hiddenKinds = list(o.hiddenKinds, `${path}.hiddenKinds`).map((k, i) =>
      typeof k === "string" && NODE_KIND_SET.has(k) ? (k as NodeKind) : fail(`${path}.hiddenKinds[${i}]`, "not a node kind"),
    );
  }
  if (o.hiddenEdgeKinds !== undefined) {
    f.hiddenEdgeKinds = list(o.hiddenEdgeKinds, `${path}.hiddenEdgeKinds`).map((k, i) =>
      typeof k === "string" && EDGE_KIND_SET.has(k) ? (k as EdgeKind) : fail(`${path}.hiddenEdgeKinds[${i}]`, "not an edge kind"),
    );
  }
  return f;
}

function pathOf(x: unknown): CasePath {
  const o = record(x, "path");
  if (typeof o.mode !== "string" || !PATH_MODES.has(o.mode)) fail("path.mode", "expected shortest, k, nearest or flow");
  const params: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(record(o.params, "path.params"))) {
    text(k, "path.params", 100);
    if (typeof v === "number") params[k] = finite(v, `path.params.${k}`);
    else if (typeof v === "string") params[k] = text(v, `path.params.${k}`, MAX_ID);
    else if (typeof v === "boolean") params[k] = v;
    else fail(`path.params.${k}`, "expected a string, number or boolean");
  }
  return { mode: o.mode as CasePath["mode"], from: ids(o.from, "path.from"), to: ids(o.to, "path.to"), params };
}

/**
 * Checks an untrusted view (from a link or the server) and returns a clean
 * copy holding only the known fields; throws an Error naming the first bad
 * field. Beyond types it requires unique node IDs, group members that are
 * nodes of the view and in one group at most, and group IDs unlike node IDs.
 */
export function validateCaseView(x: unknown): CaseView {
  const o = record(x, "view");
  if (o.v !== 1) fail("v", "unsupported version (expected 1)");
  const seen = new Set<string>();
  const nodes = list(o.nodes, "nodes").map((raw, i): CaseNode => {
    const p = `nodes[${i}]`;
    const r = record(raw, p);
    const n: CaseNode = { id: id(r.id, `${p}.id`), x: finite(r.x, `${p}.x`), y: finite(r.y, `${p}.y`) };
    if (seen.has(n.id)) fail(`${p}.id`, `duplicate node ${n.id}`);
    seen.add(n.id);
    if (flag(r.pinned, `${p}.pinned`)) n.pinned = true;
    if (flag(r.hidden, `${p}.hidden`)) n.hidden = true;
    if (r.note !== undefined) n.note = text(r.note, `${p}.note`);
    return n;
  });
  const nodeIds = new Set(seen);
  const grouped = new Set<string>();
  const groups = list(o.groups ?? [], "groups").map((raw, i): CaseGroup => {
    const p = `groups[${i}]`;
    const r = record(raw, p);
    const gid = id(r.id, `${p}.id`);
    if (seen.has(gid)) fail(`${p}.id`, `${gid} is already a node or group of the view`);
    seen.add(gid);
    const members = ids(r.members, `${p}.members`);
    if (members.length === 0) fail(`${p}.members`, "empty group");
    members.forEach((m, j) => {
      if (grouped.has(m)) fail(`${p}.members[${j}]`, `${m} is in another group`);
      if (!nodeIds.has(m)) fail(`${p}.members[${j}]`, `${m} is not a node of the view`);
      grouped.add(m);
    });
    if (typeof r.origin !== "string" || !ORIGINS.has(r.origin)) fail(`${p}.origin`, "expected cluster, community, persona or manual");
    if (typeof r.collapsed !== "boolean") fail(`${p}.collapsed`, "expected true or false");
    return { id: gid, members, origin: r.origin as CaseGroup["origin"], title: text(r.title, `${p}.title`), collapsed: r.collapsed };
  });
  const view: CaseView = {
    v: 1,
    nodes,
    edges: ids(o.edges ?? [], "edges"),
    groups,
    filters: filtersOf(o.filters ?? {}, "filters"),
  };
  if (o.path !== undefined) view.path = pathOf(o.path);
  if (o.camera !== undefined) {
    const c = record(o.camera, "camera");
    const ratio = finite(c.ratio, "camera.ratio");
    if (ratio <= 0) fail("camera.ratio", "expected a positive number");
    view.camera = { x: finite(c.x, "camera.x"), y: finite(c.y, "camera.y"), ratio };
  }
  if (o.selected !== undefined) view.selected = ids(o.selected, "selected");
  if (o.focus !== undefined) view.focus = id(o.focus, "focus");
  if (o.theme !== undefined) view.theme = text(o.theme, "theme", 100);
  return view;
}

/** What applyCaseView could not bring back, so the UI can say so. */
export interface ApplyResult {
  /** View nodes the API did not return (deleted, or not visible to this reader). */
  missingNodes: string[];
  /** View edges the API did not return, or whose ends are missing. */
  missingEdges: string[];
  /** Groups none of whose members came back. */
  droppedGroups: string[];
  /** What the view's filters hide. */
  filtered: { hiddenNodes: number; hiddenEdges: number };
}

/**
 * Puts a saved view on the canvas from fresh API data (`loaded`: the view's
 * nodes and edges as the server returned them to this reader): nodes and
 * edges outside the view are dropped, the others added or updated in place
 * at their saved positions with their flags and notes; groups are rebuilt,
 * then the filters applied. Highlights are cleared (the app re-runs the
 * path). Anything the API left out is reported, never invented.
 */
export function applyCaseView(graph: RGraph, view: CaseView, loaded: { nodes: readonly GNode[]; edges: readonly GEdge[] }): ApplyResult {
  const saved = new Map(view.nodes.map((n) => [n.id, n]));
  const nodes = new Map<string, GNode>();
  for (const n of loaded.nodes) if (saved.has(n.id)) nodes.set(n.id, n);
  const wanted = new Set(view.edges);
  const edges: GEdge[] = [];
  for (const e of loaded.edges) if (wanted.has(e.id) && nodes.has(e.from) && nodes.has(e.to)) edges.push(e);
  const kept = new Set(edges.map((e) => e.id));

  // Groups are rebuilt below: drop the current ones with their aggregates.
  for (const g of listGroups(graph)) graph.dropNode(g.id);
  for (const e of graph.edges()) if (!kept.has(e)) graph.dropEdge(e);
  for (const n of graph.nodes()) if (!nodes.has(n)) graph.dropNode(n);
  // New nodes go straight to their saved places; mergeSubgraph then updates
  // every node's data and adds the edges with the usual attributes.
  for (const n of nodes.values()) {
    if (graph.hasNode(n.id)) continue;
    const { x, y } = saved.get(n.id) as CaseNode;
    graph.addNode(n.id, { x, y, size: nodeSize(n.kind, 0), color: nodeColor(n.kind), label: n.label || n.id, kind: n.kind, data: n });
  }
  mergeSubgraph(graph, { nodes: [...nodes.values()], edges });
  resize(graph);
  graph.updateEachNodeAttributes((nid, a) => {
    const s = saved.get(nid) as CaseNode;
    return {
      ...a,
      x: s.x,
      y: s.y,
      pinned: s.pinned === true,
      fixed: s.pinned === true,
      userHidden: s.hidden === true,
      annotation: s.note,
      collapsedInto: undefined,
      onPath: false,
      dimmed: false,
    };
  });
  graph.updateEachEdgeAttributes((_id, a) => ({ ...a, collapsedInto: undefined, onPath: false, dimmed: false }), {
    attributes: ["collapsedInto", "onPath", "dimmed", "zIndex"],
  });

  const droppedGroups: string[] = [];
  for (const g of view.groups) {
    const members = g.members.filter((m) => graph.hasNode(m));
    if (members.length === 0) {
      droppedGroups.push(g.id);
      continue;
    }
    collapseGroup(graph, { id: g.id, members, origin: g.origin, title: g.title });
    if (!g.collapsed) expandGroup(graph, g.id);
  }
  return {
    missingNodes: view.nodes.filter((n) => !nodes.has(n.id)).map((n) => n.id),
    missingEdges: view.edges.filter((e) => !kept.has(e)),
    droppedGroups,
    filtered: applyFilters(graph, view.filters),
  };
}

/** Links longer than this are not offered: the UI asks to save a case instead. */
export const MAX_HASH_LENGTH = 8000;
// A link's view inflates to at most this: deflate can expand ~1000×, and a
// hostile link must not make the page allocate gigabytes.
const MAX_INFLATED_BYTES = 1 << 20;

/** Thrown by encodeViewToHash when the view is too large for a link. */
export class ViewTooLargeError extends Error {
  constructor(readonly length: number) {
    super(`The view needs a ${length}-character link (at most ${MAX_HASH_LENGTH}); save it as a case instead`);
    this.name = "ViewTooLargeError";
  }
}

function toBase64url(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  // atob rejects a length of 4k+1, the one length no byte string encodes to.
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw new Error("link: the view is not base64url");
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The view as a link fragment `#v=<base64url(deflate-raw(JSON))>`; throws ViewTooLargeError above MAX_HASH_LENGTH. */
export async function encodeViewToHash(view: CaseView): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(view));
  const deflated = new Blob([json]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const hash = `#v=${toBase64url(new Uint8Array(await new Response(deflated).arrayBuffer()))}`;
  if (hash.length > MAX_HASH_LENGTH) throw new ViewTooLargeError(hash.length);
  return hash;
}

async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_INFLATED_BYTES) {
        await reader.cancel();
        throw new Error(`link: the view inflates to more than ${MAX_INFLATED_BYTES} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (size > MAX_INFLATED_BYTES) throw err;
    throw new Error("link: the view is damaged (it does not inflate)");
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(all);
  } catch {
    throw new Error("link: the view is damaged (not UTF-8)");
  }
}

const CASE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Reads a link fragment: `#case=<id>` (a saved case), `#v=…` (a view, checked
 * with validateCaseView; both may be present), or the older
 * `#sel=…&from=…&to=…` (viewState). Throws an Error starting with "link:" or
 * "case view:" on a damaged or hostile link; an empty fragment gives {}.
 */
export async function decodeHash(hash: string): Promise<{ caseId?: string; view?: CaseView; legacy?: ViewState }> {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const out: { caseId?: string; view?: CaseView; legacy?: ViewState } = {};
  const caseId = p.get("case");
  if (caseId !== null) {
    if (!CASE_ID.test(caseId)) throw new Error("link: not a case ID");
    out.caseId = caseId;
  }
  const v = p.get("v");
  if (v !== null) {
    const json = await inflate(fromBase64url(v));
    let doc: unknown;
    try {
      doc = JSON.parse(json);
    } catch {
      throw new Error("link: the view is damaged (not JSON)");
    }
    out.view = validateCaseView(doc);
  }
  if (caseId === null && v === null) {
    const legacy = decodeView(hash);
    if (Object.keys(legacy).length > 0) out.legacy = legacy;
  }
  return out;
}
