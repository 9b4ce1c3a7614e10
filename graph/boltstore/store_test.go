package boltstore

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/storetest"
	"github.com/redthread-dev/redthread/graph/synth"
)

func open(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) investigate.Store { return open(t, t.TempDir(), Options{}) })
}

// TestConformanceSmallDescribe runs the suite with a description table too
// small for most records, so paths mix records described from memory with
// records read from the file.
func TestConformanceSmallDescribe(t *testing.T) {
	storetest.Run(t, func(t *testing.T) investigate.Store { return open(t, t.TempDir(), Options{DescribeBudget: 400}) })
}

func mustWrite(t *testing.T, s graph.Store, b graph.Batch) graph.WriteResult {
	t.Helper()
	res, err := s.Write(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("rejected: %+v", res.Rejected[0])
	}
	return res
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestRewriteLeavesFileUntouched(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	b := synth.Generate(1, 100, 400)
	mustWrite(t, s, b)
	before := fileHash(t, s.Path())
	res := mustWrite(t, s, b)
	if res.NodesUnchanged != len(b.Nodes) || res.NodesCreated+res.NodesUpdated+res.EdgesCreated+res.EdgesUpdated != 0 {
		t.Fatalf("rewrite counts %+v", res)
	}
	if fileHash(t, s.Path()) != before {
		t.Fatal("rewriting the same batch changed the file")
	}
}

// snapshot captures what a reader sees, to compare stores.
func snapshot(t *testing.T, s graph.Store, g *synth.Gen) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(st)
	b.Write(j)
	r := rand.New(rand.NewPCG(11, 12))
	for range 40 {
		a, z := g.WalletID(r.IntN(g.Wallets())), g.WalletID(r.IntN(g.Wallets()))
		for _, dir := range []graph.Direction{graph.Out, graph.In, graph.Both} {
			sub, err := s.Neighbors(ctx, graph.NeighborQuery{ID: a, Depth: 2, Direction: dir, Limit: 30})
			if err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(sub)
			b.Write(j)
			p, err := s.ShortestPath(ctx, graph.PathQuery{From: a, To: z, Direction: dir})
			if err != nil {
				t.Fatal(err)
			}
			j, _ = json.Marshal(p)
			b.Write(j)
		}
	}
	for _, q := range []string{"exchange", "exchange 1 hot", "1", "0x"} {
		res, err := s.Search(ctx, graph.SearchQuery{Text: q, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(res)
		b.Write(j)
	}
	return b.String()
}

// TestReopenAndInsertionOrder checks that the index rebuilt on open answers
// like the one maintained by writes, and that answers do not depend on the
// order or batching in which the same records arrived.
func TestReopenAndInsertionOrder(t *testing.T) {
	g := synth.NewGen(7, 300, 1500)
	dir := t.TempDir()
	s1 := open(t, dir, Options{})
	for b := range g.Batches(97) {
		mustWrite(t, s1, b)
	}
	want := snapshot(t, s1, g)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, dir, Options{})
	if got := snapshot(t, s2, g); got != want {
		t.Fatal("answers differ after reopening")
	}

	// the same records, nodes in reverse and edges shuffled, in one batch
	all := synth.Generate(7, 300, 1500)
	slices.Reverse(all.Nodes)
	r := rand.New(rand.NewPCG(1, 1))
	r.Shuffle(len(all.Edges), func(i, j int) { all.Edges[i], all.Edges[j] = all.Edges[j], all.Edges[i] })
	s3 := open(t, t.TempDir(), Options{})
	mustWrite(t, s3, all)
	if got := snapshot(t, s3, g); got != want {
		t.Fatal("answers depend on insertion order")
	}
}

func TestLockedByAnotherOpen(t *testing.T) {
	dir := t.TempDir()
	open(t, dir, Options{})
	start := time.Now()
	_, err := Open(context.Background(), dir, Options{LockTimeout: 100 * time.Millisecond})
	if graph.ErrorCode(err) != graph.CodeUnavailable || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("second Open: %v, want a clear UNAVAILABLE error", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("second Open took %s", time.Since(start))
	}
}

func TestIncompatibleFiles(t *testing.T) {
	t.Run("other schema version", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir, Options{})
		s.Close()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte("99")) }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err = Open(context.Background(), dir, Options{})
		if !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), `"99"`) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("foreign bbolt file", func(t *testing.T) {
		dir := t.TempDir()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if _, err := Open(context.Background(), dir, Options{}); !errors.Is(err, ErrIncompatible) {
			t.Fatalf("Open: %v", err)
		}
	})
	t.Run("not a database", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), []byte(strings.Repeat("not bbolt ", 2000)), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(context.Background(), dir, Options{}); err == nil {
			t.Fatal("Open accepted a garbage file")
		}
	})
}

