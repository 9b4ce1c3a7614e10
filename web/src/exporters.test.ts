import { describe, expect, it } from "vitest";
import { csvField, RISK_NOT_LOADED, riskCells, toCSV, toGraphML, toJSON, toSVG, xmlText } from "./exporters";
import { assignBadges } from "./badges";
import type { Risk } from "./types";
import { createGraph, highlightPath, mergeSubgraph, type RGraph } from "./graphModel";
import { collapseGroup } from "./groups";
import { DEPOSIT, EXCHANGE, HEIST, LAZARUS, MIXER, PEEL1, PEEL2, PEEL3, PERSONA, THEFT, edge, launderingCase, node } from "./testing/fixtures";
import { findAll, parseXml, type XmlElement } from "./testing/xml";
import { PALETTES, nodeColor } from "./style";
import { applyFilters } from "./visibility";

const THEME = { background: "#fbfcfd", label: "#1d232a", edgeDim: "#eceff2" };
const tr = (from: string, to: string) => `${from}>TRANSFER>${to}`;

function scenario(): RGraph {
  const g = createGraph();
  mergeSubgraph(g, launderingCase());
  return g;
}

/** Splits CSV text (RFC 4180) into rows of fields, to check what a spreadsheet would read. */
function readCSV(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  expect(field).toBe("");
  return rows;
}

function dataOf(el: XmlElement): Record<string, string> {
  return Object.fromEntries(el.children.filter((c) => c.name === "data").map((c) => [c.attrs.key!, c.text]));
}

