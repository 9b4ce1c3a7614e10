"""The shapes of the GraphQL answers the client reads (TypedDicts over the
JSON), named after the schema's types."""

from __future__ import annotations

from typing import Any, List, Optional, TypedDict


class Property(TypedDict):
    key: str
    value: Any


class Source(TypedDict, total=False):
    dataset: str
    record: Optional[str]
    job: Optional[str]
    retrievedAt: Optional[str]
    url: Optional[str]
    excerpt: Optional[str]
    confidence: int
    marking: str
    illustrative: bool


class Node(TypedDict, total=False):
    id: str
    kind: str
    key: str
    label: str
    aliases: List[str]
    confidence: int
    marking: str
    degree: int
    illustrativeShare: str
    validFrom: Optional[str]
    validTo: Optional[str]
    properties: List[Property]
    props: dict[str, Any]
    chain: str
    address: str
    sources: List[Source]
    risk: dict[str, Any]


Edge = TypedDict("Edge", {
    "id": str,
    "kind": str,
    "from": str,
    "to": str,
    "amount": Optional[float],
    "asset": Optional[str],
    "valueUSD": Optional[float],
    "time": Optional[str],
    "txHash": Optional[str],
    "confidence": int,
    "marking": str,
    "illustrativeShare": str,
    "properties": List[Property],
    "props": dict[str, Any],
    "sources": List[Source],
}, total=False)


# One hop of a path (the contract's Path.hops shape).
PathHop = TypedDict("PathHop", {
    "index": int,
    "from": str,
    "to": str,
    "edge": str,
    "kind": str,
    "forward": bool,
    "time": Optional[str],
    "amount": Optional[float],
    "asset": Optional[str],
    "valueUSD": Optional[float],
})


# One hop of a listed money-flow route (the contract's MoneyFlow.hopRecords shape); ``from`` read as record["from"].
FlowHopRecord = TypedDict("FlowHopRecord", {
    "route": int,
    "hop": int,
    "from": str,
    "to": str,
    "edge": Optional[str],
    "service": Optional[str],
    "time": Optional[str],
    "asset": Optional[str],
    "amount": Optional[float],
    "taintedAmount": Optional[float],
    "valueUSD": Optional[float],
    "taintedUSD": Optional[float],
    "usdFrom": Optional[str],
    "sink": str,
})


class AssetAmount(TypedDict):
    asset: str
    amount: float


class PersonaEvidence(TypedDict):
    identifier: str
    type: str
    weight: float
    edges: List[str]


class PersonaLink(TypedDict):
    a: str
    b: str
    score: float
    evidence: List[PersonaEvidence]
    judgement: Optional[dict[str, Any]]


class Case(TypedDict, total=False):
    id: str
    name: str
    version: int
    nodeCount: int
    createdAt: str
    updatedAt: str
    createdBy: Optional[str]
    updatedBy: Optional[str]
    agency: str
    view: Any
    comments: List[dict[str, Any]]
    history: List[dict[str, Any]]
    shares: List[dict[str, Any]]


class Share(TypedDict, total=False):
    id: str
    caseId: str
    agency: str
    users: List[str]
    cap: str
    allowComments: bool
    createdAt: str
    createdBy: str
    expiresAt: str
    revokedAt: Optional[str]
    openedAt: Optional[str]
    owner: str


class AuditEntry(TypedDict):
    seq: int
    at: str
    actor: str
    action: str
    target: str
    outcome: str
    detail: str
    addr: str


class PriceClose(TypedDict, total=False):
    asset: str
    day: str
    usdClose: float
    source: dict[str, Any]