func TestClosed(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, err := s.Stats(context.Background())
	if graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Stats after Close: %v", err)
	}
	_, err = s.Write(context.Background(), synth.Generate(1, 40, 1))
	if graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("Write after Close: %v", err)
	}
}

func chain(n int) graph.Batch {
	var b graph.Batch
	for i := range n {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: fmt.Sprintf("eth:0x%040x", i), Sources: []graph.Source{{Dataset: "t"}}})
		if i > 0 {
			b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: storetest.W(i - 1), To: storetest.W(i), Sources: []graph.Source{{Dataset: "t"}}})
		}
	}
	return b
}

func TestLimits(t *testing.T) {
	ctx := context.Background()
	// a chain W(0) → … → W(19) plus a star around W(0)
	b := chain(20)
	for i := 100; i < 130; i++ {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: fmt.Sprintf("eth:0x%040x", i), Sources: []graph.Source{{Dataset: "t"}}})
		b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: storetest.W(0), To: storetest.W(i), Sources: []graph.Source{{Dataset: "t"}}})
	}
	lim := graph.Limits{MaxHops: 10, MaxVisited: 25, MaxNeighbors: 8, MaxEdges: 5, MaxSearch: 7}
	s := open(t, t.TempDir(), Options{Limits: lim})
	mustWrite(t, s, b)

	p, err := s.ShortestPath(ctx, graph.PathQuery{From: storetest.W(0), To: storetest.W(12), Direction: graph.Out, MaxHops: 30})
	if err != nil || len(p.Nodes) != 0 || !p.Truncated || p.Reason == "" {
		t.Fatalf("maxHops clamped to 10 on a 12-hop path: %+v, %v", p, err)
	}
	p, err = s.ShortestPath(ctx, graph.PathQuery{From: storetest.W(0), To: storetest.W(12), Direction: graph.Out, MaxHops: 11})
	if err != nil || len(p.Nodes) != 0 || !p.Truncated {
		t.Fatalf("maxHops 11 clamped to 10: %+v, %v", p, err)
	}
	p, err = s.ShortestPath(ctx, graph.PathQuery{From: storetest.W(5), To: storetest.W(14), Direction: graph.Out, MaxHops: 10})
	if err != nil || p.Length() != 9 || p.Truncated {
		t.Fatalf("9 hops within the limit: %+v, %v", p, err)
	}
	// the star of 30 leaves overflows 25 visited nodes
	p, err = s.ShortestPath(ctx, graph.PathQuery{From: storetest.W(120), To: storetest.W(125), Direction: graph.Both})
	if err != nil || len(p.Nodes) != 0 || !p.Truncated || !strings.Contains(p.Reason, "visited") {
		t.Fatalf("visit limit: %+v, %v", p, err)
	}
	sub, err := s.Neighbors(ctx, graph.NeighborQuery{ID: storetest.W(0), Direction: graph.Out, Limit: 100})
	if err != nil || len(sub.Nodes) != 1+8 || len(sub.Edges) != 5 || !sub.Truncated {
		t.Fatalf("neighbour limit clamped to 8 and edges to 5: %d nodes %d edges %v, %v", len(sub.Nodes), len(sub.Edges), sub.Truncated, err)
	}
	if !strings.Contains(sub.Reason, "neighbours") || !strings.Contains(sub.Reason, "edges") {
		t.Fatalf("reason %q should name both limits", sub.Reason)
	}
	sr, err := s.Search(ctx, graph.SearchQuery{Text: "eth", Limit: 50})
	if err != nil || len(sr.Hits) != 7 || !sr.HasMore {
		t.Fatalf("search limit clamped to 7: %d hits, more %v, %v", len(sr.Hits), sr.HasMore, err)
	}
}

