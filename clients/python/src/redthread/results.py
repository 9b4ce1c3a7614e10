"""Typed results of the client's calls, with ``to_df()`` (pandas) and
``to_networkx()`` where a result is a table or a graph.

pandas and networkx are imported when first used: install them with
``pip install ./clients/python[pandas,networkx]``.

Money-flow frames never add different assets together: one column per
asset (named by the asset), and a ``usd_value`` column only where the
server valued the amounts in USD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

from ._transport import Response
from .types import Edge, FlowHopRecord, Node, PathHop, PersonaLink

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pandas as pd

USD_COLUMN = "usd_value"


def _pd() -> Any:
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover
        raise ImportError("to_df() needs pandas: pip install './clients/python[pandas]'") from exc
    return pd


def _nx() -> Any:
    try:
        import networkx as nx
    except ImportError as exc:  # pragma: no cover
        raise ImportError("to_networkx() needs networkx: pip install './clients/python[networkx]'") from exc
    return nx


def props(obj: Node | Edge | dict[str, Any]) -> dict[str, Any]:
    """A node's or edge's properties as one dict: the contract's ``props``
    when the server answers it, else built from ``properties``."""
    if isinstance(obj.get("props"), dict):
        return dict(obj["props"])  # type: ignore[typeddict-item]
    return {p["key"]: p["value"] for p in obj.get("properties") or []}


_NODE_CORE = ("id", "kind", "key", "label", "aliases", "confidence", "marking", "degree", "illustrativeShare",
              "validFrom", "validTo", "chain", "address")
_EDGE_CORE = ("id", "kind", "from", "to", "amount", "asset", "valueUSD", "time", "txHash", "confidence", "marking",
              "illustrativeShare")


def _node_attrs(n: Node) -> dict[str, Any]:
    a = {k: n[k] for k in _NODE_CORE if k in n and k != "id"}  # type: ignore[literal-required]
    for k, v in props(n).items():
        a.setdefault(k, v)  # a property never hides a field of the node
    return a


def _edge_attrs(e: Edge) -> dict[str, Any]:
    a = {k: e[k] for k in _EDGE_CORE if k in e and k not in ("from", "to")}  # type: ignore[literal-required]
    for k, v in props(e).items():
        a.setdefault(k, v)
    return a


def _graph(nodes: list[Node], edges: list[Edge]) -> "nx.MultiDiGraph":
    nx = _nx()
    g = nx.MultiDiGraph()
    for n in nodes:
        g.add_node(n["id"], **_node_attrs(n))
    for e in edges:
        g.add_edge(e["from"], e["to"], key=e["id"], **_edge_attrs(e))
    return g


def _nan(v: Optional[float]) -> float:
    return math.nan if v is None else float(v)


class _Meta:
    """What every result carries besides its data: the server's warnings
    (also raised as RedthreadWarning), the cost and the request ID."""

    response: Response

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return self.response.warnings

    @property
    def cost(self) -> Optional[dict[str, Any]]:
        return self.response.cost

    @property
    def request_id(self) -> Optional[str]:
        return self.response.request_id

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Per-item errors (e.g. a malformed ID of a bulk lookup)."""
        return self.response.errors


@dataclass
class Value(_Meta):
    """A result without a table or graph shape (stats, a case, a share...)."""

    value: Any
    response: Response = field(repr=False)

    def __getitem__(self, k: Any) -> Any:
        return self.value[k]


@dataclass
class NodeList(_Meta):
    """Nodes in the order asked; None where one is missing or hidden."""

    nodes: list[Optional[Node]]
    response: Response = field(repr=False)

    def __iter__(self) -> Iterator[Optional[Node]]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def to_df(self) -> "pd.DataFrame":
        return nodes_df([n for n in self.nodes if n is not None])


def nodes_df(nodes: list[Node], extra: Optional[list[dict[str, Any]]] = None) -> "pd.DataFrame":
    rows = []
    for i, n in enumerate(nodes):
        r = {k: n.get(k) for k in ("id", "kind", "label", "key", "degree", "confidence", "marking",  # type: ignore[misc]
                                    "illustrativeShare", "validFrom", "validTo")}
        if extra:
            r.update(extra[i])
        r["props"] = props(n)
        rows.append(r)
    return _pd().DataFrame(rows, columns=None if rows else ["id", "kind", "label", "props"])


def edges_df(edges: list[Edge]) -> "pd.DataFrame":
    rows = [{**{k: e.get(k) for k in _EDGE_CORE}, "props": props(e)} for e in edges]  # type: ignore[misc]
    return _pd().DataFrame(rows, columns=list(_EDGE_CORE) + ["props"])


