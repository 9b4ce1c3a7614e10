"""Every investigation call of the client against a live server with the
demo case, on both stores."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest

import liveserver
from redthread import Client, NotFoundError, RedthreadWarning, props

LAZARUS = "threat_group:lazarus-group"
COINCHECK = "incident:coincheck-theft"
EXCHANGE = "service:unnamed-russian-exchange"
PERSONA_A = "person:illustrative-it-worker-persona-a"


def test_stats(rt: Client):
    s = rt.stats()
    assert s["nodes"] > 20 and s["edges"] > 20
    assert sum(k["count"] for k in s["nodesByKind"]) == s["nodes"]
    assert s.request_id  # X-Request-Id


def test_search_and_paging(rt: Client):
    page = rt.search("Lazarus", kinds=["THREAT_GROUP"], first=5)
    assert LAZARUS in [n["id"] for n in page.nodes]
    df = page.to_df()
    assert list(df["id"]) == [n["id"] for n in page.nodes] and "score" in df and "props" in df
    one_by_one = list(rt.iter_search("wallet", page_size=2, limit=9))
    whole = rt.search("wallet", first=9).nodes
    assert [n["id"] for n in one_by_one] == [n["id"] for n in whole]
    assert len(one_by_one) == 9


def test_node_and_props(rt: Client):
    n = rt.node(LAZARUS)
    assert n and n["kind"] == "THREAT_GROUP" and n["sources"]
    assert isinstance(props(n), dict)
    assert rt.node("threat_group:no-such-group-xyz") is None


def test_nodes_in_chunks_keeps_order(rt: Client):
    real = [n["id"] for n in rt.neighbors(LAZARUS, depth=2, limit=300).nodes]
    ids = [f"wallet:eth:0x{i:040x}" for i in range(2500)]
    for k, rid in enumerate(real):
        ids[k * 7] = rid
    got = rt.nodes(ids, chunk_size=1000)
    assert len(got) == len(ids)
    for want, n in zip(ids, got):
        if want in real:
            assert n is not None and n["id"] == want
        else:
            assert n is None
    assert len(got.to_df()) == len(real)


def test_fifty_thousand_ids_split_under_the_limits(rt: Client):
    # One chunk of 20,000 IDs is over the request body or complexity limit:
    # the client halves until the server takes it.
    ids = [f"wallet:eth:0x{i:040x}" for i in range(50_000)]
    ids[49_999] = LAZARUS
    got = rt.nodes(ids, chunk_size=20_000)
    assert len(got) == 50_000 and got.nodes[49_999]["id"] == LAZARUS
    assert all(n is None for n in got.nodes[:49_999])


def test_neighbors_to_networkx(rt: Client):
    sg = rt.neighbors(LAZARUS, depth=2, limit=100)
    g = sg.to_networkx()
    assert isinstance(g, nx.MultiDiGraph)
    assert set(g.nodes) == {n["id"] for n in sg.nodes} | {e[k] for e in sg.edges for k in ("from", "to")}
    assert g.nodes[LAZARUS]["kind"] == "THREAT_GROUP" and g.nodes[LAZARUS]["label"]
    e = sg.edges[0]
    assert g.edges[e["from"], e["to"], e["id"]]["kind"] == e["kind"]
    # properties become attributes
    with_props = [n for n in sg.nodes if props(n)]
    assert with_props
    k, v = next(iter(props(with_props[0]).items()))
    assert g.nodes[with_props[0]["id"]][k] == v or k in ("kind", "label")
    assert len(sg.to_df()) == len(sg.edges)


def test_truncation_reason_codes(rt: Client):
    """A cut answer says why for programs too: reason_codes beside reason."""
    whole = rt.neighbors(LAZARUS, depth=2, limit=5000)
    assert not whole.truncated and whole.reason_codes == []
    cut = rt.neighbors(LAZARUS, depth=2, limit=1)
    assert cut.truncated and cut.reason
    assert cut.reason_codes == ["NODE_LIMIT"], cut.reason_codes
    many = rt.neighbors(ids=[LAZARUS, "incident:coincheck-theft"], depth=2, limit=1)
    assert many.truncated and "NODE_LIMIT" in many.reason_codes


def test_shortest_path_and_paths(rt: Client):
    p = rt.shortest_path(LAZARUS, EXCHANGE, direction="BOTH", max_hops=12)
    assert p.length > 0 and p.nodes[0]["id"] == LAZARUS and p.nodes[-1]["id"] == EXCHANGE
    df = p.to_df()
    assert len(df) == p.length and df.iloc[0]["from"] == LAZARUS and df.iloc[-1]["to"] == EXCHANGE
    assert all(df["to"].iloc[i] == df["from"].iloc[i + 1] for i in range(len(df) - 1))
    g = p.to_networkx()
    assert nx.has_path(g.to_undirected(), LAZARUS, EXCHANGE)
    pl = rt.paths(LAZARUS, EXCHANGE, max_hops=10, limit=3, direction="BOTH")
    assert 1 <= len(pl) <= 3
    assert set(pl.to_df()["path"]) == set(range(len(pl)))
    assert pl.to_networkx().number_of_nodes() >= p.length + 1


def test_nearest(rt: Client):
    pl = rt.nearest(COINCHECK, {"kind": "THREAT_GROUP"}, max_hops=3)
    assert pl.paths and pl.paths[0].nodes[-1]["kind"] == "THREAT_GROUP"


@pytest.mark.parametrize("taint", ["POISON", "HAIRCUT", "FIFO"])
def test_money_flow_frames(rt: Client, taint: str):
    f = rt.money_flow([COINCHECK], taint=taint, max_hops=8)
    assert f["taint"] == taint and f.sinks and f.routes
    sinks = f.to_df()
    assert list(sinks["sink"]) == [s["node"]["id"] for s in f.sinks]
    for a in f["assetOrder"]:
        assert a in sinks.columns
    for row, s in zip(sinks.to_dict("records"), f.sinks):
        for amt in s["amounts"]:
            assert row[amt["asset"]] == pytest.approx(amt["amount"])
    routes = f.to_df("routes")
    assert len(routes) == len(f.routes)
    hops = f.to_df("hops")
    assert len(hops) == sum(len(r["hops"]) for r in f.routes)
    for col in ("total", "amount", "sum"):
        assert col not in sinks.columns


def test_cluster_exposure_communities(rt: Client):
    f = rt.money_flow([COINCHECK], max_hops=4)
    wallet = next(h["to"] for r in f.routes for h in r["hops"] if h["to"].startswith("wallet:"))
    c = rt.cluster(wallet)
    assert c["size"] >= 1 and wallet in set(c.to_df()["id"])
    c.attributions_df(), c.counterparties_df()
    ex = rt.exposure(EXCHANGE, max_hops=3, direction="BOTH")
    df = ex.to_df()
    assert list(df.columns)[:3] == ["side", "category", "value"]
    assert all(0 <= s <= 1 for s in df["share"])
    ids = [n["id"] for n in rt.neighbors(LAZARUS, depth=2, limit=50).nodes]
    com = rt.communities(ids)
    cdf = com.to_df()
    assert set(cdf["id"]) <= set(ids) | set(com["hidden"])
    assert len(cdf) > 0


def test_persona_cluster_with_evidence(rt: Client):
    pc = rt.persona_cluster(PERSONA_A)
    assert len(pc["members"]) >= 2 and pc.links
    df = pc.to_df()
    assert {"a", "b", "score", "identifier", "type", "weight", "edges"} <= set(df.columns)
    assert df["identifier"].notna().all()
    assert "identifier:email:appdev.studio@example.com" in set(df["identifier"])
    assert len(pc.members_df()) == len(pc["members"])


def test_cases_shared_between_agencies(server: liveserver.Server, rt: Client):
    other = liveserver.add_analyst(server.url, f"partner-{server.store}-{id(rt) % 9973}", new_agency=True)
    view = {"v": 1, "nodes": [{"id": COINCHECK, "x": 0, "y": 0}, {"id": LAZARUS, "x": 10, "y": 0}],
            "edges": [], "groups": [], "filters": {}}
    case = rt.save_case("Coincheck for a partner", view)
    assert case["id"] in [c["id"] for c in rt.iter_cases()]
    assert rt.case(case["id"])["view"]["nodes"][0]["id"] == COINCHECK
    link = rt.share_case(case["id"], other.agency, allow_comments=True)
    with Client(server.url, other.token) as them:
        with pytest.raises(NotFoundError):
            them.case(case["id"]) or (_ for _ in ()).throw(NotFoundError("case hidden as missing"))
        shared = them.open_share(link["url"])
        assert shared["case"]["name"] == "Coincheck for a partner"
        assert {n["id"] for n in shared["nodes"]} >= {COINCHECK, LAZARUS}
        assert shared.to_networkx().number_of_nodes() >= 2
        them.comment_on_share(link["token"], "seen, thanks")
    assert rt.case(case["id"])["shares"][0]["agency"] == other.agency
    rt.revoke_share(link["share"]["id"])
    with Client(server.url, other.token) as them, pytest.raises(NotFoundError):
        them.open_share(link["token"])


def test_audit_log_pages(server: liveserver.Server, rt: Client):
    rt.stats()
    with Client(server.url, server.admin_token) as admin:
        entries = list(admin.iter_audit_log(page_size=2))
        assert len(entries) > 2
        seqs = [e["seq"] for e in entries]
        assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)


def test_scenario_money_flow_one_column_per_asset(scenario_server: liveserver.Server):
    tok = liveserver.add_analyst(scenario_server.url, "local").token
    with Client(scenario_server.url, tok) as c:
        incidents = [n["id"] for n in c.iter_search("synthetic theft", kinds=["INCIDENT"])]
        assert incidents
        f = c.money_flow(incidents, max_hops=8, taint="HAIRCUT")
        assets = f.assets
        assert len(assets) >= 2, assets  # the S scenario moves ETH, BTC and tokens
        for df in (f.to_df(), f.to_df("routes"), f.to_df("hops")):
            value_cols = [col for col in df.columns if col in assets]
            assert value_cols == assets  # one column per asset, in the flow's asset order
            assert df.attrs["assets"] == assets
            assert not ({"total", "amount", "sum"} & set(df.columns))
        sinks = f.to_df()
        for row, s in zip(sinks.to_dict("records"), f.sinks):
            got = {a: row[a] for a in assets if not math.isnan(row[a])}
            assert got == pytest.approx({a["asset"]: a["amount"] for a in s["amounts"]})
            if s["valueUSD"] is None:
                assert "usd_value" not in sinks or math.isnan(row["usd_value"])
            else:
                assert row["usd_value"] == pytest.approx(s["valueUSD"])
        # priced: the scenario ships a price table
        assert "usd_value" in sinks.columns
        assert isinstance(sinks, pd.DataFrame)
        prices = list(c.iter_prices("ETH", page_size=50))
        assert len(prices) > 50 and [p["day"] for p in prices] == sorted(p["day"] for p in prices)


def test_nodes_per_item_errors(rt: Client):
    ids = [LAZARUS, "not an id", COINCHECK] * 2
    with pytest.warns(RedthreadWarning, match="INVALID_ARGUMENT"):
        got = rt.nodes(ids, chunk_size=3)
    assert [n and n["id"] for n in got] == [LAZARUS, None, COINCHECK] * 2
    assert sorted(e["path"] for e in got.errors) == [["nodes", 1], ["nodes", 4]]  # indexes in the whole list
    assert all(e["extensions"]["code"] == "INVALID_ARGUMENT" for e in got.errors)


def test_search_total_count_and_neighbors_of_many(rt: Client):
    page = rt.search("wallet", first=2)
    assert page.total_count is not None and page.total_count >= len(list(rt.iter_search("wallet")))
    one = rt.neighbors(LAZARUS, limit=100)
    two = rt.neighbors(COINCHECK, limit=100)
    both = rt.neighbors(ids=[LAZARUS, COINCHECK], limit=200)
    assert {n["id"] for n in both.nodes} >= {n["id"] for n in one.nodes + two.nodes} - {LAZARUS, COINCHECK}
    assert {e["id"] for e in both.edges} == {e["id"] for e in one.edges + two.edges}
    with pytest.raises(ValueError):
        rt.neighbors(LAZARUS, ids=[COINCHECK])


def test_path_hops_from_server(rt: Client):
    p = rt.shortest_path(LAZARUS, EXCHANGE, direction="BOTH", max_hops=12)
    assert p.server_hops and p.hops == p.server_hops
    from redthread.results import path_hops
    assert path_hops({"nodes": p.nodes, "edges": p.edges}) == p.server_hops  # the client's own flattening agrees


def test_scenario_listing_and_transfers(scenario_server: liveserver.Server):
    tok = liveserver.add_analyst(scenario_server.url, "local").token
    with Client(scenario_server.url, tok) as c:
        first = c.node_list("WALLET", first=10)
        wallets = [n["id"] for n in c.iter_node_list("WALLET", page_size=1000)]
        assert len(wallets) == first.total_count == len(set(wallets)) and wallets == sorted(wallets)
        assert len(wallets) > 5000
        some = wallets[:5000]
        edges = c.transfers(some)  # five calls of 1,000 wallets, each paged
        ids = [e["id"] for e in edges]
        assert len(ids) == len(set(ids)) > 1000
        mine = set(some)
        assert all(e["kind"] == "TRANSFER" and (e["from"] in mine or e["to"] in mine) for e in edges)
        for w in some[::500]:
            assert {e["id"] for e in c.transfers([w])} <= set(ids)
        got = c.nodes(wallets[:20_000], chunk_size=20_000)
        assert [n["id"] for n in got] == wallets[:20_000]


def test_readme_example_runs(server: liveserver.Server, analyst: liveserver.Identity, capsys):
    readme = (liveserver.REPO / "README.md").read_text()
    section = readme.split("\n## Python client\n", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert "http://127.0.0.1:8080" in code
    env: dict = {"TOKEN": analyst.token}
    exec(compile(code.replace("http://127.0.0.1:8080", server.url), "README.md", "exec"), env)
    assert "service:unnamed-russian-exchange" in capsys.readouterr().out
    assert env["g"].number_of_nodes() > 1 and not env["links"].empty and len(env["every"]) > 20
