import { describe, expect, it } from "vitest";
import { assignBadges, badgesOf } from "./badges";
import { createGraph, mergeSubgraph, type Badge } from "./graphModel";
import { edge, node, wallet } from "./testing/fixtures";
import type { GNode, Risk, RiskFlag } from "./types";

// Since issue 16 badges render the risk the server computes (Node.risk);
// the rules that read properties and the edges drawn on the canvas are gone,
// so these cases give flags where they gave edges and properties.

function flag(kind: RiskFlag["kind"], category: string | null = null, path: string[] = ["x", "y"]): RiskFlag {
  return { kind, reason: `${kind} reason`, category, via: path[path.length - 1] ?? "x", share: null, asset: null, nodes: path, edges: path.slice(1).map((p) => `e>${p}`) };
}
function risk(...flags: RiskFlag[]): Risk {
  return { flags, truncated: false, reason: null };
}

const lazarus = node("threat_group:lazarus-group", "THREAT_GROUP");
const sanction = node("sanction:ofac-27307", "SANCTION");
const mixer = node("service:mixer", "SERVICE");
const exchange = node("service:exchange", "SERVICE");
const person = node("person:p", "PERSON");

const cases: { name: string; node: GNode; risk: Risk | undefined; want: Badge[] }[] = [
  { name: "risk not arrived yet", node: wallet("wallet:eth:0x1"), risk: undefined, want: [] },
  { name: "a plain wallet", node: wallet("wallet:eth:0x1"), risk: risk(), want: [] },
  { name: "an exchange", node: exchange, risk: risk(flag("SERVICE", "exchange", [exchange.id])), want: [] },
  { name: "a person without flags", node: person, risk: risk(), want: [] },
  { name: "a threat group", node: lazarus, risk: risk(flag("ATTRIBUTED", null, [lazarus.id])), want: ["high-risk"] },
  { name: "a mixer", node: mixer, risk: risk(flag("SERVICE", "mixer", [mixer.id])), want: ["high-risk"] },
  { name: "a GraphSense mixing service", node: mixer, risk: risk(flag("SERVICE", "mixing_service", [mixer.id])), want: ["high-risk"] },
  { name: "a coinjoin, category in capitals", node: mixer, risk: risk(flag("SERVICE", "CoinJoin", [mixer.id])), want: ["high-risk"] },
  { name: "an incident attributed to a group", node: node("incident:heist", "INCIDENT"), risk: risk(flag("ATTRIBUTED")), want: [] },
  { name: "a sanction node itself", node: sanction, risk: risk(flag("SANCTIONED")), want: [] },
  { name: "a person designated itself", node: person, risk: risk(flag("SANCTIONED")), want: ["sanctioned"] },
  { name: "a wallet listed by OFAC", node: wallet("wallet:eth:0x2"), risk: risk(flag("SANCTIONED")), want: ["sanctioned"] },
  {
    name: "a wallet controlled by a designated entity",
    node: wallet("wallet:eth:0x2"),
    risk: risk(flag("SANCTIONED", null, ["wallet:eth:0x2", "organization:ofac-sdn-27307", sanction.id])),
    want: ["sanctioned"],
  },
  { name: "a sanctioned exchange is also high-risk", node: exchange, risk: risk(flag("SANCTIONED"), flag("SERVICE", "exchange")), want: ["sanctioned", "high-risk"] },
  { name: "a sanctioned threat group", node: lazarus, risk: risk(flag("SANCTIONED"), flag("ATTRIBUTED")), want: ["sanctioned", "high-risk"] },
  { name: "a wallet that received loot", node: wallet("wallet:eth:0x3"), risk: risk(flag("STOLEN_FUNDS")), want: ["high-risk"] },
  { name: "a wallet attributed to a threat group", node: wallet("wallet:eth:0x6"), risk: risk(flag("ATTRIBUTED")), want: ["high-risk"] },
  { name: "a mixer's pool wallet", node: wallet("wallet:eth:0x7"), risk: risk(flag("SERVICE", "mixer")), want: ["high-risk"] },
  { name: "an exchange's deposit wallet", node: wallet("wallet:eth:0x8"), risk: risk(flag("SERVICE", "exchange")), want: [] },
  { name: "a wallet exposed to a mixer", node: wallet("wallet:eth:0x9"), risk: risk(flag("EXPOSURE", "mixer")), want: ["high-risk"] },
];

