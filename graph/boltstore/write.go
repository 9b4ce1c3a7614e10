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
	vis      visDraft
}

// factUpdate is a stored edge whose facts a merge changed.
type factUpdate struct {
	edge uint32
	fact edgeFact
	vis  visDraft
}

// seenUpdate is a node's first-seen time after the batch.
type seenUpdate struct {
	num, seen uint32
	vis       visDraft
}

// batchTx is one batch's write transaction: the records it puts, and what
// the in-memory index must learn once it commits.
type batchTx struct {
	idx    *index
	tx     *bolt.Tx
	enc    *encoder
	nb, eb *bolt.Bucket
	res    *graph.WriteResult
	seenC  seenCache
	nums   []uint32 // node numbers, by position in the batch's nodes
	hashes []uint64 // of the incoming nodes, for idx.merged

	changes []searchChange
	seenUpd []seenUpdate
	factUpd []factUpdate
	created []newEdge
	// the stored values put, for the described records (descTable)
	nodeVals []numVal
	edgeVals []numVal
}

// numVal is a record's number and the value put under it.
type numVal struct {
	num uint32
	val []byte
}

// Write implements graph.Store. The whole batch is one bbolt transaction;
// when nothing in it changes a record the transaction is rolled back, so
// rewriting a batch leaves the file byte for byte as it was.
func (s *Store) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	// Copied: validating normalises records in place, and the caller's
	// batch is the caller's.
	return s.WritePrepared(ctx, unsealed(b))
}

