"""Client: one method per investigation query, auto-paging iterators and
bulk helpers that split requests under the server's limits."""

from __future__ import annotations

import os
import time
from pathlib import Path as FilePath
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, TypeVar

import httpx

from . import documents as D
from ._transport import Response, Transport
from .errors import LimitError, NotFoundError, TimeoutError
from .results import (Cluster, Communities, Exposure, MoneyFlow, NodeList, Path, PathList, PersonaCluster,
                      SearchPage, SharedCase, Subgraph, Value)
from .types import AuditEntry, Case, Edge, Node, PriceClose

T = TypeVar("T")

# The server's documented list limits (README "API examples", schema):
# the client splits bigger requests into calls under them.
MAX_IDS = 20_000          # nodes(ids) / edges(ids): the server's edge limit
MAX_WALLETS = 1_000       # transfers(wallets), neighbors(ids)
MAX_PAGE = 1_000          # nodeList / transfers page
MAX_SEARCH_PAGE = 100


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _path(p: dict[str, Any], r: Response) -> Path:
    return Path(nodes=p["nodes"], edges=p["edges"], length=p["length"], truncated=p["truncated"],
                reason=p.get("reason"), response=r, server_hops=p.get("hops"),
                reason_codes=list(p.get("reasonCodes") or []))


def _pathlist(d: dict[str, Any], r: Response) -> PathList:
    return PathList(paths=[_path(p, r) for p in d["paths"]], skipped_hubs=d["skippedHubs"],
                    truncated=d["truncated"], reason=d.get("reason"), response=r,
                    reason_codes=list(d.get("reasonCodes") or []))


