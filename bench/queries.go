package main

// The -queries mode: investigation queries on one generated transfer graph,
// the same random wallets for every system, each query under a deadline.
//
//   - embedded store: its native Store.ShortestPath, and the investigate
//     engine (Paths with k = 1 and k = 5, Flow) over its Topology;
//   - Neo4j (unless -neo4j=false): the same, the engine through the store's
//     Topology when it has one (n/a otherwise); the graph is loaded the
//     offline way (CSV, Neo4j's importer), the fastest path the bench knows;
//   - networkx from PyPI, in a venv, on the same graph exported as an edge
//     list: bidirectional shortest paths for the same pairs, and weakly
//     connected components of the whole graph, against the embedded
//     topology's union-find (algo.Components) for the same question.
//
// With -data DIR the embedded store, the Neo4j database, the edge list and
// the venv are kept there and reused by a later run of the same graph
// (seed, wallets, transfers); without it everything lives in a temporary
// directory and the venv in $HOME/.cache/redthread-bench-venv.

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/synth"
)

//go:embed networkx.py
var networkxScript []byte

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
}

// graphMark names the graph a directory holds, so a later run reuses it
// only for the same graph.
type graphMark struct {
	Seed      int64 `json:"seed"`
	Wallets   int   `json:"wallets"`
	Transfers int   `json:"transfers"`
	Nodes     int   `json:"nodes"`
	Edges     int   `json:"edges"`
}

func readMark(path string) (graphMark, bool) {
	var m graphMark
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &m) != nil {
		return m, false
	}
	return m, true
}

func writeMark(path string, m graphMark) error {
	b, _ := json.Marshal(m)
	return os.WriteFile(path, b, 0o644)
}

// qrow is one measured operation of one system.
type qrow struct {
	query  string // the question, shared by every system that answers it
	system string // store and implementation
	impl   string // implementation key, for the embedded baseline of ratios
	d      []time.Duration

	found, truncated, timedOut, errs int

	size     int    // sum over found answers of sizeOf
	sizeOf   string // what size counts: hops, paths, sinks
	hubbed   int    // answers for which the engine skipped hubs
	firstErr string
	na       string // not measured, and why
	note     string
}

func (r *qrow) pct(p int) time.Duration {
	if len(r.d) == 0 {
		return 0
	}
	return r.d[min(len(r.d)-1, len(r.d)*p/100)]
}

// oneShot is a measure taken once: loading, components.
type oneShot struct {
	measure, system string
	took            time.Duration
	note            string
}

type qreport struct {
	rows   []*qrow
	shots  []oneShot
	header []string
	notes  []string
}

func (r *qreport) shot(measure, system string, took time.Duration, note string) {
	r.shots = append(r.shots, oneShot{measure, system, took, note})
	fmt.Fprintf(os.Stderr, "bench: %s / %s: %s %s\n", measure, system, fmtDur(took), note)
}

// answer is what one query gave.
type answer struct {
	found, truncated, hubbed bool
	size                     int
	err                      error
}

// measure runs f for i in [0, n), each under its own deadline, and counts
// the answers; a query that hits the deadline counts as timed out with the
// time it took.
func measure(ctx context.Context, query, system, impl, sizeOf string, n int, timeout time.Duration, f func(ctx context.Context, i int) answer) *qrow {
	r := &qrow{query: query, system: system, impl: impl, sizeOf: sizeOf, d: make([]time.Duration, 0, n)}
	for i := range n {
		if ctx.Err() != nil {
			break // interrupted: the caller returns ctx.Err()
		}
		qctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		a := f(qctx, i)
		r.d = append(r.d, time.Since(start))
		cancel()
		switch {
		case a.err != nil && graph.ErrorCode(a.err) == graph.CodeTimeout:
			r.timedOut++
		case a.err != nil:
			r.errs++
			if r.firstErr == "" {
				r.firstErr = a.err.Error()
			}
		default:
			if a.found {
				r.found++
				r.size += a.size
			}
			if a.truncated {
				r.truncated++
			}
			if a.hubbed {
				r.hubbed++
			}
		}
	}
	slices.Sort(r.d)
	fmt.Fprintf(os.Stderr, "bench: %s / %s: p50 %s p99 %s max %s, %d found, %d truncated, %d timed out, %d errors\n",
		query, system, fmtDur(r.pct(50)), fmtDur(r.pct(99)), fmtDur(r.pct(100)), r.found, r.truncated, r.timedOut, r.errs)
	return r
}

