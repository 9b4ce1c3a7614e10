#!/usr/bin/env python3
"""Per-call timings from Python: the redthread client beside the same
GraphQL request over raw httpx (one keep-alive connection each), client
and server on one machine.

It starts `redthread serve --demo` (bin/redthread) on the embedded store,
and with --scenario a second server with the generated S scenario; each
call is made once through the client, its exact request body recorded,
then timed N times both ways, alternating: the client (request, JSON, errors and
warnings, typed result) and raw httpx (request and resp.json()). to_df()
is timed apart where a call has one.

    .venv-client/bin/python clients/python/bench_calls.py [-n 200] [--scenario]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))
import liveserver  # noqa: E402

from redthread import Client  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bench(url: str, token: str, calls: list[tuple[str, Callable[[Client], Any], str | None]], n: int) -> list[dict]:
    """Each call through the client, then the same request bodies (all of
    them, for a call the client splits or pages) over raw httpx; the two
    alternate, so that load from elsewhere falls on both alike."""
    bodies: list[bytes] = []

    def record(req: httpx.Request) -> None:
        bodies.append(req.read())

    rows = []
    with httpx.Client(timeout=60, event_hooks={"request": [record]}) as hc, Client(url, token, http=hc) as rt, \
            httpx.Client(timeout=60) as raw:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Accept": "application/graphql-response+json, application/json;q=0.9"}
        for name, call, df in calls:
            bodies.clear()
            result = call(rt)
            sent = list(bodies)

            def raw_call() -> int:
                size = 0
                for b in sent:
                    r = raw.post(rt.url, content=b, headers=headers)
                    r.raise_for_status()
                    r.json()
                    size += len(r.content)
                return size

            size = raw_call()
            c, h = [], []
            for _ in range(n):
                c += timed(lambda: call(rt), 1)
                h += timed(raw_call, 1)
            row = {"call": name, "requests": len(sent), "bytes": size,
                   "client_p50": pct(c, 50), "client_p95": pct(c, 95), "raw_p50": pct(h, 50), "raw_p95": pct(h, 95),
                   "df_p50": None}
            if df:
                row["df_p50"] = pct(timed(lambda: getattr(result, df)(), max(10, n // 4)), 50)
            rows.append(row)
    return rows


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}\n")
    print("| call | requests | answer | client p50 | client p95 | raw httpx p50 | raw httpx p95 | client − raw (p50) | to_df() p50 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        df = f"{r['df_p50']:.2f} ms" if r["df_p50"] is not None else "–"
        print(f"| {r['call']} | {r['requests']} | {r['bytes'] / 1024:.1f} KiB | {r['client_p50']:.2f} ms | {r['client_p95']:.2f} ms | "
              f"{r['raw_p50']:.2f} ms | {r['raw_p95']:.2f} ms | {r['client_p50'] - r['raw_p50']:+.2f} ms | {df} |")


LAZARUS = "threat_group:lazarus-group"
COINCHECK = "incident:coincheck-theft"
EXCHANGE = "service:unnamed-russian-exchange"


def demo_calls(rt_ids: list[str]) -> list[tuple[str, Callable[[Client], Any], str | None]]:
    return [
        ("stats", lambda c: c.stats(), None),
        ("node (sources, risk)", lambda c: c.node(LAZARUS), None),
        ("nodes (all demo IDs)", lambda c: c.nodes(rt_ids), "to_df"),
        ("search Lazarus", lambda c: c.search("Lazarus"), "to_df"),
        ("neighbors depth 2", lambda c: c.neighbors(LAZARUS, depth=2), "to_networkx"),
        ("shortestPath", lambda c: c.shortest_path(LAZARUS, EXCHANGE, direction="BOTH", max_hops=12), "to_df"),
        ("paths (3)", lambda c: c.paths(COINCHECK, EXCHANGE, max_hops=12, limit=3), "to_df"),
        ("moneyFlow HAIRCUT", lambda c: c.money_flow([COINCHECK], taint="HAIRCUT", max_hops=8), "hops_df"),
        ("personaCluster", lambda c: c.persona_cluster("person:illustrative-it-worker-persona-a"), "to_df"),
        ("exposure", lambda c: c.exposure(EXCHANGE, max_hops=3), "to_df"),
        ("communities", lambda c: c.communities(rt_ids), "to_df"),
    ]


def scenario_calls(c: Client) -> list[tuple[str, Callable[[Client], Any], str | None]]:
    wallets = [n["id"] for n in c.node_list("WALLET", first=1000).nodes]
    incidents = [n["id"] for n in c.search("synthetic theft", kinds=["INCIDENT"]).nodes]
    return [
        ("nodeList WALLET (1000)", lambda c: c.node_list("WALLET", first=1000), "to_df"),
        ("nodes (1000 wallets)", lambda c: c.nodes(wallets), "to_df"),
        ("transfers (100 wallets)", lambda c: c.transfers(wallets[:100]), None),
        ("neighbors(ids: 50)", lambda c: c.neighbors(ids=wallets[:50], limit=1000), "to_networkx"),
        ("moneyFlow (3 incidents)", lambda c: c.money_flow(incidents, max_hops=8), "hops_df"),
        ("cluster", lambda c: c.cluster(wallets[0]), "to_df"),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="timed calls per row")
    ap.add_argument("--scenario", action="store_true", help="also the generated S scenario")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rt-bench-") as tmp:
        srv = liveserver.start(Path(tmp) / "demo")
        try:
            tok = liveserver.add_analyst(srv.url, "local").token
            with Client(srv.url, tok) as c:
                ids = [n["id"] for n in c.iter_node_list()]
            print_table(f"Demo case ({len(ids)} nodes), embedded store, n={a.n}",
                        bench(srv.url, tok, demo_calls(ids), a.n))
        finally:
            srv.stop()
        if a.scenario:
            work = Path(tmp) / "scenario"
            liveserver.generate_and_ingest(work / "data")
            srv = liveserver.start(work, demo=False)
            try:
                tok = liveserver.add_analyst(srv.url, "local").token
                with Client(srv.url, tok) as c:
                    calls = scenario_calls(c)
                print_table(f"Generated S scenario, embedded store, n={max(20, a.n // 5)}",
                            bench(srv.url, tok, calls, max(20, a.n // 5)))
            finally:
                srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
