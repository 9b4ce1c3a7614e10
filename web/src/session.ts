// Loading a view's data from the API in pieces the server accepts: a saved
// case or a link holds up to tens of thousands of IDs, and one GraphQL
// operation is bounded by its complexity.
import type { RedthreadClient } from "./api";
import type { GEdge, GNode } from "./types";

/** IDs per nodes/edges request: well under the server's complexity limit. */
export const FETCH_CHUNK = 500;

/** Splits ids into chunks of at most `size`. */
export function chunks<T>(ids: readonly T[], size = FETCH_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/** The nodes and edges that exist (and this reader may see), fetched chunk by chunk. */
export async function fetchView(
  client: Pick<RedthreadClient, "nodes" | "edges">,
  nodeIds: readonly string[],
  edgeIds: readonly string[],
  signal?: AbortSignal,
): Promise<{ nodes: GNode[]; edges: GEdge[] }> {
  const nodes: GNode[] = [];
  const edges: GEdge[] = [];
  for (const c of chunks(nodeIds)) {
    for (const n of await client.nodes(c, signal)) if (n) nodes.push(n);
  }
  for (const c of chunks(edgeIds)) {
    for (const e of await client.edges(c, signal)) if (e) edges.push(e);
  }
  return { nodes, edges };
}

/**
 * The edges that tie a money flow's sink service to its wallets: the flow
 * names the wallets that received, and edge IDs are `FROM>KIND>TO`, so the
 * candidates are known without a search (CONTROLS from the service, or
 * DEPOSITED_AT to it).
 */
export function sinkEdgeIds(service: string, wallets: readonly string[]): string[] {
  return wallets.flatMap((w) => [`${service}>CONTROLS>${w}`, `${w}>DEPOSITED_AT>${service}`]);
}
