// Pure helpers of the panels' forms: parsing and validating what people type
// (dates, amounts, bounds, kind pickers), turning it into the API's options,
// and the counts and sentences the panels show. No DOM here: unit-tested in Node.
import type { EdgeFilters, FlowOptions, PathOptions } from "../api";
import { EDGE_KINDS, NODE_KINDS, type Direction, type EdgeKind, type GEdge, type GNode, type NodeKind, type TaintModel } from "../types";
import { DEFAULT_MAX_HOPS, MAX_HOPS_LIMIT } from "../viewState";

/** A parsed field: its value, or a message saying what is wrong, for people. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

// --- dates -------------------------------------------------------------------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ZONED_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date | null {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC rolls 2018-02-30 over to March: a real date reads back the same.
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  if (t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== s) return null;
  return t;
}

/** RFC 3339 in UTC, without milliseconds when they are zero. */
function rfc3339(t: Date): string {
  return t.toISOString().replace(".000Z", "Z");
}

/**
 * A date from a form as RFC 3339 (the API's Time), or null when empty.
 * `YYYY-MM-DD` (what a date input gives) covers the whole day: midnight UTC
 * as a start bound, the day's last millisecond as an end bound, so that
 * "until 2018-01-26" includes transfers on the 26th. `YYYY-MM-DDTHH:MM[:SS]`
 * is read as UTC; a full RFC 3339 time with its offset is kept as that instant.
 */
export function parseDate(input: string, bound: "start" | "end"): Parsed<string | null> {
  const s = input.trim();
  if (s === "") return ok(null);
  let m = DATE_RE.exec(s);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = bound === "start" ? utc(y, mo, d) : utc(y, mo, d, 23, 59, 59, 999);
    return t ? ok(rfc3339(t)) : fail(`No such date: ${s}.`);
  }
  m = LOCAL_RE.exec(s);
  if (m) {
    const t = utc(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
    return t ? ok(rfc3339(t)) : fail(`No such date or time: ${s}.`);
  }
  if (ZONED_RE.test(s)) {
    const t = new Date(s);
    const day = DATE_RE.exec(s.slice(0, 10));
    // Reject impossible days (2018-02-30T…) that Date would roll over.
    if (Number.isNaN(t.getTime()) || !day || !utc(Number(day[1]), Number(day[2]), Number(day[3]))) return fail(`No such date or time: ${s}.`);
    return ok(rfc3339(t));
  }
  return fail(`Not a date: “${s}”. Use YYYY-MM-DD.`);
}

/** The UTC day of an RFC 3339 time, as a date input wants it (`YYYY-MM-DD`); "" for none. */
export function dateInputValue(time: string | null | undefined): string {
  if (!time) return "";
  const t = new Date(time);
  return Number.isNaN(t.getTime()) ? "" : t.toISOString().slice(0, 10);
}

// --- numbers -----------------------------------------------------------------

const MULTIPLIERS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, mn: 1e6, b: 1e9, bn: 1e9 };
const AMOUNT_RE = /^(\d+(?:\.\d*)?|\.\d+)(k|mn|m|bn|b)?$/;

/**
 * A USD amount as people write it: `10000`, `10,000`, `$25k`, `1.5M`,
 * `21.9 M`, `2bn`, `USD 500`. Null when empty. Never negative.
 */
export function parseUSD(input: string): Parsed<number | null> {
  const raw = input.trim();
  if (raw === "") return ok(null);
  const s = raw
    .toLowerCase()
    .replace(/^usd|usd$/g, "")
    .replace(/^\$/, "")
    .replace(/[\s,_\u00a0\u202f]/g, "");
  if (s.startsWith("-")) return fail("A minimum amount cannot be negative.");
  const m = AMOUNT_RE.exec(s);
  if (!m) return fail(`Not an amount: “${raw}”. Write e.g. 10000, 25k or 1.5M.`);
  const v = Number(m[1]) * (MULTIPLIERS[m[2] ?? ""] ?? 1);
  if (!Number.isFinite(v)) return fail(`Not an amount: “${raw}”.`);
  // 1.1 * 1e6 is 1100000.0000000002: cents are precise enough for a threshold.
  return ok(Math.round(v * 100) / 100);
}

