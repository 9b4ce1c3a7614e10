import { describe, expect, it } from "vitest";
import { EDGE_KINDS, type EdgeKind } from "../types";
import {
  DEFAULT_EXPAND,
  expandDraft,
  expandFilterCount,
  hubWarning,
  parseExpandDraft,
  toNeighborOptions,
  type ExpandDraft,
  type ExpandFilters,
} from "./expandForm";
import {
  DEFAULT_PATH_PARAMS,
  EDGE_KIND_GROUPS,
  asSentence,
  compactNumber,
  dateInputValue,
  describeFilters,
  noPathMessage,
  parseDate,
  parseIntInRange,
  parseUSD,
  pickKinds,
  readKinds,
  readPathParams,
  summarizeSelection,
  truncationMessage,
  writeKinds,
  checkPathParams,
  flowOptions,
  pathOptions,
  type PathMode,
  type PathParams,
} from "./forms";

describe("parseDate", () => {
  it.each([
    ["", "start", null],
    ["   ", "end", null],
    ["2018-01-26", "start", "2018-01-26T00:00:00Z"],
    ["2018-01-26", "end", "2018-01-26T23:59:59.999Z"],
    [" 2024-02-29 ", "start", "2024-02-29T00:00:00Z"],
    ["2018-01-26T03:02", "start", "2018-01-26T03:02:00Z"],
    ["2018-01-26 03:02:05", "end", "2018-01-26T03:02:05Z"],
    ["2018-01-26T03:02:00+09:00", "start", "2018-01-25T18:02:00Z"],
    ["2018-01-26T03:02:00.250Z", "start", "2018-01-26T03:02:00.250Z"],
  ] as const)("%j as %s → %j", (input, bound, want) => {
    expect(parseDate(input, bound)).toEqual({ ok: true, value: want });
  });

  it.each([
    ["2018-02-30", /No such date/],
    ["2023-02-29", /No such date/],
    ["2018-13-01", /No such date/],
    ["2018-01-26T25:00", /No such date or time/],
    ["2018-02-30T00:00:00Z", /No such date or time/],
    ["26/01/2018", /Not a date.*YYYY-MM-DD/],
    ["yesterday", /Not a date/],
    ["2018-1-26", /Not a date/],
  ])("rejects %j", (input, msg) => {
    const r = parseDate(input, "start");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });

  it.each([
    [null, ""],
    ["", ""],
    ["2018-01-26T00:00:00Z", "2018-01-26"],
    ["2018-01-26T23:59:59.999Z", "2018-01-26"],
    ["2018-01-26T03:00:00+09:00", "2018-01-25"],
    ["garbage", ""],
  ])("dateInputValue(%j) = %j", (input, want) => {
    expect(dateInputValue(input)).toBe(want);
  });
});