func TestSearchSeesUpdatesAndNewNodes(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), Options{})
	n := graph.Node{Kind: graph.KindOrganization, Key: "kp-front-1", Label: "Yanbian Silverstar", Sources: []graph.Source{{Dataset: "a"}}}
	mustWrite(t, s, graph.Batch{Nodes: []graph.Node{n}})
	n.Label, n.Sources = "Volasys Silverstar", []graph.Source{{Dataset: "b"}}
	mustWrite(t, s, graph.Batch{Nodes: []graph.Node{n}})
	for q, want := range map[string]int{"volasys": 3, "yanbian silverstar": 4, "silverstar": 3, "kp front 1": 4} {
		res, err := s.Search(ctx, graph.SearchQuery{Text: q})
		if err != nil || len(res.Hits) != 1 || res.Hits[0].Score != float64(want) {
			t.Fatalf("Search(%q) = %+v, %v; want one hit scoring %d", q, res.Hits, err, want)
		}
	}
}

// The crash test re-executes the test binary as a child that writes a batch,
// reports it, then keeps writing further batches until it is killed with
// SIGKILL. Every batch found on reopen must be complete.
const crashEnv = "REDTHREAD_BOLTSTORE_CRASH_DIR"

func crashBatch(k int) graph.Batch {
	var b graph.Batch
	for i := range 50 {
		w := 1_000_000*k + i
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindWallet, Key: fmt.Sprintf("eth:0x%040x", w), Sources: []graph.Source{{Dataset: "crash", Record: fmt.Sprint(k)}}})
		if i > 0 {
			b.Edges = append(b.Edges, graph.Edge{Kind: graph.EdgeTransfer, From: storetest.W(w - 1), To: storetest.W(w), Sources: []graph.Source{{Dataset: "crash"}}})
		}
	}
	return b
}

// crashChild is the child process: it tells the parent on stdout how far
// it has written.
func crashChild(dir string) {
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stdout, "error:", err)
		os.Exit(2)
	}
	if _, err := s.Write(context.Background(), crashBatch(1)); err != nil {
		fmt.Fprintln(os.Stdout, "error:", err)
		os.Exit(2)
	}
	fmt.Fprintln(os.Stdout, "written")
	for k := 2; ; k++ {
		if _, err := s.Write(context.Background(), crashBatch(k)); err != nil {
			fmt.Fprintln(os.Stdout, "error:", err)
			os.Exit(2)
		}
		if k == 3 {
			fmt.Fprintln(os.Stdout, "writing on")
		}
	}
}