/** A whole number within [min, max]; the message names the bounds. */
export function parseIntInRange(input: string, min: number, max: number): Parsed<number> {
  const s = input.trim();
  const range = `a whole number from ${min} to ${max}`;
  if (s === "") return fail(`Required: ${range}.`);
  if (!/^\d+$/.test(s)) return fail(`Enter ${range}.`);
  const n = Number(s);
  if (n < min || n > max) return fail(`Out of range: enter ${range}.`);
  return ok(n);
}

// --- kind pickers ------------------------------------------------------------

/** Edge kinds grouped by what they mean to an investigator, in the order the pickers show them. */
export interface KindGroup {
  id: string;
  label: string;
  kinds: readonly EdgeKind[];
}

const NAMED_GROUPS: KindGroup[] = [
  { id: "money", label: "Money", kinds: ["TRANSFER", "INPUT", "OUTPUT", "PAYS"] },
  { id: "control", label: "Control", kinds: ["CONTROLS", "OWNS", "DIRECTS", "EMPLOYS"] },
  { id: "attribution", label: "Attribution", kinds: ["ATTRIBUTED_TO", "SAME_AS", "ASSOCIATED_WITH"] },
  { id: "theft", label: "Theft", kinds: ["STOLE", "TARGETED", "DEPOSITED_AT"] },
];

export const EDGE_KIND_GROUPS: readonly KindGroup[] = [
  ...NAMED_GROUPS,
  // Whatever the schema adds later lands here rather than being unpickable.
  { id: "other", label: "Other", kinds: EDGE_KINDS.filter((k) => !NAMED_GROUPS.some((g) => g.kinds.includes(k))) },
];

/**
 * The kinds a picker holds, deduplicated and in the schema's order. Pickers
 * hold every kind they allow, so "nothing picked" (an error) and "no filter"
 * (everything picked) never look alike.
 */
export function pickKinds<K extends string>(picked: readonly K[], all: readonly K[]): K[] {
  const set = new Set(picked);
  return all.filter((k) => set.has(k));
}

/** The kinds to send to the API: undefined (no filter) when all are picked. */
export function kindFilter<K extends string>(picked: readonly K[], all: readonly K[]): K[] | undefined {
  const kinds = pickKinds(picked, all);
  return kinds.length === all.length ? undefined : kinds;
}

// --- the path panel's parameters ---------------------------------------------

export type PathMode = "shortest" | "k" | "flow" | "nearest";

export const K_PATHS_MAX = 20;

/**
 * What the path panel asks, as typed. Flat strings and numbers: a saved case
 * and a link store them as they are (caseView's CasePath.params), and a
 * half-typed value survives a re-render.
 */
export interface PathParams {
  direction: Direction;
  /** 1–MAX_HOPS_LIMIT. */
  maxHops: number;
  /** Paths wanted in "k" mode, 1–K_PATHS_MAX. */
  k: number;
  taint: TaintModel;
  /** `YYYY-MM-DD` (or an RFC 3339 time), or "". */
  since: string;
  until: string;
  /** Free text, see parseUSD; "" for none. */
  minUSD: string;
  /** Picked edge kinds, comma-separated; "" for all (no filter). Money flows ignore them: they follow transfers. */
  edgeKinds: string;
  /** What "nearest" looks for, as NEAREST_TARGETS' `value` plus, for those that take one, `:` and the text typed. */
  target: string;
}

export const DEFAULT_PATH_PARAMS: PathParams = {
  direction: "BOTH",
  maxHops: DEFAULT_MAX_HOPS,
  k: 5,
  taint: "HAIRCUT",
  since: "",
  until: "",
  minUSD: "",
  edgeKinds: "",
  target: "sanctioned",
};

const DIRECTIONS: readonly Direction[] = ["BOTH", "OUT", "IN"];
const TAINTS: readonly TaintModel[] = ["POISON", "HAIRCUT", "FIFO"];