func runQueries(ctx context.Context, out io.Writer, c config) error {
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
		defer os.RemoveAll(tmp)
		dir = tmp
		if home, err := os.UserHomeDir(); err == nil {
			venv = filepath.Join(home, ".cache", "redthread-bench-venv")
		}
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if venv == "" {
		venv = filepath.Join(dir, "venv")
	}
	began := time.Now()
	gen := synth.NewGen(c.seed, c.wallets, c.transfers)
	want := graphMark{Seed: c.seed, Wallets: c.wallets, Transfers: c.transfers, Nodes: gen.Nodes(), Edges: gen.Edges()}
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
	defer emb.Close()

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

	r.rows = append(r.rows, queryStore(ctx, "embedded", emb, emb, pairs, c)...)
	if err := ctx.Err(); err != nil {
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
		defer neo.Close()
		n := c.queries
		if q.neo4jN > 0 && q.neo4jN < n {
			n = q.neo4jN
		}
		opener, _ := any(neo).(investigate.Opener)
		r.rows = append(r.rows, queryStore(ctx, "neo4j", neo, opener, pairs[:n], c)...)
		if err := ctx.Err(); err != nil {
			return err
		}
	} else {
		r.notes = append(r.notes, "neo4j: not measured (-neo4j=false)")
	}
	r.notes = append(r.notes, fmt.Sprintf("whole run %s; bench process peak RSS %s (Neo4j and Python run in processes of their own)", time.Since(began).Round(time.Second), procStatus("VmHWM:")))
	return r.print(out)
}

