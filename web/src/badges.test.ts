import { describe, expect, it } from "vitest";
import { assignBadges, badgesOf, type Link } from "./badges";
import { createGraph, mergeSubgraph, type Badge } from "./graphModel";
import { edge, node, wallet } from "./testing/fixtures";
import type { GNode, JSONValue, NodeKind } from "./types";

function withProps(kind: NodeKind, props: Record<string, JSONValue>): GNode {
  return { ...node(`${kind.toLowerCase()}:x`, kind), properties: Object.entries(props).map(([key, value]) => ({ key, value })) };
}

const incident = node("incident:heist", "INCIDENT");
const lazarus = node("threat_group:lazarus-group", "THREAT_GROUP");
const sanction = withProps("SANCTION", { authority: "OFAC", list: "SDN", entNum: "123" });
const mixer = withProps("SERVICE", { category: "mixer" });
const exchange = withProps("SERVICE", { category: "exchange" });
const person = node("person:p", "PERSON");

const cases: { name: string; node: GNode; links?: Link[]; want: Badge[] }[] = [
  { name: "a plain wallet", node: wallet("wallet:eth:0x1"), want: [] },
  { name: "an exchange", node: exchange, want: [] },
  { name: "a person", node: person, want: [] },
  { name: "a threat group", node: lazarus, want: ["high-risk"] },
  { name: "a mixer", node: mixer, want: ["high-risk"] },
  { name: "a GraphSense mixing service", node: withProps("SERVICE", { category: "mixing_service" }), want: ["high-risk"] },
  { name: "a coinjoin, category in capitals", node: withProps("SERVICE", { category: "CoinJoin" }), want: ["high-risk"] },
  { name: "a sanction node itself", node: sanction, links: [{ kind: "SANCTIONED_BY", outgoing: false, other: person }], want: [] },
  {
    name: "a person with a SANCTIONED_BY edge",
    node: person,
    links: [{ kind: "SANCTIONED_BY", outgoing: true, other: sanction }],
    want: ["sanctioned"],
  },
  {
    name: "a wallet listed by OFAC",
    node: wallet("wallet:eth:0x2"),
    links: [{ kind: "SANCTIONED_BY", outgoing: true, other: sanction }],
    want: ["sanctioned"],
  },
  {
    name: "a sanctioned exchange is also high-risk",
    node: exchange,
    links: [{ kind: "SANCTIONED_BY", outgoing: true, other: sanction }],
    want: ["sanctioned", "high-risk"],
  },
  { name: "a sanctioned threat group", node: withProps("THREAT_GROUP", { sanctioned: true }), want: ["sanctioned", "high-risk"] },
  { name: "sanctioned: \"yes\"", node: withProps("ORGANIZATION", { sanctioned: "yes" }), want: ["sanctioned"] },
  { name: "sanctioned: false", node: withProps("ORGANIZATION", { sanctioned: false }), want: [] },
  { name: "sanctioned: \"no\"", node: withProps("ORGANIZATION", { sanctioned: "no" }), want: [] },
  { name: "a sanctions list", node: withProps("PERSON", { sanctions: ["OFAC SDN"] }), want: ["sanctioned"] },
  { name: "an empty sanctions list", node: withProps("PERSON", { sanctions: [] }), want: [] },
  { name: "an ofac flag", node: withProps("ORGANIZATION", { ofac: true }), want: ["sanctioned"] },
  { name: "a designation", node: withProps("ORGANIZATION", { designation: "DPRK3" }), want: ["sanctioned"] },
  { name: "an SDN entry (sdnType)", node: withProps("PERSON", { sdnType: "Individual", entNum: "7" }), want: ["sanctioned"] },
  { name: "FtM topic sanction", node: withProps("ORGANIZATION", { topics: ["sanction", "crime"] }), want: ["sanctioned"] },
  { name: "FtM topic sanction.linked", node: withProps("ORGANIZATION", { topics: "sanction.linked" }), want: ["high-risk"] },
  { name: "GraphSense abuse sanction", node: withProps("WALLET", { abuse: "sanction" }), want: ["sanctioned"] },
  { name: "GraphSense actor categories", node: withProps("ORGANIZATION", { categories: ["Sanction"] }), want: ["sanctioned"] },
  {
    name: "a wallet that received loot",
    node: wallet("wallet:eth:0x3"),
    links: [{ kind: "STOLE", outgoing: false, other: incident }],
    want: ["high-risk"],
  },
  {
    name: "STOLE from something other than an incident",
    node: wallet("wallet:eth:0x4"),
    links: [{ kind: "STOLE", outgoing: false, other: person }],
    want: [],
  },
  {
    name: "a wallet controlled by a threat group",
    node: wallet("wallet:eth:0x5"),
    links: [{ kind: "CONTROLS", outgoing: false, other: lazarus }],
    want: ["high-risk"],
  },
  {
    name: "a wallet attributed to a threat group",
    node: wallet("wallet:eth:0x6"),
    links: [{ kind: "ATTRIBUTED_TO", outgoing: true, other: lazarus }],
    want: ["high-risk"],
  },
  {
    name: "a mixer's pool wallet",
    node: wallet("wallet:eth:0x7"),
    links: [{ kind: "CONTROLS", outgoing: false, other: mixer }],
    want: ["high-risk"],
  },
  {
    name: "an exchange's deposit wallet",
    node: wallet("wallet:eth:0x8"),
    links: [{ kind: "CONTROLS", outgoing: false, other: exchange }],
    want: [],
  },
  {
    name: "a wallet that sent to a theft wallet is not tainted by it",
    node: wallet("wallet:eth:0x9"),
    links: [{ kind: "TRANSFER", outgoing: true, other: wallet("wallet:eth:0x3") }],
    want: [],
  },
  {
    name: "an incident's own STOLE edge does not mark the incident",
    node: incident,
    links: [{ kind: "STOLE", outgoing: true, other: wallet("wallet:eth:0x3") }],
    want: [],
  },
];

