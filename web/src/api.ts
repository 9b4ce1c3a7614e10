// A small typed GraphQL client for Redthread's API (POST /graphql, same origin).
import type { Direction, GNode, Path, SearchHit, Stats, Subgraph } from "./types";

/** Error codes the server puts in `extensions.code`, plus client-side ones. */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "LIMIT_EXCEEDED"
  | "TIMEOUT"
  | "UNAVAILABLE"
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
  __typename id kind key label aliases confidence marking validFrom validTo
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

export const NEIGHBORS_QUERY = `query Neighbors($id: ID!, $depth: Int, $direction: Direction, $limit: Int) {
  neighbors(id: $id, depth: $depth, direction: $direction, limit: $limit) {
    truncated reason
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
}${NODE_FRAGMENT}${EDGE_FRAGMENT}`;

export const PATH_QUERY = `query ShortestPath($from: ID!, $to: ID!, $direction: Direction, $maxHops: Int) {
  shortestPath(from: $from, to: $to, direction: $direction, maxHops: $maxHops) {
    length truncated reason
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
}${NODE_FRAGMENT}${EDGE_FRAGMENT}`;

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

  async neighbors(
    id: string,
    opts: { depth?: number; direction?: Direction; limit?: number } = {},
    signal?: AbortSignal,
  ): Promise<Subgraph> {
    const d = await this.request<{ neighbors: Subgraph }>(
      NEIGHBORS_QUERY,
      { id, depth: opts.depth ?? 1, direction: opts.direction ?? "BOTH", limit: opts.limit ?? 50 },
      signal,
    );
    return d.neighbors;
  }

  async shortestPath(
    from: string,
    to: string,
    opts: { direction?: Direction; maxHops?: number } = {},
    signal?: AbortSignal,
  ): Promise<Path> {
    const d = await this.request<{ shortestPath: Path }>(
      PATH_QUERY,
      { from, to, direction: opts.direction ?? "BOTH", maxHops: opts.maxHops ?? 6 },
      signal,
    );
    return d.shortestPath;
  }
}
