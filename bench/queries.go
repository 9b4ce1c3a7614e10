package main

// The -queries mode: investigation queries on one generated transfer graph,
// the same random wallets for every system, each query under a deadline.
//
//   - embedded store: its native Store.ShortestPath, and the investigate
//     engine (Paths with k = 1 and k = 5, Flow) over its Topology;
//   - Neo4j (unless -neo4j=false): the same, the engine through the store's
//     Topology; the graph is loaded the offline way (CSV, Neo4j's
//     importer), the fastest path the bench knows;
//   - the reference: a bidirectional BFS over CSR int32 arrays of the
//     exported edge list, the same pairs, the limit the store aims at;
//   - networkx from PyPI, in a venv, on the same graph exported as an edge
//     list: bidirectional shortest paths for the same pairs, and weakly
//     connected components of the whole graph, against the embedded
//     topology's union-find (algo.Components) for the same question.
//
// With -data DIR the embedded store, the Neo4j database, the edge list and
// the venv are kept there and reused by a later run of the same graph
// (seed, wallets, transfers); without it everything lives in a temporary
// directory and the venv in $HOME/.cache/redthread-bench-venv.
//
// Files: queries.go runs the mode; queries_embedded.go and queries_neo4j.go
// give each store the graph, queries_networkx.go runs networkx on it,
// queries_reference.go times the plain CSR search that is the limit,
// queries_measure.go times the stores' queries and queries_report.go prints
// the table.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/redthread-dev/redthread/graph/synth"
)

type queryConfig struct {
	on        bool
	data      string
	timeout   time.Duration
	maxHops   int
	flowHops  int
	neo4jN    int
	neo4jPort int
	networkx  bool
	nxN       int
	nxVersion string
	python    string
	vis       bool
	engine    bool
}

func (q *queryConfig) flags() {
	flag.BoolVar(&q.on, "queries", false, "measure investigation queries (shortest paths, k shortest paths, money flow) on the embedded store, Neo4j and networkx instead of the ingest table")
	flag.StringVar(&q.data, "data", "", "-queries: directory that keeps the generated graph (embedded store, Neo4j database, networkx venv) for the next run; default a temporary one")
	flag.DurationVar(&q.timeout, "timeout", 2*time.Second, "-queries: deadline of each query")
	flag.IntVar(&q.maxHops, "max-hops", 6, "-queries: hop bound of path queries")
	flag.IntVar(&q.flowHops, "flow-hops", 4, "-queries: hop bound of money-flow queries")
	flag.IntVar(&q.neo4jN, "neo4j-n", 0, "-queries: queries per operation on Neo4j, the first of the same pairs (0: -n)")
	flag.IntVar(&q.neo4jPort, "neo4j-port", 7798, "-queries: Bolt port of the bench's Neo4j (the next free one when taken)")
	flag.BoolVar(&q.networkx, "networkx", true, "-queries: measure networkx too (a venv with networkx from PyPI)")
	flag.IntVar(&q.nxN, "networkx-n", 0, "-queries: queries per operation on networkx, the first of the same pairs (0: -n)")
	flag.StringVar(&q.nxVersion, "networkx-version", "3.6.1", "-queries: networkx version installed from PyPI")
	flag.StringVar(&q.python, "python", "python3", "-queries: Python that creates the venv")
	flag.BoolVar(&q.engine, "engine", true, "-queries: measure the investigate engine's queries too (false: the stores' native shortest paths and the reference only)")
	flag.BoolVar(&q.vis, "visibility", false, "-queries: measure shortest path, k shortest paths and money flow on a marked graph as viewers of several agencies see it, against the unfiltered engine (embedded store; docs/design/visibility.md §8)")
}

// graphMark names the graph a directory holds, so a later run reuses it
// only for the same graph.
type graphMark struct {
	Seed      int64 `json:"seed"`
	Wallets   int   `json:"wallets"`
	Transfers int   `json:"transfers"`
	Nodes     int   `json:"nodes"`
	Edges     int   `json:"edges"`
	// Visibility: the records are marked (-visibility).
	Visibility bool `json:"visibility,omitempty"`
}

func readMark(path string) (graphMark, bool) {
	var m graphMark
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &m) != nil {
		return m, false
	}
	return m, true
}