describe("badgesOf", () => {
  it.each(cases)("$name → $want", ({ node: n, links, want }) => {
    expect(badgesOf(n, links)).toEqual(want);
  });
});

describe("assignBadges", () => {
  it("sets badges from the edges on the canvas, touching only nodes that change", () => {
    const g = createGraph();
    const theft = "wallet:eth:0xtheft";
    mergeSubgraph(g, { nodes: [incident, wallet(theft), lazarus], edges: [] });
    expect(assignBadges(g)).toBe(1); // Lazarus
    expect(g.getNodeAttribute(lazarus.id, "badges")).toEqual(["high-risk"]);
    expect(g.getNodeAttribute(theft, "badges")).toBeUndefined();

    mergeSubgraph(g, { nodes: [], edges: [edge(incident.id, "STOLE", theft)] });
    let updates = 0;
    g.on("nodeAttributesUpdated", () => updates++);
    expect(assignBadges(g)).toBe(1);
    expect(updates).toBe(1);
    expect(g.getNodeAttribute(theft, "badges")).toEqual(["high-risk"]);
    expect(assignBadges(g)).toBe(0);

    g.dropEdge(`${incident.id}>STOLE>${theft}`);
    expect(assignBadges(g)).toBe(1);
    expect(g.hasNodeAttribute(theft, "badges")).toBe(false);
  });

  it("gives a group node its members' badges", () => {
    const g = createGraph();
    const theft = "wallet:eth:0xtheft";
    const plain = "wallet:eth:0xplain";
    mergeSubgraph(g, { nodes: [incident, wallet(theft), wallet(plain), lazarus], edges: [edge(incident.id, "STOLE", theft)] });
    g.addNode("group:a", { ...g.getNodeAttributes(plain), group: { members: [theft, plain], origin: "manual", title: "t", collapsed: true } });
    g.addNode("group:b", { ...g.getNodeAttributes(plain), group: { members: [plain], origin: "manual", title: "u", collapsed: true } });
    assignBadges(g);
    expect(g.getNodeAttribute("group:a", "badges")).toEqual(["high-risk"]);
    expect(g.hasNodeAttribute("group:b", "badges")).toBe(false);
  });
});
