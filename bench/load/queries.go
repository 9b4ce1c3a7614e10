package main

// The GraphQL documents the load sends: the web UI's own (web/src/api.ts),
// so that the load is what investigators' browsers send, fields and
// fragments included.

const sourceFields = `dataset record job retrievedAt url excerpt confidence marking illustrative`

const nodeFragment = `
fragment NodeFields on Node {
  __typename id kind key label aliases confidence marking validFrom validTo degree
  properties { key value }
  sources { ` + sourceFields + ` }
  ... on Wallet { chain address }
}`

const edgeFragment = `
fragment EdgeFields on Edge {
  id kind from to amount asset valueUSD time txHash confidence marking validFrom validTo
  properties { key value }
  sources { ` + sourceFields + ` }
}`

const statsQuery = `query Stats { stats { nodes edges } }`

const searchQuery = `query Search($query: String!, $first: Int) {
  search(query: $query, first: $first) { edges { score node { ...NodeFields } } }
}` + nodeFragment

const nodeQuery = `query Node($id: ID!) { node(id: $id) { ...NodeFields } }` + nodeFragment

const neighborsQuery = `query Neighbors($id: ID!, $depth: Int, $direction: Direction, $limit: Int) {
  neighbors(id: $id, depth: $depth, direction: $direction, limit: $limit) {
    truncated reason
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
}` + nodeFragment + edgeFragment

const pathQuery = `query ShortestPath($from: ID!, $to: ID!, $direction: Direction, $maxHops: Int) {
  shortestPath(from: $from, to: $to, direction: $direction, maxHops: $maxHops) {
    length truncated reason
    nodes { ...NodeFields }
    edges { ...EdgeFields }
  }
}` + nodeFragment + edgeFragment

const flowQuery = `query MoneyFlow($from: [ID!]!, $maxHops: Int, $limit: Int) {
  moneyFlow(from: $from, maxHops: $maxHops, limit: $limit) {
    taint sourceValue stolen routeCount truncated reason
    sources { ...NodeFields }
    sinks { node { ...NodeFields } category wallets value valueUSD routes firstArrival lastArrival summary }
    routes { value sink hops { from to edge { id } service time value tainted } }
    tainted { tainted edge { ...EdgeFields fromNode { ...NodeFields } toNode { ...NodeFields } } }
  }
}` + nodeFragment + edgeFragment

// heavyFlowQuery is a money flow with the bounds turned up and a summary
// of an answer: its work is the search, not the answer's size (the UI's
// full document at these bounds is refused by the complexity limit).
const heavyFlowQuery = `query HeavyFlow($from: [ID!]!, $maxHops: Int, $limit: Int, $through: [String!], $hubDegree: Int) {
  moneyFlow(from: $from, maxHops: $maxHops, limit: $limit, through: $through, hubDegree: $hubDegree) {
    routeCount truncated reason
    sinks { node { id label } category valueUSD routes }
    routes { value sink hops { from to } }
  }
}`

const clusterQuery = `query Cluster($id: ID!, $heuristics: [ClusterHeuristic!]) {
  cluster(id: $id, heuristics: $heuristics) {
    size received sent truncated reason
    members { id hops via partner heuristic }
  }
}`

const caseFields = `id name version nodeCount createdAt updatedAt createdBy updatedBy`

const caseQuery = `query Case($id: ID!) { case(id: $id) { ` + caseFields + ` view } }`

const saveCaseMutation = `mutation SaveCase($name: String!, $view: JSON!) {
  saveCase(name: $name, view: $view) { ` + caseFields + ` }
}`