// openEmbedded opens the embedded store of dir/embedded, building it first
// when it does not hold the wanted graph; it times the open (the in-memory
// index rebuilt from the file) either way.
func openEmbedded(ctx context.Context, r *qreport, dir string, gen *synth.Gen, want graphMark, quiet *slog.Logger) (*boltstore.Store, error) {
	path, markPath := filepath.Join(dir, "embedded"), filepath.Join(dir, "embedded.json")
	if m, ok := readMark(markPath); !ok || m != want {
		os.Remove(markPath)
		if err := os.RemoveAll(path); err != nil {
			return nil, err
		}
		s, err := boltstore.Open(ctx, path, boltstore.Options{Logger: quiet})
		if err != nil {
			return nil, err
		}
		start := time.Now()
		for b := range gen.Batches(10_000) {
			if _, err := s.Write(ctx, b); err != nil {
				s.Close()
				return nil, err
			}
		}
		el := time.Since(start)
		if err := s.Close(); err != nil {
			return nil, err
		}
		r.shot("build the graph", "embedded (10k-record batches)", el, fmt.Sprintf("%.0f records/s", float64(want.Nodes+want.Edges)/el.Seconds()))
		if err := writeMark(markPath, want); err != nil {
			return nil, err
		}
	} else {
		r.notes = append(r.notes, "embedded: reused the store in "+path)
	}
	runtime.GC()
	start := time.Now()
	s, err := boltstore.Open(ctx, path, boltstore.Options{Logger: quiet})
	if err != nil {
		return nil, err
	}
	el := time.Since(start)
	st, err := s.Stats(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if st.Nodes != int64(want.Nodes) || st.Edges != int64(want.Edges) {
		s.Close()
		os.Remove(markPath)
		return nil, fmt.Errorf("%s holds %d nodes and %d edges, want %d and %d (removed its mark: run again to rebuild)", path, st.Nodes, st.Edges, want.Nodes, want.Edges)
	}
	runtime.GC()
	r.shot("load the whole graph into memory", "embedded", el, "boltstore.Open: in-memory index rebuilt from the file; process RSS now "+procStatus("VmRSS:"))
	return s, nil
}

// exportEdges writes every edge of the embedded store as a line "from\tto"
// of node handles (the store's node numbers, 0..nodes-1), builds an
// algo.Graph of the same edges and times algo.Components on it (the
// embedded topology's union-find, the same question as networkx's weakly
// connected components), and resolves the pairs to handles.
func exportEdges(ctx context.Context, r *qreport, s *boltstore.Store, path string, pairs [][2]string) (int, [][2]int64, error) {
	st, err := s.Stats(ctx)
	if err != nil {
		return 0, nil, err
	}
	n := int(st.Nodes)
	top, release, err := s.Topology(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer release()
	if _, err := top.Describe(ctx, []uint32{uint32(n - 1)}); err != nil {
		return 0, nil, fmt.Errorf("node handles are not 0..%d: %w", n-1, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	g := algo.NewGraph(n, int(st.Edges))
	for range n {
		g.AddNode()
	}
	start := time.Now()
	batch := make([]uint32, 0, 4096)
	var line []byte
	for lo := 0; lo < n; lo += cap(batch) {
		batch = batch[:0]
		for u := lo; u < min(n, lo+cap(batch)); u++ {
			batch = append(batch, uint32(u))
		}
		lists, err := top.Expand(ctx, batch, investigate.Filter{Dir: graph.Out})
		if err != nil {
			return 0, nil, err
		}
		for _, list := range lists {
			for _, a := range list {
				g.AddEdge(a.From, a.To, 0)
				line = strconv.AppendUint(line[:0], uint64(a.From), 10)
				line = append(line, '\t')
				line = strconv.AppendUint(line, uint64(a.To), 10)
				line = append(line, '\n')
				w.Write(line)
			}
		}
	}
	if err := w.Flush(); err != nil {
		return 0, nil, err
	}
	if err := f.Close(); err != nil {
		return 0, nil, err
	}
	exported := time.Since(start)
	if g.NumEdges() != int(st.Edges) {
		return 0, nil, fmt.Errorf("exported %d edges, the store holds %d", g.NumEdges(), st.Edges)
	}
	runtime.GC()
	start = time.Now()
	comp := algo.Components(g, 0)
	el := time.Since(start)
	count, largest := componentStats(comp)
	r.shot("weakly connected components, whole graph", "embedded", el,
		fmt.Sprintf("algo.Components (union-find) over a copy of the store's topology: %d components, largest %d nodes; reading the %d edges out through Topology.Expand took %s",
			count, largest, g.NumEdges(), fmtDur(exported)))

	ids := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		ids = append(ids, p[0], p[1])
	}
	hs, err := top.Resolve(ctx, ids)
	if err != nil {
		return 0, nil, err
	}
	handles := make([][2]int64, len(pairs))
	for i := range pairs {
		for j := range 2 {
			if h := hs[2*i+j]; h == investigate.None {
				return 0, nil, fmt.Errorf("wallet %s is not in the store", ids[2*i+j])
			} else {
				handles[i][j] = int64(h)
			}
		}
	}
	return n, handles, nil
}

func componentStats(comp []uint32) (count, largest int) {
	size := map[uint32]int{}
	for _, c := range comp {
		size[c]++
	}
	for _, s := range size {
		largest = max(largest, s)
	}
	return len(size), largest
}

// queryStore measures every query on one store; opener is nil when the
// store has no Topology (its engine rows are then n/a).
func queryStore(ctx context.Context, name string, s graph.Store, opener investigate.Opener, pairs [][2]string, c config) []*qrow {
	q := c.q
	n := len(pairs)
	limits := investigate.DefaultLimits()
	hops := q.maxHops
	var rows []*qrow
	for _, dir := range []graph.Direction{graph.Out, graph.Both} {
		query := fmt.Sprintf("shortest path %s ≤%d", dir, hops)
		rows = append(rows, measure(ctx, query, name+", Store.ShortestPath", "native", "hops", n, q.timeout, func(ctx context.Context, i int) answer {
			p, err := s.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: hops})
			return answer{found: len(p.Nodes) > 0, truncated: p.Truncated, size: p.Length(), err: err}
		}))
		// What GraphQL's shortestPath runs without filters: the store's
		// search, passing no node with more than the default hub degree.
		rows = append(rows, measure(ctx, query, name+", Store.ShortestPath hubDegree 1000", "native hubDegree", "hops", n, q.timeout, func(ctx context.Context, i int) answer {
			p, err := s.ShortestPath(ctx, graph.PathQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: hops, HubDegree: limits.HubDegree})
			return answer{found: len(p.Nodes) > 0, truncated: p.Truncated, size: p.Length(), err: err}
		}))
	}
	engine := func(query, impl, sizeOf string, f func(ctx context.Context, top investigate.Topology, i int) answer) *qrow {
		if opener == nil {
			return &qrow{query: query, system: name + ", " + impl, impl: impl, na: "n/a: the store has no Topology (investigate.Opener) in this build"}
		}
		return measure(ctx, query, name+", "+impl, impl, sizeOf, n, q.timeout, func(ctx context.Context, i int) answer {
			top, release, err := opener.Topology(ctx)
			if err != nil {
				return answer{err: err}
			}
			defer release()
			return f(ctx, top, i)
		})
	}
	for _, k := range []int{1, 5} {
		for _, dir := range []graph.Direction{graph.Out, graph.Both} {
			query := fmt.Sprintf("shortest path %s ≤%d", dir, hops)
			sizeOf := "hops"
			if k > 1 {
				query = fmt.Sprintf("%d shortest paths %s ≤%d", k, dir, hops)
				sizeOf = "paths"
			}
			rows = append(rows, engine(query, fmt.Sprintf("investigate.Paths k=%d", k), sizeOf, func(ctx context.Context, top investigate.Topology, i int) answer {
				res, err := investigate.Paths(ctx, top, investigate.PathsQuery{From: pairs[i][0], To: pairs[i][1], Direction: dir, MaxHops: hops, Limit: k}, limits)
				a := answer{found: len(res.Paths) > 0, truncated: res.Truncated, hubbed: len(res.SkippedHubs) > 0, err: err}
				if k == 1 && a.found {
					a.size = len(res.Paths[0].Edges)
				} else {
					a.size = len(res.Paths)
				}
				return a
			}))
		}
	}
	rows = append(rows, engine(fmt.Sprintf("money flow HAIRCUT ≤%d, 1 source wallet", q.flowHops), "investigate.Flow", "sinks", func(ctx context.Context, top investigate.Topology, i int) answer {
		res, err := investigate.Flow(ctx, top, investigate.FlowQuery{From: []string{pairs[i][0]}, MaxHops: q.flowHops, Taint: investigate.Haircut}, limits)
		return answer{found: len(res.Sinks) > 0, truncated: res.Truncated, size: len(res.Sinks), err: err}
	}))
	rows = append(rows, engine("exposure BOTH ≤3, 1 wallet", "investigate.Exposure", "categories", func(ctx context.Context, top investigate.Topology, i int) answer {
		res, err := investigate.Exposure(ctx, top, investigate.ExposureQuery{ID: pairs[i][0], MaxHops: 3, Direction: graph.Both}, limits)
		cats := 0
		for _, side := range []*investigate.ExposureSide{res.Received, res.Sent} {
			if side != nil {
				cats += len(side.Categories)
			}
		}
		return answer{found: cats > 0, truncated: res.Truncated, size: cats, err: err}
	}))
	rows = append(rows, engine("address cluster CO_SPEND, 1 wallet", "investigate.Cluster", "members", func(ctx context.Context, top investigate.Topology, i int) answer {
		res, err := investigate.Cluster(ctx, top, investigate.ClusterQuery{ID: pairs[i][0], Heuristics: []investigate.Heuristic{investigate.CoSpend}}, limits)
		return answer{found: len(res.Members) > 1, truncated: res.Truncated, size: len(res.Members), err: err} // found: more than the wallet itself
	}))
	return rows
}

