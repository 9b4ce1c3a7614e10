import { describe, expect, it } from "vitest";
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import type { GNode } from "../types";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { PEEL1, PEEL2, PEEL3, THEFT, wallet } from "../testing/fixtures";
import { GroupsController } from "./groups";
import { Requests } from "./ports";

type Client = Pick<RedthreadClient, "cluster" | "personaCluster" | "communities" | "nodes" | "edges">;

function setup(client: Partial<Client> = {}, selected: string[] = []) {
  const graph = caseGraph();
  const notify = recordingNotify();
  const effects = recordingEffects();
  const picks: Selection[] = [];
  let filtered = 0;
  const fake: Client = {
    cluster: () => Promise.reject(new Error("not asked")),
    personaCluster: () => Promise.reject(new Error("not asked")),
    communities: () => Promise.reject(new Error("not asked")),
    nodes: (ids) => Promise.resolve(ids.map((id): GNode | null => wallet(id))),
    edges: () => Promise.resolve([]),
    ...client,
  };
  const groups = new GroupsController({
    graph, client: fake, requests: new Requests(notify), notify, effects,
    select: (s) => { picks.push(s); },
    selectedNodes: () => selected,
    applyFilters: () => { filtered++; },
  });
  return { graph, groups, notify, effects, picks, filtered: () => filtered };
}

const cluster = (ids: string[]) => ({ members: ids.map((id) => ({ id, hops: 0, via: null, partner: null, heuristic: null })), size: ids.length, received: 0, sent: 0, truncated: false, reason: null });

describe("GroupsController", () => {
  it("asks for two or more nodes before grouping the selection", () => {
    const { groups, notify, effects } = setup({}, [THEFT]);
    groups.groupSelected();
    expect(notify.told.at(-1)?.kind).toBe("warn");
    expect(effects.calls).toEqual([]);
  });

  it("collapses the selection into a group node, selects it, opens and folds it", () => {
    const { graph, groups, picks, effects } = setup({}, [PEEL1, PEEL2]);
    groups.groupSelected();
    const g = picks.at(-1);
    expect(g?.type).toBe("node");
    const id = g!.id;
    expect(graph.getNodeAttribute(id, "group")).toMatchObject({ origin: "manual", collapsed: true, members: [PEEL1, PEEL2] });
    expect(graph.getNodeAttribute(PEEL1, "collapsedInto")).toBe(id);
    expect(effects.count("commit")).toBe(1);

    groups.toggle(id);
    expect(graph.getNodeAttribute(id, "group")?.collapsed).toBe(false);
    expect(graph.getNodeAttribute(PEEL1, "collapsedInto")).toBeUndefined();
    groups.toggleAround(PEEL1);
    expect(graph.getNodeAttribute(id, "group")?.collapsed).toBe(true);
    expect(picks.at(-1)).toBeNull();

    groups.ungroup(id);
    expect(graph.hasNode(id)).toBe(false);
    expect(graph.hasNode(PEEL1)).toBe(true);
  });

  it("collapses a wallet's address cluster, fetching members not on the canvas", async () => {
    const extra = "wallet:eth:0xchange";
    const { graph, groups, notify } = setup({ cluster: () => Promise.resolve({ ...cluster([PEEL3, extra]), truncated: true, reason: "max size" }) });
    await groups.collapseCluster(PEEL3);
    expect(graph.hasNode(extra)).toBe(true);
    const g = graph.findNode((_id, a) => a.group?.origin === "cluster");
    expect(g).toBeDefined();
    expect(graph.getNodeAttribute(g!, "group")?.title).toBe("Address cluster of 0xpeel3");
    expect(notify.told.map((t) => t.testid)).toContain("truncated-notice");
  });

  it("says so when a wallet's cluster is itself", async () => {
    const { graph, groups, notify } = setup({ cluster: () => Promise.resolve(cluster([PEEL3])) });
    await groups.collapseCluster(PEEL3);
    expect(notify.told.at(-1)).toMatchObject({ kind: "warn", testid: "cluster-notice" });
    expect(graph.someNode((_id, a) => a.group !== undefined)).toBe(false);
  });

  it("collapses communities of three or more", async () => {
    const { graph, groups, notify, effects } = setup({
      communities: () => Promise.resolve({ components: [], communities: [{ id: 0, members: [THEFT, PEEL1, PEEL2] }, { id: 1, members: [PEEL3] }], modularity: 0.42, truncated: false, reason: null }),
    });
    await groups.groupByCommunity();
    expect(graph.filterNodes((_id, a) => a.group?.origin === "community").length).toBe(1);
    expect(notify.told.at(-1)?.text).toBe("1 communities collapsed (modularity 0.42).");
    expect(effects.calls).toEqual(["commit", "refresh"]);
  });
});
