// Deterministic investigation-shaped subgraphs for the render benchmark: mostly
// wallets linked by TRANSFER edges (amount, asset, USD value, time, tx hash)
// that mostly stay local (peel chains, laundering hops) with some long jumps;
// a few services (exchanges, mixers, bridges) as hubs that wallets deposit at;
// entities around them (threat groups, incidents, sanctions, persons,
// organizations, identifiers, locations). About 3 edges per node.
import { edge } from "../testing/fixtures";
import type { EdgeKind, GEdge, GNode, NodeKind } from "../types";

/** mulberry32: a small, fast, seeded PRNG (same seed, same graph). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICE_CATEGORIES = ["exchange", "exchange", "mixer", "bridge", "exchange", "otc"];
const IDENTIFIER_TYPES = ["email", "phone", "handle", "ip"];
const DAY = 86_400_000;
const START = Date.parse("2022-01-01T00:00:00Z");

export function benchSubgraph(n: number, seed = 1): { nodes: GNode[]; edges: GEdge[] } {
  const rnd = prng(seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const hex = (len: number) => Array.from({ length: len }, () => "0123456789abcdef"[int(16)]).join("");

  const nodes: GNode[] = [];
  const edges: GEdge[] = [];
  const make = (kind: NodeKind, key: string, label: string, props: Record<string, string | number | boolean> = {}): string => {
    const id = `${kind.toLowerCase()}:${key}`;
    const wallet = kind === "WALLET";
    nodes.push({
      __typename: wallet ? "Wallet" : "Entity",
      id,
      kind,
      key,
      label,
      aliases: [],
      properties: Object.entries(props).map(([k, value]) => ({ key: k, value })),
      sources: [],
      confidence: [5, 10, 50, 60, 100][int(5)] ?? 50,
      marking: rnd() < 0.8 ? "TLP_CLEAR" : "TLP_AMBER",
      validFrom: null,
      validTo: null,
      degree: 0,
      illustrativeShare: "NONE",
      ...(wallet ? { chain: "eth", address: key.slice(4) } : {}),
    });
    return id;
  };
  const link = (from: string, kind: EdgeKind, to: string, money?: { usd: number; time: number }) => {
    const eth = money ? money.usd / 1800 : null;
    edges.push(
      edge(from, kind, to, {
        id: `e${edges.length}`,
        amount: eth,
        asset: money ? "ETH" : null,
        valueUSD: money ? money.usd : null,
        time: money ? new Date(money.time).toISOString() : null,
        txHash: money ? `0x${hex(64)}` : null,
      }),
    );
  };
  // Log-uniform USD values, $10 to $100M.
  const usd = () => Math.round(10 ** (1 + rnd() * 7));
  const time = () => START + int(900) * DAY + int(DAY);

  const services = Math.max(3, Math.round(n * 0.004));
  const entities = Math.round(n * 0.03);
  const wallets = Math.max(0, n - services - entities);

  const serviceIds = Array.from({ length: services }, (_, i) => {
    const category = SERVICE_CATEGORIES[i % SERVICE_CATEGORIES.length] ?? "exchange";
    return make("SERVICE", `svc-${i}`, `${category[0]?.toUpperCase() ?? ""}${category.slice(1)} ${i}`, { category });
  });
  const walletIds = Array.from({ length: wallets }, (_, i) => {
    const address = `0x${hex(40)}`;
    return make("WALLET", `eth:${address}`, rnd() < 0.9 ? address : `Deposit wallet ${i}`);
  });
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  // Hubs: a few services take most deposits (Zipf-like).
  const hub = () => serviceIds[Math.floor(services * rnd() ** 3)] as string;

  for (let i = 0; i < wallets; i++) {
    const from = walletIds[i] as string;
    const outs = 2 + (rnd() < 0.6 ? 1 : 0);
    for (let k = 0; k < outs; k++) {
      const j = rnd() < 0.85 ? Math.min(wallets - 1, i + 1 + int(40)) : int(wallets);
      if (j !== i) link(from, "TRANSFER", walletIds[j] as string, { usd: usd(), time: time() });
    }
    if (rnd() < 0.2) link(from, "DEPOSITED_AT", hub());
    if (rnd() < 0.03) link(hub(), "CONTROLS", from);
  }

  const groups = Array.from({ length: Math.max(1, Math.round(entities * 0.02)) }, (_, i) => make("THREAT_GROUP", `group-${i}`, `Threat group ${i}`));
  const sanctions = Array.from({ length: Math.max(1, Math.round(entities * 0.03)) }, (_, i) =>
    make("SANCTION", `ofac-${i}`, `OFAC SDN entry ${i}`, { authority: "OFAC", list: "SDN", entNum: String(1000 + i) }),
  );
  const locations = Array.from({ length: Math.max(1, Math.round(entities * 0.05)) }, (_, i) => make("LOCATION", `loc-${i}`, `Country ${i}`));
  const incidents = Array.from({ length: Math.max(1, Math.round(entities * 0.05)) }, (_, i) => {
    const id = make("INCIDENT", `heist-${i}`, `Heist ${i}`, { amountUSD: usd() * 10 });
    link(id, "ATTRIBUTED_TO", pick(groups));
    link(id, "TARGETED", pick(serviceIds));
    for (let k = 0; k < 3 && wallets > 0; k++) link(id, "STOLE", pick(walletIds), { usd: usd() * 10, time: time() });
    return id;
  });
  const rest = Math.max(0, entities - groups.length - sanctions.length - locations.length - incidents.length);
  const orgs: string[] = [];
  const persons: string[] = [];
  for (let i = 0; i < rest; i++) {
    const r = rnd();
    if (r < 0.4) {
      const person = make("PERSON", `persona-${i}`, `IT-worker persona ${i}`);
      persons.push(person);
      link(person, "LOCATED_IN", pick(locations));
      if (wallets > 0) link(person, "CONTROLS", pick(walletIds));
      if (orgs.length > 0) link(pick(orgs), "EMPLOYS", person);
      if (rnd() < 0.1) link(person, "SANCTIONED_BY", pick(sanctions));
    } else if (r < 0.65) {
      const org = make("ORGANIZATION", `front-${i}`, `Front company ${i}`, { category: "front company" });
      orgs.push(org);
      link(org, "LOCATED_IN", pick(locations));
      link(org, "ASSOCIATED_WITH", pick(groups));
      if (rnd() < 0.2) link(org, "SANCTIONED_BY", pick(sanctions));
    } else {
      const type = pick(IDENTIFIER_TYPES);
      const id = make("IDENTIFIER", `${type}:rt-bench-${i}`, `${type} rt-bench-${i}`, { type });
      if (persons.length > 0) link(pick(persons), "USES", id);
    }
  }
  return { nodes, edges };
}
