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
    ...extra,
  };
}
