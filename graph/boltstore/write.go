package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/search"
)

// findEdge returns the index and stored value of the edge h, whose hash
// is hh, or a nil value.
func (x *index) findEdge(eb *bolt.Bucket, hh uint64, h edgeHead) (uint32, []byte, error) {
	var v []byte
	e, ok, err := x.eids.lookup(hh, func(e uint32) (bool, error) {
		v = eb.Get(seqKey(uint64(e) + 1))
		if v == nil {
			return false, fmt.Errorf("edge %d indexed but not stored", e)
		}
		return sameHead(v, h), nil
	})
	if err != nil || !ok {
		return 0, nil, err
	}
	return e, v, nil
}

// searchChange is a node whose indexed text must be (re)built after commit.
type searchChange struct {
	id      string
	num     uint32
	kind    graph.NodeKind
	label   string
	aliases []string
	created bool
	text    string   // search.Fields, computed while the commit syncs
	toks    []string // idem
}

// newEdge is an edge created by the batch, in sequence order.
type newEdge struct {
	from, to uint32
	kind     uint8
	hash     uint64 // of its identity, for idx.eids
	fact     edgeFact
}

// factUpdate is a stored edge whose facts a merge changed.
type factUpdate struct {
	edge uint32
	fact edgeFact
}

// seenUpdate is a node's first-seen time after the batch.
type seenUpdate struct {
	num, seen uint32
}