// openNeo4j gives a Neo4j holding the generated graph: the one at
// -neo4j-uri (which must hold it already), else the bench's own in
// dir/neo4j-data, loaded with the offline importer unless a previous run
// left it there, and started on -neo4j-port.
func openNeo4j(ctx context.Context, r *qreport, c config, dir string, gen *synth.Gen, want graphMark, quiet *slog.Logger) (*neo4jstore.Store, func(), error) {
	var stop func()
	uri := c.neo4jURI
	if uri == "" {
		data, markPath := filepath.Join(dir, "neo4j-data"), filepath.Join(dir, "neo4j.json")
		env := []string{"NEO4J_DATA_DIR=" + data, "NEO4J_TMP_DATA=0", "NEO4J_PORT=" + strconv.Itoa(c.q.neo4jPort)}
		if m, ok := readMark(markPath); !ok || m != want {
			os.Remove(markPath)
			if err := importNeo4j(ctx, r, dir, data, env, gen, want); err != nil {
				return nil, nil, err
			}
		} else {
			r.notes = append(r.notes, "neo4j: reused the database in "+data)
		}
		start := time.Now()
		s, u, err := startNeo4j(dir, "neo4j", env)
		if err != nil {
			return nil, nil, err
		}
		stop, uri = s, u
		neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
		if err != nil {
			return nil, stop, err
		}
		r.shot("start Neo4j on its database", "neo4j", time.Since(start), "scripts/neo4j.sh start and neo4jstore.Open (indexes online) at "+uri)
		if err := checkNeo4j(ctx, neo, want); err != nil {
			neo.Close()
			return nil, stop, err
		}
		if err := writeMark(markPath, want); err != nil {
			neo.Close()
			return nil, stop, err
		}
		return neo, stop, nil
	}
	neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
	if err != nil {
		return nil, nil, err
	}
	if err := checkNeo4j(ctx, neo, want); err != nil {
		neo.Close()
		return nil, nil, fmt.Errorf("%s: %w (with -queries, -neo4j-uri names a database that holds the generated graph already)", uri, err)
	}
	return neo, nil, nil
}