@dataclass
class SearchPage(_Meta):
    """One page of search (or nodeList): nodes with their scores and cursors."""

    nodes: list[Node]
    scores: list[Optional[float]]
    cursors: list[str]
    has_next_page: bool
    end_cursor: Optional[str]
    total_count: Optional[int]
    response: Response = field(repr=False)

    def to_df(self) -> "pd.DataFrame":
        return nodes_df(self.nodes, [{"score": s} for s in self.scores])


@dataclass
class Subgraph(_Meta):
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool
    reason: Optional[str]
    response: Response = field(repr=False)
    # Why it was cut, for programs: TruncationReason values (NODE_LIMIT…), one per cause.
    reason_codes: list[str] = field(default_factory=list)

    def to_networkx(self) -> "nx.MultiDiGraph":
        """A MultiDiGraph: node and edge attributes from their fields and props; edge keys are edge IDs."""
        return _graph(self.nodes, self.edges)

    def to_df(self) -> "pd.DataFrame":
        """The edges, one row each (``nodes_df()`` for the nodes)."""
        return edges_df(self.edges)

    def nodes_df(self) -> "pd.DataFrame":
        return nodes_df(self.nodes)


def path_hops(p: dict[str, Any]) -> list[PathHop]:
    """The contract's Path.hops: from the server when it answers them,
    else from the path's nodes and edges."""
    if p.get("hops"):
        return list(p["hops"])
    out: list[PathHop] = []
    nodes, edges = p.get("nodes") or [], p.get("edges") or []
    for i, e in enumerate(edges):
        frm = nodes[i]["id"] if i < len(nodes) else e["from"]
        to = nodes[i + 1]["id"] if i + 1 < len(nodes) else e["to"]
        out.append({"index": i, "from": frm, "to": to, "edge": e["id"], "kind": e["kind"],
                    "forward": e["from"] == frm, "time": e.get("time"), "amount": e.get("amount"),
                    "asset": e.get("asset"), "valueUSD": e.get("valueUSD")})
    return out


@dataclass
class Path(_Meta):
    nodes: list[Node]
    edges: list[Edge]
    length: int
    truncated: bool
    reason: Optional[str]
    response: Response = field(repr=False)
    # Why it was cut, for programs: TruncationReason values, one per cause.
    reason_codes: list[str] = field(default_factory=list)

    server_hops: Optional[list[PathHop]] = field(default=None, repr=False)

    @property
    def hops(self) -> list[PathHop]:
        """Path.hops: the server's flat records (or built from nodes and edges)."""
        return path_hops({"nodes": self.nodes, "edges": self.edges, "hops": self.server_hops})

    def to_df(self) -> "pd.DataFrame":
        """One row per hop: index, from, to, edge, kind, forward, time, amount, asset, valueUSD."""
        return _pd().DataFrame(self.hops, columns=list(PathHop.__annotations__))

    def to_networkx(self) -> "nx.MultiDiGraph":
        return _graph(self.nodes, self.edges)


@dataclass
class PathList(_Meta):
    paths: list[Path]
    skipped_hubs: list[str]
    truncated: bool
    reason: Optional[str]
    response: Response = field(repr=False)
    # Why it was cut, for programs: TruncationReason values, one per cause.
    reason_codes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def to_df(self) -> "pd.DataFrame":
        """One row per hop of every path, with the path's index in ``path``."""
        rows = [{"path": i, **h} for i, p in enumerate(self.paths) for h in p.hops]
        return _pd().DataFrame(rows, columns=["path"] + list(PathHop.__annotations__))

    def to_networkx(self) -> "nx.MultiDiGraph":
        nodes = {n["id"]: n for p in self.paths for n in p.nodes}
        edges = {e["id"]: e for p in self.paths for e in p.edges}
        return _graph(list(nodes.values()), list(edges.values()))


