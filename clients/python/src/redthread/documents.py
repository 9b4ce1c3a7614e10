"""The GraphQL documents the client sends, one per operation.

Each is checked against the server's schema by the tests
(tests/test_schema.py): a document that no longer validates fails them.
"""

from __future__ import annotations

NODE_FIELDS = """
fragment RtNode on Node {
  id kind key label aliases confidence marking degree illustrativeShare validFrom validTo props
  ... on Wallet { chain address }
}"""

SOURCE_FIELDS = """
fragment RtSource on Source { dataset record job retrievedAt url excerpt confidence marking illustrative }"""

EDGE_FIELDS = """
fragment RtEdge on Edge {
  id kind from to amount asset valueUSD time txHash confidence marking illustrativeShare props
}"""

PATH_FIELDS = """
fragment RtPath on Path {
  length truncated reason reasonCode reasonCodes nodes { ...RtNode } edges { ...RtEdge }
  hops { index from to edge kind forward time amount asset valueUSD }
}"""

STATS = """query Stats { stats { nodes edges nodesByKind { kind count } edgesByKind { kind count } } }"""

NODE = """query Node($id: ID!) {
  node(id: $id) {
    ...RtNode
    sources { ...RtSource }
    risk { flags { kind reason category via share asset nodes edges } truncated reason reasonCode reasonCodes }
  }
}""" + NODE_FIELDS + SOURCE_FIELDS

NODES = """query Nodes($ids: [ID!]!) { nodes(ids: $ids) { ...RtNode } }""" + NODE_FIELDS

EDGE = """query Edge($id: ID!) { edge(id: $id) { ...RtEdge sources { ...RtSource } } }""" + EDGE_FIELDS + SOURCE_FIELDS

EDGES = """query Edges($ids: [ID!]!) { edges(ids: $ids) { ...RtEdge } }""" + EDGE_FIELDS

SEARCH = """query Search($query: String!, $kinds: [NodeKind!], $first: Int, $after: String) {
  search(query: $query, kinds: $kinds, first: $first, after: $after) {
    totalCount edges { cursor score node { ...RtNode } }
    pageInfo { hasNextPage endCursor }
  }
}""" + NODE_FIELDS

NEIGHBORS = """query Neighbors($id: ID!, $depth: Int, $direction: Direction, $edgeKinds: [EdgeKind!],
    $nodeKinds: [NodeKind!], $since: Time, $until: Time, $minAmount: Float, $asOf: Time, $limit: Int) {
  neighbors(id: $id, depth: $depth, direction: $direction, edgeKinds: $edgeKinds, nodeKinds: $nodeKinds,
            since: $since, until: $until, minAmount: $minAmount, asOf: $asOf, limit: $limit) {
    nodes { ...RtNode } edges { ...RtEdge } truncated reason reasonCode reasonCodes
  }
}""" + NODE_FIELDS + EDGE_FIELDS

SHORTEST_PATH = """query ShortestPath($from: ID!, $to: ID!, $maxHops: Int, $direction: Direction,
    $edgeKinds: [EdgeKind!], $since: Time, $until: Time, $minAmount: Float, $asOf: Time,
    $services: ServicePolicy, $hubDegree: Int) {
  shortestPath(from: $from, to: $to, maxHops: $maxHops, direction: $direction, edgeKinds: $edgeKinds,
               since: $since, until: $until, minAmount: $minAmount, asOf: $asOf, services: $services,
               hubDegree: $hubDegree) { ...RtPath }
}""" + PATH_FIELDS + NODE_FIELDS + EDGE_FIELDS

PATHS = """query Paths($from: ID!, $to: ID!, $maxHops: Int, $limit: Int, $all: Boolean, $direction: Direction,
    $edgeKinds: [EdgeKind!], $since: Time, $until: Time, $minAmount: Float, $asOf: Time,
    $services: ServicePolicy, $hubDegree: Int) {
  paths(from: $from, to: $to, maxHops: $maxHops, limit: $limit, all: $all, direction: $direction,
        edgeKinds: $edgeKinds, since: $since, until: $until, minAmount: $minAmount, asOf: $asOf,
        services: $services, hubDegree: $hubDegree) {
    paths { ...RtPath } skippedHubs truncated reason reasonCode reasonCodes
  }
}""" + PATH_FIELDS + NODE_FIELDS + EDGE_FIELDS