/**
 * PathParams from a saved case or a link (caseView's CasePath.params): each
 * known key of the right type is taken, anything else falls back to the
 * default. Out-of-range numbers and unreadable text are kept, so the panel
 * shows them with their error rather than silently searching without them.
 */
export function readPathParams(raw: Readonly<Record<string, unknown>>): PathParams {
  const p: PathParams = { ...DEFAULT_PATH_PARAMS };
  const { direction, taint, maxHops, k, since, until, minUSD, edgeKinds, target } = raw;
  if (DIRECTIONS.includes(direction as Direction)) p.direction = direction as Direction;
  if (TAINTS.includes(taint as TaintModel)) p.taint = taint as TaintModel;
  if (typeof maxHops === "number") p.maxHops = maxHops;
  if (typeof k === "number") p.k = k;
  if (typeof since === "string") p.since = since;
  if (typeof until === "string") p.until = until;
  if (typeof minUSD === "string") p.minUSD = minUSD;
  if (typeof edgeKinds === "string") p.edgeKinds = edgeKinds;
  if (typeof target === "string") p.target = target;
  return p;
}

/** The picked kinds of PathParams.edgeKinds; "" means all. Unknown names (an old or edited link) are dropped. */
export function readKinds(list: string): EdgeKind[] {
  if (list.trim() === "") return [...EDGE_KINDS];
  const names = new Set(list.split(",").map((k) => k.trim()));
  return EDGE_KINDS.filter((k) => names.has(k));
}

/** PathParams.edgeKinds for picked kinds: "" when all are picked. */
export function writeKinds(picked: readonly EdgeKind[]): string {
  const kinds = pickKinds(picked, EDGE_KINDS);
  return kinds.length === EDGE_KINDS.length ? "" : kinds.join(",");
}

export type PathField = "maxHops" | "k" | "since" | "until" | "minUSD" | "edgeKinds" | "target";

export const PATH_FIELD_LABELS: Record<PathField, string> = {
  maxHops: "Max hops",
  k: "Paths",
  since: "Since",
  until: "Until",
  minUSD: "Minimum USD",
  edgeKinds: "Edge kinds",
  target: "Nearest what",
};

function inRange(n: number, min: number, max: number): string | undefined {
  return Number.isInteger(n) && n >= min && n <= max ? undefined : `Enter a whole number from ${min} to ${max}.`;
}

export function windowCheck(since: string | null, until: string | null): string | undefined {
  return since && until && since > until ? "“Until” is before “Since”." : undefined;
}

/**
 * Validates the parameters a mode uses: the API's filters from the valid
 * fields, and one message per invalid field.
 */
export function checkPathParams(mode: PathMode, p: PathParams): { filters: EdgeFilters; errors: Partial<Record<PathField, string>> } {
  const filters: EdgeFilters = {};
  const errors: Partial<Record<PathField, string>> = {};
  const put = (k: PathField, message: string | undefined) => {
    if (message !== undefined) errors[k] = message;
  };
  put("maxHops", inRange(p.maxHops, 1, MAX_HOPS_LIMIT));
  if (mode === "k" || mode === "nearest") put("k", inRange(p.k, 1, K_PATHS_MAX));
  if (mode === "nearest") {
    const t = parseTarget(p.target);
    if (!t.ok) put("target", t.error);
  }
  const since = parseDate(p.since, "start");
  const until = parseDate(p.until, "end");
  const usd = parseUSD(p.minUSD);
  if (since.ok) {
    if (since.value) filters.since = since.value;
  } else put("since", since.error);
  if (until.ok) {
    if (until.value) filters.until = until.value;
  } else put("until", until.error);
  const order = windowCheck(filters.since ?? null, filters.until ?? null);
  if (order) {
    put("until", order);
    delete filters.until;
  }
  if (usd.ok) {
    if (usd.value !== null && usd.value > 0) filters.minAmount = usd.value;
  } else put("minUSD", usd.error);
  if (mode !== "flow") {
    const kinds = readKinds(p.edgeKinds);
    if (kinds.length === 0) put("edgeKinds", "Pick at least one edge kind.");
    else if (kinds.length < EDGE_KINDS.length) filters.edgeKinds = kinds;
  }
  return { filters, errors };
}