@dataclass
class MoneyFlow(_Meta):
    """moneyFlow's answer. ``raw`` holds every field asked; the frames put
    each asset in its own column and never add assets together."""

    raw: dict[str, Any]
    response: Response = field(repr=False)

    def __getitem__(self, k: str) -> Any:
        return self.raw[k]

    @property
    def sinks(self) -> list[dict[str, Any]]:
        return self.raw["sinks"]

    @property
    def routes(self) -> list[dict[str, Any]]:
        return self.raw["routes"]

    @property
    def assets(self) -> list[str]:
        """The flow's assets: its asset order, then any other seen in amounts."""
        seen = list(self.raw.get("assetOrder") or [])
        for amounts in ([s["amounts"] for s in self.sinks] + [[r["amount"]] for r in self.routes]
                        + [self.raw.get("sourceAmounts") or []]):
            for a in amounts:
                if a and a["asset"] not in seen:
                    seen.append(a["asset"])
        return seen

    def hop_records(self) -> list[FlowHopRecord]:
        """The contract's MoneyFlow.hopRecords: from the server when it
        answers them, else flattened from the listed routes."""
        if self.raw.get("hopRecords"):
            return list(self.raw["hopRecords"])
        out: list[FlowHopRecord] = []
        for ri, r in enumerate(self.routes):
            for hi, h in enumerate(r["hops"]):
                amount, tainted = h.get("amount") or {}, h.get("taintedAmount") or {}
                out.append({"route": ri, "hop": hi, "from": h["from"], "to": h["to"],
                            "edge": (h.get("edge") or {}).get("id"), "service": h.get("service"),
                            "time": h.get("time"), "asset": amount.get("asset") or tainted.get("asset"),
                            "amount": amount.get("amount"), "taintedAmount": tainted.get("amount"),
                            "valueUSD": h.get("value"), "taintedUSD": h.get("tainted"),
                            "usdFrom": h.get("usdFrom"), "sink": r["sink"]})
        return out

    def _frame(self, rows: list[dict[str, Any]], lead: list[str], tail: list[str]) -> "pd.DataFrame":
        assets = self.assets
        usd = any(r.get(USD_COLUMN) is not None and not (isinstance(r[USD_COLUMN], float) and math.isnan(r[USD_COLUMN]))
                  for r in rows)
        cols = lead + assets + ([USD_COLUMN] if usd else []) + tail
        for r in rows:
            for a in assets:
                r.setdefault(a, math.nan)
        df = _pd().DataFrame(rows, columns=cols)
        df.attrs["assets"] = assets
        return df

    def sinks_df(self) -> "pd.DataFrame":
        """One row per sink: the amount of each asset that reached it (a column
        per asset), ``usd_value`` where priced, the routes and first/last arrival."""
        rows = []
        for s in self.sinks:
            r: dict[str, Any] = {"sink": s["node"]["id"], "label": s["node"]["label"], "category": s.get("category"),
                                 "routes": s["routes"], USD_COLUMN: _nan(s.get("valueUSD"))}
            for a in s["amounts"]:
                r[a["asset"]] = a["amount"]
            r.update(unpriced=s.get("unpriced"), first_arrival=s.get("firstArrival"),
                     last_arrival=s.get("lastArrival"), summary=s.get("summary"))
            rows.append(r)
        return self._frame(rows, ["sink", "label", "category", "routes"],
                           ["unpriced", "first_arrival", "last_arrival", "summary"])

    def routes_df(self) -> "pd.DataFrame":
        """One row per listed route: its sink, hop count, alike routes, and the
        tainted amount that reached the sink in its asset's column."""
        rows = []
        for i, r in enumerate(self.routes):
            row: dict[str, Any] = {"route": i, "sink": r["sink"], "hops": len(r["hops"]), "alike": r["alike"],
                                   USD_COLUMN: _nan(r.get("value")), "usd_from": r.get("usdFrom")}
            row[r["amount"]["asset"]] = r["amount"]["amount"]
            rows.append(row)
        return self._frame(rows, ["route", "sink", "hops", "alike"], ["usd_from"])

    def hops_df(self) -> "pd.DataFrame":
        """One row per hop of each listed route: the tainted amount in its
        asset's column, ``usd_value`` the tainted USD where priced, and the
        whole transfer's amount in ``transfer_amount`` beside its ``asset``."""
        rows = []
        for h in self.hop_records():
            row: dict[str, Any] = {"route": h["route"], "hop": h["hop"], "from": h["from"], "to": h["to"],
                                   "edge": h["edge"], "service": h["service"], "time": h["time"],
                                   "asset": h["asset"], "transfer_amount": _nan(h["amount"]),
                                   USD_COLUMN: _nan(h["taintedUSD"]), "transfer_usd": _nan(h["valueUSD"]),
                                   "usd_from": h["usdFrom"], "sink": h["sink"]}
            if h["asset"] is not None and h["taintedAmount"] is not None:
                row[h["asset"]] = h["taintedAmount"]
            rows.append(row)
        return self._frame(rows, ["route", "hop", "from", "to", "edge", "service", "time"],
                           ["asset", "transfer_amount", "transfer_usd", "usd_from", "sink"])

    def to_df(self, what: str = "sinks") -> "pd.DataFrame":
        """``what``: ``sinks`` (default), ``routes`` or ``hops``."""
        frames = {"sinks": self.sinks_df, "routes": self.routes_df, "hops": self.hops_df}
        if what not in frames:
            raise ValueError(f"what={what!r}: want sinks, routes or hops")
        return frames[what]()


