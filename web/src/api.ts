// A small typed GraphQL client for Redthread's API (POST /graphql, same origin).
import type {
  AddressCluster,
  ClusterHeuristic,
  Communities,
  Direction,
  EdgeKind,
  GEdge,
  GNode,
  MoneyFlow,
  NodeKind,
  Path,
  PathList,
  PersonaCluster,
  SavedCase,
  SearchHit,
  Stats,
  Subgraph,
  TaintModel,
} from "./types";

/** Error codes the server puts in `extensions.code`, plus client-side ones. */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "LIMIT_EXCEEDED"
  | "TIMEOUT"
  | "UNAVAILABLE"
  | "CONFLICT"
  | "FORBIDDEN"
  | "TOO_MANY_REQUESTS"
  | "BAD_REQUEST"
  | "INTERNAL"
  | "NETWORK"
  | "HTTP"
  | "BAD_RESPONSE"
  | (string & {});

/** A failed request: the first GraphQL error's message and code, or a transport failure. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly path: readonly (string | number)[] | undefined;

  constructor(message: string, code: ErrorCode, status?: number, path?: readonly (string | number)[]) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.path = path;
  }
}

interface GraphQLErrorBody {
  message?: unknown;
  path?: unknown;
  extensions?: { code?: unknown } | null;
}

interface GraphQLResponseBody<T> {
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

const SOURCE_FIELDS = `dataset record job retrievedAt url excerpt confidence marking illustrative`;

export const NODE_FRAGMENT = `
fragment NodeFields on Node {
  __typename id kind key label aliases confidence marking validFrom validTo degree
  properties { key value }
  sources { ${SOURCE_FIELDS} }
  ... on Wallet { chain address }
}`;

export const EDGE_FRAGMENT = `
fragment EdgeFields on Edge {
  id kind from to amount asset valueUSD time txHash confidence marking validFrom validTo
  properties { key value }
  sources { ${SOURCE_FIELDS} }
}`;

export const STATS_QUERY = `query Stats { stats { nodes edges } }`;

export const SEARCH_QUERY = `query Search($query: String!, $first: Int) {
  search(query: $query, first: $first) { edges { score node { ...NodeFields } } }
}${NODE_FRAGMENT}`;

export const NODE_QUERY = `query Node($id: ID!) { node(id: $id) { ...NodeFields } }${NODE_FRAGMENT}`;

export const NODES_QUERY = `query Nodes($ids: [ID!]!) { nodes(ids: $ids) { ...NodeFields } }${NODE_FRAGMENT}`;

export const NEIGHBORS_QUERY = `query Neighbors($id: ID!, $depth: Int, $direction: Direction, $edgeKinds: [EdgeKind!], $nodeKinds: [NodeKind!],
  $since: Time, $until: Time, $minAmount: Float, $limit: Int) {
  neighbors(id: $id, depth: $depth, direction: $direction, edgeKinds: $edgeKinds, nodeKinds: $nodeKinds,
    since: $since, until: $until, minAmount: $minAmount, limit: $limit) {
    truncated reason
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
}${NODE_FRAGMENT}${EDGE_FRAGMENT}`;

export const PATH_QUERY = `query ShortestPath($from: ID!, $to: ID!, $direction: Direction, $maxHops: Int, $edgeKinds: [EdgeKind!],
  $since: Time, $until: Time, $minAmount: Float) {
  shortestPath(from: $from, to: $to, direction: $direction, maxHops: $maxHops, edgeKinds: $edgeKinds,
    since: $since, until: $until, minAmount: $minAmount) {
    length truncated reason
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
}${NODE_FRAGMENT}${EDGE_FRAGMENT}`;

export const PATHS_QUERY = `query Paths($from: ID!, $to: ID!, $direction: Direction, $maxHops: Int, $limit: Int, $edgeKinds: [EdgeKind!],
  $since: Time, $until: Time, $minAmount: Float) {
  paths(from: $from, to: $to, direction: $direction, maxHops: $maxHops, limit: $limit, edgeKinds: $edgeKinds,
    since: $since, until: $until, minAmount: $minAmount) {
    skippedHubs truncated reason
    paths { length truncated reason nodes { ...NodeFields } edges { ...EdgeFields } }
  }
}${NODE_FRAGMENT}${EDGE_FRAGMENT}`;

export const FLOW_QUERY = `query MoneyFlow($from: [ID!]!, $to: [ID!], $maxHops: Int, $taint: TaintModel, $minAmount: Float,
  $since: Time, $until: Time, $limit: Int) {
  moneyFlow(from: $from, to: $to, maxHops: $maxHops, taint: $taint, minAmount: $minAmount, since: $since, until: $until, limit: $limit) {
    taint sourceValue stolen routeCount truncated reason
    sources { ...NodeFields }
    sinks { node { ...NodeFields } category wallets value valueUSD routes firstArrival lastArrival summary }
    routes { value sink hops { from to edge { id } service time value tainted } }
    tainted { tainted edge { ...EdgeFields fromNode { ...NodeFields } toNode { ...NodeFields } } }
  }
}${NODE_FRAGMENT}${EDGE_FRAGMENT}`;

export const CLUSTER_QUERY = `query Cluster($id: ID!, $heuristics: [ClusterHeuristic!]) {
  cluster(id: $id, heuristics: $heuristics) {
    size received sent truncated reason
    members { id hops via partner heuristic }
  }
}`;

export const PERSONA_CLUSTER_QUERY = `query PersonaCluster($id: ID!) {
  personaCluster(id: $id) { start truncated reason members { id label hops } }
}`;

export const COMMUNITIES_QUERY = `query Communities($ids: [ID!]!) {
  communities(ids: $ids) { components modularity truncated reason communities { id members } }
}`;

export const EDGES_QUERY = `query Edges($ids: [ID!]!) { edges(ids: $ids) { ...EdgeFields } }${EDGE_FRAGMENT}`;

const CASE_FIELDS = `id name version nodeCount createdAt updatedAt createdBy updatedBy`;

export const CASES_QUERY = `query Cases { cases { ${CASE_FIELDS} view } }`;

export const CASE_QUERY = `query Case($id: ID!) { case(id: $id) { ${CASE_FIELDS} view } }`;

export const SAVE_CASE_MUTATION = `mutation SaveCase($id: ID, $name: String!, $view: JSON!, $expectedVersion: Int) {
  saveCase(id: $id, name: $name, view: $view, expectedVersion: $expectedVersion) { ${CASE_FIELDS} view }
}`;

export const DELETE_CASE_MUTATION = `mutation DeleteCase($id: ID!) { deleteCase(id: $id) }`;

/** Filters an expansion or a path search can take; times are RFC 3339. */
export interface EdgeFilters {
  edgeKinds?: EdgeKind[];
  since?: string;
  until?: string;
  minAmount?: number;
}