NEAREST = """query Nearest($from: ID!, $target: NearestTarget!, $maxHops: Int, $limit: Int, $direction: Direction,
    $edgeKinds: [EdgeKind!], $since: Time, $until: Time, $minAmount: Float, $asOf: Time, $hubDegree: Int) {
  nearest(from: $from, target: $target, maxHops: $maxHops, limit: $limit, direction: $direction,
          edgeKinds: $edgeKinds, since: $since, until: $until, minAmount: $minAmount, asOf: $asOf,
          hubDegree: $hubDegree) {
    paths { ...RtPath } skippedHubs truncated reason reasonCode reasonCodes
  }
}""" + PATH_FIELDS + NODE_FIELDS + EDGE_FIELDS

_AMOUNT = "{ asset amount }"
_PRICE = "{ asset day usdClose }"

MONEY_FLOW = """query MoneyFlow($from: [ID!]!, $to: [ID!], $maxHops: Int, $since: Time, $until: Time,
    $minAmount: Float, $taint: TaintModel, $through: [String!], $limit: Int, $asOf: Time, $hubDegree: Int,
    $rankBy: FlowRanking, $rankAsset: String) {
  moneyFlow(from: $from, to: $to, maxHops: $maxHops, since: $since, until: $until, minAmount: $minAmount,
            taint: $taint, through: $through, limit: $limit, asOf: $asOf, hubDegree: $hubDegree,
            rankBy: $rankBy, rankAsset: $rankAsset) {
    taint sourceValue stolen priced rankedBy assetOrder routeCount truncated reason reasonCode reasonCodes pricedFromTable valuation
    sources { id kind label }
    sourceAmounts AMOUNT
    sinks { node { id kind label } category wallets valueUSD amounts AMOUNT unpriced routes
            firstArrival lastArrival summary usdFrom }
    routes { value amount AMOUNT sink alike usdFrom
             hops { from to edge { id } service time value tainted amount AMOUNT taintedAmount AMOUNT
                    usdFrom price PRICE } }
    hopRecords { route hop from to edge service time asset amount taintedAmount valueUSD taintedUSD usdFrom sink }
  }
}""".replace("AMOUNT", _AMOUNT).replace("PRICE", _PRICE)

PRICES = """query Prices($asset: String!, $from: Time, $to: Time, $first: Int, $after: String) {
  prices(asset: $asset, from: $from, to: $to, first: $first, after: $after) {
    prices { asset day usdClose source { dataset url } } hasNextPage endCursor
  }
}"""

CLUSTER = """query Cluster($id: ID!, $heuristics: [ClusterHeuristic!], $maxMembers: Int, $counterparties: Int,
    $asOf: Time) {
  cluster(id: $id, heuristics: $heuristics, maxMembers: $maxMembers, counterparties: $counterparties,
          asOf: $asOf) {
    size received sent firstActivity lastActivity truncated reason reasonCode reasonCodes
    members { id hops via partner heuristic }
    attributions { entity { id kind label } wallet edge { id } confidence }
    counterparties { id service category received sent }
  }
}"""

EXPOSURE = """query Exposure($id: ID!, $maxHops: Int, $direction: Direction, $since: Time, $until: Time,
    $asOf: Time, $hubDegree: Int) {
  exposure(id: $id, maxHops: $maxHops, direction: $direction, since: $since, until: $until, asOf: $asOf,
           hubDegree: $hubDegree) {
    received { ...RtSide } sent { ...RtSide } truncated reason reasonCode reasonCodes
  }
}
fragment RtSide on ExposureSide {
  total unattributed categories { category value share routes { nodes value } }
}"""

PERSONA_CLUSTER = """query PersonaCluster($id: ID!, $minScore: Float, $maxMembers: Int, $asOf: Time) {
  personaCluster(id: $id, minScore: $minScore, maxMembers: $maxMembers, asOf: $asOf) {
    start truncated reason reasonCode reasonCodes
    members { id label hops }
    links { ...RtLink }
    rejected { ...RtLink }
  }
}
fragment RtLink on PersonaLink {
  a b score evidence { identifier type weight edges }
  judgement { decision by reason at edge }
}"""