// WritePrepared is Write for a batch whose records may come prepared
// (graph.PreparedBatch): those are not validated again; every other record
// is, as Write validates it. The batch's records may be changed.
func (s *Store) WritePrepared(ctx context.Context, b *graph.PreparedBatch) (graph.WriteResult, error) {
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

	nodes, nodePos := prepareNodes(idx, b, &res)
	edges, ends := prepareEdges(idx, b, nodePos, &res)
	prices, prej := graph.PreparePrices(b.Prices)
	res.Rejected = append(res.Rejected, prej...)

	tx, err := s.db.Begin(true)
	if err != nil {
		return graph.WriteResult{}, internal(err, "begin write")
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	w := newBatchTx(idx, tx, &res, len(nodes))
	if err := w.putNodes(ctx, nodes); err != nil {
		return graph.WriteResult{}, err
	}
	if err := w.putEdges(ctx, edges, ends, nodePos); err != nil {
		return graph.WriteResult{}, err
	}
	if err := putPrices(ctx, tx, prices, &res); err != nil {
		return graph.WriteResult{}, err
	}
	if res.NodesCreated+res.NodesUpdated+res.EdgesCreated+res.EdgesUpdated+res.PricesCreated+res.PricesUpdated == 0 {
		w.remember()
		return res, nil // deferred rollback: the file is untouched
	}
	if err := w.commit(ctx); err != nil {
		return graph.WriteResult{}, err
	}

	// Readers see the whole batch or none of it.
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := w.apply(); err != nil {
		return res, err
	}
	if len(res.Rejected) > 0 {
		s.log.Debug("batch written with rejections", "rejected", len(res.Rejected), "first", res.Rejected[0].Err)
	}
	return res, nil
}

func newBatchTx(idx *index, tx *bolt.Tx, res *graph.WriteResult, nodes int) *batchTx {
	w := &batchTx{
		idx: idx, tx: tx, res: res, enc: newEncoder(idx.srcs),
		nb: tx.Bucket(bucketNodes), eb: tx.Bucket(bucketEdges),
		nums: make([]uint32, nodes), hashes: make([]uint64, nodes),
	}
	w.eb.FillPercent = 1 // edges are appended in sequence order: fill pages
	return w
}

// putNodes writes the batch's unique nodes, in order: each is left alone
// when its merge with the stored record changes nothing, else updated or
// created.
func (w *batchTx) putNodes(ctx context.Context, nodes []*graph.Node) error {
	for i, n := range nodes {
		if i%1024 == 0 && ctx.Err() != nil {
			return timeout(ctx.Err())
		}
		if err := w.putNode(i, n); err != nil {
			return err
		}
	}
	return nil
}

func (w *batchTx) putNode(i int, n *graph.Node) error {
	idx := w.idx
	w.enc.usedPending = false
	in, err := w.enc.encodeNode(0, n)
	if err != nil {
		return internal(err, "encode node")
	}
	if !w.enc.usedPending { // else the bytes may mean another record later
		w.hashes[i] = maphash.Bytes(idx.mergeSeed, in) | 1 // never 0, which means none
	}
	num, stored := idx.byID[n.ID]
	// The node as it comes was merged into its record already: its
	// merge cannot change the record.
	if stored && w.hashes[i] != 0 && idx.merged[num] == w.hashes[i] {
		w.nums[i] = num
		w.res.NodesUnchanged++
		return nil
	}
	key := []byte(n.ID)
	if !stored {
		// The index holds every stored node (readers answer from it):
		// a node it lacks is new, and looking for it in the file is a
		// descent of the B+tree for nothing.
		return w.createNode(i, n, key)
	}
	old := w.nb.Get(key)
	if old == nil {
		return internal(fmt.Errorf("node %s indexed but not stored", n.ID), "write")
	}
	return w.updateNode(i, n, key, old)
}

// updateNode merges n into its stored record old.
func (w *batchTx) updateNode(i int, n *graph.Node, key, old []byte) error {
	idx := w.idx
	stored, err := decodeNode(idx.srcs, n.ID, old)
	if err != nil {
		return internal(err, "decode node "+n.ID)
	}
	num, ok := idx.byID[n.ID]
	if !ok {
		return internal(fmt.Errorf("node %s stored but not indexed", n.ID), "write")
	}
	w.nums[i] = num
	rec, err := graph.MergeNode(stored, n)
	if err != nil {
		return internal(err, "merge node")
	}
	val, err := w.enc.encodeNode(num, rec)
	if err != nil {
		return internal(err, "encode node")
	}
	if bytes.Equal(val, old) {
		w.res.NodesUnchanged++
		return nil
	}
	if err := w.nb.Put(key, val); err != nil {
		return internal(err, "put node")
	}
	w.nodeVals = append(w.nodeVals, numVal{num, val})
	w.res.NodesUpdated++
	w.seenUpd = append(w.seenUpd, seenUpdate{num, w.seenC.of(rec.Sources), nodeDraft(rec, w.seenOf(rec.Sources))})
	if rec.Label != stored.Label || !slices.Equal(rec.Aliases, stored.Aliases) {
		w.changes = append(w.changes, searchChange{id: n.ID, num: num, kind: n.Kind, label: rec.Label, aliases: rec.Aliases})
	}
	return nil
}

// createNode stores n under the next node number.
func (w *batchTx) createNode(i int, n *graph.Node, key []byte) error {
	seq, err := w.nb.NextSequence()
	if err != nil {
		return internal(err, "node sequence")
	}
	num := uint32(seq - 1)
	if want := len(w.idx.ids) + w.res.NodesCreated; int(num) != want {
		return internal(fmt.Errorf("sequence %d for node %d", seq, want), "node sequence")
	}
	w.nums[i] = num
	val, err := w.enc.encodeNode(num, n)
	if err != nil {
		return internal(err, "encode node")
	}
	if err := w.nb.Put(key, val); err != nil {
		return internal(err, "put node")
	}
	w.nodeVals = append(w.nodeVals, numVal{num, val})
	w.res.NodesCreated++
	w.seenUpd = append(w.seenUpd, seenUpdate{num, w.seenC.of(n.Sources), nodeDraft(n, w.seenOf(n.Sources))})
	w.changes = append(w.changes, searchChange{id: n.ID, num: num, kind: n.Kind, label: n.Label, aliases: n.Aliases, created: true})
	return nil
}

// putEdges writes the batch's unique edges, in order, after its nodes:
// ends[i] holds the stored numbers of edges[i]'s endpoints, algo.None for
// a node the batch created, found through nodePos.
func (w *batchTx) putEdges(ctx context.Context, edges []*graph.Edge, ends [][2]uint32, nodePos map[string]int) error {
	w.created = make([]newEdge, 0, len(edges)) // mostly all new: grown once, not copied as it doubles
	for i, e := range edges {
		if i%1024 == 0 && ctx.Err() != nil {
			return timeout(ctx.Err())
		}
		code, _ := edgeKindCode(e.Kind)
		f, t := ends[i][0], ends[i][1]
		// An edge with an endpoint the batch created cannot be stored yet.
		isNew := f == algo.None || t == algo.None
		if f == algo.None {
			f = w.nums[nodePos[e.From]]
		}
		if t == algo.None {
			t = w.nums[nodePos[e.To]]
		}
		h := edgeHead{from: f, to: t, kind: code, key: e.Key}
		hh := w.idx.eids.hash(h)
		if !isNew {
			stored, err := w.updateEdge(e, h, hh)
			if err != nil {
				return err
			}
			if stored {
				continue
			}
		}
		if err := w.createEdge(e, h, hh); err != nil {
			return err
		}
	}
	return nil
}

// updateEdge merges e into its stored record, if there is one, and
// reports whether there was.
func (w *batchTx) updateEdge(e *graph.Edge, h edgeHead, hh uint64) (bool, error) {
	idx := w.idx
	ei, old, err := idx.findEdge(w.eb, hh, h)
	if err != nil {
		return false, internal(err, "find edge "+e.ID)
	}
	if old == nil {
		return false, nil
	}
	stored, err := decodeEdge(idx.srcs, idx.ids, old)
	if err != nil {
		return false, internal(err, "decode edge "+e.ID)
	}
	rec, err := graph.MergeEdge(stored, e)
	if err != nil {
		return false, internal(err, "merge edge")
	}
	val, err := w.enc.encodeEdge(h, rec)
	if err != nil {
		return false, internal(err, "encode edge")
	}
	if bytes.Equal(val, old) {
		w.res.EdgesUnchanged++
		return true, nil
	}
	if err := w.eb.Put(seqKey(uint64(ei)+1), val); err != nil {
		return false, internal(err, "put edge")
	}
	w.edgeVals = append(w.edgeVals, numVal{ei, val})
	w.factUpd = append(w.factUpd, factUpdate{ei, factOf(rec, w.seenC.of(rec.Sources)), edgeDraft(rec, w.seenOf(rec.Sources))})
	w.res.EdgesUpdated++
	return true, nil
}

// createEdge appends e, whose head is h, under the next edge number.
func (w *batchTx) createEdge(e *graph.Edge, h edgeHead, hh uint64) error {
	val, err := w.enc.encodeEdge(h, e)
	if err != nil {
		return internal(err, "encode edge")
	}
	seq, err := w.eb.NextSequence()
	if err != nil {
		return internal(err, "edge sequence")
	}
	if want := w.idx.g.NumEdges() + len(w.created); seq != uint64(want)+1 {
		return internal(fmt.Errorf("sequence %d for edge %d", seq, want), "edge sequence")
	}
	if err := w.eb.Put(seqKey(seq), val); err != nil {
		return internal(err, "put edge")
	}
	w.edgeVals = append(w.edgeVals, numVal{uint32(seq - 1), val})
	w.created = append(w.created, newEdge{h.from, h.to, h.kind, hh, factOf(e, w.seenC.of(e.Sources)), edgeDraft(e, w.seenOf(e.Sources))})
	w.res.EdgesCreated++
	return nil
}

// seenOf gives the first-seen time of source i of src, for visibility
// drafts (asked only for records whose sources differ in visibility).
func (w *batchTx) seenOf(src []graph.Source) func(i int) uint32 {
	return func(i int) uint32 { return w.seenC.of(src[i : i+1]) }
}

// remember records that each of the batch's nodes is merged into its
// record, once the batch is in the file (or changed nothing).
// (Only writers use idx.merged: no lock.)
func (w *batchTx) remember() {
	for i, h := range w.hashes {
		if h != 0 {
			w.idx.merged[w.nums[i]] = h
		}
	}
}

// commit puts the batch's new source contexts and commits.
func (w *batchTx) commit(ctx context.Context) error {
	if err := w.enc.put(w.tx.Bucket(bucketSources)); err != nil {
		return internal(err, "put source contexts")
	}
	if err := ctx.Err(); err != nil {
		return timeout(err)
	}
	// The commit waits on the disk: meanwhile, the other CPUs work out the
	// search text of the nodes it adds or relabels.
	fields := make(chan struct{})
	go func() {
		defer close(fields)
		parallel(len(w.changes), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c := &w.changes[i]
				c.text, c.toks = search.Fields(c.id, c.label, c.aliases)
			}
		})
	}()
	err := w.tx.Commit()
	<-fields
	if err != nil {
		return internal(err, "commit")
	}
	return nil
}