class Client:
    """A Redthread API client.

    >>> with Client("http://127.0.0.1:8080", token) as rt:
    ...     lazarus = rt.search("Lazarus", kinds=["THREAT_GROUP"]).nodes[0]

    ``token``: an API token (``redthread token create``) or the deployment
    administrator's token, sent as ``Authorization: Bearer``.
    ``max_retries``: how often a 429 or busy 503 is retried after its
    ``Retry-After`` (when that is at most ``max_retry_wait`` seconds).
    """

    def __init__(self, url: str, token: Optional[str], *, timeout: float = 60.0, max_retries: int = 3,
                 max_retry_wait: float = 30.0, headers: Optional[dict[str, str]] = None,
                 http: Optional[httpx.Client] = None, chunk_size: int = 2_000):
        self._t = Transport(url, token, timeout=timeout, max_retries=max_retries, max_retry_wait=max_retry_wait,
                            headers=headers, http=http)
        self.chunk_size = chunk_size

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._t.close()

    @property
    def url(self) -> str:
        return self._t.url

    def execute(self, document: str, variables: Optional[dict[str, Any]] = None,
                operation_name: Optional[str] = None) -> Response:
        """Any GraphQL document: the raw Response (data, errors, extensions)."""
        return self._t.execute(document, variables, operation_name)

    def _run(self, doc: str, **variables: Any) -> Response:
        return self._t.execute(doc, variables, stacklevel=4)

    # --- Look-ups --------------------------------------------------------

    def stats(self) -> Value:
        r = self._run(D.STATS)
        return Value(r.data["stats"], r)

    def node(self, id: str) -> Optional[Node]:
        """One node with its sources and risk flags; None when missing or hidden."""
        return self._run(D.NODE, id=id).data["node"]

    def edge(self, id: str) -> Optional[Edge]:
        return self._run(D.EDGE, id=id).data["edge"]

    def _bulk(self, doc: str, field: str, ids: Sequence[str], size: int) -> tuple[list[Any], Response]:
        """Look IDs up in calls of at most ``size`` (and MAX_IDS), halving a
        chunk the server finds too costly; answers in the order asked."""
        out: list[Any] = []
        last: Optional[Response] = None
        errors: list[dict[str, Any]] = []
        size = max(1, min(size, MAX_IDS))
        i = 0
        while i < len(ids):
            chunk = list(ids[i:i + size])
            try:
                r = self._run(doc, ids=chunk)
            except LimitError:
                if size == 1:
                    raise
                size = max(1, size // 2)
                continue
            for e in r.errors:  # per-item errors: shift their index into the whole list
                p = list(e.get("path") or [])
                if len(p) >= 2 and isinstance(p[1], int):
                    p[1] += i
                errors.append({**e, "path": p})
            out.extend(r.data[field])
            last = r
            i += len(chunk)
        resp = last or Response(data={field: []})
        return out, Response(data={field: out}, errors=errors, extensions=resp.extensions,
                             request_id=resp.request_id, status=resp.status)

    def nodes(self, ids: Sequence[str], *, chunk_size: Optional[int] = None) -> NodeList:
        """Nodes by ID in the order asked (None where missing, hidden or
        malformed), in as many calls as the server's limits need: 50,000 IDs
        are fine."""
        out, r = self._bulk(D.NODES, "nodes", ids, chunk_size or self.chunk_size)
        return NodeList(out, r)

    def edges(self, ids: Sequence[str], *, chunk_size: Optional[int] = None) -> list[Optional[Edge]]:
        out, _ = self._bulk(D.EDGES, "edges", ids, chunk_size or self.chunk_size)
        return out

    # --- Search and listing (auto-paging) --------------------------------

    def search(self, query: str, *, kinds: Optional[Sequence[str]] = None, first: Optional[int] = None,
               after: Optional[str] = None) -> SearchPage:
        """One page of search results (see iter_search for every page)."""
        r = self._run(D.SEARCH, query=query, kinds=kinds, first=first, after=after)
        return self._page(r.data["search"], r)

    @staticmethod
    def _page(c: dict[str, Any], r: Response) -> SearchPage:
        return SearchPage(nodes=[e["node"] for e in c["edges"]], scores=[e.get("score") for e in c["edges"]],
                          cursors=[e["cursor"] for e in c["edges"]], has_next_page=c["pageInfo"]["hasNextPage"],
                          end_cursor=c["pageInfo"].get("endCursor"), total_count=c.get("totalCount"), response=r)

    def iter_search(self, query: str, *, kinds: Optional[Sequence[str]] = None, page_size: int = MAX_SEARCH_PAGE,
                    limit: Optional[int] = None) -> Iterator[Node]:
        """Every match, page after page (``limit`` stops early)."""
        return self._iter_pages(lambda after: self.search(query, kinds=kinds, first=page_size, after=after), limit)

    def _iter_pages(self, fetch: Callable[[Optional[str]], SearchPage], limit: Optional[int]) -> Iterator[Any]:
        after: Optional[str] = None
        n = 0
        while True:
            page = fetch(after)
            for node in page.nodes:
                if limit is not None and n >= limit:
                    return
                n += 1
                yield node
            if not page.has_next_page or not page.end_cursor or page.end_cursor == after:
                return
            after = page.end_cursor

    def node_list(self, kind: Optional[str] = None, *, first: Optional[int] = None,
                  after: Optional[str] = None) -> SearchPage:
        """One page of nodeList: nodes of a kind (or all) in ID order."""
        r = self._run(D.NODE_LIST, kind=kind, first=first, after=after)
        return self._page(r.data["nodeList"], r)

    def iter_node_list(self, kind: Optional[str] = None, *, page_size: int = MAX_PAGE,
                       limit: Optional[int] = None) -> Iterator[Node]:
        return self._iter_pages(lambda after: self.node_list(kind, first=page_size, after=after), limit)

    def iter_transfers(self, wallets: Sequence[str], *, direction: Optional[str] = None,
                       since: Optional[str] = None, until: Optional[str] = None, min_amount: Optional[float] = None,
                       asset: Optional[str] = None, page_size: int = MAX_PAGE) -> Iterator[Edge]:
        """TRANSFER edges of the wallets, any number of them: calls of at most
        1,000 wallets, each paged through; a group the server finds too big
        (LIMIT_EXCEEDED: too many edge ends) is split in two. An edge
        between wallets of different calls is yielded once."""
        seen: set[str] = set()
        groups: list[list[str]] = [list(c) for c in _chunks(list(dict.fromkeys(wallets)), MAX_WALLETS)]
        while groups:
            group = groups.pop(0)
            after: Optional[str] = None
            while True:
                try:
                    r = self._run(D.TRANSFERS, wallets=group, direction=direction, since=since, until=until,
                                  minAmount=min_amount, asset=asset, first=page_size, after=after)
                except LimitError:
                    if len(group) == 1:
                        raise
                    half = len(group) // 2
                    groups[:0] = [group[:half], group[half:]]
                    break
                c = r.data["transfers"]
                for e in c["edges"]:
                    if e["node"]["id"] not in seen:
                        seen.add(e["node"]["id"])
                        yield e["node"]
                end = c["pageInfo"].get("endCursor")
                if not c["pageInfo"]["hasNextPage"] or not end or end == after:
                    break
                after = end

    def transfers(self, wallets: Sequence[str], **kw: Any) -> list[Edge]:
        return list(self.iter_transfers(wallets, **kw))

    def prices(self, asset: str, *, from_: Optional[str] = None, to: Optional[str] = None,
               first: Optional[int] = None, after: Optional[str] = None) -> Value:
        r = self._run(D.PRICES, asset=asset, **{"from": from_}, to=to, first=first, after=after)
        return Value(r.data["prices"], r)

    def iter_prices(self, asset: str, *, from_: Optional[str] = None, to: Optional[str] = None,
                    page_size: int = 1000) -> Iterator[PriceClose]:
        after: Optional[str] = None
        while True:
            p = self.prices(asset, from_=from_, to=to, first=page_size, after=after).value
            yield from p["prices"]
            if not p["hasNextPage"] or not p.get("endCursor") or p["endCursor"] == after:
                return
            after = p["endCursor"]

    # --- Graph queries ---------------------------------------------------

    def neighbors(self, id: Optional[str] = None, *, ids: Optional[Sequence[str]] = None,
                  depth: Optional[int] = None, direction: Optional[str] = None,
                  edge_kinds: Optional[Sequence[str]] = None, node_kinds: Optional[Sequence[str]] = None,
                  since: Optional[str] = None, until: Optional[str] = None, min_amount: Optional[float] = None,
                  as_of: Optional[str] = None, limit: Optional[int] = None) -> Subgraph:
        """The neighbourhood of a node (``id``) or of many (``ids``: the union,
        in calls of at most 1,000 IDs)."""
        if (id is None) == (ids is None):
            raise ValueError("neighbors: give exactly one of id and ids")
        args = dict(depth=depth, direction=direction, edgeKinds=edge_kinds, nodeKinds=node_kinds, since=since,
                    until=until, minAmount=min_amount, asOf=as_of, limit=limit)
        if id is not None:
            r = self._run(D.NEIGHBORS, id=id, **args)
            s = r.data["neighbors"]
            return Subgraph(s["nodes"], s["edges"], s["truncated"], s.get("reason"), r, list(s.get("reasonCodes") or []))
        nodes: dict[str, Node] = {}
        edges: dict[str, Edge] = {}
        truncated, reasons, codes = False, [], []
        r = Response(data={})
        for chunk in _chunks(list(dict.fromkeys(ids or [])), MAX_WALLETS):
            r = self._run(D.NEIGHBORS_MANY, ids=list(chunk), **args)
            s = r.data["neighbors"]
            nodes.update((n["id"], n) for n in s["nodes"])
            edges.update((e["id"], e) for e in s["edges"])
            truncated |= s["truncated"]
            if s.get("reason"):
                reasons.append(s["reason"])
            codes += [c for c in s.get("reasonCodes") or [] if c not in codes]
        return Subgraph(list(nodes.values()), list(edges.values()), truncated, "; ".join(reasons) or None, r, codes)

    def shortest_path(self, from_: str, to: str, *, max_hops: Optional[int] = None, direction: Optional[str] = None,
                      edge_kinds: Optional[Sequence[str]] = None, since: Optional[str] = None,
                      until: Optional[str] = None, min_amount: Optional[float] = None, as_of: Optional[str] = None,
                      services: Optional[str] = None, hub_degree: Optional[int] = None) -> Path:
        r = self._run(D.SHORTEST_PATH, **{"from": from_}, to=to, maxHops=max_hops, direction=direction,
                      edgeKinds=edge_kinds, since=since, until=until, minAmount=min_amount, asOf=as_of,
                      services=services, hubDegree=hub_degree)
        return _path(r.data["shortestPath"], r)

    def paths(self, from_: str, to: str, *, max_hops: Optional[int] = None, limit: Optional[int] = None,
              all: Optional[bool] = None, direction: Optional[str] = None,
              edge_kinds: Optional[Sequence[str]] = None, since: Optional[str] = None, until: Optional[str] = None,
              min_amount: Optional[float] = None, as_of: Optional[str] = None, services: Optional[str] = None,
              hub_degree: Optional[int] = None) -> PathList:
        r = self._run(D.PATHS, **{"from": from_}, to=to, maxHops=max_hops, limit=limit, all=all,
                      direction=direction, edgeKinds=edge_kinds, since=since, until=until, minAmount=min_amount,
                      asOf=as_of, services=services, hubDegree=hub_degree)
        return _pathlist(r.data["paths"], r)

    def nearest(self, from_: str, target: dict[str, Any], *, max_hops: Optional[int] = None,
                limit: Optional[int] = None, direction: Optional[str] = None,
                edge_kinds: Optional[Sequence[str]] = None, since: Optional[str] = None,
                until: Optional[str] = None, min_amount: Optional[float] = None, as_of: Optional[str] = None,
                hub_degree: Optional[int] = None) -> PathList:
        """``target``: exactly one of kind, category, sanctioned, program, attributed, threatGroup."""
        r = self._run(D.NEAREST, **{"from": from_}, target=target, maxHops=max_hops, limit=limit,
                      direction=direction, edgeKinds=edge_kinds, since=since, until=until, minAmount=min_amount,
                      asOf=as_of, hubDegree=hub_degree)
        return _pathlist(r.data["nearest"], r)

    def money_flow(self, from_: Sequence[str] | str, *, to: Optional[Sequence[str]] = None,
                   max_hops: Optional[int] = None, since: Optional[str] = None, until: Optional[str] = None,
                   min_amount: Optional[float] = None, taint: Optional[str] = None,
                   through: Optional[Sequence[str]] = None, limit: Optional[int] = None,
                   as_of: Optional[str] = None, hub_degree: Optional[int] = None, rank_by: Optional[str] = None,
                   rank_asset: Optional[str] = None) -> MoneyFlow:
        """Where value from the sources went, under a taint model (POISON, HAIRCUT, FIFO)."""
        sources = [from_] if isinstance(from_, str) else list(from_)
        r = self._run(D.MONEY_FLOW, **{"from": sources}, to=to, maxHops=max_hops, since=since, until=until,
                      minAmount=min_amount, taint=taint, through=through, limit=limit, asOf=as_of,
                      hubDegree=hub_degree, rankBy=rank_by, rankAsset=rank_asset)
        return MoneyFlow(r.data["moneyFlow"], r)

    def cluster(self, id: str, *, heuristics: Optional[Sequence[str]] = None, max_members: Optional[int] = None,
                counterparties: Optional[int] = None, as_of: Optional[str] = None) -> Cluster:
        r = self._run(D.CLUSTER, id=id, heuristics=heuristics, maxMembers=max_members,
                      counterparties=counterparties, asOf=as_of)
        return Cluster(r.data["cluster"], r)

    def exposure(self, id: str, *, max_hops: Optional[int] = None, direction: Optional[str] = None,
                 since: Optional[str] = None, until: Optional[str] = None, as_of: Optional[str] = None,
                 hub_degree: Optional[int] = None) -> Exposure:
        r = self._run(D.EXPOSURE, id=id, maxHops=max_hops, direction=direction, since=since, until=until,
                      asOf=as_of, hubDegree=hub_degree)
        return Exposure(r.data["exposure"], r)

    def persona_cluster(self, id: str, *, min_score: Optional[float] = None, max_members: Optional[int] = None,
                        as_of: Optional[str] = None) -> PersonaCluster:
        r = self._run(D.PERSONA_CLUSTER, id=id, minScore=min_score, maxMembers=max_members, asOf=as_of)
        return PersonaCluster(r.data["personaCluster"], r)

    def same_as_candidates(self, *, kinds: Optional[Sequence[str]] = None, first: Optional[int] = None,
                           after: Optional[str] = None) -> Value:
        r = self._run(D.SAME_AS_CANDIDATES, kinds=kinds, first=first, after=after)
        return Value(r.data["sameAsCandidates"], r)

    def iter_same_as_candidates(self, *, kinds: Optional[Sequence[str]] = None,
                                page_size: int = 100) -> Iterator[dict[str, Any]]:
        after: Optional[str] = None
        while True:
            p = self.same_as_candidates(kinds=kinds, first=page_size, after=after).value
            yield from p["candidates"]
            if not p["hasNextPage"] or not p.get("endCursor") or p["endCursor"] == after:
                return
            after = p["endCursor"]

    def communities(self, ids: Sequence[str], *, edge_kinds: Optional[Sequence[str]] = None,
                    resolution: Optional[float] = None, as_of: Optional[str] = None) -> Communities:
        r = self._run(D.COMMUNITIES, ids=list(ids), edgeKinds=edge_kinds, resolution=resolution, asOf=as_of)
        return Communities(r.data["communities"], r)

    def confirm_same_as(self, a: str, b: str, reason: str) -> dict[str, Any]:
        return self._run(D.CONFIRM_SAME_AS, a=a, b=b, reason=reason).data["confirmSameAs"]

    def reject_same_as(self, a: str, b: str, reason: str) -> dict[str, Any]:
        return self._run(D.REJECT_SAME_AS, a=a, b=b, reason=reason).data["rejectSameAs"]

    # --- Cases and shares ------------------------------------------------

    def cases(self, *, first: Optional[int] = None) -> list[Case]:
        return self._run(D.CASES, first=first).data["cases"]

    def iter_cases(self) -> Iterator[Case]:
        """Every case (the server lists at most 1,000, newest first)."""
        yield from self.cases(first=1000)

    def case(self, id: str) -> Optional[Case]:
        return self._run(D.CASE, id=id).data["case"]

    def save_case(self, name: str, view: dict[str, Any], *, id: Optional[str] = None,
                  expected_version: Optional[int] = None) -> Case:
        return self._run(D.SAVE_CASE, id=id, name=name, view=view, expectedVersion=expected_version).data["saveCase"]

    def delete_case(self, id: str) -> bool:
        return self._run(D.DELETE_CASE, id=id).data["deleteCase"]

    def export_case_stix(self, id: str) -> str:
        return self._run(D.EXPORT_CASE_STIX, id=id).data["exportCaseStix"]

    def shares(self, case_id: str) -> list[dict[str, Any]]:
        return self._run(D.SHARES, caseId=case_id).data["shares"]

    def share_case(self, case_id: str, agency: str, *, users: Optional[Sequence[str]] = None,
                   cap: Optional[str] = None, expires_in: Optional[str] = None,
                   allow_comments: Optional[bool] = None) -> dict[str, Any]:
        """A share link: ``token`` (give it to the other agency), ``url``, ``share``."""
        return self._run(D.SHARE_CASE, caseId=case_id, agency=agency, users=users, cap=cap, expiresIn=expires_in,
                         allowComments=allow_comments).data["shareCase"]

    def open_share(self, token: str) -> SharedCase:
        """Open a case another agency shared with yours (the link's token, or its whole URL)."""
        if "#link=" in token:
            token = token.split("#link=", 1)[1]
        r = self._run(D.OPEN_SHARE, token=token)
        return SharedCase(r.data["openShare"], r)

    def preview_share(self, case_id: str, agency: str, *, users: Optional[Sequence[str]] = None,
                      cap: Optional[str] = None) -> SharedCase:
        r = self._run(D.PREVIEW_SHARE, caseId=case_id, agency=agency, users=users, cap=cap)
        return SharedCase(r.data["previewShare"], r)

    def revoke_share(self, id: str) -> dict[str, Any]:
        return self._run(D.REVOKE_SHARE, id=id).data["revokeShare"]

    def comment_on_share(self, token: str, text: str) -> dict[str, Any]:
        return self._run(D.COMMENT_ON_SHARE, token=token, text=text).data["commentOnShare"]

    # --- Administration --------------------------------------------------

    def audit_log(self, *, agency: Optional[str] = None, action: Optional[str] = None, actor: Optional[str] = None,
                  outcome: Optional[str] = None, since: Optional[str] = None, until: Optional[str] = None,
                  first: Optional[int] = None, after: Optional[str] = None) -> Value:
        r = self._run(D.AUDIT_LOG, agency=agency, action=action, actor=actor, outcome=outcome, since=since,
                      until=until, first=first, after=after)
        return Value(r.data["auditLog"], r)

    def iter_audit_log(self, *, page_size: int = 200, **kw: Any) -> Iterator[AuditEntry]:
        after: Optional[str] = None
        while True:
            p = self.audit_log(first=page_size, after=after, **kw).value
            yield from p["entries"]
            if not p.get("next") or p["next"] == after:
                return
            after = p["next"]

    def agencies(self) -> list[dict[str, Any]]:
        return self._run(D.AGENCIES).data["agencies"]

    def add_agency(self, id: str, name: str) -> dict[str, Any]:
        return self._run(D.ADD_AGENCY, id=id, name=name).data["addAgency"]

    def users(self, *, agency: Optional[str] = None) -> list[dict[str, Any]]:
        return self._run(D.USERS, agency=agency).data["users"]

    def add_user(self, email: str, role: str, *, agency: Optional[str] = None) -> dict[str, Any]:
        return self._run(D.ADD_USER, email=email, role=role, agency=agency).data["addUser"]

    def api_tokens(self, *, agency: Optional[str] = None) -> list[dict[str, Any]]:
        return self._run(D.API_TOKENS, agency=agency).data["apiTokens"]

    def create_api_token(self, scopes: Iterable[str], *, user_id: Optional[str] = None,
                         agency: Optional[str] = None, expires_in: Optional[str] = None) -> dict[str, Any]:
        """``secret`` is the token (shown once), ``token`` its record."""
        return self._run(D.CREATE_API_TOKEN, scopes=list(scopes), userId=user_id, agency=agency,
                         expiresIn=expires_in).data["createApiToken"]

    def revoke_api_token(self, id: str) -> dict[str, Any]:
        return self._run(D.REVOKE_API_TOKEN, id=id).data["revokeApiToken"]

    def ingest_job(self, id: str) -> Optional[dict[str, Any]]:
        return self._run(D.INGEST_JOB, id=id).data["ingestJob"]

    def start_ingest(self, format: str, files: Sequence[str | os.PathLike[str]] = (), *,
                     paths: Optional[Sequence[str]] = None, marking: Optional[str] = None) -> dict[str, Any]:
        """Load files into the graph: local ``files`` uploaded with the request,
        and/or ``paths`` inside the server's --import-dir. Returns the job
        (QUEUED or RUNNING): wait_ingest follows it."""
        uploads = [(FilePath(f).name, FilePath(f).read_bytes()) for f in files]
        r = self._t.execute(D.START_INGEST, {"format": format, "paths": paths, "marking": marking},
                            stacklevel=3, uploads=uploads or None)
        return r.data["startIngest"]

    def wait_ingest(self, id: str, *, timeout: float = 600, poll: float = 0.2) -> dict[str, Any]:
        """Poll an ingest job until it ends; the finished job (state
        SUCCEEDED, FAILED or CANCELLED: check it)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.ingest_job(id)
            if job is None:
                raise NotFoundError(f"ingest job {id} is not known to this server", code="NOT_FOUND")
            if job["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"ingest job {id} still {job['state']} after {timeout:g} s", code="TIMEOUT")
            time.sleep(poll)