// removeMark removes a directory's mark before its graph is rebuilt, so
// that a run stopped halfway leaves no mark claiming the old graph.
func removeMark(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func writeMark(path string, m graphMark) error {
	b, _ := json.Marshal(m)
	return os.WriteFile(path, b, 0o644)
}

func runQueries(ctx context.Context, out io.Writer, c config) (err error) {
	// Ctrl-C or SIGTERM ends the run through its deferred clean-up, which
	// stops the bench's Neo4j.
	ctx, cancelSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancelSignals()
	quiet := slog.New(slog.DiscardHandler)
	q := c.q
	dir := q.data
	venv := ""
	if dir == "" {
		tmp, err := os.MkdirTemp("", "redthread-bench-")
		if err != nil {
			return err
		}
		defer removeTemp(tmp)
		dir = tmp
		if home, err := os.UserHomeDir(); err == nil {
			venv = filepath.Join(home, ".cache", "redthread-bench-venv")
		}
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return err
	}
	if venv == "" {
		venv = filepath.Join(dir, "venv")
	}
	began := time.Now()
	gen := synth.NewGen(c.seed, c.wallets, c.transfers)
	want := graphMark{Seed: c.seed, Wallets: c.wallets, Transfers: c.transfers, Nodes: gen.Nodes(), Edges: gen.Edges()}
	if q.vis {
		return runVisibility(ctx, out, c, dir, gen, want)
	}
	r := &qreport{}
	r.header = append(r.header,
		fmt.Sprintf("graph: synth.NewGen(seed %d, %d wallets, %d transfers): %d nodes, %d edges (%d transfers, %d DEPOSITED_AT)",
			c.seed, gen.Wallets(), c.transfers, gen.Nodes(), gen.Edges(), c.transfers, gen.Edges()-c.transfers),
		fmt.Sprintf("queries: %d random wallet pairs (seed %d); deadline %s each; paths ≤ %d hops, flow ≤ %d hops; engine limits investigate.DefaultLimits()",
			c.queries, c.seed, q.timeout, q.maxHops, q.flowHops),
		fmt.Sprintf("machine: %s/%s, %d CPUs, %s RAM, %s; data %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), memTotal(), runtime.Version(), dir))

	emb, err := openEmbedded(ctx, r, dir, gen, want, quiet)
	if err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	defer closeInto(&err, "embedded", emb)

	// The same pairs for every system; flow starts at the first wallet of each.
	rng := rand.New(rand.NewPCG(uint64(c.seed), 3))
	pairs := make([][2]string, c.queries)
	for i := range pairs {
		pairs[i] = [2]string{gen.WalletID(rng.IntN(gen.Wallets())), gen.WalletID(rng.IntN(gen.Wallets()))}
	}

	// The edge list networkx loads, read out of the embedded store, and the
	// embedded union-find over the same edges.
	edgesPath := filepath.Join(dir, "edges.tsv")
	nodes, handles, err := exportEdges(ctx, r, emb, edgesPath, pairs)
	if err != nil {
		return fmt.Errorf("export edges: %w", err)
	}

	r.rows = append(r.rows, queryStore(ctx, "embedded", emb, pairs, c)...)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := runReference(ctx, r, c, edgesPath, nodes, handles); err != nil {
		return err
	}

	if q.networkx {
		if err := runNetworkx(ctx, r, c, dir, venv, edgesPath, nodes, handles); err != nil {
			return fmt.Errorf("networkx: %w", err)
		}
	} else {
		r.notes = append(r.notes, "networkx: not measured (-networkx=false)")
	}

	if c.neo4j {
		neo, stop, err := openNeo4j(ctx, r, c, dir, gen, want, quiet)
		if stop != nil {
			defer stop()
		}
		if err != nil {
			return fmt.Errorf("neo4j: %w", err)
		}
		defer closeInto(&err, "neo4j", neo)
		n := c.queries
		if q.neo4jN > 0 && q.neo4jN < n {
			n = q.neo4jN
		}
		r.rows = append(r.rows, queryStore(ctx, "neo4j", neo, pairs[:n], c)...)
		if err := ctx.Err(); err != nil {
			return err
		}
	} else {
		r.notes = append(r.notes, "neo4j: not measured (-neo4j=false)")
	}
	r.notes = append(r.notes, fmt.Sprintf("whole run %s; bench process peak RSS %s (Neo4j and Python run in processes of their own)", time.Since(began).Round(time.Second), procStatus("VmHWM:")))
	return r.print(out)
}