describe("badgesOf", () => {
  it.each(cases)("$name → $want", ({ node: n, risk: r, want }) => {
    expect(badgesOf(n, r)).toEqual(want);
  });
});

describe("assignBadges", () => {
  it("sets badges from the server's risk, whatever edges are drawn, touching only nodes that change", () => {
    const g = createGraph();
    const ronin = "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96";
    // Alone on the canvas: no SANCTIONED_BY edge drawn, still sanctioned.
    mergeSubgraph(g, { nodes: [wallet(ronin), lazarus], edges: [] });
    expect(assignBadges(g)).toBe(0); // no risk yet
    g.setNodeAttribute(ronin, "risk", risk(flag("SANCTIONED", null, [ronin, sanction.id])));
    g.setNodeAttribute(lazarus.id, "risk", risk(flag("ATTRIBUTED", null, [lazarus.id])));
    expect(assignBadges(g)).toBe(2);
    expect(g.getNodeAttribute(ronin, "badges")).toEqual(["sanctioned"]);
    expect(g.getNodeAttribute(lazarus.id, "badges")).toEqual(["high-risk"]);

    // The sanction edge drawn, then removed (a later path view): the same badge.
    mergeSubgraph(g, { nodes: [sanction], edges: [edge(ronin, "SANCTIONED_BY", sanction.id)] });
    let updates = 0;
    g.on("nodeAttributesUpdated", () => updates++);
    expect(assignBadges(g)).toBe(0);
    g.dropEdge(`${ronin}>SANCTIONED_BY>${sanction.id}`);
    expect(assignBadges(g)).toBe(0);
    expect(updates).toBe(0);
    expect(g.getNodeAttribute(ronin, "badges")).toEqual(["sanctioned"]);

    // The risk changes: the badge follows.
    g.setNodeAttribute(ronin, "risk", risk());
    expect(assignBadges(g)).toBe(1);
    expect(g.hasNodeAttribute(ronin, "badges")).toBe(false);
  });

  it("takes a search hit's risk as it merges the node", () => {
    const g = createGraph();
    const hit: GNode = { ...wallet("wallet:eth:0xa"), risk: risk(flag("STOLEN_FUNDS")) };
    mergeSubgraph(g, { nodes: [hit], edges: [] });
    assignBadges(g);
    expect(g.getNodeAttribute(hit.id, "badges")).toEqual(["high-risk"]);
    // A later answer without risk (an expansion) keeps it.
    mergeSubgraph(g, { nodes: [wallet("wallet:eth:0xa")], edges: [] });
    expect(g.getNodeAttribute(hit.id, "risk")?.flags).toHaveLength(1);
  });

  it("gives a group node its members' badges", () => {
    const g = createGraph();
    const theft = "wallet:eth:0xtheft";
    const plain = "wallet:eth:0xplain";
    mergeSubgraph(g, { nodes: [wallet(theft), wallet(plain), lazarus], edges: [] });
    g.setNodeAttribute(theft, "risk", risk(flag("STOLEN_FUNDS")));
    g.setNodeAttribute(plain, "risk", risk());
    g.addNode("group:a", { ...g.getNodeAttributes(plain), group: { members: [theft, plain], origin: "manual", title: "t", collapsed: true } });
    g.addNode("group:b", { ...g.getNodeAttributes(plain), group: { members: [plain], origin: "manual", title: "u", collapsed: true } });
    assignBadges(g);
    expect(g.getNodeAttribute("group:a", "badges")).toEqual(["high-risk"]);
    expect(g.hasNodeAttribute("group:b", "badges")).toBe(false);
  });
});
