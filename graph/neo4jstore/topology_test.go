package neo4jstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/storetest"
	"github.com/redthread-dev/redthread/graph/synth"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// The topology tests write one graph into Neo4j and into the embedded
// store, and check both stores' topologies, through investigate.Opener,
// against a reference computed in Go from the records written: the
// filter's conditions there are investigate.Filter.Pass itself. Handles
// differ between stores, so answers are compared by IDs.

// topoBase is the fixture's epoch.
var topoBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Node IDs of the topology fixture.
var (
	ta, tb, tc, td, te, tg = storetest.W(1), storetest.W(2), storetest.W(3), storetest.W(4), storetest.W(5), storetest.W(7)
	tSvc                   = "service:exchange-x"
	tGrp                   = "threat_group:lazarus-group"
)

// jobAt is an ingest job ID started at t (see graph.SourceSeen).
func jobAt(t time.Time) string { return t.UTC().Format("20060102T150405.000000Z") + "-test" }

// topoFixture returns the fixture as two batches; the second merges new
// sources into records of the first, which moves their first-seen times.
//
//	      p1, p2 (parallel)
//	  ┌─────────────▶ b ──bd──▶ d
//	  │ loop               │
//	  a ◀─┘ ◀──in── c      │ (d ──da──▶ a, e ──ea──▶ a)
//	  ├══▶ exchange-x      ▼
//	  ┆                   …
//	  ▼
//	lazarus-group             g (isolated)
func topoFixture() []graph.Batch {
	at := func(d time.Duration) time.Time { return topoBase.Add(d) }
	day := 24 * time.Hour
	retrieved := func(ds string, t time.Time) []graph.Source {
		return []graph.Source{{Dataset: ds, Record: ds, RetrievedAt: t}}
	}
	job := func(ds string, t time.Time) []graph.Source {
		return []graph.Source{{Dataset: ds, Record: ds, Job: jobAt(t)}}
	}
	plain := func(ds string) []graph.Source { return []graph.Source{{Dataset: ds, Record: ds}} }
	wallet := func(id, label string, src []graph.Source) graph.Node {
		return graph.Node{Kind: graph.KindWallet, Key: strings.TrimPrefix(id, "wallet:"), Label: label, Sources: src}
	}
	tr := func(from, to, key string, tm time.Time, value, amount float64, src []graph.Source) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: from, To: to, Key: key, Time: tm, ValueUSD: value, Amount: amount, Asset: "eth", Sources: src}
	}
	first := graph.Batch{
		Nodes: []graph.Node{
			wallet(ta, "a", retrieved("wa", at(10*day))),
			wallet(tb, "b", job("wb", at(4*day+time.Hour))),
			wallet(tc, "c", plain("wc")),
			wallet(td, "d", retrieved("wd", at(0))),
			wallet(te, "e", plain("we")),
			wallet(tg, "g", retrieved("wg", at(day))),
			{Kind: graph.KindService, Key: "exchange-x", Label: "Exchange X", Sources: retrieved("svc", at(2*day))},
			{Kind: graph.KindThreatGroup, Key: "Lazarus Group", Label: "Lazarus Group", Sources: plain("grp")},
		},
		Edges: []graph.Edge{
			tr(ta, tb, "p1", at(time.Hour), 100, 1, retrieved("p1", at(day))),
			tr(ta, tb, "p2", at(2*time.Hour+500*time.Millisecond), 5, 0.05, job("p2", at(3*day))),
			tr(ta, ta, "loop", at(3*time.Hour), 50, 0.5, plain("loop")),
			tr(tc, ta, "in", at(5*time.Hour), 0, 2, retrieved("in", at(2*day))),
			tr(tb, td, "bd", time.Time{}, 1000, 10, retrieved("bd", at(5*day))),
			tr(td, ta, "da", at(-day), 10, 0.1, retrieved("da", at(-2*day))),
			// before 1970: a time no store keeps, hence "no time"
			tr(te, ta, "ea", time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC), 7, 0.07, job("ea", at(6*day))),
			{Kind: graph.EdgeDepositedAt, From: ta, To: tSvc, Sources: retrieved("dep", at(0))},
			{Kind: graph.EdgeAttributedTo, From: ta, To: tGrp, Sources: plain("attr")},
		},
	}
	second := graph.Batch{
		Nodes: []graph.Node{
			wallet(tc, "", retrieved("wc2", at(20*day))), // c gets a first-seen time
			wallet(ta, "", retrieved("wa2", at(12*day))), // later: a keeps its own
		},
		Edges: []graph.Edge{
			tr(ta, tb, "p1", at(time.Hour), 100, 1, retrieved("p1b", at(12*time.Hour))), // earlier: p1 is seen sooner
			tr(ta, ta, "loop", at(3*time.Hour), 50, 0.5, job("loop2", at(7*day))),       // loop gets one
			tr(tb, td, "bd2", at(6*time.Hour), 20, 0.2, retrieved("bd2", at(day))),
		},
	}
	return []graph.Batch{first, second}
}