// Write implements graph.Store. The whole batch is one bbolt transaction;
// when nothing in it changes a record the transaction is rolled back, so
// rewriting a batch leaves the file byte for byte as it was.
func (s *Store) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	var res graph.WriteResult
	if err := ctx.Err(); err != nil {
		return res, timeout(err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return res, graph.Errorf(graph.CodeUnavailable, "the graph store is closed")
	}
	// Only writers mutate s.idx and we hold wmu, so reading it unlocked is
	// safe until we take s.mu to apply the batch.
	idx := s.idx

	nodes, nodePos := prepareNodes(idx, b.Nodes, &res)
	edges, ends := prepareEdges(idx, b.Edges, nodePos, &res)

	tx, err := s.db.Begin(true)
	if err != nil {
		return graph.WriteResult{}, internal(err, "begin write")
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	enc := newEncoder(idx.srcs)
	nb, eb := tx.Bucket(bucketNodes), tx.Bucket(bucketEdges)
	eb.FillPercent = 1 // edges are appended in sequence order: fill pages
	var changes []searchChange
	var seenUpd []seenUpdate
	var factUpd []factUpdate
	var seenC seenCache
	nums := make([]uint32, len(nodes))   // node numbers, by position in nodes
	hashes := make([]uint64, len(nodes)) // of the incoming nodes, for idx.merged
	for i, n := range nodes {
		if i%1024 == 0 && ctx.Err() != nil {
			return graph.WriteResult{}, timeout(ctx.Err())
		}
		enc.usedPending = false
		in, err := enc.encodeNode(0, n)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode node")
		}
		if !enc.usedPending { // else the bytes may mean another record later
			hashes[i] = maphash.Bytes(idx.mergeSeed, in) | 1 // never 0, which means none
		}
		if num, ok := idx.byID[n.ID]; ok && hashes[i] != 0 && idx.merged[num] == hashes[i] {
			nums[i] = num
			res.NodesUnchanged++
			continue
		}
		key := []byte(n.ID)
		if old := nb.Get(key); old != nil {
			stored, err := decodeNode(idx.srcs, n.ID, old)
			if err != nil {
				return graph.WriteResult{}, internal(err, "decode node "+n.ID)
			}
			num, ok := idx.byID[n.ID]
			if !ok {
				return graph.WriteResult{}, internal(fmt.Errorf("node %s stored but not indexed", n.ID), "write")
			}
			nums[i] = num
			rec, err := graph.MergeNode(stored, n)
			if err != nil {
				return graph.WriteResult{}, internal(err, "merge node")
			}
			val, err := enc.encodeNode(num, rec)
			if err != nil {
				return graph.WriteResult{}, internal(err, "encode node")
			}
			if bytes.Equal(val, old) {
				res.NodesUnchanged++
				continue
			}
			if err := nb.Put(key, val); err != nil {
				return graph.WriteResult{}, internal(err, "put node")
			}
			res.NodesUpdated++
			seenUpd = append(seenUpd, seenUpdate{num, seenC.of(rec.Sources)})
			if rec.Label != stored.Label || !slices.Equal(rec.Aliases, stored.Aliases) {
				changes = append(changes, searchChange{id: n.ID, num: num, kind: n.Kind, label: rec.Label, aliases: rec.Aliases})
			}
			continue
		}
		seq, err := nb.NextSequence()
		if err != nil {
			return graph.WriteResult{}, internal(err, "node sequence")
		}
		num := uint32(seq - 1)
		if int(num) != len(idx.ids)+res.NodesCreated {
			return graph.WriteResult{}, internal(fmt.Errorf("sequence %d for node %d", seq, len(idx.ids)+res.NodesCreated), "node sequence")
		}
		nums[i] = num
		val, err := enc.encodeNode(num, n)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode node")
		}
		if err := nb.Put(key, val); err != nil {
			return graph.WriteResult{}, internal(err, "put node")
		}
		res.NodesCreated++
		seenUpd = append(seenUpd, seenUpdate{num, seenC.of(n.Sources)})
		changes = append(changes, searchChange{id: n.ID, num: num, kind: n.Kind, label: n.Label, aliases: n.Aliases, created: true})
	}
	var created []newEdge
	for i, e := range edges {
		if i%1024 == 0 && ctx.Err() != nil {
			return graph.WriteResult{}, timeout(ctx.Err())
		}
		code, _ := edgeKindCode(e.Kind)
		f, t := ends[i][0], ends[i][1]
		// An edge with an endpoint the batch created cannot be stored yet.
		isNew := f == algo.None || t == algo.None
		if f == algo.None {
			f = nums[nodePos[e.From]]
		}
		if t == algo.None {
			t = nums[nodePos[e.To]]
		}
		h := edgeHead{from: f, to: t, kind: code, key: e.Key}
		hh := idx.eids.hash(h)
		if !isNew {
			ei, old, err := idx.findEdge(eb, hh, h)
			if err != nil {
				return graph.WriteResult{}, internal(err, "find edge "+e.ID)
			}
			if old != nil {
				stored, err := decodeEdge(idx.srcs, idx.ids, old)
				if err != nil {
					return graph.WriteResult{}, internal(err, "decode edge "+e.ID)
				}
				rec, err := graph.MergeEdge(stored, e)
				if err != nil {
					return graph.WriteResult{}, internal(err, "merge edge")
				}
				val, err := enc.encodeEdge(h, rec)
				if err != nil {
					return graph.WriteResult{}, internal(err, "encode edge")
				}
				if bytes.Equal(val, old) {
					res.EdgesUnchanged++
					continue
				}
				if err := eb.Put(seqKey(uint64(ei)+1), val); err != nil {
					return graph.WriteResult{}, internal(err, "put edge")
				}
				factUpd = append(factUpd, factUpdate{ei, factOf(rec, seenC.of(rec.Sources))})
				res.EdgesUpdated++
				continue
			}
		}
		val, err := enc.encodeEdge(h, e)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode edge")
		}
		seq, err := eb.NextSequence()
		if err != nil {
			return graph.WriteResult{}, internal(err, "edge sequence")
		}
		if seq != uint64(idx.g.NumEdges()+len(created))+1 {
			return graph.WriteResult{}, internal(fmt.Errorf("sequence %d for edge %d", seq, idx.g.NumEdges()+len(created)), "edge sequence")
		}
		if err := eb.Put(seqKey(seq), val); err != nil {
			return graph.WriteResult{}, internal(err, "put edge")
		}
		created = append(created, newEdge{f, t, code, hh, factOf(e, seenC.of(e.Sources))})
		res.EdgesCreated++
	}
	// Once the batch is in the file (or changed nothing), each of its
	// nodes is merged into its record.
	// (Only writers use idx.merged: no lock.)
	remember := func() {
		for i, h := range hashes {
			if h != 0 {
				idx.merged[nums[i]] = h
			}
		}
	}
	if res.NodesCreated+res.NodesUpdated+res.EdgesCreated+res.EdgesUpdated == 0 {
		remember()
		return res, nil // deferred rollback: the file is untouched
	}
	if err := enc.put(tx.Bucket(bucketSources)); err != nil {
		return graph.WriteResult{}, internal(err, "put source contexts")
	}
	if err := ctx.Err(); err != nil {
		return graph.WriteResult{}, timeout(err)
	}
	// The commit waits on the disk: meanwhile, the other CPUs work out the
	// search text of the nodes it adds or relabels.
	fields := make(chan struct{})
	go func() {
		defer close(fields)
		parallel(len(changes), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c := &changes[i]
				c.text, c.toks = search.Fields(c.id, c.label, c.aliases)
			}
		})
	}()
	err = tx.Commit()
	<-fields
	if err != nil {
		return graph.WriteResult{}, internal(err, "commit")
	}

	// Readers see the whole batch or none of it.
	s.mu.Lock()
	defer s.mu.Unlock()
	enc.commit()
	for _, c := range changes {
		if !c.created {
			idx.search.setFields(c.num, c.text, c.toks)
			continue
		}
		if got := idx.addNodeFields(c.id, c.kind, c.text, c.toks); got != c.num {
			return res, internal(fmt.Errorf("node %s numbered %d, indexed %d", c.id, c.num, got), "index node")
		}
	}
	remember()
	for _, u := range seenUpd {
		idx.facts.nseen[u.num] = u.seen
	}
	for _, u := range factUpd {
		idx.facts.setEdge(u.edge, u.fact)
	}
	for _, e := range created {
		if err := idx.addEdge(e.from, e.to, e.kind, e.hash, e.fact); err != nil {
			// Committed but not indexable: only a bug can get here.
			return res, internal(err, "index edge")
		}
	}
	idx.g.MaybeCompact()
	if len(res.Rejected) > 0 {
		s.log.Debug("batch written with rejections", "rejected", len(res.Rejected), "first", res.Rejected[0].Err)
	}
	return res, nil
}

