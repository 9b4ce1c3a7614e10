// Builders for API-shaped nodes and edges in unit tests.
import type { EdgeKind, GEdge, GNode, NodeKind } from "../types";

export function node(id: string, kind: NodeKind = "WALLET", label = id): GNode {
  return {
    __typename: kind === "WALLET" ? "Wallet" : "Entity",
    id,
    kind,
    key: id.split(":").slice(1).join(":"),
    label,
    aliases: [],
    properties: [],
    sources: [],
    confidence: 50,
    marking: "TLP_CLEAR",
    validFrom: null,
    validTo: null,
    degree: 0,
    illustrativeShare: "NONE",
  };
}

export function edge(from: string, kind: EdgeKind, to: string, extra: Partial<GEdge> = {}): GEdge {
  return {
    id: `${from}>${kind}>${to}`,
    kind,
    from,
    to,
    amount: null,
    asset: null,
    valueUSD: null,
    time: null,
    txHash: null,
    properties: [],
    sources: [],
    confidence: 50,
    marking: "TLP_CLEAR",
    validFrom: null,
    validTo: null,
    illustrativeShare: "NONE",
    ...extra,
  };
}

// A Lazarus theft and its laundering, as the API would answer it: a bridge
// exploit drained into a theft wallet, a peel chain that sheds coins into a
// mixer at each hop, a withdrawal months later into an exchange deposit
// address, plus a front company employing an IT-worker persona. Wallet
// addresses are fake. Times are RFC 3339, amounts in ETH with USD values.
export const LAZARUS = "threat_group:lazarus-group";
export const HEIST = "incident:bridge-exploit-2022";
export const THEFT = "wallet:eth:0xtheft";
export const PEEL1 = "wallet:eth:0xpeel1";
export const PEEL2 = "wallet:eth:0xpeel2";
export const PEEL3 = "wallet:eth:0xpeel3";
export const MIXER = "service:tornado-cash";
export const DEPOSIT = "wallet:eth:0xdeposit";
export const EXCHANGE = "service:unnamed-exchange";
export const FRONT = "organization:front-trading-co";
export const PERSONA = "person:it-worker-persona";

/** A wallet node with chain and address (the last part of its ID). */
export function wallet(id: string, extra: Partial<GNode> = {}): GNode {
  const address = id.split(":").pop() ?? id;
  return { ...node(id, "WALLET", address), chain: "eth", address, ...extra };
}

const ETH_USD = 1100;

function transfer(from: string, to: string, eth: number, time: string, key = ""): GEdge {
  return edge(from, "TRANSFER", to, {
    id: `${from}>TRANSFER>${to}${key}`,
    amount: eth,
    asset: "ETH",
    valueUSD: eth * ETH_USD,
    time,
    txHash: `0x${time.replace(/\D/g, "")}${key}`,
  });
}

/** The whole case as one API answer. */
export function launderingCase(): { nodes: GNode[]; edges: GEdge[] } {
  return {
    nodes: [
      node(LAZARUS, "THREAT_GROUP", "Lazarus Group"),
      { ...node(HEIST, "INCIDENT", "Bridge exploit (June 2022)"), marking: "TLP_GREEN" },
      wallet(THEFT, { confidence: 90 }),
      wallet(PEEL1, { confidence: 80 }),
      wallet(PEEL2, { confidence: 70, marking: "TLP_AMBER" }),
      wallet(PEEL3, { confidence: 60, marking: "TLP_GREEN" }),
      node(MIXER, "SERVICE", "Tornado Cash"),
      wallet(DEPOSIT, { confidence: 75, marking: "TLP_AMBER_STRICT" }),
      node(EXCHANGE, "SERVICE", "Unnamed exchange"),
      { ...node(FRONT, "ORGANIZATION", "Front Trading Co."), marking: "TLP_RED" },
      node(PERSONA, "PERSON", "IT-worker persona"),
    ],
    edges: [
      edge(HEIST, "ATTRIBUTED_TO", LAZARUS),
      edge(HEIST, "STOLE", THEFT, { amount: 40000, asset: "ETH", valueUSD: 40000 * ETH_USD, time: "2022-06-23T11:08:00Z" }),
      transfer(THEFT, PEEL1, 30000, "2022-06-24T09:00:00Z"),
      transfer(PEEL1, MIXER, 1000, "2022-06-24T10:00:00Z"),
      transfer(PEEL1, PEEL2, 29000, "2022-06-25T09:00:00Z"),
      transfer(PEEL2, MIXER, 1000, "2022-06-25T10:00:00Z"),
      transfer(PEEL2, PEEL3, 28000, "2022-06-26T09:00:00Z"),
      transfer(PEEL3, MIXER, 28000, "2022-06-27T10:00:00Z"),
      transfer(MIXER, DEPOSIT, 500, "2023-01-13T08:00:00Z"),
      edge(DEPOSIT, "DEPOSITED_AT", EXCHANGE, { amount: 500, asset: "ETH", valueUSD: 500 * ETH_USD, time: "2023-01-14T12:00:00Z" }),
      edge(FRONT, "EMPLOYS", PERSONA),
      edge(FRONT, "ASSOCIATED_WITH", LAZARUS),
    ],
  };
}

/** A synthetic money graph of `n` wallets (a long chain plus cross links), for size checks. */
export function bigCase(n: number): { nodes: GNode[]; edges: GEdge[] } {
  const ids = Array.from({ length: n }, (_, i) => `wallet:eth:0x${i.toString(16).padStart(6, "0")}`);
  const start = Date.parse("2022-01-01T00:00:00Z");
  const edges: GEdge[] = [];
  for (let i = 1; i < n; i++) {
    edges.push(transfer(ids[i - 1]!, ids[i]!, i % 97, new Date(start + i * 60_000).toISOString()));
    if (i % 2 === 0) edges.push(transfer(ids[(i * 7) % n]!, ids[i]!, 1, new Date(start + i * 90_000).toISOString(), "#x"));
  }
  return { nodes: ids.map((id) => wallet(id)), edges };
}