@dataclass
class Cluster(_Meta):
    raw: dict[str, Any]
    response: Response = field(repr=False)

    def __getitem__(self, k: str) -> Any:
        return self.raw[k]

    def to_df(self) -> "pd.DataFrame":
        """The members: id, hops from the start, via, partner, heuristic."""
        return _pd().DataFrame(self.raw["members"], columns=["id", "hops", "via", "partner", "heuristic"])

    def attributions_df(self) -> "pd.DataFrame":
        rows = [{"wallet": a["wallet"], "entity": a["entity"]["id"], "label": a["entity"]["label"],
                 "confidence": a["confidence"], "edge": a["edge"]["id"]} for a in self.raw["attributions"]]
        return _pd().DataFrame(rows, columns=["wallet", "entity", "label", "confidence", "edge"])

    def counterparties_df(self) -> "pd.DataFrame":
        return _pd().DataFrame(self.raw["counterparties"], columns=["id", "service", "category", "received", "sent"])


@dataclass
class PersonaCluster(_Meta):
    raw: dict[str, Any]
    response: Response = field(repr=False)

    def __getitem__(self, k: str) -> Any:
        return self.raw[k]

    @property
    def links(self) -> list[PersonaLink]:
        return self.raw["links"]

    def to_df(self, rejected: bool = False) -> "pd.DataFrame":
        """One row per piece of evidence of each link: the pair, the link's
        score, the shared identifier, its type and weight, the edges that
        show it, and the analysts' judgement on the pair if any."""
        labels = {m["id"]: m["label"] for m in self.raw["members"]}
        rows = []
        for link in self.raw["rejected" if rejected else "links"]:
            j = link.get("judgement") or {}
            base = {"a": link["a"], "a_label": labels.get(link["a"]), "b": link["b"],
                    "b_label": labels.get(link["b"]), "score": link["score"], "decision": j.get("decision"),
                    "judged_by": j.get("by"), "judgement_reason": j.get("reason")}
            for ev in link["evidence"] or [{}]:
                rows.append({**base, "identifier": ev.get("identifier"), "type": ev.get("type"),
                             "weight": ev.get("weight"), "edges": ev.get("edges")})
        cols = ["a", "a_label", "b", "b_label", "score", "identifier", "type", "weight", "edges", "decision",
                "judged_by", "judgement_reason"]
        return _pd().DataFrame(rows, columns=cols)

    def members_df(self) -> "pd.DataFrame":
        return _pd().DataFrame(self.raw["members"], columns=["id", "label", "hops"])


@dataclass
class Exposure(_Meta):
    raw: dict[str, Any]
    response: Response = field(repr=False)

    def __getitem__(self, k: str) -> Any:
        return self.raw[k]

    def to_df(self) -> "pd.DataFrame":
        """One row per side and category: value, share, the side's total and
        unattributed value, and how many routes show it."""
        rows = []
        for side in ("received", "sent"):
            s = self.raw.get(side)
            if not s:
                continue
            for c in s["categories"]:
                rows.append({"side": side, "category": c["category"], "value": c["value"], "share": c["share"],
                             "routes": len(c["routes"]), "total": s["total"], "unattributed": s["unattributed"]})
        return _pd().DataFrame(rows, columns=["side", "category", "value", "share", "routes", "total",
                                              "unattributed"])


@dataclass
class Communities(_Meta):
    raw: dict[str, Any]
    response: Response = field(repr=False)

    def __getitem__(self, k: str) -> Any:
        return self.raw[k]

    def to_df(self) -> "pd.DataFrame":
        rows = [{"id": m, "community": c["id"]} for c in self.raw["communities"] for m in c["members"]]
        return _pd().DataFrame(rows, columns=["id", "community"])


@dataclass
class SharedCase(_Meta):
    raw: dict[str, Any]
    response: Response = field(repr=False)

    def __getitem__(self, k: str) -> Any:
        return self.raw[k]

    def to_networkx(self) -> "nx.MultiDiGraph":
        return _graph(self.raw["nodes"], self.raw["edges"])

    def to_df(self) -> "pd.DataFrame":
        return nodes_df(self.raw["nodes"])
