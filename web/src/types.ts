// Hand-written TypeScript mirrors of the GraphQL types in ../../schema.graphqls
// that the visualizer asks for. Keep them in step with the schema (and with the
// fragments in api.ts); a generated client can replace them later.

export const NODE_KINDS = [
  "WALLET",
  "TRANSACTION",
  "SERVICE",
  "ORGANIZATION",
  "PERSON",
  "IDENTIFIER",
  "THREAT_GROUP",
  "INCIDENT",
  "SANCTION",
  "LOCATION",
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const EDGE_KINDS = [
  "TRANSFER",
  "INPUT",
  "OUTPUT",
  "CONTROLS",
  "OWNS",
  "DIRECTS",
  "EMPLOYS",
  "PAYS",
  "USES",
  "SAME_AS",
  "ATTRIBUTED_TO",
  "PART_OF",
  "LOCATED_IN",
  "SANCTIONED_BY",
  "STOLE",
  "DEPOSITED_AT",
  "TARGETED",
  "ASSOCIATED_WITH",
] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

export type Direction = "OUT" | "IN" | "BOTH";

export type Marking = "TLP_CLEAR" | "TLP_GREEN" | "TLP_AMBER" | "TLP_AMBER_STRICT" | "TLP_RED";

/** The JSON scalar: any JSON value. */
export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

export interface Source {
  dataset: string;
  record: string | null;
  job: string | null;
  retrievedAt: string | null;
  url: string | null;
  excerpt: string | null;
  confidence: number;
  marking: Marking;
  illustrative: boolean;
}

export interface Property {
  key: string;
  value: JSONValue;
}

/** Node interface; `chain` and `address` are set for wallets only. */
export interface GNode {
  __typename?: "Wallet" | "Entity";
  id: string;
  kind: NodeKind;
  key: string;
  label: string;
  aliases: string[];
  properties: Property[];
  sources: Source[];
  confidence: number;
  marking: Marking;
  validFrom: string | null;
  validTo: string | null;
  /** Edge ends at the node in the whole graph (not only on the canvas): a hub has thousands. */
  degree: number;
  chain?: string;
  address?: string;
}

export interface GEdge {
  id: string;
  kind: EdgeKind;
  from: string;
  to: string;
  amount: number | null;
  asset: string | null;
  valueUSD: number | null;
  time: string | null;
  txHash: string | null;
  properties: Property[];
  sources: Source[];
  confidence: number;
  marking: Marking;
  validFrom: string | null;
  validTo: string | null;
}

export interface KindCount {
  kind: string;
  count: number;
}

export interface Stats {
  nodes: number;
  edges: number;
  nodesByKind: KindCount[];
  edgesByKind: KindCount[];
}

export interface Subgraph {
  nodes: GNode[];
  edges: GEdge[];
  truncated: boolean;
  reason: string | null;
}

export interface Path {
  nodes: GNode[];
  edges: GEdge[];
  length: number;
  truncated: boolean;
  reason: string | null;
}

/** A search hit: the node and its relevance. */
export interface SearchHit {
  node: GNode;
  score: number;
}

/** Several paths between two nodes, shortest first. */
export interface PathList {
  paths: Path[];
  /** Nodes reached but not passed through because of their degree. */
  skippedHubs: string[];
  truncated: boolean;
  reason: string | null;
}

export type TaintModel = "POISON" | "HAIRCUT" | "FIFO";

export interface FlowHop {
  from: string;
  to: string;
  /** Null for a crossing inside a service followed through (a bridge, a mixer). */
  edge: { id: string } | null;
  service: string | null;
  time: string | null;
  value: number;
  tainted: number;
}

export interface FlowRoute {
  hops: FlowHop[];
  value: number;
  sink: string;
}

export interface FlowSink {
  node: GNode;
  category: string | null;
  wallets: string[];
  value: number;
  valueUSD: number;
  routes: number;
  firstArrival: string | null;
  lastArrival: string | null;
  summary: string;
}

/** A tainted transfer with both its ends, so the flow can be drawn. */
export interface TaintedTransfer {
  tainted: number;
  edge: GEdge & { fromNode: GNode | null; toNode: GNode | null };
}

export interface MoneyFlow {
  taint: TaintModel;
  sources: GNode[];
  sourceValue: number;
  stolen: number | null;
  sinks: FlowSink[];
  routes: FlowRoute[];
  routeCount: number;
  tainted: TaintedTransfer[];
  truncated: boolean;
  reason: string | null;
}

export type ClusterHeuristic = "CO_SPEND" | "ONE_TIME_CHANGE";

export interface AddressCluster {
  members: { id: string; hops: number; via: string | null; partner: string | null; heuristic: ClusterHeuristic | null }[];
  size: number;
  received: number;
  sent: number;
  truncated: boolean;
  reason: string | null;
}

export interface PersonaCluster {
  start: string;
  members: { id: string; label: string; hops: number }[];
  truncated: boolean;
  reason: string | null;
}

export interface Communities {
  components: string[][];
  communities: { id: number; members: string[] }[];
  modularity: number;
  truncated: boolean;
  reason: string | null;
}

/** A saved case; `view` is the caseView document (null in lists). */
export interface SavedCase {
  id: string;
  name: string;
  view: unknown;
  version: number;
  nodeCount: number;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  updatedBy: string | null;
}