func checkNeo4j(ctx context.Context, neo *neo4jstore.Store, want graphMark) error {
	st, err := neo.Stats(ctx)
	if err != nil {
		return err
	}
	if st.Nodes != int64(want.Nodes) || st.Edges != int64(want.Edges) {
		return fmt.Errorf("the database holds %d nodes and %d edges, want %d and %d", st.Nodes, st.Edges, want.Nodes, want.Edges)
	}
	return nil
}

// importNeo4j writes the graph as CSV files with the store's own encoders
// (neo4jstore.ImportWriter) and loads them into a new database with Neo4j's
// importer (scripts/neo4j.sh import), replacing what data held.
func importNeo4j(ctx context.Context, r *qreport, dir, data string, env []string, gen *synth.Gen, want graphMark) error {
	csvDir := filepath.Join(dir, "neo4j-csv")
	os.RemoveAll(csvDir)
	defer os.RemoveAll(csvDir)
	start := time.Now()
	if err := writeImportCSV(ctx, csvDir, gen); err != nil {
		return err
	}
	csvTook := time.Since(start)
	if err := neo4jScript(dir, "neo4j", append(slices.Clone(env), "NEO4J_IMPORT_OVERWRITE=1"), "import", csvDir); err != nil {
		return err
	}
	el := time.Since(start)
	r.shot("build the graph", "neo4j (offline import: CSV + neo4j-admin import)", el,
		fmt.Sprintf("%.0f records/s; CSV %s, importer %s; index population follows at the first start",
			float64(want.Nodes+want.Edges)/el.Seconds(), fmtDur(csvTook), fmtDur(el-csvTook)))
	return nil
}

