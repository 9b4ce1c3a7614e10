import { describe, expect, it } from "vitest";
import type { RedthreadClient } from "../api";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { edge, HEIST, LAZARUS, node, THEFT } from "../testing/fixtures";
import type { Risk, RiskFlag } from "../types";
import { Requests } from "./ports";
import { RiskController } from "./risk";

const stolen: RiskFlag = {
  kind: "STOLEN_FUNDS", reason: "received the loot of Bridge exploit", category: null, via: HEIST, share: null, asset: null,
  nodes: [THEFT, HEIST], edges: [`${HEIST}>STOLE>${THEFT}`],
};
const none: Risk = { flags: [], truncated: false, reason: null };

function setup(risks: (ids: string[]) => Promise<(Risk | null)[]>) {
  const graph = caseGraph();
  const notify = recordingNotify();
  const effects = recordingEffects();
  const asked: string[][] = [];
  const client: Pick<RedthreadClient, "risks" | "nodes" | "edges"> = {
    risks: (ids) => {
      asked.push(ids);
      return risks(ids);
    },
    nodes: (ids) => Promise.resolve(ids.map((id) => node(id, id.startsWith("incident:") ? "INCIDENT" : "WALLET"))),
    edges: (ids) => Promise.resolve(ids.map((id) => {
      const [from = "", kind = "", to = ""] = id.split(">");
      return edge(from, kind as "STOLE", to);
    })),
  };
  const risk = new RiskController({ graph, client, requests: new Requests(notify), notify, layout: { settle: () => undefined }, effects });
  return { graph, risk, asked, notify, effects };
}

describe("RiskController", () => {
  it("asks for the risk of every node once, and badges follow", async () => {
    const { graph, risk, asked, effects } = setup((ids) => Promise.resolve(ids.map((id) => (id === THEFT ? { ...none, flags: [stolen] } : none))));
    await risk.load();
    expect(asked).toHaveLength(1);
    expect(new Set(asked[0])).toEqual(new Set(graph.nodes()));
    expect(graph.getNodeAttribute(THEFT, "badges")).toEqual(["high-risk"]);
    expect(graph.getNodeAttribute(THEFT, "risk")?.flags[0]?.reason).toBe(stolen.reason);
    expect(effects.count("refresh")).toBe(1);
    await risk.load(); // nothing missing: no request
    expect(asked).toHaveLength(1);
  });

  it("does not ask again for a node the server does not know, nor after a failure until Retry", async () => {
    let fail = true;
    const { graph, risk, asked, notify } = setup((ids) => (fail ? Promise.reject(new Error("down")) : Promise.resolve(ids.map(() => null))));
    await risk.load();
    expect(notify.told.at(-1)?.kind).toBe("error");
    await risk.load();
    expect(asked).toHaveLength(1);
    fail = false;
    notify.told.at(-1)?.retry?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toHaveLength(2);
    await risk.load();
    expect(asked).toHaveLength(2);
    expect(graph.getNodeAttribute(THEFT, "risk")).toBeUndefined();
  });

  it("asks again for every node after a judgement, and the badges follow the new answer", async () => {
    let judged = false;
    const { graph, risk, asked } = setup((ids) => Promise.resolve(ids.map((id) => (judged && id === THEFT ? { ...none, flags: [stolen] } : none))));
    await risk.load();
    expect(graph.getNodeAttribute(THEFT, "badges") ?? []).toEqual([]);
    judged = true;
    await risk.reload();
    expect(asked).toHaveLength(2);
    expect(new Set(asked[1])).toEqual(new Set(graph.nodes()));
    expect(graph.getNodeAttribute(THEFT, "badges")).toEqual(["high-risk"]);
  });

  it("puts a flag's path on the canvas, highlighted", async () => {
    const { graph, risk, effects } = setup(() => Promise.resolve([]));
    graph.dropNode(HEIST);
    await risk.showPath(stolen);
    expect(graph.hasNode(HEIST)).toBe(true);
    expect(graph.getEdgeAttribute(stolen.edges[0] ?? "", "onPath")).toBe(true);
    expect(graph.getNodeAttribute(LAZARUS, "dimmed")).toBe(true);
    expect(effects.calls).toEqual(["merged", "commit", "redraw"]);
  });
});