SAME_AS_CANDIDATES = """query SameAsCandidates($kinds: [NodeKind!], $first: Int, $after: String) {
  sameAsCandidates(kinds: $kinds, first: $first, after: $after) {
    hasNextPage endCursor truncated reason reasonCode reasonCodes
    candidates {
      cursor datasetsA datasetsB
      a { id kind label } b { id kind label }
      matches { a b folded domain }
      judgement { decision by reason at edge }
    }
  }
}"""

COMMUNITIES = """query Communities($ids: [ID!]!, $edgeKinds: [EdgeKind!], $resolution: Float, $asOf: Time) {
  communities(ids: $ids, edgeKinds: $edgeKinds, resolution: $resolution, asOf: $asOf) {
    components modularity hidden truncated reason reasonCode reasonCodes
    communities { id members internalEdges totalDegree }
  }
}"""

_CASE_SUMMARY = "id name version nodeCount createdAt updatedAt createdBy updatedBy agency"
_SHARE = "id caseId agency users cap allowComments createdAt createdBy expiresAt revokedAt openedAt owner"

CASES = "query Cases($first: Int) { cases(first: $first) { " + _CASE_SUMMARY + " } }"

CASE = ("query Case($id: ID!) { case(id: $id) { " + _CASE_SUMMARY + " view"
        " comments { id by agency at text } history { at by agency action detail } shares { " + _SHARE + " } } }")

SAVE_CASE = ("mutation SaveCase($id: ID, $name: String!, $view: JSON!, $expectedVersion: Int) {"
             " saveCase(id: $id, name: $name, view: $view, expectedVersion: $expectedVersion) { "
             + _CASE_SUMMARY + " } }")

DELETE_CASE = "mutation DeleteCase($id: ID!) { deleteCase(id: $id) }"

EXPORT_CASE_STIX = "query ExportCaseStix($id: ID!) { exportCaseStix(id: $id) }"

SHARES = "query Shares($caseId: ID!) { shares(caseId: $caseId) { " + _SHARE + " } }"

SHARE_CASE = ("mutation ShareCase($caseId: ID!, $agency: String!, $users: [String!], $cap: Marking,"
              " $expiresIn: String, $allowComments: Boolean) {"
              " shareCase(caseId: $caseId, agency: $agency, users: $users, cap: $cap, expiresIn: $expiresIn,"
              " allowComments: $allowComments) { token url share { " + _SHARE + " } } }")

_SHARED_CASE = """{
    withheld notice
    share { """ + _SHARE + """ }
    case { """ + _CASE_SUMMARY + """ view }
    comments { id by agency at text }
    nodes { ...RtNode } edges { ...RtEdge }
  }"""

OPEN_SHARE = ("query OpenShare($token: String!) { openShare(token: $token) " + _SHARED_CASE + " }"
              + NODE_FIELDS + EDGE_FIELDS)

PREVIEW_SHARE = ("query PreviewShare($caseId: ID!, $agency: String!, $users: [String!], $cap: Marking) {"
                 " previewShare(caseId: $caseId, agency: $agency, users: $users, cap: $cap) " + _SHARED_CASE + " }"
                 + NODE_FIELDS + EDGE_FIELDS)

REVOKE_SHARE = "mutation RevokeShare($id: ID!) { revokeShare(id: $id) { " + _SHARE + " } }"

COMMENT_ON_SHARE = ("mutation CommentOnShare($token: String!, $text: String!) {"
                    " commentOnShare(token: $token, text: $text) { id by agency at text } }")

_JUDGEMENT = "{ decision by reason at edge }"
CONFIRM_SAME_AS = ("mutation ConfirmSameAs($a: ID!, $b: ID!, $reason: String!) {"
                   " confirmSameAs(a: $a, b: $b, reason: $reason) " + _JUDGEMENT + " }")
REJECT_SAME_AS = ("mutation RejectSameAs($a: ID!, $b: ID!, $reason: String!) {"
                  " rejectSameAs(a: $a, b: $b, reason: $reason) " + _JUDGEMENT + " }")

