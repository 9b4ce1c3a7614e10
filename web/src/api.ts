// A small typed GraphQL client for Redthread's API (POST /graphql, same origin).
// Its documents are graphql(`…`) calls: `npm run codegen` checks each against
// ../../schema.graphqls and generates its result and variables types into
// ./gql, so a query that asks for a field the schema no longer has fails the
// generator, and code that reads a field no query asks for fails tsc.
import { graphql } from "./gql";
import type { ErrorCode as SchemaErrorCode } from "./gql/enums";
import type { NearestTarget, TypedDocumentString } from "./gql/graphql";
import type { FlowOptions, NeighborOptions, PathOptions } from "./apiOptions";
import { ApiError, requestIdOf, type GraphQLErrorBody } from "./apiError";
import type {
  AddressCluster,
  ClusterHeuristic,
  Communities,
  GEdge,
  GNode,
  MoneyFlow,
  Path,
  PathList,
  PersonaCluster,
  Risk,
  SameAsCandidates,
  SameAsDecision,
  SameAsJudgement,
  SavedCase,
  SearchHit,
  Stats,
  StixImport,
  Subgraph,
} from "./types";

/**
 * Error codes the server puts in `extensions.code` (the schema's ErrorCode
 * enum), plus client-side ones.
 */
export type ErrorCode =
  | SchemaErrorCode
  | "NETWORK"
  | "HTTP"
  | "BAD_RESPONSE"
  | (string & {});

export { ApiError };

