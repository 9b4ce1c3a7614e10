// The pieces of graphology-layout-forceatlas2 that layout.ts and its worker
// use directly (the package types only its main entry and its supervisor).
declare module "graphology-layout-forceatlas2/iterate" {
  import type { ForceAtlas2Settings } from "graphology-layout-forceatlas2";
  /** One ForceAtlas2 step over the node (10 floats each) and edge (3 floats each) matrices, in place. */
  export default function iterate(settings: Required<ForceAtlas2Settings>, nodes: Float32Array, edges: Float32Array): void;
}

declare module "graphology-layout-forceatlas2/helpers" {
  import type Graph from "graphology";
  /** The graph as matrices, nodes in the graph's order (x, y, mass, size and `fixed` read from the attributes). */
  export function graphToByteArrays(graph: Graph, getEdgeWeight: () => number): { nodes: Float32Array; edges: Float32Array };
}