export interface NeighborOptions extends EdgeFilters {
  depth?: number;
  direction?: Direction;
  nodeKinds?: NodeKind[];
  limit?: number;
}

export interface PathOptions extends EdgeFilters {
  direction?: Direction;
  maxHops?: number;
}

export interface FlowOptions {
  to?: string[];
  maxHops?: number;
  taint?: TaintModel;
  minAmount?: number;
  since?: string;
  until?: string;
  limit?: number;
}

/** Drops undefined and empty-list values, so that the server's defaults apply. */
function vars(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || (Array.isArray(x) && x.length === 0)) continue;
    out[k] = x;
  }
  return out;
}

export interface ClientOptions {
  endpoint?: string;
  fetch?: FetchFn;
}

export class RedthreadClient {
  private readonly endpoint: string;
  private readonly fetchFn: FetchFn;

  constructor(opts: ClientOptions = {}) {
    this.endpoint = opts.endpoint ?? "/graphql";
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Runs one operation; resolves with `data` or rejects with an ApiError. */
  async request<T>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchFn(this.endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/graphql-response+json, application/json;q=0.9",
        },
        body: JSON.stringify({ query, variables }),
        signal: signal ?? null,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new ApiError(`Cannot reach the server: ${msg}`, "NETWORK");
    }

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
      );
    }
    const first = body.errors?.[0];
    if (first) {
      const message = typeof first.message === "string" ? first.message : "Unknown GraphQL error";
      const rawCode = first.extensions?.code;
      const code = typeof rawCode === "string" ? rawCode : res.ok ? "INTERNAL" : "HTTP";
      const path = Array.isArray(first.path) ? (first.path as (string | number)[]) : undefined;
      throw new ApiError(message, code, res.status, path);
    }
    if (!res.ok) throw new ApiError(`HTTP ${res.status} ${res.statusText}`, "HTTP", res.status);
    if (body.data == null) throw new ApiError("The response has no data.", "BAD_RESPONSE", res.status);
    return body.data;
  }

  async stats(signal?: AbortSignal): Promise<Pick<Stats, "nodes" | "edges">> {
    const d = await this.request<{ stats: Pick<Stats, "nodes" | "edges"> }>(STATS_QUERY, {}, signal);
    return d.stats;
  }

  async search(query: string, first = 10, signal?: AbortSignal): Promise<SearchHit[]> {
    const d = await this.request<{ search: { edges: SearchHit[] } }>(SEARCH_QUERY, { query, first }, signal);
    return d.search.edges;
  }

  async node(id: string, signal?: AbortSignal): Promise<GNode | null> {
    const d = await this.request<{ node: GNode | null }>(NODE_QUERY, { id }, signal);
    return d.node;
  }

  /** Several nodes by ID, in the order asked; null where one does not exist. */
  async nodes(ids: string[], signal?: AbortSignal): Promise<(GNode | null)[]> {
    const d = await this.request<{ nodes: (GNode | null)[] }>(NODES_QUERY, { ids }, signal);
    return d.nodes;
  }

  async neighbors(id: string, opts: NeighborOptions = {}, signal?: AbortSignal): Promise<Subgraph> {
    const d = await this.request<{ neighbors: Subgraph }>(
      NEIGHBORS_QUERY,
      vars({ id, ...opts, depth: opts.depth ?? 1, direction: opts.direction ?? "BOTH", limit: opts.limit ?? 50 }),
      signal,
    );
    return d.neighbors;
  }

  async shortestPath(from: string, to: string, opts: PathOptions = {}, signal?: AbortSignal): Promise<Path> {
    const d = await this.request<{ shortestPath: Path }>(
      PATH_QUERY,
      vars({ from, to, ...opts, direction: opts.direction ?? "BOTH", maxHops: opts.maxHops ?? 6 }),
      signal,
    );
    return d.shortestPath;
  }

  /** The k shortest simple paths. */
  async paths(from: string, to: string, k: number, opts: PathOptions = {}, signal?: AbortSignal): Promise<PathList> {
    const d = await this.request<{ paths: PathList }>(
      PATHS_QUERY,
      vars({ from, to, ...opts, limit: k, direction: opts.direction ?? "BOTH", maxHops: opts.maxHops ?? 6 }),
      signal,
    );
    return d.paths;
  }

  async moneyFlow(from: string[], opts: FlowOptions = {}, signal?: AbortSignal): Promise<MoneyFlow> {
    const d = await this.request<{ moneyFlow: MoneyFlow }>(FLOW_QUERY, vars({ from, ...opts }), signal);
    return d.moneyFlow;
  }

  async cluster(id: string, heuristics: ClusterHeuristic[] = ["CO_SPEND"], signal?: AbortSignal): Promise<AddressCluster> {
    const d = await this.request<{ cluster: AddressCluster }>(CLUSTER_QUERY, { id, heuristics }, signal);
    return d.cluster;
  }

  async personaCluster(id: string, signal?: AbortSignal): Promise<PersonaCluster> {
    const d = await this.request<{ personaCluster: PersonaCluster }>(PERSONA_CLUSTER_QUERY, { id }, signal);
    return d.personaCluster;
  }

  async communities(ids: string[], signal?: AbortSignal): Promise<Communities> {
    const d = await this.request<{ communities: Communities }>(COMMUNITIES_QUERY, { ids }, signal);
    return d.communities;
  }

  /** Several edges by ID, in the order asked; null where one does not exist. */
  async edges(ids: string[], signal?: AbortSignal): Promise<(GEdge | null)[]> {
    const d = await this.request<{ edges: (GEdge | null)[] }>(EDGES_QUERY, { ids }, signal);
    return d.edges;
  }

  async cases(signal?: AbortSignal): Promise<SavedCase[]> {
    const d = await this.request<{ cases: SavedCase[] }>(CASES_QUERY, {}, signal);
    return d.cases;
  }

  async getCase(id: string, signal?: AbortSignal): Promise<SavedCase | null> {
    const d = await this.request<{ case: SavedCase | null }>(CASE_QUERY, { id }, signal);
    return d.case;
  }

  /** Creates (no id) or updates a case; CONFLICT when someone saved it since expectedVersion. */
  async saveCase(c: { id?: string; name: string; view: unknown; expectedVersion?: number }, signal?: AbortSignal): Promise<SavedCase> {
    const d = await this.request<{ saveCase: SavedCase }>(SAVE_CASE_MUTATION, vars(c), signal);
    return d.saveCase;
  }

  async deleteCase(id: string, signal?: AbortSignal): Promise<boolean> {
    const d = await this.request<{ deleteCase: boolean }>(DELETE_CASE_MUTATION, { id }, signal);
    return d.deleteCase;
  }
}