// refGraph is the reference: the records the batches leave, prepared and
// merged as every store does.
type refGraph struct {
	nodes    map[string]*graph.Node
	edges    map[string]*graph.Edge
	out, in  map[string][]*graph.Edge
	nodeList []string
}

func newRefGraph(t testing.TB, batches []graph.Batch) *refGraph {
	t.Helper()
	g := &refGraph{nodes: map[string]*graph.Node{}, edges: map[string]*graph.Edge{}, out: map[string][]*graph.Edge{}, in: map[string][]*graph.Edge{}}
	for _, b := range batches {
		for _, n := range b.Nodes {
			if err := graph.PrepareNode(&n); err != nil {
				t.Fatal(err)
			}
			if old := g.nodes[n.ID]; old != nil {
				m, err := graph.MergeNode(old, &n)
				if err != nil {
					t.Fatal(err)
				}
				g.nodes[n.ID] = m
			} else {
				g.nodes[n.ID] = &n
				g.nodeList = append(g.nodeList, n.ID)
			}
		}
		for _, e := range b.Edges {
			if err := graph.PrepareEdge(&e); err != nil {
				t.Fatal(err)
			}
			if old := g.edges[e.ID]; old != nil {
				m, err := graph.MergeEdge(old, &e)
				if err != nil {
					t.Fatal(err)
				}
				g.edges[e.ID] = m
			} else {
				g.edges[e.ID] = &e
			}
		}
	}
	for _, e := range g.edges {
		g.out[e.From] = append(g.out[e.From], e)
		g.in[e.To] = append(g.in[e.To], e)
	}
	return g
}

// refUnix is a time as investigate.Arc gives it: whole unix seconds, 0 for
// none, and 0 outside what both stores keep (see maxUnix).
func refUnix(t time.Time) int64 {
	if t.IsZero() || t.Unix() <= 0 || t.Unix() > 1<<32-1 {
		return 0
	}
	return t.Unix()
}

// arcKey is an arc with IDs for handles.
type arcKey struct {
	Edge, From, To string
	Kind           graph.EdgeKind
	Time           int64
	Value, Amount  float64
	Asset          string
	Seen           int64
}

// loops counts the self-loops at a node.
func (g *refGraph) loops(id string) int {
	n := 0
	for _, e := range g.out[id] {
		if e.To == id {
			n++
		}
	}
	return n
}

// info is Describe by definition: the degree counts the relationship ends
// at the node, so a self-loop counts twice.
func (g *refGraph) info(id string) investigate.NodeInfo {
	n := g.nodes[id]
	deg := len(g.out[id]) + len(g.in[id])
	return investigate.NodeInfo{ID: id, Kind: n.Kind, Degree: deg, Seen: refUnix(graph.FirstSeen(n.Sources))}
}

// expand is Expand by definition: the node's edges in the filter's
// direction and kinds, each once, that pass Filter.Pass.
func (g *refGraph) expand(id string, f investigate.Filter) []arcKey {
	var cand []*graph.Edge
	if f.Dir != graph.In {
		cand = append(cand, g.out[id]...)
	}
	if f.Dir != graph.Out {
		for _, e := range g.in[id] {
			if f.Dir == graph.In || e.From != id { // a self-loop once
				cand = append(cand, e)
			}
		}
	}
	out := []arcKey{}
	for _, e := range cand {
		if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, e.Kind) {
			continue
		}
		a := investigate.Arc{Kind: e.Kind, Time: refUnix(e.Time), Value: e.ValueUSD, Amount: e.Amount, Asset: e.Asset, Seen: refUnix(graph.FirstSeen(e.Sources))}
		if f.Pass(&a) {
			out = append(out, arcKey{e.ID, e.From, e.To, a.Kind, a.Time, a.Value, a.Amount, a.Asset, a.Seen})
		}
	}
	sortArcs(out)
	return out
}

func sortArcs(a []arcKey) {
	slices.SortFunc(a, func(x, y arcKey) int { return strings.Compare(x.Edge, y.Edge) })
}

// topoStore is a store under test and its topology.
type topoStore struct {
	name string
	s    graph.Store
	top  investigate.Topology
	// what expandKeys learnt of handles
	nodeID map[uint32]string
	edge   map[uint32]*graph.Edge
}