describe("csvField", () => {
  it.each<[string, string | number | null | undefined, string]>([
    ["plain text", "Lazarus Group", "Lazarus Group"],
    ["a comma", "Bridge exploit, June 2022", '"Bridge exploit, June 2022"'],
    ["a quote", 'the "Chinyong" front', '"the ""Chinyong"" front"'],
    ["a line break", "line one\nline two", '"line one\nline two"'],
    ["a CRLF", "a\r\nb", '"a\r\nb"'],
    ["a formula", "=HYPERLINK(\"http://evil\",\"x\")", '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ["a plus", "+1-555-0100", "'+1-555-0100"],
    ["a minus", "-2+3", "'-2+3"],
    ["an at sign", "@SUM(A1)", "'@SUM(A1)"],
    ["a leading tab", "\tcmd", "'\tcmd"],
    ["a leading CR", "\rcmd", "\"'\rcmd\""],
    ["a formula character later on", "a=b", "a=b"],
    ["a negative number", -0.5, "-0.5"],
    ["a number", 33000000, "33000000"],
    ["not a number", NaN, ""],
    ["null", null, ""],
    ["undefined", undefined, ""],
    ["empty", "", ""],
  ])("%s", (_name, v, want) => {
    expect(csvField(v)).toBe(want);
  });
});

describe("toCSV", () => {
  it("writes nodes and edges with headers, quoting and injection guards", () => {
    const g = scenario();
    mergeSubgraph(g, { nodes: [{ ...node(PERSONA, "PERSON"), label: '=cmd|" /C calc"!A0' }], edges: [] });
    g.setNodeAttribute(DEPOSIT, "annotation", "Seen at the exchange, 2023-01-14\nKYC: forged");
    const { nodes, edges } = toCSV(g, { nodes: [THEFT, PERSONA, DEPOSIT, "wallet:eth:0xnowhere"], edges: [tr(PEEL3, MIXER), "missing"] });
    const n = readCSV(nodes);
    expect(n[0]).toEqual(["id", "kind", "label", "address_or_key", "chain", "marking", "confidence", "sources", "annotation", "illustrative", "badges", "risk_flags", "risk_reasons"]);
    expect(n.slice(1)).toEqual([
      [THEFT, "WALLET", "0xtheft", "0xtheft", "eth", "TLP_CLEAR", "90", "0", "", "", "", RISK_NOT_LOADED, ""],
      [PERSONA, "PERSON", "'=cmd|\" /C calc\"!A0", "it-worker-persona", "", "TLP_CLEAR", "50", "0", "", "", "", RISK_NOT_LOADED, ""],
      [DEPOSIT, "WALLET", "0xdeposit", "0xdeposit", "eth", "TLP_AMBER_STRICT", "75", "0", "Seen at the exchange, 2023-01-14\nKYC: forged", "", "", RISK_NOT_LOADED, ""],
    ]);
    expect(nodes.endsWith("\r\n")).toBe(true);
    const e = readCSV(edges);
    expect(e[0]).toEqual(["id", "kind", "from", "to", "amount", "asset", "valueUSD", "time", "txHash", "marking", "confidence", "illustrative"]);
    expect(e.slice(1)).toEqual([[tr(PEEL3, MIXER), "TRANSFER", PEEL3, MIXER, "28000", "ETH", "30800000", "2022-06-27T10:00:00Z", "0x20220627100000", "TLP_CLEAR", "50", ""]]);
  });

  it("says which nodes and edges are wholly or partly synthetic", () => {
    const g = scenario();
    g.setNodeAttribute(THEFT, "data", { ...g.getNodeAttribute(THEFT, "data"), illustrativeShare: "ALL" });
    g.setNodeAttribute(DEPOSIT, "data", { ...g.getNodeAttribute(DEPOSIT, "data"), illustrativeShare: "SOME" });
    const edge = tr(PEEL3, MIXER);
    g.setEdgeAttribute(edge, "data", { ...g.getEdgeAttribute(edge, "data"), illustrativeShare: "SOME" });
    const { nodes, edges } = toCSV(g, { nodes: [THEFT, PERSONA, DEPOSIT], edges: [edge] });
    expect(readCSV(nodes).slice(1).map((r) => r[9])).toEqual(["synthetic", "", "partly synthetic"]);
    expect(readCSV(edges)[1]![11]).toBe("partly synthetic");
    const xml = toGraphML(g, { visibleOnly: false });
    expect(xml).toContain('<key id="illustrative" for="node" attr.name="illustrative" attr.type="string"/>');
    expect(xml).toMatch(new RegExp(`<node id="${THEFT}">[^\\n]*<data key="illustrative">synthetic</data>`));
    expect(xml).toMatch(/<data key="e_illustrative">partly synthetic<\/data>/);
  });

  it("carries the server's risk flags and the badges they give, beside the illustrative column", () => {
    const g = scenario();
    const flag = (kind: Risk["flags"][number]["kind"], reason: string, category: string | null = null): Risk["flags"][number] =>
      ({ kind, reason, category, via: "SELF", share: null, asset: null, nodes: [], edges: [] });
    const risks: Record<string, Risk> = {
      [MIXER]: { flags: [flag("SANCTIONED", "designated on OFAC SDN #1 (CYBER2)"), flag("SERVICE", "a mixer", "mixer")], truncated: false, reason: null },
      [DEPOSIT]: { flags: [flag("EXPOSURE", "sent 3 transfers to sanctioned counterparties, e.g. =Tornado")], truncated: true, reason: "deadline" },
      [PEEL1]: { flags: [], truncated: false, reason: null },
    };
    for (const [id, r] of Object.entries(risks)) g.setNodeAttribute(id, "risk", r);
    assignBadges(g);
    g.setNodeAttribute(MIXER, "data", { ...g.getNodeAttribute(MIXER, "data"), illustrativeShare: "SOME" });
    const rows = readCSV(toCSV(g, { nodes: [MIXER, DEPOSIT, PEEL1, THEFT], edges: [] }).nodes);
    const col = (name: string) => rows[0]!.indexOf(name);
    expect(rows.slice(1).map((r) => [r[col("illustrative")], r[col("badges")], r[col("risk_flags")], r[col("risk_reasons")]])).toEqual([
      ["partly synthetic", "sanctioned; high-risk", "SANCTIONED; SERVICE (mixer)", "designated on OFAC SDN #1 (CYBER2) | a mixer"],
      ["", "high-risk", "EXPOSURE", "sent 3 transfers to sanctioned counterparties, e.g. =Tornado | risk cut short: deadline"],
      ["", "", "", ""],
      ["", "", RISK_NOT_LOADED, ""],
    ]);

    const doc = parseXml(toGraphML(g, { visibleOnly: false }));
    const nodes = new Map(findAll(doc, "node").map((n) => [n.attrs.id!, dataOf(n)]));
    expect(nodes.get(MIXER)).toMatchObject({ illustrative: "partly synthetic", badges: "sanctioned; high-risk", risk_flags: "SANCTIONED; SERVICE (mixer)" });
    expect(nodes.get(DEPOSIT)?.risk_reasons).toBe("sent 3 transfers to sanctioned counterparties, e.g. =Tornado | risk cut short: deadline");
    expect(nodes.get(PEEL1)).not.toHaveProperty("risk_flags");
    expect(nodes.get(THEFT)?.risk_flags).toBe(RISK_NOT_LOADED);

    const json = JSON.parse(toJSON(g, { nodes: [MIXER], edges: [] })) as { nodes: { view: { risk: Risk; badges: string[] } }[] };
    expect(json.nodes[0]!.view.risk).toEqual(risks[MIXER]);
    expect(json.nodes[0]!.view.badges).toEqual(["sanctioned", "high-risk"]);
  });

  it("gives a group its members' badges and no flags of its own", () => {
    expect(riskCells({ badges: ["sanctioned"], group: { members: ["a"] } as never })).toEqual({ badges: "sanctioned", flags: "", reasons: "" });
  });

  it("exports a group and its aggregate edges with their synthesized data", () => {
    const g = scenario();
    const id = collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" });
    const { nodes, edges } = toCSV(g, { nodes: [id], edges: [`agg:${id}:TRANSFER:${MIXER}:out`] });
    expect(readCSV(nodes)[1]!.slice(0, 3)).toEqual([id, "WALLET", "Peel chain"]);
    expect(readCSV(edges)[1]!.slice(0, 7)).toEqual([`agg:${id}:TRANSFER:${MIXER}:out`, "TRANSFER", id, MIXER, "30000", "ETH", "33000000"]);
  });
});

describe("toJSON", () => {
  it("holds the API data as given plus the view attributes", () => {
    const g = scenario();
    g.mergeNodeAttributes(MIXER, { pinned: true, annotation: "Tornado Cash: sanctioned by OFAC 2022-08-08", badges: ["sanctioned"] });
    const out = JSON.parse(toJSON(g, { nodes: [MIXER, "missing"], edges: [tr(PEEL1, MIXER)] })) as {
      nodes: { data: unknown; view: Record<string, unknown> }[];
      edges: { data: unknown; view: Record<string, unknown> }[];
    };
    const api = launderingCase();
    expect(out.nodes).toHaveLength(1);
    expect(out.nodes[0]!.data).toEqual(api.nodes.find((n) => n.id === MIXER));
    expect(out.nodes[0]!.view).toMatchObject({ pinned: true, badges: ["sanctioned"], kind: "SERVICE", x: g.getNodeAttribute(MIXER, "x") });
    expect(out.nodes[0]!.view).not.toHaveProperty("data");
    expect(out.edges[0]!.data).toEqual(api.edges.find((e) => e.id === tr(PEEL1, MIXER)));
    expect(out.edges[0]!.view).toMatchObject({ kind: "TRANSFER" });
  });
});

describe("xmlText", () => {
  it.each([
    ["Lazarus Group", "Lazarus Group"],
    ['<script>alert("x")</script> & co\'s', "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co&apos;s"],
    ["tab\tline\nreturn\r", "tab&#9;line&#10;return&#13;"],
    ["bell\u0007 and nul\u0000", "bell\uFFFD and nul\uFFFD"],
    ["lone \uD800 surrogate", "lone \uFFFD surrogate"],
    ["paired 😀 surrogates", "paired 😀 surrogates"],
    ["\uFFFE", "\uFFFD"],
    ["라자루스", "라자루스"],
  ])("%j", (input, want) => {
    expect(xmlText(input)).toBe(want);
  });
});

describe("the XML check used below", () => {
  it.each([
    ["<a><b></a></b>", /mismatched/],
    ["<a x=1/>", /unquoted/],
    ['<a x="1" x="2"/>', /duplicate attribute/],
    ["<a>&nbsp;</a>", /bad entity/],
    ["<a>a & b</a>", /unterminated entity|bad entity/],
    ['<a x="<"/>', /raw '<'/],
    ["<a>\u0001</a>", /not allowed/],
    ["<a/><b/>", /after the root/],
    ["<a>", /unclosed/],
  ])("rejects %j", (xml, error) => {
    expect(() => parseXml(xml)).toThrow(error);
  });
});

describe("toGraphML", () => {
  it("is well-formed GraphML with keys, directed parallel edges and escaped values", () => {
    const g = scenario();
    mergeSubgraph(g, {
      nodes: [{ ...node("organization:evil", "ORGANIZATION"), label: '<Korea Sobaeksu & "Co">\u0001' }],
      edges: [
        edge(PEEL1, "TRANSFER", MIXER, { id: `${tr(PEEL1, MIXER)}#2`, amount: 5, asset: "ETH", time: "2022-06-24T11:00:00Z" }),
        edge("organization:evil", "ASSOCIATED_WITH", LAZARUS),
      ],
    });
    const doc = parseXml(toGraphML(g, { visibleOnly: false }));
    expect(doc.name).toBe("graphml");
    expect(doc.attrs.xmlns).toBe("http://graphml.graphdrawing.org/xmlns");
    const keys = findAll(doc, "key").map((k) => `${k.attrs.for}:${k.attrs["attr.name"]}:${k.attrs["attr.type"]}`);
    expect(keys).toEqual(
      expect.arrayContaining(["node:label:string", "node:kind:string", "node:x:double", "node:y:double", "node:size:double", "node:r:int", "node:g:int", "node:b:int", "node:marking:string", "edge:amount:double", "edge:valueUSD:double", "edge:time:string", "edge:marking:string", "edge:label:string", "edge:kind:string"]),
    );
    const ids = findAll(doc, "key").map((k) => k.attrs.id);
    expect(new Set(ids).size).toBe(ids.length);
    const graph = findAll(doc, "graph")[0]!;
    expect(graph.attrs.edgedefault).toBe("directed");
    const nodes = findAll(doc, "node");
    const edges = findAll(doc, "edge");
    expect(nodes).toHaveLength(g.order);
    expect(edges).toHaveLength(g.size);
    const evil = nodes.find((n) => n.attrs.id === "organization:evil")!;
    const [r, gr, b] = [1, 3, 5].map((i) => String(parseInt(nodeColor("ORGANIZATION").slice(i, i + 2), 16)));
    expect(dataOf(evil)).toMatchObject({ label: '<Korea Sobaeksu & "Co">\uFFFD', kind: "ORGANIZATION", marking: "TLP_CLEAR", r, g: gr, b });
    const parallel = edges.filter((e) => e.attrs.source === PEEL1 && e.attrs.target === MIXER);
    expect(parallel.map((e) => e.attrs.id).sort()).toEqual([tr(PEEL1, MIXER), `${tr(PEEL1, MIXER)}#2`]);
    expect(dataOf(parallel.find((e) => e.attrs.id === tr(PEEL1, MIXER))!)).toEqual({
      e_label: "transfer 1,000 ETH",
      e_kind: "TRANSFER",
      amount: "1000",
      asset: "ETH",
      valueUSD: "1100000",
      time: "2022-06-24T10:00:00Z",
      e_marking: "TLP_CLEAR",
    });
    // Missing values are left out rather than written empty.
    expect(dataOf(edges.find((e) => e.attrs.id === `${HEIST}>ATTRIBUTED_TO>${LAZARUS}`)!)).not.toHaveProperty("amount");
    const every = nodes.map((n) => dataOf(n));
    expect(every.every((d) => Number.isFinite(Number(d.x)) && Number.isFinite(Number(d.y)))).toBe(true);
  });

  it("exports what is drawn, or every real node and edge", () => {
    const g = scenario();
    const id = collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" });
    applyFilters(g, { hiddenKinds: ["PERSON"] });
    const drawn = parseXml(toGraphML(g, { visibleOnly: true }));
    const drawnNodes = findAll(drawn, "node").map((n) => n.attrs.id);
    expect(drawnNodes).toContain(id);
    expect(drawnNodes).not.toContain(PEEL1);
    expect(drawnNodes).not.toContain(PERSONA);
    expect(findAll(drawn, "edge").map((e) => e.attrs.id)).toContain(`agg:${id}:TRANSFER:${MIXER}:out`);

    const all = parseXml(toGraphML(g, { visibleOnly: false }));
    expect(findAll(all, "node")).toHaveLength(g.order - 1);
    expect(findAll(all, "node").map((n) => n.attrs.id)).not.toContain(id);
    expect(findAll(all, "edge")).toHaveLength(launderingCase().edges.length);
  });
});

describe("toSVG", () => {
  it("draws visible nodes, edges with arrowheads and escaped labels, fitted to the size", () => {
    const g = scenario();
    g.setNodeAttribute(LAZARUS, "label", "Lazarus <APT38> & friends");
    g.setNodeAttribute(MIXER, "badges", ["sanctioned", "high-risk"]);
    g.setNodeAttribute(PERSONA, "userHidden", true);
    const id = collapseGroup(g, { members: [PEEL1, PEEL2, PEEL3], origin: "cluster", title: "Peel chain" });
    const svg = parseXml(toSVG(g, { width: 800, height: 600, theme: THEME }));
    expect(svg.name).toBe("svg");
    expect(svg.attrs).toMatchObject({ xmlns: "http://www.w3.org/2000/svg", width: "800", height: "600", viewBox: "0 0 800 600" });
    expect(findAll(svg, "rect")[0]!.attrs.fill).toBe(THEME.background);

    const visibleNodes = g.filterNodes((_n, a) => !a.userHidden && a.collapsedInto === undefined && !(a.group && !a.group.collapsed));
    const circles = findAll(svg, "circle");
    // One disc per visible node, plus two badge rings.
    expect(circles).toHaveLength(visibleNodes.length + 2);
    expect(circles.filter((c) => c.attrs.stroke === PALETTES.light.sanctioned || c.attrs.stroke === PALETTES.light.highRisk)).toHaveLength(2);
    expect(circles.filter((c) => c.attrs["stroke-dasharray"])).toHaveLength(1); // the group
    for (const c of circles) {
      expect(Number(c.attrs.cx)).toBeGreaterThanOrEqual(0);
      expect(Number(c.attrs.cx)).toBeLessThanOrEqual(800);
      expect(Number(c.attrs.cy)).toBeGreaterThanOrEqual(0);
      expect(Number(c.attrs.cy)).toBeLessThanOrEqual(600);
    }
    const texts = findAll(svg, "text").map((t) => t.text);
    expect(texts).toContain("Lazarus <APT38> & friends");
    expect(texts).toContain("Peel chain");
    expect(texts).not.toContain(PERSONA);

    const lines = findAll(svg, "line");
    // Visible edges: attribution, theft, 2 aggregates, withdrawal, deposit, front → Lazarus (the persona is hidden).
    expect(lines).toHaveLength(7);
    const markers = new Set(findAll(svg, "marker").map((m) => m.attrs.id));
    for (const l of lines) expect(markers.has(l.attrs["marker-end"]!.replace(/^url\(#(.+)\)$/, "$1"))).toBe(true);
    expect(lines.some((l) => l.attrs.stroke === g.getEdgeAttribute(`agg:${id}:TRANSFER:${MIXER}:out`, "color"))).toBe(true);
  });

  it("colours the highlighted path and fades the rest", () => {
    const g = scenario();
    highlightPath(g, { nodeIds: [DEPOSIT, EXCHANGE], edgeIds: [`${DEPOSIT}>DEPOSITED_AT>${EXCHANGE}`] });
    const svg = parseXml(toSVG(g, { width: 400, height: 300, theme: { ...THEME, path: "#ff0000" } }));
    const strokes = findAll(svg, "line").map((l) => l.attrs.stroke);
    expect(strokes.filter((s) => s === "#ff0000")).toHaveLength(1);
    expect(strokes.filter((s) => s !== "#ff0000").every((s) => s === THEME.edgeDim)).toBe(true);
    expect(findAll(svg, "circle").filter((c) => c.attrs.opacity === "0.3")).toHaveLength(g.order - 2);
    // No labels on faded nodes, as on the canvas.
    expect(findAll(svg, "text").map((t) => t.text).sort()).toEqual(["0xdeposit", "Unnamed exchange"]);
  });

  it("marks synthetic nodes with ◇ as the canvas does, and gives a flagged node its reasons as a tooltip", () => {
    const g = scenario();
    g.setNodeAttribute(THEFT, "data", { ...g.getNodeAttribute(THEFT, "data"), illustrativeShare: "ALL" });
    g.setNodeAttribute(MIXER, "risk", { flags: [{ kind: "SANCTIONED", reason: "designated on OFAC SDN #1", category: null, via: "SELF", share: null, asset: null, nodes: [], edges: [] }], truncated: false, reason: null });
    assignBadges(g);
    const svg = parseXml(toSVG(g, { width: 400, height: 300, theme: THEME }));
    const texts = findAll(svg, "text");
    expect(texts.map((t) => t.text)).toContain("0xtheft ◇");
    const mixer = texts.find((t) => t.text === g.getNodeAttribute(MIXER, "label"));
    expect(mixer?.children.find((c) => c.name === "title")?.text).toBe("designated on OFAC SDN #1");
    expect(findAll(svg, "circle").filter((c) => c.attrs.stroke === PALETTES.light.sanctioned)).toHaveLength(1);
  });

  it("draws an empty canvas and a single node", () => {
    const empty = parseXml(toSVG(createGraph(), { width: 100, height: 100, theme: THEME }));
    expect(findAll(empty, "circle")).toHaveLength(0);
    const g = createGraph();
    mergeSubgraph(g, { nodes: [node(LAZARUS, "THREAT_GROUP", "Lazarus Group")], edges: [] });
    const one = parseXml(toSVG(g, { width: 100, height: 80, theme: THEME }));
    expect(findAll(one, "circle")[0]!.attrs).toMatchObject({ cx: "50", cy: "40" });
  });
});