/** Throws the invalid fields as one message: a search must not run without a filter the user set. */
function orThrow(errors: Partial<Record<PathField, string>>): void {
  const list = (Object.keys(errors) as PathField[]).map((k) => `${PATH_FIELD_LABELS[k]}: ${errors[k] ?? ""}`);
  if (list.length > 0) throw new Error(`Check the search: ${list.join(" ")}`);
}

/** shortestPath's and paths's options (k aside); throws when a field is invalid. */
export function pathOptions(p: PathParams): PathOptions {
  const { filters, errors } = checkPathParams("shortest", p);
  orThrow(errors);
  return { direction: p.direction, maxHops: p.maxHops, ...filters };
}

/** moneyFlow's options (the sinks aside: the controller adds `to`); throws when a field is invalid. */
export function flowOptions(p: PathParams): FlowOptions {
  const { filters, errors } = checkPathParams("flow", p);
  orThrow(errors);
  const o: FlowOptions = { taint: p.taint, maxHops: p.maxHops };
  if (filters.since) o.since = filters.since;
  if (filters.until) o.until = filters.until;
  if (filters.minAmount !== undefined) o.minAmount = filters.minAmount;
  return o;
}

/** What the filters narrow, in a few words ("since 2018-01-26 · ≥ $10,000 · 4 of 18 edge kinds"); "" when none. */
export function describeFilters(f: EdgeFilters): string {
  const parts: string[] = [];
  if (f.since) parts.push(`since ${dateInputValue(f.since)}`);
  if (f.until) parts.push(`until ${dateInputValue(f.until)}`);
  if (f.minAmount) parts.push(`≥ ${f.minAmount.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 0, maximumFractionDigits: 2 })}`);
  if (f.edgeKinds) parts.push(`${f.edgeKinds.length} of ${EDGE_KINDS.length} edge kinds`);
  return parts.join(" · ");
}

// --- sentences and numbers of the results ----------------------------------

/**
 * The answer when no path was found, with what to try next:
 * "No path from A to B within 3 hops — try more hops or “Either way”."
 */
export function noPathMessage(r: { fromLabel: string; toLabel: string; maxHops: number; direction: Direction; filtered: boolean }): string {
  const tries = [
    r.maxHops < MAX_HOPS_LIMIT ? "more hops" : "",
    r.direction !== "BOTH" ? "“Either way”" : "",
    r.filtered ? "fewer filters" : "",
  ].filter((t) => t !== "");
  const hops = `${r.maxHops} ${r.maxHops === 1 ? "hop" : "hops"}`;
  const base = `No path from ${r.fromLabel} to ${r.toLabel} within ${hops}`;
  if (tries.length === 0) return `${base}.`;
  const last = tries.pop() ?? "";
  return `${base} — try ${tries.length > 0 ? `${tries.join(", ")} or ${last}` : last}.`;
}

/** Says plainly that the server stopped early, and why when it said. */
export function truncationMessage(reason: string | null | undefined): string {
  const r = reason?.trim().replace(/\.$/, "");
  return r ? `Results cut short: ${r}.` : "Results cut short by a server limit: narrow the search with filters or fewer hops.";
}

/** A value for people, as the server's flow summaries write it: 534 M, 21.9 M, 12.4 k, 950. */
export function compactNumber(x: number): string {
  const a = Math.abs(x);
  const [div, unit] = a >= 1e9 ? [1e9, " bn"] : a >= 1e6 ? [1e6, " M"] : a >= 1e3 ? [1e3, " k"] : [1, ""];
  const v = x / div;
  return `${v.toLocaleString("en-US", { maximumFractionDigits: Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2 })}${unit}`;
}

/** A server sentence ("of 534 M stolen, …") as a sentence: capital first, full stop last. */
export function asSentence(s: string): string {
  const t = s.trim();
  if (t === "") return "";
  const cap = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(cap) ? cap : `${cap}.`;
}

