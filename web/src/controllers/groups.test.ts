import { describe, expect, it } from "vitest";
import type { RedthreadClient } from "../api";
import type { Selection } from "../canvas";
import type { GNode } from "../types";
import { caseGraph, recordingEffects, recordingNotify } from "../testing/controllers";
import { edge, node, PEEL1, PEEL2, PEEL3, THEFT, wallet } from "../testing/fixtures";
import type { GEdge, PersonaCluster, PersonaLink, SameAsDecision } from "../types";
import { collapseGroup } from "../groups";
import { GroupsController } from "./groups";
import { Requests } from "./ports";

type Client = Pick<RedthreadClient, "cluster" | "personaCluster" | "judgeSameAs" | "communities" | "nodes" | "edges">;

function setup(client: Partial<Client> = {}, selected: string[] = []) {
  const graph = caseGraph();
  const notify = recordingNotify();
  const effects = recordingEffects();
  const picks: Selection[] = [];
  let filtered = 0;
  const lit: { nodes: string[]; edges: string[] }[] = [];
  const fake: Client = {
    cluster: () => Promise.reject(new Error("not asked")),
    personaCluster: () => Promise.reject(new Error("not asked")),
    judgeSameAs: () => Promise.reject(new Error("not asked")),
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
    highlight: (nodes, edges) => { lit.push({ nodes, edges }); },
  });
  return { graph, groups, notify, effects, picks, filtered: () => filtered, lit };
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

  describe("persona clusters", () => {
    // Persona A and B share a payout wallet (0.85) and an IP (0.3); B and C an e-mail (0.9).
    const [A, B, C] = ["person:a", "person:b", "person:c"];
    const [WAL, IP, MAIL] = ["wallet:eth:0xpayout", "identifier:ip:10.0.0.1", "identifier:email:c@x"];
    const edges: GEdge[] = [
      edge(A, "CONTROLS", WAL), edge(B, "CONTROLS", WAL), edge(A, "USES", IP), edge(B, "USES", IP), edge(B, "USES", MAIL), edge(C, "USES", MAIL),
    ];
    const id = (from: string, kind: string, to: string) => `${from}>${kind}>${to}`;
    const ab: PersonaLink = {
      a: A, b: B, score: 0.895, judgement: null,
      evidence: [
        { identifier: WAL, type: "wallet", weight: 0.85, edges: [id(A, "CONTROLS", WAL), id(B, "CONTROLS", WAL)] },
        { identifier: IP, type: "ip", weight: 0.3, edges: [id(A, "USES", IP), id(B, "USES", IP)] },
      ],
    };
    const bc: PersonaLink = { a: B, b: C, score: 0.9, judgement: null, evidence: [{ identifier: MAIL, type: "email", weight: 0.9, edges: [id(B, "USES", MAIL), id(C, "USES", MAIL)] }] };

    /** A server that drops a rejected link, and the personas only it reached, from its next answer. */
    function server() {
      const judged: { a: string; b: string; decision: SameAsDecision }[] = [];
      const answer = (): PersonaCluster => {
        const rejected = new Set(judged.filter((j) => j.decision === "DIFFERENT").map((j) => `${j.a}|${j.b}`));
        const links = [ab, bc].filter((l) => !rejected.has(`${l.a}|${l.b}`));
        const members = new Set([A]);
        for (let grew = true; grew; ) {
          grew = false;
          for (const l of links) {
            if (members.has(l.a) === members.has(l.b)) continue;
            members.add(l.a);
            members.add(l.b);
            grew = true;
          }
        }
        return {
          start: A, truncated: false, reason: null,
          members: [...members].map((m, i) => ({ id: m, label: m.slice(7).toUpperCase(), hops: i })),
          links: links.filter((l) => members.has(l.a) && members.has(l.b)),
          rejected: [ab, bc].filter((l) => rejected.has(`${l.a}|${l.b}`)).map((l) => ({ ...l, judgement: { decision: "DIFFERENT" as const, by: "ann", reason: "r", at: "2026-12-07T05:00:00Z", edge: "e" } })),
        };
      };
      const client: Partial<Client> = {
        personaCluster: () => Promise.resolve(answer()),
        judgeSameAs: (j) => {
          judged.push(j);
          return Promise.resolve({ decision: j.decision, by: "ann@fiu.example", reason: j.reason, at: "2026-12-07T05:00:00Z", edge: "e" });
        },
        nodes: (ids) => Promise.resolve(ids.map((x) => (x.startsWith("person:") ? node(x, "PERSON") : x.startsWith("wallet:") ? wallet(x) : node(x, "IDENTIFIER")))),
        edges: (ids) => Promise.resolve(ids.map((x) => edges.find((e) => e.id === x) ?? null)),
      };
      return { client, judged };
    }

    it("brings the shared identifiers and the evidence edges, so an opened group shows its members with their edges", async () => {
      const { client } = server();
      const { graph, groups, lit, effects } = setup(client);
      graph.addNode(A, { x: 0, y: 0, size: 1, color: "#000", label: "A", kind: "PERSON", data: node(A, "PERSON") });
      await groups.collapsePersonas(A);
      // The panel renders again once the evidence is kept.
      expect(effects.calls.at(-1)).toBe("refresh");
      const g = graph.findNode((_id, a) => a.group?.origin === "persona");
      expect(g).toBeDefined();
      for (const x of [B, C, WAL, IP, MAIL]) expect(graph.hasNode(x)).toBe(true);
      expect(graph.size).toBeGreaterThanOrEqual(edges.length);
      groups.toggle(g!);
      for (const m of [A, B, C]) expect(graph.degree(m)).toBeGreaterThan(0);
      // The evidence is kept for the panel and lit on the canvas.
      expect(groups.personaEvidence(g!)?.links).toHaveLength(2);
      expect(lit.at(-1)?.nodes).toEqual(expect.arrayContaining([WAL, IP, MAIL]));
      expect(lit.at(-1)?.edges).toEqual(expect.arrayContaining(edges.map((e) => e.id)));
      groups.highlightEvidence(g!, ab);
      expect(lit.at(-1)?.nodes).not.toContain(MAIL);
    });

    it("keeps a path already highlighted rather than highlighting the evidence", async () => {
      const { client } = server();
      const { graph, groups, lit } = setup(client);
      graph.addNode(A, { x: 0, y: 0, size: 1, color: "#000", label: "A", kind: "PERSON", data: node(A, "PERSON") });
      graph.setNodeAttribute(THEFT, "onPath", true);
      await groups.collapsePersonas(A);
      expect(lit).toEqual([]);
      const g = graph.findNode((_id, a) => a.group?.origin === "persona")!;
      groups.highlightEvidence(g);
      expect(lit).toHaveLength(1);
    });

    it("records a rejection and shows the next answer without the link", async () => {
      const { client, judged } = server();
      const { graph, groups, notify } = setup(client);
      graph.addNode(A, { x: 0, y: 0, size: 1, color: "#000", label: "A", kind: "PERSON", data: node(A, "PERSON") });
      await groups.collapsePersonas(A);
      const g = graph.findNode((_id, a) => a.group?.origin === "persona")!;
      await groups.judge(g, bc, "DIFFERENT", "different photos");
      expect(judged).toEqual([{ a: B, b: C, decision: "DIFFERENT", reason: "different photos" }]);
      const c = groups.personaEvidence(g);
      expect(c?.links.map((l) => `${l.a}|${l.b}`)).toEqual([`${A}|${B}`]);
      expect(c?.rejected.map((l) => l.judgement?.decision)).toEqual(["DIFFERENT"]);
      expect(c?.members.map((m) => m.id)).toEqual([A, B]);
      expect(notify.told.map((t) => t.testid)).toContain("judgement-notice");
    });

    it("reads a reopened group's evidence from its first member", async () => {
      const { client } = server();
      const { graph, groups } = setup(client);
      for (const x of [A, B, C]) graph.addNode(x, { x: 0, y: 0, size: 1, color: "#000", label: x, kind: "PERSON", data: node(x, "PERSON") });
      const g = collapseGroup(graph, { members: [A, B, C], origin: "persona", title: "Personas" });
      expect(groups.personaEvidence(g)).toBeUndefined();
      await groups.loadPersonaEvidence(g);
      expect(groups.personaEvidence(g)?.start).toBe(A);
      expect(graph.hasNode(WAL)).toBe(true);
    });
  });
});
