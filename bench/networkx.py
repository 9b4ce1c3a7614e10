"""The networkx side of `go run ./bench -queries`.

Loads the bench's edge list (one line "from<TAB>to" per directed edge, node
indices 0..nodes-1) into an nx.DiGraph, then times, for the same pairs as the
Go side and under the same per-query deadline:

  - nx.bidirectional_shortest_path, directed (OUT) and on the undirected view
    of the same graph (BOTH). The library has no hop bound: a path longer
    than --cutoff counts as not found (reported as beyond_cutoff), and a pair
    with no short path may search the whole component;
  - the same bidirectional BFS (networkx's own _bidirectional_pred_succ,
    over the same G.succ / G.pred) with a hop bound of --cutoff, the fair
    comparison with the Go queries, which all stop at the bound. Its lengths
    are checked against the library's where both finished;
  - nx.weakly_connected_components of the whole graph, once.

Prints nothing on stdout; writes JSON to --out. Progress goes to stderr.
"""

import argparse
import gc
import itertools
import json
import os
import platform
import resource
import signal
import sys
import time

# This file is networkx.py: without this, "import networkx" would import it.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != _here]

import networkx as nx  # noqa: E402


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


def call(fn, timeout):
    """Runs fn() under a deadline; returns (result, timed_out)."""
    try:
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return fn(), False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Timeout:
        return None, True


def peak_rss_mib():
    """This process's peak resident set. Not ru_maxrss: a child that the Go
    bench starts (vfork, then exec) inherits the bench's high-water mark in
    it; VmHWM belongs to this program's own address space."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log(msg):
    print(f"networkx: {msg}", file=sys.stderr, flush=True)


def load(path, n):
    """The edge list as an nx.DiGraph of n nodes (parallel edges merge)."""
    ints = list(range(n))  # every edge refers to these int objects
    G = nx.DiGraph()
    G.add_nodes_from(ints)
    lines = 0

    def edges():
        nonlocal lines
        with open(path, encoding="ascii") as f:
            for line in f:
                a, b = line.split("\t")
                lines += 1
                yield ints[int(a)], ints[int(b)]

    G.add_edges_from(edges())
    return G, lines


def bounded(fwd, bwd, source, target, cutoff):
    """Length of a shortest path from source to target of at most cutoff
    hops, or None: networkx's bidirectional BFS (_bidirectional_pred_succ,
    always growing the smaller fringe) stopped at the hop bound."""
    if source == target:
        return 0
    pred = {source: 0}  # node -> hops from source
    succ = {target: 0}  # node -> hops to target
    forward_fringe, reverse_fringe = [source], [target]
    df = db = 0
    while forward_fringe and reverse_fringe and df + db < cutoff:
        if len(forward_fringe) <= len(reverse_fringe):
            this_level, forward_fringe = forward_fringe, []
            df += 1
            for v in this_level:
                for w in fwd(v):
                    if w not in pred:
                        forward_fringe.append(w)
                        pred[w] = df
                    if w in succ:
                        return pred[w] + succ[w]
        else:
            this_level, reverse_fringe = reverse_fringe, []
            db += 1
            for v in this_level:
                for w in bwd(v):
                    if w not in succ:
                        reverse_fringe.append(w)
                        succ[w] = db
                    if w in pred:
                        return pred[w] + succ[w]
    return None


def run_pairs(query, impl, pairs, fn, cutoff, timeout, reference=None):
    """Times fn(s, t) -> hops or None over the pairs."""
    seconds, lengths = [], []
    found = beyond = timed_out = errors = hops = 0
    first_error = ""
    for s, t in pairs:
        start = time.perf_counter()
        try:
            length, to = call(lambda: fn(s, t), timeout)
        except Exception as e:  # noqa: BLE001 - counted, first one reported
            length, to = None, False
            errors += 1
            first_error = first_error or repr(e)
        seconds.append(time.perf_counter() - start)
        if to:
            timed_out += 1
            lengths.append("timeout")
            continue
        if length is not None and length > cutoff:
            beyond += 1
            length = None
        if length is not None:
            found += 1
            hops += length
        lengths.append(length)
    out = {
        "query": query, "impl": impl, "seconds": seconds, "found": found,
        "beyond_cutoff": beyond, "timed_out": timed_out, "errors": errors,
        "first_error": first_error, "hops_sum": hops,
    }
    if reference is not None:
        both = [(a, b) for a, b in zip(lengths, reference[1]) if a != "timeout" and b != "timeout"]
        out["compared"] = len(both)
        out["mismatch"] = sum(1 for a, b in both if a != b)
        out["reference"] = reference[0]
    s = sorted(seconds)
    log(f"{query} / {impl}: p50 {s[len(s) // 2] * 1e3:.2f} ms, p99 {s[min(len(s) - 1, len(s) * 99 // 100)] * 1e3:.1f} ms, "
        f"{found} found, {beyond} beyond cutoff, {timed_out} timed out, {errors} errors")
    return out, lengths


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edges", required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--cutoff", type=int, default=6)
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, on_alarm)

    with open(args.pairs, encoding="ascii") as f:
        pairs = [tuple(int(x) for x in line.split("\t")) for line in f if line.strip()]

    # The cyclic GC would scan the millions of dicts of the graph again and
    # again while it is built: off while loading, and the loaded graph frozen
    # out of its reach afterwards (what one does with a large networkx graph).
    gc.disable()
    start = time.perf_counter()
    G, lines = load(args.edges, args.nodes)
    load_seconds = time.perf_counter() - start
    gc.freeze()
    gc.enable()
    log(f"loaded {G.number_of_nodes()} nodes, {G.number_of_edges()} edges from {lines} lines in {load_seconds:.1f} s")

    cutoff, timeout = args.cutoff, args.timeout
    succ, pred = G._succ, G._pred
    U = G.to_undirected(as_view=True)
    queries = []
    for direction, graph, fwd, bwd in (
        ("OUT", G, succ.__getitem__, pred.__getitem__),
        ("BOTH", U, lambda v: itertools.chain(succ[v], pred[v]), lambda v: itertools.chain(succ[v], pred[v])),
    ):
        query = f"shortest path {direction} ≤{cutoff}"

        def library(s, t, graph=graph):
            try:
                return len(nx.bidirectional_shortest_path(graph, s, t)) - 1
            except nx.NetworkXNoPath:
                return None

        lib, lib_lengths = run_pairs(query, "nx.bidirectional_shortest_path", pairs, library, cutoff, timeout)
        queries.append(lib)
        bnd, _ = run_pairs(query, f"bidirectional BFS ≤{cutoff} hops", pairs,
                           lambda s, t, fwd=fwd, bwd=bwd: bounded(fwd, bwd, s, t, cutoff), cutoff, timeout,
                           reference=("nx.bidirectional_shortest_path", lib_lengths))
        queries.append(bnd)

    start = time.perf_counter()
    count = largest = 0
    for c in nx.weakly_connected_components(G):
        count += 1
        largest = max(largest, len(c))
    wcc = time.perf_counter() - start
    log(f"weakly connected components: {count}, largest {largest}, in {wcc:.2f} s")

    result = {
        "networkx": nx.__version__, "python": platform.python_version(),
        "load_seconds": load_seconds, "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
        "edge_lines": lines, "peak_rss_mib": peak_rss_mib(),
        "queries": queries,
        "components": {"seconds": wcc, "count": count, "largest": largest},
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