interface GraphQLResponseBody<T> {
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export const SOURCE_FRAGMENT = graphql(`
  fragment SourceFields on Source { dataset record job retrievedAt url excerpt confidence marking illustrative }
`);

export const NODE_FRAGMENT = graphql(`
  fragment NodeFields on Node {
    __typename id kind key label aliases confidence marking validFrom validTo degree illustrativeShare
    properties { key value }
    sources { ...SourceFields }
    ... on Wallet { chain address }
  }
`);

export const EDGE_FRAGMENT = graphql(`
  fragment EdgeFields on Edge {
    id kind from to amount asset valueUSD time txHash confidence marking validFrom validTo illustrativeShare
    properties { key value }
    sources { ...SourceFields }
  }
`);

// A node's risk as the server computes it from the store (Node.risk): asked
// with search hits, and for the canvas's nodes in batches (RISKS_QUERY), not
// in NodeFields, so an expansion of thousands of nodes stays cheap.
export const RISK_FRAGMENT = graphql(`
  fragment RiskFields on Risk {
    flags { kind reason category via share asset nodes edges }
    truncated reason
  }
`);

export const STATS_QUERY = graphql(`query Stats { stats { nodes edges } }`);

export const SEARCH_QUERY = graphql(`
  query Search($query: String!, $first: Int) {
    search(query: $query, first: $first) { edges { score node { ...NodeFields risk { ...RiskFields } } } }
  }
`);

export const NODE_QUERY = graphql(`query Node($id: ID!) { node(id: $id) { ...NodeFields } }`);

export const NODES_QUERY = graphql(`query Nodes($ids: [ID!]!) { nodes(ids: $ids) { ...NodeFields } }`);

export const RISKS_QUERY = graphql(`query Risks($ids: [ID!]!) { nodes(ids: $ids) { id risk { ...RiskFields } } }`);

export const NEIGHBORS_QUERY = graphql(`
  query Neighbors($id: ID!, $depth: Int, $direction: Direction, $edgeKinds: [EdgeKind!], $nodeKinds: [NodeKind!],
    $since: Time, $until: Time, $minAmount: Float, $limit: Int) {
    neighbors(id: $id, depth: $depth, direction: $direction, edgeKinds: $edgeKinds, nodeKinds: $nodeKinds,
      since: $since, until: $until, minAmount: $minAmount, limit: $limit) {
      truncated reason
      nodes { ...NodeFields }
      edges { ...EdgeFields }
    }
  }
`);

export const PATH_QUERY = graphql(`
  query ShortestPath($from: ID!, $to: ID!, $direction: Direction, $maxHops: Int, $edgeKinds: [EdgeKind!],
    $since: Time, $until: Time, $minAmount: Float) {
    shortestPath(from: $from, to: $to, direction: $direction, maxHops: $maxHops, edgeKinds: $edgeKinds,
      since: $since, until: $until, minAmount: $minAmount) {
      length truncated reason
      nodes { ...NodeFields }
      edges { ...EdgeFields }
    }
  }
`);

export const PATHS_QUERY = graphql(`
  query Paths($from: ID!, $to: ID!, $direction: Direction, $maxHops: Int, $limit: Int, $edgeKinds: [EdgeKind!],
    $since: Time, $until: Time, $minAmount: Float) {
    paths(from: $from, to: $to, direction: $direction, maxHops: $maxHops, limit: $limit, edgeKinds: $edgeKinds,
      since: $since, until: $until, minAmount: $minAmount) {
      skippedHubs truncated reason
      paths { length truncated reason nodes { ...NodeFields } edges { ...EdgeFields } }
    }
  }
`);

export const NEAREST_QUERY = graphql(`
  query Nearest($from: ID!, $target: NearestTarget!, $direction: Direction, $maxHops: Int, $limit: Int, $edgeKinds: [EdgeKind!],
    $since: Time, $until: Time, $minAmount: Float) {
    nearest(from: $from, target: $target, direction: $direction, maxHops: $maxHops, limit: $limit, edgeKinds: $edgeKinds,
      since: $since, until: $until, minAmount: $minAmount) {
      skippedHubs truncated reason
      paths { length truncated reason nodes { ...NodeFields } edges { ...EdgeFields } }
    }
  }
`);

export const FLOW_QUERY = graphql(`
  query MoneyFlow($from: [ID!]!, $to: [ID!], $maxHops: Int, $taint: TaintModel, $minAmount: Float,
    $since: Time, $until: Time, $limit: Int, $rankBy: FlowRanking, $rankAsset: String) {
    moneyFlow(from: $from, to: $to, maxHops: $maxHops, taint: $taint, minAmount: $minAmount, since: $since, until: $until, limit: $limit,
      rankBy: $rankBy, rankAsset: $rankAsset) {
      taint sourceValue stolen routeCount truncated reason priced rankedBy assetOrder pricedFromTable valuation
      prices { asset day usdClose source { dataset record url illustrative } }
      sourceAmounts { asset amount }
      sources { ...NodeFields }
      sinks { node { ...NodeFields } category wallets valueUSD usdFrom amounts { asset amount } unpriced routes firstArrival lastArrival summary }
      routes { value amount { asset amount } alike sink usdFrom
        hops { from to edge { id } service time value tainted amount { asset amount } taintedAmount { asset amount } usdFrom price { asset day usdClose } } }
      tainted { tainted taintedAmount { asset amount } edge { ...EdgeFields fromNode { ...NodeFields } toNode { ...NodeFields } } }
    }
  }
`);

export const CLUSTER_QUERY = graphql(`
  query Cluster($id: ID!, $heuristics: [ClusterHeuristic!]) {
    cluster(id: $id, heuristics: $heuristics) {
      size received sent truncated reason
      members { id hops via partner heuristic }
    }
  }
`);

export const JUDGEMENT_FRAGMENT = graphql(`
  fragment JudgementFields on SameAsJudgement { decision by reason at edge }
`);

export const PERSONA_LINK_FRAGMENT = graphql(`
  fragment PersonaLinkFields on PersonaLink {
    a b score
    evidence { identifier type weight edges }
    judgement { ...JudgementFields }
  }
`);

export const PERSONA_CLUSTER_QUERY = graphql(`
  query PersonaCluster($id: ID!, $maxMembers: Int) {
    personaCluster(id: $id, maxMembers: $maxMembers) {
      start truncated reason
      members { id label hops }
      links { ...PersonaLinkFields }
      rejected { ...PersonaLinkFields }
    }
  }
`);

export const CONFIRM_SAME_AS_MUTATION = graphql(`
  mutation ConfirmSameAs($a: ID!, $b: ID!, $reason: String!) {
    confirmSameAs(a: $a, b: $b, reason: $reason) { ...JudgementFields }
  }
`);

export const REJECT_SAME_AS_MUTATION = graphql(`
  mutation RejectSameAs($a: ID!, $b: ID!, $reason: String!) {
    rejectSameAs(a: $a, b: $b, reason: $reason) { ...JudgementFields }
  }
`);

export const SAME_AS_CANDIDATES_QUERY = graphql(`
  query SameAsCandidates($first: Int, $after: String) {
    sameAsCandidates(first: $first, after: $after) {
      hasNextPage endCursor truncated reason
      candidates {
        cursor datasetsA datasetsB
        a { ...NodeFields }
        b { ...NodeFields }
        matches { a b folded domain }
        judgement { ...JudgementFields }
      }
    }
  }
`);

export const COMMUNITIES_QUERY = graphql(`
  query Communities($ids: [ID!]!) {
    communities(ids: $ids) { components modularity truncated reason communities { id members } }
  }
`);

export const EDGES_QUERY = graphql(`query Edges($ids: [ID!]!) { edges(ids: $ids) { ...EdgeFields } }`);

export const CASE_FRAGMENT = graphql(`
  fragment CaseFields on Case { id name version nodeCount createdAt updatedAt createdBy updatedBy view }
`);

export const CASES_QUERY = graphql(`query Cases { cases { ...CaseFields } }`);

export const CASE_QUERY = graphql(`query Case($id: ID!) { case(id: $id) { ...CaseFields } }`);

export const SAVE_CASE_MUTATION = graphql(`
  mutation SaveCase($id: ID, $name: String!, $view: JSON!, $expectedVersion: Int) {
    saveCase(id: $id, name: $name, view: $view, expectedVersion: $expectedVersion) { ...CaseFields }
  }
`);

export const DELETE_CASE_MUTATION = graphql(`mutation DeleteCase($id: ID!) { deleteCase(id: $id) }`);

export const EXPORT_CASE_STIX_QUERY = graphql(`query ExportCaseStix($id: ID!) { exportCaseStix(id: $id) }`);

export const IMPORT_CASE_STIX_MUTATION = graphql(`
  mutation ImportCaseStix($bundle: String!) {
    importCaseStix(bundle: $bundle) { case { ...CaseFields } nodes edges skipped }
  }
`);

/** The members a persona cluster asks for: with every link's evidence, more exceed the server's complexity limit. */
export const PERSONA_MAX_MEMBERS = 2000;

export type { EdgeFilters, FlowOptions, NeighborOptions, PathOptions } from "./apiOptions";

/**
 * Drops undefined and empty-list values, so that the server's defaults apply.
 * The type stays the operation's: every list the documents take is optional
 * but `from` of moneyFlow, which the server refuses empty anyway.
 */
function vars<V extends object>(v: V): V {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || (Array.isArray(x) && x.length === 0)) continue;
    out[k] = x;
  }
  return out as V;
}

