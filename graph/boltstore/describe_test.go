package boltstore

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// describedAgree checks every entry of the description table against the
// record read from the file, and returns how many nodes and edges are
// described.
func describedAgree(t *testing.T, s *Store) (nodes, edges int) {
	t.Helper()
	x := s.idx
	err := s.db.View(func(tx *bolt.Tx) error {
		for u, id := range x.ids {
			d, ok := x.describeNode(uint32(u))
			if !ok {
				continue
			}
			nodes++
			n, err := getNode(tx, x, id)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(d, n) {
				t.Errorf("node %s described as\n%+v\nstored as\n%+v", id, d, n)
			}
		}
		for e := range x.g.NumEdges() {
			d, ok := x.describeEdge(uint32(e))
			if !ok {
				continue
			}
			edges++
			v, err := edgeValue(tx, uint32(e))
			if err != nil {
				return err
			}
			ed, err := decodeEdge(x.srcs, x.ids, v)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(d, ed) {
				t.Errorf("edge %d described as\n%+v\nstored as\n%+v", e, d, ed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return nodes, edges
}

func person(key string) string {
	id, _, _ := graph.NodeID(graph.KindPerson, key)
	return id
}

// oddBatch holds a chain p0 → p1 → ... of records of every shape: common
// ones, and ones with what the table does not hold (aliases, props, two
// sources, a URL, a time with nanoseconds or a zone) and tx hashes that are
// the key, a prefix of it, another string or none.
func oddBatch() graph.Batch {
	src := func(rec string) []graph.Source {
		return []graph.Source{{Dataset: "odd", Record: rec, Confidence: 70}}
	}
	amber := []graph.Source{{Dataset: "odd-amber", Record: "a", Agency: "a", Marking: graph.TLPAmber}}
	var b graph.Batch
	for i := range 8 {
		n := graph.Node{Kind: graph.KindPerson, Key: fmt.Sprintf("p%d", i), Label: fmt.Sprintf("Person %x", 0xabcdef+i), Sources: src(fmt.Sprintf("n/%d", i))}
		switch i {
		case 1:
			n.Aliases = []string{"alias"}
		case 2:
			n.Props = graph.Props{"k": "v"}
		case 3:
			n.Sources = append(n.Sources, graph.Source{Dataset: "odd2", Record: "x"})
		case 4:
			n.Sources[0].URL = "https://example.org/4"
		case 5:
			n.Sources = amber
		}
		b.Nodes = append(b.Nodes, n)
	}
	t0 := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	hash := "0xdeadbeef00112233445566778899aabbccddeeff00112233445566778899aabb"
	for i := range 7 {
		e := graph.Edge{Kind: graph.EdgeOwns, From: person(fmt.Sprintf("p%d", i)), To: person(fmt.Sprintf("p%d", i+1)), Sources: src(fmt.Sprintf("e/%d", i))}
		switch i {
		case 0:
			e.Key, e.TxHash, e.Amount, e.Asset, e.ValueUSD, e.Time = hash+":1", hash, 1.5, "ETH", 3000.25, t0
		case 1:
			e.Key, e.TxHash, e.Time = hash, hash, t0.Add(time.Nanosecond)
		case 2:
			e.Key, e.TxHash, e.Time = "k2", "other", t0.In(time.FixedZone("", 3600))
		case 3:
			e.Props = graph.Props{"p": 1.0}
		case 4:
			e.Sources = amber
		case 5:
			e.Key, e.TxHash = "k5", "k"
		}
		b.Edges = append(b.Edges, e)
	}
	// parallel edges between p6 and p7, so a path step chooses by ID
	for _, k := range []string{"b", "a", "c"} {
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeOwns, From: person("p6"), To: person("p7"), Key: k, Sources: src("par/" + k)})
	}
	return b
}

func TestDescribeCoherent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, Options{})
	writeSynth(t, s, 3)
	mustWrite(t, s, oddBatch())
	n0, e0 := describedAgree(t, s)
	if n0 < 200 || e0 < 2000 {
		t.Fatalf("%d nodes and %d edges described: the synthetic wallets and transfers should all be", n0, e0)
	}
	x := s.idx
	for _, key := range []string{"p1", "p2", "p3", "p4"} {
		if _, ok := x.describeNode(x.byID[person(key)]); ok {
			t.Errorf("node %s is described: the table does not hold its shape", key)
		}
	}
	// A write after open: a second source makes p0 uncommon, a new node
	// and edge are described.
	mustWrite(t, s, graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindPerson, Key: "p0", Sources: []graph.Source{{Dataset: "more", Record: "m"}}},
			{Kind: graph.KindPerson, Key: "p8", Label: "Eight", Sources: []graph.Source{{Dataset: "odd", Record: "n/8"}}},
		},
		Edges: []graph.Edge{{Kind: graph.EdgeOwns, From: person("p7"), To: person("p8"), Sources: []graph.Source{{Dataset: "odd", Record: "e/7"}}}},
	})
	if _, ok := x.describeNode(x.byID[person("p0")]); ok {
		t.Error("p0 is still described after a second source")
	}
	if _, ok := x.describeNode(x.byID[person("p8")]); !ok {
		t.Error("a node written after open is not described")
	}
	describedAgree(t, s)
	want, err := s.ShortestPath(ctx, graph.PathQuery{From: person("p0"), To: person("p8"), Direction: graph.Out, MaxHops: 8})
	if err != nil || len(want.Edges) != 8 {
		t.Fatalf("path p0 → p8: %v, %+v", err, want)
	}
	if got := want.Edges[6].Key; got != "" {
		t.Errorf("between parallel edges the path took key %q, want the least ID (no key: no '#')", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened from the snapshot: the same table, the same path.
	s = reopenSays(t, dir, "snapshot", "")
	describedAgree(t, s)
	if got, err := s.ShortestPath(ctx, graph.PathQuery{From: person("p0"), To: person("p8"), Direction: graph.Out, MaxHops: 8}); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopening from the snapshot: %v\n%+v\nwant\n%+v", err, got, want)
	}
	// A stale snapshot (a write, then a crash before Close) is rebuilt.
	s.Close()
	snap := dir + "/" + FileName + snapSuffix
	old := readFile(t, snap)
	s = open(t, dir, Options{})
	mustWrite(t, s, graph.Batch{Nodes: []graph.Node{{Kind: graph.KindPerson, Key: "p8", Label: "Eight", Props: graph.Props{"x": "y"}, Sources: []graph.Source{{Dataset: "odd", Record: "n/8"}}}}})
	s.Close()
	writeFile(t, snap, old)
	s = reopenSays(t, dir, "rebuilt", "stale")
	describedAgree(t, s)
	if _, ok := s.idx.describeNode(s.idx.byID[person("p8")]); ok {
		t.Error("p8 is described from the stale snapshot after gaining props")
	}
	s.Close()
	// A snapshot of the format before the table is rebuilt, table and all.
	b := readFile(t, snap)
	copy(b, "RTSNAP01")
	writeFile(t, snap, b)
	s = reopenSays(t, dir, "rebuilt", "not a snapshot of this format")
	// since the first count p0 gained a second source, p8 came and gained
	// props, the edge p7 → p8 came
	if n, e := describedAgree(t, s); n != n0-1 || e != e0+1 {
		t.Errorf("%d nodes and %d edges described after rebuilding from an old snapshot, want %d and %d", n, e, n0-1, e0+1)
	}
	s.Close()
}