// openTopologies writes the batches into Neo4j and the embedded store
// (with the same write counts) and opens the topologies of both, or of
// Neo4j alone if the embedded store cannot be investigated.
func openTopologies(t *testing.T, batches []graph.Batch) (*Store, []*topoStore) {
	t.Helper()
	ctx := context.Background()
	neo := openEmpty(t, testConfig(t))
	bolt, err := boltstore.Open(ctx, t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bolt.Close() })
	for i, b := range batches {
		rn, err := neo.Write(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		rb, err := bolt.Write(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(rn.Rejected) > 0 {
			t.Fatalf("batch %d: rejected %v", i, rn.Rejected[0].Err)
		}
		if fmt.Sprint(rn) != fmt.Sprint(rb) {
			t.Fatalf("batch %d: neo4j wrote %v, embedded %v", i, rn, rb)
		}
	}
	var stores []*topoStore
	for _, c := range []struct {
		name string
		s    investigate.Store
	}{{"neo4j", neo}, {"embedded", bolt}} {
		top, release, err := c.s.Topology(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(release)
		stores = append(stores, &topoStore{name: c.name, s: c.s, top: top})
	}
	return neo, stores
}

// resolve resolves IDs that must exist.
func resolve(t testing.TB, top investigate.Topology, ids ...string) []uint32 {
	t.Helper()
	hs, err := top.Resolve(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if h == investigate.None {
			t.Fatalf("Resolve(%s) = None", ids[i])
		}
	}
	return hs
}

// expandKeys expands nodes through the store's topology and returns the
// arcs by IDs, each node's sorted. It checks that every arc has the
// expanded node at one end and that its ends are its edge's, in the edge's
// direction. Handles are translated through Describe and Edges once each.
func (st *topoStore) expandKeys(t testing.TB, ids []string, f investigate.Filter) [][]arcKey {
	t.Helper()
	ctx := context.Background()
	hs := resolve(t, st.top, ids...)
	arcs, err := st.top.Expand(ctx, hs, f)
	if err != nil {
		t.Fatalf("%s: Expand %+v: %v", st.name, f, err)
	}
	if len(arcs) != len(hs) {
		t.Fatalf("%s: Expand: %d lists for %d nodes", st.name, len(arcs), len(hs))
	}
	if st.nodeID == nil {
		st.nodeID, st.edge = map[uint32]string{}, map[uint32]*graph.Edge{}
	}
	var nodes, edges []uint32
	for i, list := range arcs {
		for _, a := range list {
			if a.From != hs[i] && a.To != hs[i] {
				t.Fatalf("%s: arc %+v of node %d (%s) does not end there", st.name, a, hs[i], ids[i])
			}
			for _, u := range []uint32{a.From, a.To} {
				if _, ok := st.nodeID[u]; !ok && !slices.Contains(nodes, u) {
					nodes = append(nodes, u)
				}
			}
			if _, ok := st.edge[a.Edge]; !ok && !slices.Contains(edges, a.Edge) {
				edges = append(edges, a.Edge)
			}
		}
	}
	infos, err := st.top.Describe(ctx, nodes)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range nodes {
		st.nodeID[u] = infos[i].ID
	}
	es, err := st.top.Edges(ctx, edges)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range edges {
		st.edge[h] = es[i]
	}
	out := make([][]arcKey, len(arcs))
	for i, list := range arcs {
		out[i] = []arcKey{}
		for _, a := range list {
			e := st.edge[a.Edge]
			from, to := st.nodeID[a.From], st.nodeID[a.To]
			if e.From != from || e.To != to || e.Kind != a.Kind {
				t.Fatalf("%s: arc of %s: edge %s is %s → %s, the arc %s %s → %s", st.name, ids[i], e.ID, e.From, e.To, a.Kind, from, to)
			}
			out[i] = append(out[i], arcKey{e.ID, from, to, a.Kind, a.Time, a.Value, a.Amount, a.Asset, a.Seen})
		}
		sortArcs(out[i])
	}
	return out
}

func TestTopologyFixture(t *testing.T) {
	ctx := context.Background()
	batches := topoFixture()
	ref := newRefGraph(t, batches)
	_, stores := openTopologies(t, batches)
	day := int64(24 * 3600)
	base := topoBase.Unix()
	all := []string{ta, tb, tc, td, te, tg, tSvc, tGrp}
	cases := []struct {
		name  string
		nodes []string
		f     investigate.Filter
		want  int // arcs in all, a sanity check on the reference
	}{
		{"out", all, investigate.Filter{Dir: graph.Out}, 10},
		{"in", all, investigate.Filter{Dir: graph.In}, 10},
		{"both", all, investigate.Filter{Dir: graph.Both}, 19},
		{"empty direction is both", []string{ta}, investigate.Filter{}, 8},
		{"transfers", all, investigate.Filter{Kinds: []graph.EdgeKind{graph.EdgeTransfer}}, 15},
		{"two kinds", []string{ta}, investigate.Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeDepositedAt, graph.EdgeAttributedTo, graph.EdgeDepositedAt}}, 2},
		{"kind absent", []string{ta, tb}, investigate.Filter{Kinds: []graph.EdgeKind{graph.EdgeControls}}, 0},
		{"self-loop out", []string{ta}, investigate.Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeTransfer}}, 3},
		{"self-loop in", []string{ta}, investigate.Filter{Dir: graph.In}, 4},
		{"parallel edges", []string{tb}, investigate.Filter{Dir: graph.In}, 2},
		{"since", all, investigate.Filter{Since: base + 2*3600}, 15},
		// p2 is at 02:00:00.5: in a window ending at 02:00:00
		{"until, sub-second", []string{ta}, investigate.Filter{Dir: graph.Out, Until: base + 2*3600, Kinds: []graph.EdgeKind{graph.EdgeTransfer}}, 2},
		{"window", all, investigate.Filter{Since: base + 3600, Until: base + 3*3600}, 13},
		{"window before everything", all, investigate.Filter{Since: base - 10*day, Until: base - 5*day}, 8},
		{"min value", all, investigate.Filter{MinValue: 50}, 11},
		{"min value above all", []string{ta, tb}, investigate.Filter{MinValue: 1e9}, 3},
		{"negative min is none", []string{ta}, investigate.Filter{MinValue: -1}, 8},
		{"as of", all, investigate.Filter{AsOf: base + day}, 10},
		{"as of before all", all, investigate.Filter{AsOf: base - 3*day}, 2},
		{"everything", all, investigate.Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeTransfer}, Since: base, Until: base + 6*3600, MinValue: 5, AsOf: base + 3*day}, 4},
		{"repeated nodes", []string{ta, tb, ta, tg, tb}, investigate.Filter{}, 8 + 4 + 8 + 0 + 4},
		{"isolated", []string{tg}, investigate.Filter{}, 0},
		{"no nodes", nil, investigate.Filter{}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want [][]arcKey
			n := 0
			for _, id := range c.nodes {
				want = append(want, ref.expand(id, c.f))
				n += len(want[len(want)-1])
			}
			if n != c.want {
				t.Fatalf("the reference has %d arcs, the case expects %d", n, c.want)
			}
			for _, st := range stores {
				got := st.expandKeys(t, c.nodes, c.f)
				for i, id := range c.nodes {
					if !slices.Equal(got[i], want[i]) {
						t.Errorf("%s: Expand(%s, %+v):\n got %+v\nwant %+v", st.name, id, c.f, got[i], want[i])
					}
				}
			}
		})
	}

	t.Run("resolve", func(t *testing.T) {
		ids := []string{ta, "wallet:eth:0x00000000000000000000000000000000000000ff", tb, ta, "nonsense", tSvc, ""}
		for _, st := range stores {
			hs, err := st.top.Resolve(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			if hs[1] != investigate.None || hs[4] != investigate.None || hs[6] != investigate.None {
				t.Errorf("%s: missing IDs resolved to %v", st.name, hs)
			}
			if hs[0] != hs[3] || hs[0] == hs[2] || hs[0] == investigate.None || hs[2] == investigate.None || hs[5] == investigate.None {
				t.Errorf("%s: handles %v", st.name, hs)
			}
			again, err := st.top.Resolve(ctx, ids)
			if err != nil || !slices.Equal(again, hs) {
				t.Errorf("%s: resolved again to %v (%v), first %v", st.name, again, err, hs)
			}
			if hs, err := st.top.Resolve(ctx, nil); err != nil || len(hs) != 0 {
				t.Errorf("%s: Resolve(nil) = %v, %v", st.name, hs, err)
			}
		}
	})

	t.Run("describe", func(t *testing.T) {
		for _, st := range stores {
			ids := append(slices.Clone(all), ta)
			infos, err := st.top.Describe(ctx, resolve(t, st.top, ids...))
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if want := ref.info(id); infos[i] != want {
					t.Errorf("%s: Describe(%s) = %+v, want %+v (the node has %d self-loops, each one relationship)",
						st.name, id, infos[i], want, ref.loops(id))
				}
			}
		}
		// the reference itself
		for id, want := range map[string]investigate.NodeInfo{
			ta:   {ID: ta, Kind: graph.KindWallet, Degree: 9, Seen: base + 10*day},
			tb:   {ID: tb, Kind: graph.KindWallet, Degree: 4, Seen: base + 4*day + 3600},
			tc:   {ID: tc, Kind: graph.KindWallet, Degree: 1, Seen: base + 20*day},
			te:   {ID: te, Kind: graph.KindWallet, Degree: 1},
			tSvc: {ID: tSvc, Kind: graph.KindService, Degree: 1, Seen: base + 2*day},
		} {
			if got := ref.info(id); got != want {
				t.Errorf("reference Describe(%s) = %+v, want %+v", id, got, want)
			}
		}
	})

	t.Run("nodes and edges", func(t *testing.T) {
		for _, st := range stores {
			ids := []string{tb, tSvc, ta, tb}
			ns, err := st.top.Nodes(ctx, resolve(t, st.top, ids...))
			if err != nil {
				t.Fatal(err)
			}
			want, err := st.s.Nodes(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ids {
				if same, _ := sameRecord(ns[i], want[i]); !same || ns[i].ID != ids[i] {
					t.Errorf("%s: Nodes[%d] = %+v, want %+v", st.name, i, ns[i], want[i])
				}
				if same, _ := sameRecord(ns[i], ref.nodes[ids[i]]); !same {
					t.Errorf("%s: Nodes[%d] = %+v, written %+v", st.name, i, ns[i], ref.nodes[ids[i]])
				}
			}
			hs := resolve(t, st.top, ta)
			arcs, err := st.top.Expand(ctx, hs, investigate.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			var handles []uint32
			for _, a := range arcs[0] {
				handles = append(handles, a.Edge)
			}
			handles = append(handles, handles[0]) // a repeat
			es, err := st.top.Edges(ctx, handles)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != len(handles) {
				t.Fatalf("%s: %d edges for %d handles", st.name, len(es), len(handles))
			}
			for i, e := range es {
				want, err := st.s.Edge(ctx, e.ID)
				if err != nil {
					t.Fatal(err)
				}
				if same, _ := sameRecord(e, want); !same {
					t.Errorf("%s: Edges[%d] = %+v, want %+v", st.name, i, e, want)
				}
				if same, _ := sameRecord(e, ref.edges[e.ID]); !same {
					t.Errorf("%s: Edges[%d] = %+v, written %+v", st.name, i, e, ref.edges[e.ID])
				}
				if i < len(arcs[0]) && e.Kind != arcs[0][i].Kind {
					t.Errorf("%s: edge %s is %s, its arc %s", st.name, e.ID, e.Kind, arcs[0][i].Kind)
				}
			}
			if es[0].ID != es[len(es)-1].ID {
				t.Errorf("%s: a repeated handle loaded %s and %s", st.name, es[0].ID, es[len(es)-1].ID)
			}
			if ns, err := st.top.Nodes(ctx, nil); err != nil || len(ns) != 0 {
				t.Errorf("%s: Nodes(nil) = %v, %v", st.name, ns, err)
			}
			if es, err := st.top.Edges(ctx, nil); err != nil || len(es) != 0 {
				t.Errorf("%s: Edges(nil) = %v, %v", st.name, es, err)
			}
		}
	})
}

// TestTopologyAgreesWithEmbeddedStore checks random filters on batches of
// random nodes, hubs included, of a generated graph whose transfers carry
// values and first-seen times, with self-loops, parallel transfers and
// merged sources.
func TestTopologyAgreesWithEmbeddedStore(t *testing.T) {
	ctx := context.Background()
	g := synth.NewGen(23, 1200, 5000)
	epoch := time.Date(2022, 3, 23, 0, 0, 0, 0, time.UTC) // the generator's
	r := rand.New(rand.NewPCG(3, 4))
	seenAt := func() []graph.Source {
		switch r.IntN(4) {
		case 0:
			return nil // the generator's source, no time
		case 1:
			return []graph.Source{{Dataset: "seen", Record: strconv.Itoa(r.Int()), Job: jobAt(epoch.Add(time.Duration(r.IntN(5000)) * time.Minute))}}
		default:
			return []graph.Source{{Dataset: "seen", Record: strconv.Itoa(r.Int()), RetrievedAt: epoch.Add(time.Duration(r.IntN(5000*60)) * time.Second)}}
		}
	}
	var batches []graph.Batch
	var transfers []graph.Edge
	for b := range g.Batches(1000) {
		for i := range b.Nodes {
			b.Nodes[i].Sources = append(b.Nodes[i].Sources, seenAt()...)
		}
		for i := range b.Edges {
			e := &b.Edges[i]
			e.Sources = append(e.Sources, seenAt()...)
			if e.Kind == graph.EdgeTransfer {
				if r.IntN(5) > 0 {
					e.ValueUSD = e.Amount * float64(1+r.IntN(40000))
				}
				if r.IntN(50) == 0 {
					e.Time = time.Time{}
				}
				transfers = append(transfers, *e)
			}
		}
		batches = append(batches, b)
	}
	// parallel transfers, self-loops and merges of new sources
	var extra graph.Batch
	for i := range 300 {
		e := transfers[r.IntN(len(transfers))]
		switch i % 3 {
		case 0:
			e.Key, e.TxHash = fmt.Sprintf("parallel-%d", i), ""
			e.Time = e.Time.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
		case 1:
			e.To = e.From
			e.Key, e.TxHash = fmt.Sprintf("loop-%d", i), ""
		}
		e.Sources = append(slices.Clone(e.Sources[:1]), seenAt()...)
		e.Sources[0].Record += "/again"
		extra.Edges = append(extra.Edges, e)
	}
	batches = append(batches, extra)
	ref := newRefGraph(t, batches)
	_, stores := openTopologies(t, batches)

	span := int64(5000 * 60)
	base := epoch.Unix()
	described := map[string]bool{}
	arcs := 0
	dirs := []graph.Direction{graph.Out, graph.In, graph.Both, ""}
	kinds := [][]graph.EdgeKind{nil, {graph.EdgeTransfer}, {graph.EdgeDepositedAt}, {graph.EdgeDepositedAt, graph.EdgeTransfer}}
	for q := range 80 {
		f := investigate.Filter{Dir: dirs[r.IntN(len(dirs))], Kinds: kinds[r.IntN(len(kinds))]}
		if r.IntN(2) == 0 {
			f.Since = base + r.Int64N(span)
		}
		if r.IntN(2) == 0 {
			f.Until = base + r.Int64N(span)
		}
		f.MinValue = []float64{0, 0, 10, 1000, 50000}[r.IntN(5)]
		if r.IntN(2) == 0 {
			f.AsOf = base + r.Int64N(span)
		}
		ids := []string{g.WalletID(0), g.WalletID(g.Wallets() - 1)} // a hub and a wallet of the other chain's
		for range 1 + r.IntN(30) {
			ids = append(ids, ref.nodeList[r.IntN(len(ref.nodeList))])
		}
		var want [][]arcKey
		for _, id := range ids {
			want = append(want, ref.expand(id, f))
			arcs += len(want[len(want)-1])
		}
		for _, st := range stores {
			got := st.expandKeys(t, ids, f)
			for i, id := range ids {
				if !slices.Equal(got[i], want[i]) {
					t.Fatalf("query %d, %s: Expand(%s, %+v): %d arcs, want %d\n got %+v\nwant %+v", q, st.name, id, f, len(got[i]), len(want[i]), got[i], want[i])
				}
			}
			infos, err := st.top.Describe(ctx, resolve(t, st.top, ids...))
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if w := ref.info(id); infos[i] != w && !described[st.name] {
					described[st.name] = true // once per store: go on comparing arcs
					t.Errorf("%s: Describe(%s) = %+v, want %+v (the node has %d self-loops, each one relationship)",
						st.name, id, infos[i], w, ref.loops(id))
				}
			}
		}
	}
	if arcs < 5000 {
		t.Fatalf("the queries compared only %d arcs", arcs)
	}
	t.Logf("compared %d arcs", arcs)

	// Read-ahead (topoahead.go): a light node alone, then the nodes it
	// reaches, which Neo4j answers from what it read with the first call.
	neo := stores[0].top.(*topology)
	served := 0
	for q := range 60 {
		f := investigate.Filter{Dir: dirs[r.IntN(len(dirs))], Kinds: kinds[r.IntN(2)]}
		if r.IntN(2) == 0 {
			f.Since = base + r.Int64N(span)
		}
		f.MinValue = []float64{0, 0, 10}[r.IntN(3)]
		if r.IntN(3) == 0 {
			f.AsOf = base + r.Int64N(span)
		}
		id := ref.nodeList[r.IntN(len(ref.nodeList))]
		next := []string{}
		for _, a := range ref.expand(id, f) {
			if a.From == id {
				next = append(next, a.To)
			} else {
				next = append(next, a.From)
			}
		}
		for _, ids := range [][]string{{id}, next} {
			if len(ids) == 0 {
				continue
			}
			if slices.Equal(ids, next) {
				for _, h := range resolve(t, neo, ids...) {
					if _, ok := neo.ahead[neoAheadKey(f)][h]; ok {
						served++
					}
				}
			}
			for _, st := range stores {
				got := st.expandKeys(t, ids, f)
				for i, x := range ids {
					if want := ref.expand(x, f); !slices.Equal(got[i], want) {
						t.Fatalf("read-ahead %d, %s: Expand(%s, %+v): %d arcs, want %d\n got %+v\nwant %+v", q, st.name, x, f, len(got[i]), len(want), got[i], want)
					}
				}
			}
		}
	}
	if served < 20 {
		t.Fatalf("only %d nodes were answered from arcs read ahead", served)
	}
	t.Logf("%d nodes answered from arcs read ahead", served)
}