// nxResult is what bench/networkx.py prints.
type nxResult struct {
	Networkx   string  `json:"networkx"`
	Python     string  `json:"python"`
	LoadSecs   float64 `json:"load_seconds"`
	Nodes      int     `json:"nodes"`
	Edges      int     `json:"edges"`
	EdgeLines  int     `json:"edge_lines"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Queries    []struct {
		Query     string    `json:"query"`
		Impl      string    `json:"impl"`
		Seconds   []float64 `json:"seconds"`
		Found     int       `json:"found"`
		Beyond    int       `json:"beyond_cutoff"`
		TimedOut  int       `json:"timed_out"`
		Errors    int       `json:"errors"`
		FirstErr  string    `json:"first_error"`
		HopsSum   int       `json:"hops_sum"`
		Mismatch  int       `json:"mismatch"`
		Compared  int       `json:"compared"`
		Reference string    `json:"reference"`
	} `json:"queries"`
	Components struct {
		Seconds float64 `json:"seconds"`
		Count   int     `json:"count"`
		Largest int     `json:"largest"`
	} `json:"components"`
}

// runNetworkx makes the venv (networkx pinned, from PyPI), runs
// bench/networkx.py on the edge list and the pairs, and adds its figures.
func runNetworkx(ctx context.Context, r *qreport, c config, dir, venv, edgesPath string, nodes int, handles [][2]int64) error {
	q := c.q
	py := filepath.Join(venv, "bin", "python")
	have, _ := exec.CommandContext(ctx, py, "-c", "import networkx; print(networkx.__version__)").Output()
	if strings.TrimSpace(string(have)) != q.nxVersion {
		start := time.Now()
		if _, err := os.Stat(py); err != nil {
			if err := runLogged(ctx, q.python, "-m", "venv", venv); err != nil {
				return err
			}
		}
		if err := runLogged(ctx, py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "networkx=="+q.nxVersion); err != nil {
			return err
		}
		r.notes = append(r.notes, fmt.Sprintf("networkx: installed networkx==%s into %s in %s", q.nxVersion, venv, time.Since(start).Round(time.Second)))
	}
	n := len(handles)
	if q.nxN > 0 && q.nxN < n {
		n = q.nxN
	}
	pairsPath := filepath.Join(dir, "pairs.tsv")
	var b strings.Builder
	for _, h := range handles[:n] {
		fmt.Fprintf(&b, "%d\t%d\n", h[0], h[1])
	}
	if err := os.WriteFile(pairsPath, []byte(b.String()), 0o644); err != nil {
		return err
	}
	script := filepath.Join(dir, "bench-networkx.py")
	if err := os.WriteFile(script, networkxScript, 0o644); err != nil {
		return err
	}
	resultPath := filepath.Join(dir, "networkx.json")
	os.Remove(resultPath)
	cmd := exec.CommandContext(ctx, py, script, "--edges", edgesPath, "--nodes", strconv.Itoa(nodes), "--pairs", pairsPath,
		"--cutoff", strconv.Itoa(q.maxHops), "--timeout", strconv.FormatFloat(q.timeout.Seconds(), 'f', -1, 64), "--out", resultPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(cmd.Args, " "), err)
	}
	took := time.Since(start)
	raw, err := os.ReadFile(resultPath)
	if err != nil {
		return err
	}
	var res nxResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("%s: %w", resultPath, err)
	}
	system := "networkx " + res.Networkx
	r.shot("load the whole graph into memory", system, time.Duration(res.LoadSecs*float64(time.Second)),
		fmt.Sprintf("read %d edge lines, nx.DiGraph of %d nodes and %d edges (parallel edges merged); Python peak RSS %.0f MiB",
			res.EdgeLines, res.Nodes, res.Edges, res.PeakRSSMiB))
	r.shot("weakly connected components, whole graph", system, time.Duration(res.Components.Seconds*float64(time.Second)),
		fmt.Sprintf("nx.weakly_connected_components: %d components, largest %d nodes", res.Components.Count, res.Components.Largest))
	for _, x := range res.Queries {
		row := &qrow{query: x.Query, system: system + ", " + x.Impl, impl: "networkx", sizeOf: "hops",
			found: x.Found, timedOut: x.TimedOut, errs: x.Errors, size: x.HopsSum, firstErr: x.FirstErr}
		for _, s := range x.Seconds {
			row.d = append(row.d, time.Duration(s*float64(time.Second)))
		}
		slices.Sort(row.d)
		var notes []string
		if x.Beyond > 0 {
			notes = append(notes, fmt.Sprintf("%d more found longer than %d hops (no cutoff in the library)", x.Beyond, q.maxHops))
		}
		if x.Compared > 0 {
			notes = append(notes, fmt.Sprintf("length differs from %s in %d of %d", x.Reference, x.Mismatch, x.Compared))
		}
		row.note = strings.Join(notes, "; ")
		r.rows = append(r.rows, row)
	}
	r.notes = append(r.notes, fmt.Sprintf("networkx: Python %s, networkx %s from PyPI in %s; %d pairs; the whole Python run took %s",
		res.Python, res.Networkx, venv, n, took.Round(time.Second)))
	return nil
}

func runLogged(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// print writes the query table (rows grouped by question, in the order
// first measured), the one-shot measures and the notes.
func (r *qreport) print(w io.Writer) error {
	var order []string
	byQuery := map[string][]*qrow{}
	base := map[string]*qrow{} // query|impl → embedded row
	for _, row := range r.rows {
		if _, ok := byQuery[row.query]; !ok {
			order = append(order, row.query)
		}
		byQuery[row.query] = append(byQuery[row.query], row)
		if k := row.query + "|" + row.impl; strings.HasPrefix(row.system, "embedded") && row.na == "" && base[k] == nil {
			base[k] = row
		}
	}
	for _, h := range r.header {
		fmt.Fprintln(w, h)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "query\tsystem\tp50\tp99\tmax\tfound\ttruncated\ttimed out\terrors\tp50 / p99 vs embedded\tnote\n")
	fmt.Fprintf(tw, "---\t---\t---\t---\t---\t---\t---\t---\t---\t---\t---\n")
	var errs []string
	for _, query := range order {
		for _, row := range byQuery[query] {
			if row.na != "" {
				fmt.Fprintf(tw, "%s\t%s\tn/a\tn/a\tn/a\t\t\t\t\t\t%s\n", row.query, row.system, row.na)
				continue
			}
			ratio := ""
			impl := row.impl
			if impl == "networkx" {
				impl = "native" // networkx, like Store.ShortestPath, goes through hubs
			}
			if b := base[row.query+"|"+impl]; b != nil && !strings.HasPrefix(row.system, "embedded") && b.pct(50) > 0 {
				ratio = fmt.Sprintf("%.1f× / %.1f×", float64(row.pct(50))/float64(b.pct(50)), float64(row.pct(99))/float64(b.pct(99)))
				if row.impl != b.impl {
					ratio += " (vs " + b.system + ")"
				}
			}
			note := row.note
			if row.found > 0 && row.sizeOf != "" {
				note = join(fmt.Sprintf("mean %.1f %s", float64(row.size)/float64(row.found), row.sizeOf), note)
			}
			if row.hubbed > 0 {
				note = join(fmt.Sprintf("hubs skipped in %d", row.hubbed), note)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%d\t%d\t%d\t%s\t%s\n", row.query, row.system,
				fmtDur(row.pct(50)), fmtDur(row.pct(99)), fmtDur(row.pct(100)), row.found, len(row.d), row.truncated, row.timedOut, row.errs, ratio, note)
			if row.firstErr != "" {
				errs = append(errs, fmt.Sprintf("%s / %s: first error: %s", row.query, row.system, row.firstErr))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "measured once\tsystem\ttime\tvs embedded\tnote\n---\t---\t---\t---\t---\n")
	for _, s := range r.shots {
		ratio := ""
		for _, b := range r.shots {
			if b.measure == s.measure && b.system == "embedded" && s.system != "embedded" && b.took > 0 && strings.HasPrefix(s.system, "networkx") {
				ratio = fmt.Sprintf("%.1f×", float64(s.took)/float64(b.took))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.measure, s.system, fmtDur(s.took), ratio, s.note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, e := range errs {
		fmt.Fprintln(w, e)
	}
	for _, n := range r.notes {
		fmt.Fprintln(w, n)
	}
	return nil
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < time.Minute:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// memTotal reads the machine's RAM from /proc/meminfo.
func memTotal() string {
	return meminfo("MemTotal:")
}

func meminfo(key string) string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64); err == nil {
				return fmt.Sprintf("%.1f GiB", kb/(1<<20))
			}
		}
	}
	return "unknown"
}

// procStatus reads a memory figure of the bench process (VmRSS: now,
// VmHWM: its peak) from /proc/self/status.
func procStatus(key string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64); err == nil {
				return fmt.Sprintf("%.0f MiB", kb/1024)
			}
		}
	}
	return "unknown"
}