func TestCrashDurability(t *testing.T) {
	if dir := os.Getenv(crashEnv); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashDurability$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	for _, want := range []string{"written", "writing on"} {
		if !lines.Scan() || lines.Text() != want {
			_ = cmd.Process.Kill() // the test fails whatever the child does now
			_ = cmd.Wait()
			t.Fatalf("child said %q (%v), want %q", lines.Text(), lines.Err(), want)
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, out) // until the kill closes the pipe
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child exited with %v, want killed", err)
	}

	s := open(t, dir, Options{})
	ctx = context.Background()
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	complete := 0
	for k := 1; ; k++ {
		b := crashBatch(k)
		ids := make([]string, len(b.Nodes))
		for i := range b.Nodes {
			ids[i] = storetest.W(1_000_000*k + i)
		}
		ns, err := s.Nodes(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		present := 0
		for _, n := range ns {
			if n != nil {
				present++
			}
		}
		if present == 0 {
			break
		}
		sub, err := s.Neighbors(ctx, graph.NeighborQuery{ID: ids[0], Depth: 3, Direction: graph.Out, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if present != len(ids) || len(sub.Nodes) != 4 {
			t.Fatalf("batch %d is partly stored: %d of %d nodes, %d reachable", k, present, len(ids), len(sub.Nodes))
		}
		complete++
	}
	if complete < 3 {
		t.Fatalf("only %d batches survived; the child reported 3 written", complete)
	}
	if st.Nodes != int64(50*complete) || st.Edges != int64(49*complete) {
		t.Fatalf("stats %+v for %d complete batches", st, complete)
	}
	// the store is writable after the crash
	mustWrite(t, s, crashBatch(complete+1))
}

// TestReadersNeverSeeHalfBatches runs readers against a writer: every
// snapshot they see holds whole batches only.
func TestReadersNeverSeeHalfBatches(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	ctx := context.Background()
	const batches = 15
	done := make(chan error, 1)
	go func() {
		for k := 1; k <= batches; k++ {
			if _, err := s.Write(ctx, crashBatch(k)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for finished := false; !finished; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			finished = true
		default:
		}
		st, err := s.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Nodes%50 != 0 || st.Edges != st.Nodes/50*49 {
			t.Fatalf("a reader saw %d nodes and %d edges: half a batch", st.Nodes, st.Edges)
		}
		k := int(st.Nodes / 50)
		if k > 0 {
			first := storetest.W(1_000_000 * k)
			sub, err := s.Neighbors(ctx, graph.NeighborQuery{ID: first, Depth: 3, Direction: graph.Out})
			if err != nil || len(sub.Nodes) != 4 || len(sub.Edges) != 3 {
				t.Fatalf("batch %d seen partly: %d nodes %d edges, %v", k, len(sub.Nodes), len(sub.Edges), err)
			}
			if _, err := s.Search(ctx, graph.SearchQuery{Text: "eth"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st, _ := s.Stats(ctx); st.Nodes != 50*batches {
		t.Fatalf("final stats %+v", st)
	}
}

// TestNodeSentAgainSkipsTheRead: a node sent again as it was is counted
// unchanged (without reading its record); anything new in it is merged,
// including a source whose context number an earlier, rolled-back batch
// had given to another context.
func TestNodeSentAgainSkipsTheRead(t *testing.T) {
	s := open(t, t.TempDir(), Options{})
	ctx := context.Background()
	node := func(key, dataset, job string) graph.Node {
		return graph.Node{Kind: graph.KindPerson, Key: key, Label: "Persona " + key,
			Sources: []graph.Source{{Dataset: dataset, Record: "r1", Job: job}}}
	}
	counts := func(r graph.WriteResult) [3]int { return [3]int{r.NodesCreated, r.NodesUpdated, r.NodesUnchanged} }
	steps := []struct {
		name string
		in   graph.Node
		want [3]int
	}{
		{"first", node("a", "d1", "j1"), [3]int{1, 0, 0}},
		{"again", node("a", "d1", "j1"), [3]int{0, 0, 1}},
		// The same assertion from a later job: unchanged, and the batch
		// is rolled back with the new context it numbered.
		{"later job", node("a", "d1", "j2"), [3]int{0, 0, 1}},
		{"later job again", node("a", "d1", "j2"), [3]int{0, 0, 1}},
		// Another node takes that context number for its own context.
		{"other node", node("b", "d2", "j2"), [3]int{1, 0, 0}},
		// Node a with that context: encoded as the rolled-back batch was,
		// but a new source.
		{"new source", node("a", "d2", "j2"), [3]int{0, 1, 0}},
		{"new source again", node("a", "d2", "j2"), [3]int{0, 0, 1}},
		{"first again", node("a", "d1", "j1"), [3]int{0, 0, 1}},
	}
	for _, st := range steps {
		res := mustWrite(t, s, graph.Batch{Nodes: []graph.Node{st.in}})
		if got := counts(res); got != st.want {
			t.Fatalf("%s: created, updated, unchanged = %v, want %v", st.name, got, st.want)
		}
	}
	n, err := s.Node(ctx, "person:a")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Sources) != 2 || n.Sources[0].Dataset != "d1" || n.Sources[0].Job != "j1" || n.Sources[1].Dataset != "d2" {
		t.Fatalf("sources %+v", n.Sources)
	}
}