// neoAheadKey is the read-ahead key of f, as Expand makes it.
func neoAheadKey(f investigate.Filter) aheadKey {
	kinds := slices.Clone(f.Kinds)
	slices.Sort(kinds)
	return aheadKey{dir: f.Dir, kinds: fmt.Sprint(kinds), since: f.Since, until: f.Until, asOf: f.AsOf, minValue: f.MinValue}
}

// TestTopologySeen checks the stored first-seen times: set on creation,
// recomputed from the merged sources on update, removed when no source
// tells any more; records written before them count as unknown.
func TestTopologySeen(t *testing.T) {
	ctx := context.Background()
	neo, _ := openTopologies(t, topoFixture())
	stored := func(q string) map[string]any {
		out := map[string]any{}
		err := neo.read(ctx, "test", func(tx neo4j.ManagedTransaction) error {
			recs, err := run(ctx, tx, q, nil)
			for _, r := range recs {
				out[r.Values[0].(string)] = r.Values[1]
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	nodes := stored("MATCH (n:Node) RETURN n.id, n.seen")
	edges := stored("MATCH ()-[r]->() RETURN r.id, r.seen")
	day := int64(24 * 3600)
	base := topoBase.Unix()
	p1 := graph.EdgeID(graph.EdgeTransfer, ta, tb, "p1")
	loop := graph.EdgeID(graph.EdgeTransfer, ta, ta, "loop")
	in := graph.EdgeID(graph.EdgeTransfer, tc, ta, "in")
	attr := graph.EdgeID(graph.EdgeAttributedTo, ta, tGrp, "")
	for _, c := range []struct {
		what string
		got  any
		want any
	}{
		{"node a (the earlier of two sources)", nodes[ta], base + 10*day},
		{"node b (a job's start)", nodes[tb], base + 4*day + 3600},
		{"node c (none, then merged)", nodes[tc], base + 20*day},
		{"node e (none)", nodes[te], nil},
		{"edge p1 (merged, earlier)", edges[p1], base + day/2},
		{"edge loop (none, then merged)", edges[loop], base + 7*day},
		{"edge in", edges[in], base + 2*day},
		{"edge attributed (none)", edges[attr], nil},
	} {
		if c.got != c.want {
			t.Errorf("%s: seen %v, want %v", c.what, c.got, c.want)
		}
	}

	// A record written before seen existed: unknown, so always seen.
	a, h := storetest.W(0x51), storetest.W(0x52)
	oldEdge := graph.EdgeID(graph.EdgeTransfer, a, h, "old")
	if _, err := neo.Write(ctx, graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindWallet, Key: strings.TrimPrefix(a, "wallet:"), Sources: []graph.Source{{Dataset: "x", RetrievedAt: topoBase}}},
			{Kind: graph.KindWallet, Key: strings.TrimPrefix(h, "wallet:"), Sources: []graph.Source{{Dataset: "x", RetrievedAt: topoBase}}},
		},
		Edges: []graph.Edge{{Kind: graph.EdgeTransfer, From: a, To: h, Key: "old", Time: topoBase, Sources: []graph.Source{{Dataset: "x", RetrievedAt: topoBase}}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := neo.autocommit(ctx, "MATCH (n:Node)-[r]->() WHERE n.id = $a REMOVE n.seen, r.seen", map[string]any{"a": a}); err != nil {
		t.Fatal(err)
	}
	top, release, err := neo.Topology(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	hs := resolve(t, top, a, h)
	infos, err := top.Describe(ctx, hs)
	if err != nil {
		t.Fatal(err)
	}
	if infos[0].Seen != 0 || infos[1].Seen != base {
		t.Errorf("Describe: seen %d and %d, want 0 and %d", infos[0].Seen, infos[1].Seen, base)
	}
	arcs, err := top.Expand(ctx, hs[:1], investigate.Filter{AsOf: base - day})
	if err != nil {
		t.Fatal(err)
	}
	if len(arcs[0]) != 1 || arcs[0][0].Seen != 0 || arcs[0][0].From != hs[0] || arcs[0][0].To != hs[1] || arcs[0][0].Time != base {
		t.Errorf("Expand of a record without seen: %+v", arcs[0])
	}
	es, err := top.Edges(ctx, []uint32{arcs[0][0].Edge})
	if err != nil || es[0].ID != oldEdge {
		t.Errorf("Edges: %v, %v", es, err)
	}
}

func TestTopologyErrors(t *testing.T) {
	ctx := context.Background()
	neo, stores := openTopologies(t, topoFixture())
	top := stores[0].top
	hs := resolve(t, top, ta)
	for _, c := range []struct {
		name string
		call func(ctx context.Context) error
		code graph.Code
	}{
		{"unknown kind", func(ctx context.Context) error {
			_, err := top.Expand(ctx, hs, investigate.Filter{Kinds: []graph.EdgeKind{"OWES"}})
			return err
		}, graph.CodeInvalid},
		{"unknown direction", func(ctx context.Context) error {
			_, err := top.Expand(ctx, hs, investigate.Filter{Dir: "SIDEWAYS"})
			return err
		}, graph.CodeInvalid},
		{"unknown node handle", func(ctx context.Context) error {
			_, err := top.Expand(ctx, []uint32{hs[0], 1 << 20}, investigate.Filter{})
			return err
		}, graph.CodeInvalid},
		{"None", func(ctx context.Context) error {
			_, err := top.Describe(ctx, []uint32{investigate.None})
			return err
		}, graph.CodeInvalid},
		{"unknown node handle, nodes", func(ctx context.Context) error {
			_, err := top.Nodes(ctx, []uint32{1 << 20})
			return err
		}, graph.CodeInvalid},
		{"unknown edge handle", func(ctx context.Context) error {
			_, err := top.Edges(ctx, []uint32{1 << 20})
			return err
		}, graph.CodeInvalid},
	} {
		if err := c.call(ctx); graph.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	for _, c := range []context.Context{cancelled, expired} {
		if _, err := top.Resolve(c, []string{tb}); graph.ErrorCode(err) != graph.CodeTimeout {
			t.Errorf("Resolve: %v", err)
		}
		if _, err := top.Describe(c, hs); graph.ErrorCode(err) != graph.CodeTimeout {
			t.Errorf("Describe: %v", err)
		}
		if _, err := top.Expand(c, hs, investigate.Filter{}); graph.ErrorCode(err) != graph.CodeTimeout {
			t.Errorf("Expand: %v", err)
		}
		if _, err := top.Nodes(c, hs); graph.ErrorCode(err) != graph.CodeTimeout {
			t.Errorf("Nodes: %v", err)
		}
		if _, _, err := neo.Topology(c); graph.ErrorCode(err) != graph.CodeTimeout {
			t.Errorf("Topology: %v", err)
		}
	}
	neo.Close()
	if _, err := top.Expand(ctx, hs, investigate.Filter{}); graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Errorf("Expand on a closed store: %v", err)
	}
}

// TestTopologyPlans checks that the statements seek every ID in an index
// and take degrees from the degree store: per batch, the work is the
// batch's relationships, never a scan.
func TestTopologyPlans(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	// The planner costs by the database's counts: on an empty database a
	// scan of no relationships is as cheap as a seek, and either may win.
	// Plans are judged on a graph with volume, replanned (not taken from
	// the cache of a run on less data).
	for batch := range synth.NewGen(29, 400, 3000).Batches(1000) {
		if _, err := s.Write(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// The ID index's sample may still be that of an earlier test's data
	// (the database is cleared, not recreated): resample it and wait, as
	// a deployment's periodic sampling would have, so the planner costs
	// the graph it plans for (once seen in CI: a scan of the index).
	if err := s.write(ctx, "test", func(tx neo4j.ManagedTransaction) error {
		_, err := run(ctx, tx, "CALL db.prepareForReplanning()", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	pat, err := relPattern(graph.Both, []graph.EdgeKind{graph.EdgeTransfer, graph.EdgeDepositedAt}, "r", "")
	if err != nil {
		t.Fatal(err)
	}
	pat0, err := relPattern(graph.Both, []graph.EdgeKind{graph.EdgeTransfer, graph.EdgeDepositedAt}, "r0", "")
	if err != nil {
		t.Fatal(err)
	}
	// A trusted caller's statements, and a viewer's with a grant.
	v := visibility.Viewer{Agency: "fiu", User: "u1", Grants: []visibility.Grant{{Owner: "police", Facts: map[string]struct{}{"x": {}}}}}
	for _, w := range []*viewer{nil, viewerOf(visibility.WithViewer(ctx, v))} {
		q := topoStatements(w)
		if !strings.Contains(q.expand, "<= "+strconv.Itoa(maxUnix)+" ") {
			t.Fatalf("expand does not bound times by maxUnix (%d)", maxUnix)
		}
		checkPlans(ctx, t, s, w, []planCase{
			{q.resolve, []string{"NodeUniqueIndexSeek"}},
			{q.describe, []string{"NodeUniqueIndexSeek", "getDegree"}},
			{fmt.Sprintf(q.expand, pat), []string{"NodeUniqueIndexSeek", "Expand(All)"}},
			{fmt.Sprintf(q.expandAhead, pat0, pat), []string{"NodeUniqueIndexSeek", "Expand(All)", "getDegree"}},
			{q.edges, []string{"RelationshipByElementIdSeek"}},
		})
	}
}

type planCase struct {
	q    string
	want []string
}

// checkPlans checks that each statement's plan has the operators it
// wants and neither a scan nor an Eager.
func checkPlans(ctx context.Context, t *testing.T, s *Store, w *viewer, cases []planCase) {
	t.Helper()
	for _, c := range cases {
		text := explain(ctx, t, s, c.q, w.params(map[string]any{"ids": []any{"x"}, "eids": []any{"x"}, "since": 1, "until": 2, "min": 1.5, "asOf": 3, "ahead": 64}))
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("plan of %s lacks %s:\n%s", c.q, w, text)
			}
		}
		for _, bad := range []string{"AllNodesScan", "NodeByLabelScan", "Eager"} {
			if strings.Contains(text, bad) {
				t.Errorf("plan of %s has %s:\n%s", c.q, bad, text)
			}
		}
	}
}
