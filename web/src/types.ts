// The visualizer's names for the GraphQL types it asks for, derived from the
// types that `npm run codegen` generates into ./gql from ../../schema.graphqls
// and the documents in api.ts. Nothing here is written by hand but the names
// and one flattening: a node is one object type with the wallet-only fields
// optional, not a union by __typename.
import { EdgeKind, NodeKind } from "./gql/enums";
import type { ClusterHeuristic, Direction, FlowRanking, Marking, SameAsDecision, TaintModel } from "./gql/enums";
import type {
  CaseFieldsFragment,
  ClusterQuery,
  CommunitiesQuery,
  EdgeFieldsFragment,
  ImportCaseStixMutation,
  JudgementFieldsFragment,
  MoneyFlowQuery,
  NeighborsQuery,
  NodeFieldsFragment,
  PathsQuery,
  PersonaClusterQuery,
  RiskFieldsFragment,
  PersonaLinkFieldsFragment,
  SameAsCandidatesQuery,
  SearchQuery,
  ShortestPathQuery,
  SourceFieldsFragment,
  StatsQuery,
} from "./gql/graphql";

export type { JSONValue } from "./json";

/** Every node kind, in the schema's order. */
export const NODE_KINDS: readonly NodeKind[] = Object.values(NodeKind);
export type { NodeKind };

/** Every edge kind, in the schema's order. */
export const EDGE_KINDS: readonly EdgeKind[] = Object.values(EdgeKind);
export type { EdgeKind };

export type { ClusterHeuristic, Direction, FlowRanking, Marking, SameAsDecision, TaintModel };

type WalletFields = Extract<NodeFieldsFragment, { __typename: "Wallet" }>;
type CommonFields = Omit<Extract<NodeFieldsFragment, { __typename: "Entity" }>, "__typename">;

/** A node's risk as the server computes it from the store (Node.risk). */
export type Risk = RiskFieldsFragment;
export type RiskFlag = Risk["flags"][number];
export type { RiskKind } from "./gql/enums";

/**
 * Node interface; `chain` and `address` are set for wallets only; `risk`
 * where the query asked for it (search hits).
 */
export type GNode = CommonFields & {
  __typename?: NodeFieldsFragment["__typename"];
  risk?: Risk | null;
} & Partial<Omit<WalletFields, keyof CommonFields | "__typename">>;

export type GEdge = EdgeFieldsFragment;

/** An answer's type with every node, wherever it is, as a GNode. */
type Plain<T> = T extends NodeFieldsFragment
  ? GNode
  : T extends readonly (infer E)[]
    ? Plain<E>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

export type Source = SourceFieldsFragment;

export type Property = GNode["properties"][number];

export type Stats = StatsQuery["stats"];

export type Subgraph = Plain<NeighborsQuery["neighbors"]>;

export type Path = Plain<ShortestPathQuery["shortestPath"]>;

/** A search hit: the node and its relevance. */
export type SearchHit = Plain<SearchQuery["search"]["edges"][number]>;

/** Several paths between two nodes, shortest first; `skippedHubs` were reached but not passed through because of their degree. */
export type PathList = Plain<PathsQuery["paths"]>;

export type MoneyFlow = Plain<MoneyFlowQuery["moneyFlow"]>;

/** A hop of a route; `edge` is null for a crossing inside a service followed through (a bridge, a mixer). */
export type FlowHop = MoneyFlow["routes"][number]["hops"][number];

export type FlowRoute = MoneyFlow["routes"][number];

export type FlowSink = MoneyFlow["sinks"][number];

/** A tainted transfer with both its ends, so the flow can be drawn. */
export type TaintedTransfer = MoneyFlow["tainted"][number];

export type AddressCluster = ClusterQuery["cluster"];

export type PersonaCluster = PersonaClusterQuery["personaCluster"];

/** A scored link between two personas, with its evidence and the judgement in force. */
export type PersonaLink = PersonaLinkFieldsFragment;

/** One shared identifier (or a same-as assertion or judgement) behind a persona link. */
export type PersonaEvidence = PersonaLink["evidence"][number];

/** A page of same-actor candidates: entities from different sources whose names match. */
export type SameAsCandidates = Plain<SameAsCandidatesQuery["sameAsCandidates"]>;

export type SameAsCandidate = SameAsCandidates["candidates"][number];

/** An analyst's same-as judgement: who decided what, when and why. */
export type SameAsJudgement = JudgementFieldsFragment;

export type Communities = CommunitiesQuery["communities"];

/** A saved case; `view` is the caseView document (null in lists). */
export type SavedCase = CaseFieldsFragment;

/** What importing a STIX bundle did: the new case, facts written, objects not read. */
export type StixImport = ImportCaseStixMutation["importCaseStix"];