// TestDescribeBudget compares paths described from memory with paths read
// from the file (no table, and a table too small for most records), for a
// trusted caller and for viewers who do not see the AMBER records.
func TestDescribeBudget(t *testing.T) {
	ctx := context.Background()
	var stores []*Store
	for _, budget := range []int{0, -1, 600} {
		s := open(t, t.TempDir(), Options{DescribeBudget: budget})
		writeSynth(t, s, 5)
		mustWrite(t, s, oddBatch())
		describedAgree(t, s)
		stores = append(stores, s)
	}
	if d := stores[2].idx.desc; len(d.arena) > 600 {
		t.Fatalf("table of %d bytes for a budget of 600", len(d.arena))
	}
	viewers := map[string]context.Context{
		"trusted":  ctx,
		"agency a": visibility.WithViewer(ctx, visibility.Viewer{Agency: "a", User: "ua"}),
		"agency b": visibility.WithViewer(ctx, visibility.Viewer{Agency: "b", User: "ub"}),
	}
	x := stores[0].idx
	var pairs [][2]string
	for i := 0; i+1 < len(x.ids); i += 7 {
		pairs = append(pairs, [2]string{x.ids[i], x.ids[len(x.ids)-1-i]})
	}
	for _, from := range []string{"p0", "p4", "p5", "p6"} {
		pairs = append(pairs, [2]string{person(from), person("p7")})
	}
	found := map[string]int{}
	for name, vctx := range viewers {
		for _, pair := range pairs {
			for _, dir := range []graph.Direction{graph.Out, graph.Both} {
				q := graph.PathQuery{From: pair[0], To: pair[1], Direction: dir, MaxHops: 8}
				want, werr := stores[1].ShortestPath(vctx, q)
				if len(want.Edges) > 0 {
					found[name]++
				}
				for _, s := range []*Store{stores[0], stores[2]} {
					got, err := s.ShortestPath(vctx, q)
					if graph.ErrorCode(err) != graph.ErrorCode(werr) || !reflect.DeepEqual(got, want) {
						t.Fatalf("%s, %+v: described %v %+v\nfrom the file %v %+v", name, q, err, got, werr, want)
					}
				}
			}
		}
	}
	// agency b sees neither p5 nor the AMBER edge p4 → p5: fewer paths
	if found["trusted"] < 20 || found["agency b"] >= found["agency a"] {
		t.Fatalf("paths found by viewer: %v", found)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o640); err != nil {
		t.Fatal(err)
	}
}
