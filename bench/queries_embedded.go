package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/synth"
)

// openEmbedded opens the embedded store of dir/embedded, building it first
// when it does not hold the wanted graph; it times the open (the in-memory
// index rebuilt from the file) either way.
func openEmbedded(ctx context.Context, r *qreport, dir string, gen *synth.Gen, want graphMark, quiet *slog.Logger) (*boltstore.Store, error) {
	path, markPath := filepath.Join(dir, "embedded"), filepath.Join(dir, "embedded.json")
	if m, ok := readMark(markPath); !ok || m != want {
		if err := errors.Join(removeMark(markPath), os.RemoveAll(path)); err != nil {
			return nil, err
		}
		s, err := boltstore.Open(ctx, path, boltstore.Options{Logger: quiet})
		if err != nil {
			return nil, err
		}
		start := time.Now()
		for b := range gen.Batches(10_000) {
			if _, err := s.Write(ctx, b); err != nil {
				return nil, errors.Join(err, s.Close())
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
		return nil, errors.Join(err, s.Close())
	}
	if st.Nodes != int64(want.Nodes) || st.Edges != int64(want.Edges) {
		return nil, errors.Join(fmt.Errorf("%s holds %d nodes and %d edges, want %d and %d (removed its mark: run again to rebuild)", path, st.Nodes, st.Edges, want.Nodes, want.Edges),
			s.Close(), removeMark(markPath))
	}
	runtime.GC()
	r.shot("load the whole graph into memory", "embedded", el, "boltstore.Open (from its topology snapshot when valid, else rebuilt from the records); process RSS now "+procStatus("VmRSS:"))
	// A server that has been answering has the records it describes in the
	// page cache; a store built before other runs filled the memory has
	// not. Reading the files once makes every row start alike.
	start = time.Now()
	n, err := warmFiles(path)
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	r.shot("warm the page cache", "embedded", time.Since(start), fmt.Sprintf("read the store's %d MiB once before the queries", n>>20))
	return s, nil
}

// warmFiles reads every regular file under dir once, so the queries that
// follow find them in the page cache, and returns the bytes read.
func warmFiles(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, f)
		total += n
		return errors.Join(err, f.Close())
	})
	return total, err
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
	defer func() { _ = f.Close() }() // for the error paths: the end closes f and checks
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
				if _, err := w.Write(line); err != nil {
					return 0, nil, err
				}
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
