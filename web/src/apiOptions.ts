// The options the client's searches take, apart from the client so that
// the documents and the requests stay one readable file (api.ts).
import type { Direction, EdgeKind, FlowRanking, NodeKind, TaintModel } from "./types";

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
  /** How sinks and routes rank: by USD, or per asset (rankAsset first); the server's default when absent. */
  rankBy?: FlowRanking;
  rankAsset?: string;
}