describe("parseUSD", () => {
  it.each([
    ["", null],
    ["0", 0],
    ["10000", 10000],
    ["10,000", 10000],
    ["$25k", 25000],
    ["1.5M", 1500000],
    ["1.1m", 1100000],
    ["21.9 M", 21900000],
    ["2bn", 2e9],
    ["3B", 3e9],
    ["USD 500", 500],
    ["500 usd", 500],
    [".5k", 500],
    ["12.345", 12.35],
    ["1 000 000", 1e6],
  ])("%j → %j", (input, want) => {
    expect(parseUSD(input)).toEqual({ ok: true, value: want });
  });

  it.each([
    ["-5", /negative/],
    ["abc", /Not an amount/],
    ["1.5x", /Not an amount/],
    ["1e6", /Not an amount/],
    ["$", /Not an amount/],
  ])("rejects %j", (input, msg) => {
    const r = parseUSD(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });
});

describe("parseIntInRange", () => {
  it.each([
    ["1", 1, 12, { ok: true, value: 1 }],
    [" 12 ", 1, 12, { ok: true, value: 12 }],
    ["5000", 1, 5000, { ok: true, value: 5000 }],
    ["", 1, 12, { ok: false, error: "Required: a whole number from 1 to 12." }],
    ["0", 1, 12, { ok: false, error: "Out of range: enter a whole number from 1 to 12." }],
    ["13", 1, 12, { ok: false, error: "Out of range: enter a whole number from 1 to 12." }],
    ["2.5", 1, 12, { ok: false, error: "Enter a whole number from 1 to 12." }],
    ["-1", 1, 12, { ok: false, error: "Enter a whole number from 1 to 12." }],
  ])("%j in [%i, %i]", (input, min, max, want) => {
    expect(parseIntInRange(input, min, max)).toEqual(want);
  });
});

describe("kind pickers", () => {
  it("groups every edge kind exactly once", () => {
    const all = EDGE_KIND_GROUPS.flatMap((g) => g.kinds);
    expect([...all].sort()).toEqual([...EDGE_KINDS].sort());
    expect(EDGE_KIND_GROUPS.map((g) => g.id)).toEqual(["money", "control", "attribution", "theft", "other"]);
    expect(EDGE_KIND_GROUPS.find((g) => g.id === "other")?.kinds).toEqual(["USES", "PART_OF", "LOCATED_IN", "SANCTIONED_BY"]);
  });

  it("orders and deduplicates picks", () => {
    expect(pickKinds<EdgeKind>(["PAYS", "TRANSFER", "PAYS"], EDGE_KINDS)).toEqual(["TRANSFER", "PAYS"]);
    expect(pickKinds<EdgeKind>([], EDGE_KINDS)).toEqual([]);
  });
});

describe("path parameters", () => {
  const params = (patch: Partial<PathParams>): PathParams => ({ ...DEFAULT_PATH_PARAMS, ...patch });

  it.each<[Record<string, unknown>, Partial<PathParams>]>([
    [{}, {}],
    [
      { direction: "OUT", taint: "FIFO", maxHops: 8, k: 3, since: "2018-01-26", until: "2018-02-01", minUSD: "10k", edgeKinds: "TRANSFER" },
      { direction: "OUT", taint: "FIFO", maxHops: 8, k: 3, since: "2018-01-26", until: "2018-02-01", minUSD: "10k", edgeKinds: "TRANSFER" },
    ],
    [{ direction: "SIDEWAYS", taint: "ALL", maxHops: "8", k: null, since: 5, other: true }, {}],
    [{ maxHops: 40 }, { maxHops: 40 }],
  ])("readPathParams(%j)", (raw, patch) => {
    expect(readPathParams(raw)).toEqual(params(patch));
  });

  it("reads and writes edge kinds as a flat list", () => {
    expect(readKinds("")).toEqual([...EDGE_KINDS]);
    expect(readKinds("PAYS, TRANSFER,NOPE")).toEqual(["TRANSFER", "PAYS"]);
    expect(readKinds("NOPE")).toEqual([]);
    expect(writeKinds([...EDGE_KINDS])).toBe("");
    expect(writeKinds(["DEPOSITED_AT", "TRANSFER"])).toBe("TRANSFER,DEPOSITED_AT");
    expect(writeKinds([])).toBe("");
  });

  const cases: { name: string; mode: PathMode; patch: Partial<PathParams>; filters: object; errors: object }[] = [
    { name: "defaults", mode: "shortest", patch: {}, filters: {}, errors: {} },
    {
      name: "window, amount and kinds",
      mode: "shortest",
      patch: { since: "2018-01-26", until: "2018-03-01", minUSD: "10k", edgeKinds: "TRANSFER,DEPOSITED_AT" },
      filters: { since: "2018-01-26T00:00:00Z", until: "2018-03-01T23:59:59.999Z", minAmount: 10000, edgeKinds: ["TRANSFER", "DEPOSITED_AT"] },
      errors: {},
    },
    { name: "a zero amount is no filter", mode: "shortest", patch: { minUSD: "0" }, filters: {}, errors: {} },
    { name: "one day", mode: "k", patch: { since: "2018-01-26", until: "2018-01-26" }, filters: { since: "2018-01-26T00:00:00Z", until: "2018-01-26T23:59:59.999Z" }, errors: {} },
    { name: "reversed window", mode: "shortest", patch: { since: "2018-03-01", until: "2018-01-26" }, filters: { since: "2018-03-01T00:00:00Z" }, errors: { until: "“Until” is before “Since”." } },
    {
      name: "bad fields",
      mode: "shortest",
      patch: { since: "soon", minUSD: "lots" },
      filters: {},
      errors: { since: expect.stringMatching(/Not a date/) as unknown, minUSD: expect.stringMatching(/Not an amount/) as unknown },
    },
    { name: "no known edge kind", mode: "shortest", patch: { edgeKinds: "NOPE" }, filters: {}, errors: { edgeKinds: "Pick at least one edge kind." } },
    { name: "flows ignore edge kinds", mode: "flow", patch: { edgeKinds: "NOPE", minUSD: "1M" }, filters: { minAmount: 1e6 }, errors: {} },
    { name: "hops out of range", mode: "shortest", patch: { maxHops: 13 }, filters: {}, errors: { maxHops: "Enter a whole number from 1 to 12." } },
    { name: "k checked in k mode only", mode: "k", patch: { k: 21 }, filters: {}, errors: { k: "Enter a whole number from 1 to 20." } },
    { name: "k ignored elsewhere", mode: "shortest", patch: { k: 0 }, filters: {}, errors: {} },
    { name: "fractional hops", mode: "flow", patch: { maxHops: 2.5 }, filters: {}, errors: { maxHops: "Enter a whole number from 1 to 12." } },
  ];
  it.each(cases)("$name", ({ mode, patch, filters, errors }) => {
    expect(checkPathParams(mode, params(patch))).toEqual({ filters, errors });
  });

  it("builds the path and flow options", () => {
    const p = params({ direction: "OUT", maxHops: 8, since: "2018-01-26", minUSD: "$500", edgeKinds: "TRANSFER", taint: "FIFO" });
    expect(pathOptions(p)).toEqual({ direction: "OUT", maxHops: 8, since: "2018-01-26T00:00:00Z", minAmount: 500, edgeKinds: ["TRANSFER"] });
    expect(flowOptions(p)).toEqual({ taint: "FIFO", maxHops: 8, since: "2018-01-26T00:00:00Z", minAmount: 500 });
    expect(flowOptions(DEFAULT_PATH_PARAMS)).toEqual({ taint: "HAIRCUT", maxHops: 10 });
  });

  it("refuses to search with an invalid field", () => {
    expect(() => pathOptions(params({ minUSD: "lots", maxHops: 0 }))).toThrow(/^Check the search: Max hops: Enter a whole number from 1 to 12\. Minimum USD: Not an amount/);
    expect(() => flowOptions(params({ until: "2018-02-30" }))).toThrow("Check the search: Until: No such date: 2018-02-30.");
  });

  it.each([
    [{}, ""],
    [{ since: "2018-01-26T00:00:00Z", minAmount: 10000 }, "since 2018-01-26 · ≥ $10,000"],
    [{ until: "2018-03-01T23:59:59.999Z", edgeKinds: ["TRANSFER"] as EdgeKind[] }, "until 2018-03-01 · 1 of 18 edge kinds"],
  ])("describeFilters(%j) = %j", (f, want) => {
    expect(describeFilters(f)).toBe(want);
  });
});

describe("expansion filters", () => {
  const draft = (d: Partial<ExpandDraft>): ExpandDraft => ({ ...expandDraft(DEFAULT_EXPAND), ...d });

  it("maps the defaults to the old expansion (BOTH, depth 1, 50) without filters", () => {
    expect(toNeighborOptions(DEFAULT_EXPAND)).toEqual({ direction: "BOTH", depth: 1, limit: 50 });
    expect(expandFilterCount(DEFAULT_EXPAND)).toBe(0);
  });

  it.each<[Partial<ExpandFilters>, object, number]>([
    [{ direction: "OUT" }, { direction: "OUT", depth: 1, limit: 50 }, 1],
    [{ edgeKinds: ["TRANSFER", "PAYS"] }, { direction: "BOTH", depth: 1, limit: 50, edgeKinds: ["TRANSFER", "PAYS"] }, 1],
    [{ nodeKinds: ["WALLET"] }, { direction: "BOTH", depth: 1, limit: 50, nodeKinds: ["WALLET"] }, 1],
    [
      { since: "2018-01-26T00:00:00Z", until: "2018-02-01T23:59:59.999Z", minUSD: 1e6, limit: 500, depth: 2 },
      { direction: "BOTH", depth: 2, limit: 500, since: "2018-01-26T00:00:00Z", until: "2018-02-01T23:59:59.999Z", minAmount: 1e6 },
      3,
    ],
    [{ minUSD: 0 }, { direction: "BOTH", depth: 1, limit: 50 }, 0],
  ])("%j → %j (%i filters)", (patch, want, count) => {
    const f: ExpandFilters = { ...DEFAULT_EXPAND, ...patch };
    expect(toNeighborOptions(f)).toEqual(want);
    expect(expandFilterCount(f)).toBe(count);
  });

  it("prefills the dialog and reads it back unchanged", () => {
    const f = { ...DEFAULT_EXPAND, direction: "IN" as const, since: "2018-01-26T00:00:00Z", until: "2018-02-01T23:59:59.999Z", minUSD: 2500, limit: 200, depth: 2 as const };
    const d = expandDraft(f);
    expect(d).toMatchObject({ since: "2018-01-26", until: "2018-02-01", minUSD: "2500", limit: "200", depth: "2" });
    expect(parseExpandDraft(d)).toEqual({ ok: true, value: f });
  });

  it.each([
    ["no edge kind", { edgeKinds: [] }, { edgeKinds: "Pick at least one edge kind." }],
    ["no node kind", { nodeKinds: [] }, { nodeKinds: "Pick at least one node kind." }],
    ["limit too high", { limit: "2501" }, { limit: "Out of range: enter a whole number from 1 to 2500." }],
    ["limit empty", { limit: "" }, { limit: "Required: a whole number from 1 to 2500." }],
    ["depth 3", { depth: "3" }, { depth: "Out of range: enter a whole number from 1 to 2." }],
    ["reversed window", { since: "2018-02-01", until: "2018-01-26" }, { until: "“Until” is before “Since”." }],
    ["bad amount", { minUSD: "a lot" }, { minUSD: expect.stringMatching(/Not an amount/) as unknown }],
    ["bad date", { since: "2018-02-30" }, { since: "No such date: 2018-02-30." }],
  ] as const)("rejects %s", (_name, patch, errors) => {
    expect(parseExpandDraft(draft(patch as Partial<ExpandDraft>))).toEqual({ ok: false, errors });
  });

  it("writes the hub warning", () => {
    expect(hubWarning("Binance", 12345, 50)).toBe(
      "Binance has 12,345 connections: an expansion shows at most 50 of them. Narrow it with filters first.",
    );
  });
});

describe("result sentences", () => {
  const base = { fromLabel: "Lazarus Group", toLabel: "Garantex", maxHops: 3, direction: "BOTH" as const, filtered: false };
  it.each([
    [{}, "No path from Lazarus Group to Garantex within 3 hops — try more hops."],
    [{ direction: "OUT" as const }, "No path from Lazarus Group to Garantex within 3 hops — try more hops or “Either way”."],
    [{ direction: "IN" as const, filtered: true }, "No path from Lazarus Group to Garantex within 3 hops — try more hops, “Either way” or fewer filters."],
    [{ maxHops: 12 }, "No path from Lazarus Group to Garantex within 12 hops."],
    [{ maxHops: 12, filtered: true }, "No path from Lazarus Group to Garantex within 12 hops — try fewer filters."],
    [{ maxHops: 1 }, "No path from Lazarus Group to Garantex within 1 hop — try more hops."],
  ])("noPathMessage(%j)", (patch, want) => {
    expect(noPathMessage({ ...base, ...patch })).toBe(want);
  });

  it.each([
    ["node budget exceeded", "Results cut short: node budget exceeded."],
    ["time limit reached.", "Results cut short: time limit reached."],
    [null, "Results cut short by a server limit: narrow the search with filters or fewer hops."],
    ["  ", "Results cut short by a server limit: narrow the search with filters or fewer hops."],
  ])("truncationMessage(%j)", (reason, want) => {
    expect(truncationMessage(reason)).toBe(want);
  });

  it.each([
    [0, "0"],
    [950, "950"],
    [12.5, "12.5"],
    [12400, "12.4 k"],
    [21_900_000, "21.9 M"],
    [534_000_000, "534 M"],
    [1_234_567_890, "1.23 bn"],
    [-2500, "-2.5 k"],
  ])("compactNumber(%d) = %j", (x, want) => {
    expect(compactNumber(x)).toBe(want);
  });

  it.each([
    ["of 534 M stolen, 21.9 M reached Garantex (exchange) by 3 routes under HAIRCUT", "Of 534 M stolen, 21.9 M reached Garantex (exchange) by 3 routes under HAIRCUT."],
    ["Done.", "Done."],
    ["", ""],
  ])("asSentence(%j)", (s, want) => {
    expect(asSentence(s)).toBe(want);
  });

  it("summarizes a selection", () => {
    const s = summarizeSelection(
      [{ kind: "SERVICE" }, { kind: "WALLET" }, { kind: "WALLET" }, { kind: "INCIDENT" }, { kind: "WALLET" }],
      [{ valueUSD: 1000 }, { valueUSD: null }, { valueUSD: 21_900_000 }],
    );
    expect(s).toEqual({
      byKind: [
        { kind: "WALLET", count: 3 },
        { kind: "SERVICE", count: 1 },
        { kind: "INCIDENT", count: 1 },
      ],
      totalUSD: 21_901_000,
      edgesWithUSD: 2,
    });
    expect(summarizeSelection([], [])).toEqual({ byKind: [], totalUSD: 0, edgesWithUSD: 0 });
  });
});