// apply brings the in-memory index up to the committed batch; the caller
// holds the store's lock, so readers see the whole batch or none of it.
func (w *batchTx) apply() error {
	idx := w.idx
	idx.gen++
	w.enc.commit()
	for _, c := range w.changes {
		if !c.created {
			idx.search.setFields(c.num, c.text, c.toks)
			continue
		}
		if got := idx.addNodeFields(c.id, c.kind, c.text, c.toks); got != c.num {
			return internal(fmt.Errorf("node %s numbered %d, indexed %d", c.id, c.num, got), "index node")
		}
	}
	w.remember()
	for _, u := range w.seenUpd {
		idx.facts.nseen[u.num] = u.seen
		idx.setNodeVis(u.num, u.vis)
	}
	for _, u := range w.factUpd {
		idx.facts.setEdge(u.edge, u.fact)
		idx.setEdgeVis(u.edge, u.vis)
	}
	for _, e := range w.created {
		if err := idx.addEdge(e.from, e.to, e.kind, e.hash, e.fact); err != nil {
			// Committed but not indexable: only a bug can get here.
			return internal(err, "index edge")
		}
		idx.setEdgeVis(uint32(idx.g.NumEdges()-1), e.vis)
	}
	// After the facts: an edge's entry leans on them. Source contexts are
	// committed (enc.commit), so the values' references hold.
	for _, nv := range w.nodeVals {
		idx.desc.setNode(nv.num, nv.val)
	}
	for _, ev := range w.edgeVals {
		idx.desc.setEdge(idx, ev.num, ev.val)
	}
	idx.g.MaybeCompact()
	return nil
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