// parallelMin is the batch size from which preparing records is split
// across CPUs: validation (address checksums, source lists) and endpoint
// look-ups in the node map are independent per record and were a third of
// a bulk write's time on one core.
const parallelMin = 4096

// parallel calls fn over [0, n) in contiguous chunks, one per CPU when n
// is large enough to pay for the goroutines.
func parallel(n int, fn func(lo, hi int)) {
	p := min(runtime.GOMAXPROCS(0), n/(parallelMin/2))
	if p <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for c := range p {
		lo, hi := c*n/p, (c+1)*n/p
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// prepareNodes validates the batch's nodes and merges repeats of one ID in
// order. It returns the unique nodes and the position of each ID.
func prepareNodes(idx *index, in []graph.Node, res *graph.WriteResult) ([]*graph.Node, map[string]int) {
	prep := slices.Clone(in)
	errs := make([]error, len(in))
	// Only this writer mutates idx.byID, and not before commit: the
	// workers may read it.
	known := func(id string) bool { _, ok := idx.byID[id]; return ok }
	parallel(len(in), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			errs[i] = graph.PrepareNodeKnown(&prep[i], known)
		}
	})
	pos := make(map[string]int, len(in))
	out := make([]*graph.Node, 0, len(in))
	for i := range prep {
		n := &prep[i]
		if errs[i] != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: errs[i]})
			continue
		}
		if j, ok := pos[n.ID]; ok {
			m, err := graph.MergeNode(out[j], n)
			if err != nil {
				res.Rejected = append(res.Rejected, graph.Rejection{Index: i, ID: n.ID, Err: err})
				continue
			}
			out[j] = m
			continue
		}
		pos[n.ID] = len(out)
		out = append(out, n)
	}
	return out, pos
}

// prepareEdges validates the batch's edges, rejects those with an endpoint
// neither stored nor among the batch's valid nodes, and merges repeats. For
// each edge returned it gives the numbers of its endpoints among the stored
// nodes, algo.None for nodes the batch creates.
func prepareEdges(idx *index, in []graph.Edge, nodePos map[string]int, res *graph.WriteResult) ([]*graph.Edge, [][2]uint32) {
	node := func(id string) (uint32, bool) {
		if u, ok := idx.byID[id]; ok {
			return u, true
		}
		_, ok := nodePos[id]
		return algo.None, ok
	}
	prep := slices.Clone(in)
	errs := make([]error, len(in))
	allEnds := make([][2]uint32, len(in))
	// Only this writer mutates idx.byID, and not before commit: the
	// workers may read it.
	parallel(len(in), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			e := &prep[i]
			// Endpoints are mostly IDs of stored or batch nodes as they
			// are: those need no normalising, nor a second look-up.
			f, fromOK := node(e.From)
			t, toOK := node(e.To)
			if errs[i] = graph.PrepareEdgeKnown(e, fromOK, toOK); errs[i] != nil {
				continue
			}
			var ok bool
			if !fromOK {
				if f, ok = node(e.From); !ok { // normalised
					errs[i] = graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, e.From)
					continue
				}
			}
			if !toOK {
				if t, ok = node(e.To); !ok {
					errs[i] = graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, e.To)
					continue
				}
			}
			allEnds[i] = [2]uint32{f, t}
		}
	})
	pos := make(map[string]int, len(in))
	out := make([]*graph.Edge, 0, len(in))
	ends := make([][2]uint32, 0, len(in))
	for i := range prep {
		e := &prep[i]
		if errs[i] != nil {
			res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: errs[i]})
			continue
		}
		if j, ok := pos[e.ID]; ok {
			m, err := graph.MergeEdge(out[j], e)
			if err != nil {
				res.Rejected = append(res.Rejected, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
				continue
			}
			out[j] = m
			continue
		}
		pos[e.ID] = len(out)
		out = append(out, e)
		ends = append(ends, allEnds[i])
	}
	return out, ends
}