export interface ClientOptions {
  endpoint?: string;
  fetch?: FetchFn;
  /** The session's CSRF token, sent on every POST (a cookie session needs it; see auth.ts). */
  csrf?: () => Promise<string | undefined>;
  /** Called on a 401: the session ended or never was (the app goes to the sign-in page). */
  unauthenticated?: () => void;
}

export class RedthreadClient {
  private readonly endpoint: string;
  private readonly fetchFn: FetchFn;
  private readonly opts: ClientOptions;

  constructor(opts: ClientOptions = {}) {
    this.endpoint = opts.endpoint ?? "/graphql";
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.opts = opts;
  }

  /** Runs one operation; resolves with `data` or rejects with an ApiError. */
  async request<T, V>(document: TypedDocumentString<T, V>, variables: V, signal?: AbortSignal): Promise<T> {
    const query = document.toString();
    let res: Response;
    try {
      const csrf = await this.opts.csrf?.();
      res = await this.fetchFn(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/graphql-response+json, application/json;q=0.9",
          ...(csrf ? { "X-CSRF-Token": csrf } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: signal ?? null,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new ApiError(`Cannot reach the server: ${msg}`, "NETWORK");
    }

    if (res.status === 401) this.opts.unauthenticated?.();
    const text = await res.text();
    let body: GraphQLResponseBody<T> | undefined;
    try {
      body = text ? (JSON.parse(text) as GraphQLResponseBody<T>) : undefined;
    } catch {
      body = undefined;
    }
    if (body === undefined || typeof body !== "object") {
      const snippet = text.trim().slice(0, 200);
      throw new ApiError(
        res.ok ? "The server sent a response that is not GraphQL JSON." : `HTTP ${res.status} ${res.statusText}${snippet ? `: ${snippet}` : ""}`,
        res.ok ? "BAD_RESPONSE" : "HTTP",
        res.status,
        undefined,
        requestIdOf(res, undefined),
      );
    }
    const first = body.errors?.[0];
    if (first) {
      const message = typeof first.message === "string" ? first.message : "Unknown GraphQL error";
      const rawCode = first.extensions?.code;
      const code = typeof rawCode === "string" ? rawCode : res.ok ? "INTERNAL" : "HTTP";
      const path = Array.isArray(first.path) ? (first.path as (string | number)[]) : undefined;
      throw new ApiError(message, code, res.status, path, requestIdOf(res, first));
    }
    if (!res.ok) throw new ApiError(`HTTP ${res.status} ${res.statusText}`, "HTTP", res.status, undefined, requestIdOf(res, undefined));
    if (body.data == null) throw new ApiError("The response has no data.", "BAD_RESPONSE", res.status, undefined, requestIdOf(res, undefined));
    return body.data;
  }

  async stats(signal?: AbortSignal): Promise<Stats> {
    const d = await this.request(STATS_QUERY, {}, signal);
    return d.stats;
  }

  async search(query: string, first = 10, signal?: AbortSignal): Promise<SearchHit[]> {
    const d = await this.request(SEARCH_QUERY, { query, first }, signal);
    return d.search.edges;
  }

  async node(id: string, signal?: AbortSignal): Promise<GNode | null> {
    const d = await this.request(NODE_QUERY, { id }, signal);
    return d.node;
  }

  /** Several nodes by ID, in the order asked; null where one does not exist. */
  async nodes(ids: string[], signal?: AbortSignal): Promise<(GNode | null)[]> {
    const d = await this.request(NODES_QUERY, { ids }, signal);
    return d.nodes;
  }

  /** The server's risk of several nodes, in the order asked; null where a node does not exist. */
  async risks(ids: string[], signal?: AbortSignal): Promise<(Risk | null)[]> {
    const d = await this.request(RISKS_QUERY, { ids }, signal);
    return d.nodes.map((n) => n?.risk ?? null);
  }

  async neighbors(id: string, opts: NeighborOptions = {}, signal?: AbortSignal): Promise<Subgraph> {
    const d = await this.request(
      NEIGHBORS_QUERY,
      vars({ id, ...opts, depth: opts.depth ?? 1, direction: opts.direction ?? "BOTH", limit: opts.limit ?? 50 }),
      signal,
    );
    return d.neighbors;
  }

  async shortestPath(from: string, to: string, opts: PathOptions = {}, signal?: AbortSignal): Promise<Path> {
    const d = await this.request(
      PATH_QUERY,
      vars({ from, to, ...opts, direction: opts.direction ?? "BOTH", maxHops: opts.maxHops ?? 6 }),
      signal,
    );
    return d.shortestPath;
  }

  /** The k shortest simple paths. */
  async paths(from: string, to: string, k: number, opts: PathOptions = {}, signal?: AbortSignal): Promise<PathList> {
    const d = await this.request(
      PATHS_QUERY,
      vars({ from, to, ...opts, limit: k, direction: opts.direction ?? "BOTH", maxHops: opts.maxHops ?? 6 }),
      signal,
    );
    return d.paths;
  }

  /** The shortest paths from a node to the k nearest matches of a target (a path to each). */
  async nearest(from: string, target: NearestTarget, k: number, opts: PathOptions = {}, signal?: AbortSignal): Promise<PathList> {
    const d = await this.request(
      NEAREST_QUERY,
      vars({ from, target, ...opts, limit: k, direction: opts.direction ?? "BOTH", maxHops: opts.maxHops ?? 6 }),
      signal,
    );
    return d.nearest;
  }

  async moneyFlow(from: string[], opts: FlowOptions = {}, signal?: AbortSignal): Promise<MoneyFlow> {
    const d = await this.request(FLOW_QUERY, vars({ from, ...opts }), signal);
    return d.moneyFlow;
  }

  async cluster(id: string, heuristics: ClusterHeuristic[] = ["CO_SPEND"], signal?: AbortSignal): Promise<AddressCluster> {
    const d = await this.request(CLUSTER_QUERY, { id, heuristics }, signal);
    return d.cluster;
  }

  /**
   * The personas linked to one, every link with its evidence. The server
   * prices the answer per member (its complexity limit), and the evidence
   * makes each dear: at most PERSONA_MAX_MEMBERS, the answer says when cut.
   */
  async personaCluster(id: string, signal?: AbortSignal): Promise<PersonaCluster> {
    const d = await this.request(PERSONA_CLUSTER_QUERY, { id, maxMembers: PERSONA_MAX_MEMBERS }, signal);
    return d.personaCluster;
  }

  /** Records the signed-in analyst's judgement that two personas are (SAME) or are not (DIFFERENT) one person. */
  async judgeSameAs(j: { a: string; b: string; decision: SameAsDecision; reason: string }, signal?: AbortSignal): Promise<SameAsJudgement> {
    const { decision, ...v } = j;
    if (decision === "SAME") return (await this.request(CONFIRM_SAME_AS_MUTATION, v, signal)).confirmSameAs;
    return (await this.request(REJECT_SAME_AS_MUTATION, v, signal)).rejectSameAs;
  }

  /** One page of same-actor candidates across sources, by (a, b) ID. */
  async sameAsCandidates(first: number, after?: string, signal?: AbortSignal): Promise<SameAsCandidates> {
    const d = await this.request(SAME_AS_CANDIDATES_QUERY, vars({ first, after }), signal);
    return d.sameAsCandidates;
  }

  async communities(ids: string[], signal?: AbortSignal): Promise<Communities> {
    const d = await this.request(COMMUNITIES_QUERY, { ids }, signal);
    return d.communities;
  }

  /** Several edges by ID, in the order asked; null where one does not exist. */
  async edges(ids: string[], signal?: AbortSignal): Promise<(GEdge | null)[]> {
    const d = await this.request(EDGES_QUERY, { ids }, signal);
    return d.edges;
  }

  async cases(signal?: AbortSignal): Promise<SavedCase[]> {
    const d = await this.request(CASES_QUERY, {}, signal);
    return d.cases;
  }

  async getCase(id: string, signal?: AbortSignal): Promise<SavedCase | null> {
    const d = await this.request(CASE_QUERY, { id }, signal);
    return d.case;
  }

  /** Creates (no id) or updates a case; CONFLICT when someone saved it since expectedVersion. */
  async saveCase(c: { id?: string; name: string; view: unknown; expectedVersion?: number }, signal?: AbortSignal): Promise<SavedCase> {
    const d = await this.request(SAVE_CASE_MUTATION, vars(c), signal);
    return d.saveCase;
  }

  async deleteCase(id: string, signal?: AbortSignal): Promise<boolean> {
    const d = await this.request(DELETE_CASE_MUTATION, { id }, signal);
    return d.deleteCase;
  }

  /** A saved case as a STIX 2.1 bundle (JSON text) with TLP 2.0 markings. */
  async exportCaseStix(id: string, signal?: AbortSignal): Promise<string> {
    return (await this.request(EXPORT_CASE_STIX_QUERY, { id }, signal)).exportCaseStix;
  }

  /** Imports a bundle made by exportCaseStix as a new case. */
  async importCaseStix(bundle: string, signal?: AbortSignal): Promise<StixImport> {
    return (await this.request(IMPORT_CASE_STIX_MUTATION, { bundle }, signal)).importCaseStix;
  }
}