/** What a multi-selection holds: nodes by kind (most first), and the USD its edges carry. */
export function summarizeSelection(
  nodes: readonly Pick<GNode, "kind">[],
  edges: readonly Pick<GEdge, "valueUSD">[],
): { byKind: { kind: NodeKind; count: number }[]; totalUSD: number; edgesWithUSD: number } {
  const counts = new Map<NodeKind, number>();
  for (const n of nodes) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
  const byKind = NODE_KINDS.filter((k) => counts.has(k))
    .map((kind) => ({ kind, count: counts.get(kind) ?? 0 }))
    .sort((a, b) => b.count - a.count);
  let totalUSD = 0;
  let edgesWithUSD = 0;
  for (const e of edges) {
    if (e.valueUSD === null) continue;
    totalUSD += e.valueUSD;
    edgesWithUSD++;
  }
  return { byKind, totalUSD, edgesWithUSD };
}

// --- nearest of a kind ---------------------------------------------------------

/** What `nearest` looks for (the API's NearestTarget input: exactly one field). */
export interface NearestTarget {
  kind?: NodeKind;
  category?: string;
  sanctioned?: boolean;
  program?: string;
  attributed?: boolean;
  threatGroup?: string;
}

/** The targets the Nearest form offers; those with `input` take a value typed after a colon. */
export const NEAREST_TARGETS: readonly { value: string; label: string; input?: string }[] = [
  { value: "sanctioned", label: "Sanctioned (any designation)" },
  { value: "program", label: "Sanctioned under a program…", input: "Program, e.g. DPRK3" },
  { value: "attributed", label: "Attributed to a threat group" },
  { value: "group", label: "Attributed to this group…", input: "Group ID, e.g. threat_group:lazarus-group" },
  { value: "category", label: "Service of a category…", input: "Category, e.g. mixer" },
  { value: "kind", label: "Node of a kind…", input: "Kind, e.g. SERVICE" },
];

/** Splits PathParams.target into its choice and the text typed for it. */
export function splitTarget(target: string): { choice: string; text: string } {
  const i = target.indexOf(":");
  return i < 0 ? { choice: target, text: "" } : { choice: target.slice(0, i), text: target.slice(i + 1) };
}

/** The API's NearestTarget for PathParams.target, or what is wrong with it. */
export function parseTarget(target: string): Parsed<NearestTarget> {
  const { choice, text } = splitTarget(target);
  const t = text.trim();
  const need = (what: string) => fail<NearestTarget>(`Enter ${what}.`);
  switch (choice) {
    case "sanctioned":
      return ok({ sanctioned: true });
    case "attributed":
      return ok({ attributed: true });
    case "program":
      return t ? ok({ program: t.toUpperCase() }) : need("a sanctions program (e.g. DPRK3)");
    case "category":
      return t ? ok({ category: t.toLowerCase() }) : need("a service category (e.g. mixer)");
    case "group":
      return t ? ok({ threatGroup: t }) : need("a threat group's ID");
    case "kind": {
      const k = t.toUpperCase().replace(/[\s-]+/g, "_");
      if (!t) return need("a node kind (e.g. SERVICE)");
      return (NODE_KINDS as readonly string[]).includes(k) ? ok({ kind: k as NodeKind }) : fail(`“${t}” is not a node kind (${NODE_KINDS.join(", ")}).`);
    }
  }
  return fail(`Pick what to look for.`);
}

/** A target in a few words, for the answer's summary ("sanctioned", "under DPRK3", "of kind SERVICE"). */
export function describeTarget(target: string): string {
  const r = parseTarget(target);
  if (!r.ok) return "match";
  const t = r.value;
  if (t.sanctioned) return "sanctioned entity";
  if (t.attributed) return "threat-group attribution";
  if (t.program) return `designation under ${t.program}`;
  if (t.category) return `${t.category} service`;
  if (t.threatGroup) return `attribution to ${t.threatGroup}`;
  return `${(t.kind ?? "").toLowerCase().replace(/_/g, " ")} node`;
}