AUDIT_LOG = """query AuditLog($agency: ID, $action: String, $actor: String, $outcome: AuditOutcome, $since: Time,
    $until: Time, $first: Int, $after: String) {
  auditLog(agency: $agency, action: $action, actor: $actor, outcome: $outcome, since: $since, until: $until,
           first: $first, after: $after) {
    entries { seq at actor action target outcome detail addr } next
  }
}"""

AGENCIES = "query Agencies { agencies { id name createdAt } }"
ADD_AGENCY = "mutation AddAgency($id: ID!, $name: String!) { addAgency(id: $id, name: $name) { id name createdAt } }"
_USER = "id agency email role disabled hasPassword createdAt lastSignInAt"
USERS = "query Users($agency: ID) { users(agency: $agency) { " + _USER + " } }"
ADD_USER = ("mutation AddUser($email: String!, $role: Role!, $agency: ID) {"
            " addUser(email: $email, role: $role, agency: $agency) { signInPath user { " + _USER + " } } }")
_TOKEN = "id agency userId user scopes createdAt expiresAt lastUsedAt revokedAt"
API_TOKENS = "query ApiTokens($agency: ID) { apiTokens(agency: $agency) { " + _TOKEN + " } }"
CREATE_API_TOKEN = ("mutation CreateApiToken($userId: ID, $agency: ID, $scopes: [Scope!]!, $expiresIn: String) {"
                    " createApiToken(userId: $userId, agency: $agency, scopes: $scopes, expiresIn: $expiresIn) {"
                    " secret token { " + _TOKEN + " } } }")
REVOKE_API_TOKEN = "mutation RevokeApiToken($id: ID!) { revokeApiToken(id: $id) { " + _TOKEN + " } }"

_JOB = """{
    id format state error errorCode rejected skipped created started finished
    inputs { name uploaded bytes }
    progress { phase records nodesCreated nodesUpdated nodesUnchanged edgesCreated edgesUpdated edgesUnchanged
               elapsedSeconds }
    rejections { file line field recordId code reason }
  }"""

INGEST_JOB = "query IngestJob($id: ID!) { ingestJob(id: $id) " + _JOB + " }"

START_INGEST = ("mutation StartIngest($format: String!, $paths: [String!], $uploads: [Upload!], $marking: Marking) {"
                " startIngest(format: $format, paths: $paths, uploads: $uploads, marking: $marking) " + _JOB + " }")

# Bulk and listing (issue 18).
NODE_LIST = """query NodeList($kind: NodeKind, $first: Int, $after: String) {
  nodeList(kind: $kind, first: $first, after: $after) {
    totalCount edges { cursor node { ...RtNode } } pageInfo { hasNextPage endCursor }
  }
}""" + NODE_FIELDS

TRANSFERS = """query Transfers($wallets: [ID!]!, $direction: Direction, $since: Time, $until: Time,
    $minAmount: Float, $asset: String, $first: Int, $after: String) {
  transfers(wallets: $wallets, direction: $direction, since: $since, until: $until, minAmount: $minAmount,
            asset: $asset, first: $first, after: $after) {
    totalCount edges { cursor node { ...RtEdge } } pageInfo { hasNextPage endCursor }
  }
}""" + EDGE_FIELDS

NEIGHBORS_MANY = """query NeighborsMany($ids: [ID!], $depth: Int, $direction: Direction, $edgeKinds: [EdgeKind!],
    $nodeKinds: [NodeKind!], $since: Time, $until: Time, $minAmount: Float, $asOf: Time, $limit: Int) {
  neighbors(ids: $ids, depth: $depth, direction: $direction, edgeKinds: $edgeKinds, nodeKinds: $nodeKinds,
            since: $since, until: $until, minAmount: $minAmount, asOf: $asOf, limit: $limit) {
    nodes { ...RtNode } edges { ...RtEdge } truncated reason reasonCode reasonCodes
  }
}""" + NODE_FIELDS + EDGE_FIELDS

ALL: dict[str, str] = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, str) and value.lstrip().startswith(("query", "mutation"))
}
