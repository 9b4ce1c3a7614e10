// Package boltstore is Redthread's embedded default graph store: records on
// disk in a bbolt file (one ACID transaction per Write, fsynced on commit) and
// the topology and search index in memory, rebuilt from the file on Open.
package boltstore

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"github.com/redthread-dev/redthread/graph/search"
)

// FileName is the name of the database file inside the data directory.
const FileName = "redthread.db"

// pageSize is the page size of new files (an existing file keeps its own):
// larger than the usual 4 KiB because bulk loads append whole pages of
// edges, and one write per 16 KiB page beat one per 4 KiB by about a tenth
// in the ingest benchmark, at the price of rewriting more bytes when a
// single record changes.
const pageSize = 16 << 10

// ErrIncompatible is wrapped by Open's error when the file was written by
// another schema version or is not a Redthread store.
var ErrIncompatible = errors.New("incompatible data file")

// Options configure a Store. Zero values mean defaults.
type Options struct {
	Limits graph.Limits // zero fields take graph.DefaultLimits
	Logger *slog.Logger // nil discards
	// LockTimeout bounds the wait for the file lock held by another
	// process; zero means one second.
	LockTimeout time.Duration
	// NoSnapshot neither reads nor writes the topology snapshot beside
	// the file (snapshot.go): every Open rebuilds from bbolt.
	NoSnapshot bool
	// DescribeBudget bounds the bytes of the table that describes common
	// records from memory (describe.go); zero means 1 GiB, negative none
	// (every record read from the file). Past it records read from the file.
	DescribeBudget int
	// GroupCommit commits writes without waiting for the disk: they are
	// durable once Sync (or Close) returns. For bulk loads whose caller
	// syncs before it records progress (the ingest runner does); a power
	// loss between syncs may damage the file, a killed process does not.
	GroupCommit bool
}

// Store implements graph.Store on bbolt.
type Store struct {
	db     *bolt.DB
	log    *slog.Logger
	limits graph.Limits
	snap   bool // keep the topology snapshot
	// descBudget is Options.DescribeBudget resolved
	descBudget int
	group      bool // Options.GroupCommit: commits are not synced

	wmu sync.Mutex // serialises writers, who alone mutate idx

	mu     sync.RWMutex // guards idx and closed
	idx    *index
	closed bool

	// sharedEdges remembers edge ID → number for the facts of grants
	// (seerOf), so a query does not read the file for each edge of a
	// shared case: only found edges, which are never renumbered nor
	// removed.
	sharedEdges    sync.Map
	grantViews     *grantViews
	grantArcBudget int // see the constant
	// scratch pools the per-node arrays topologies lend the engine
	// (*investigate.Scratch), so a query allocates none sized to the graph.
	scratch sync.Pool
}

var _ graph.Store = (*Store)(nil)

// Open opens (creating if needed) the store in data directory dir and
// rebuilds the in-memory index from it.
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	start := time.Now()
	db, err := bolt.Open(path, 0o640, &bolt.Options{Timeout: timeout, FreelistType: bolt.FreelistMapType, PageSize: pageSize, NoSync: opts.GroupCommit})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, graph.WrapError(graph.CodeUnavailable, err, "data file %s is locked by another process (waited %s)", path, timeout)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return nil, fmt.Errorf("open %s: not a bbolt file (%w): %w", path, err, ErrIncompatible)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, log: log, limits: opts.Limits.OrDefaults(), snap: !opts.NoSnapshot, group: opts.GroupCommit, grantViews: newGrantViews(), grantArcBudget: grantArcBudget}
	switch b := opts.DescribeBudget; {
	case b == 0:
		s.descBudget = defaultDescribeBudget
	case b < 0:
		s.descBudget = 0
	default:
		s.descBudget = min(b, int(descNone)) // offsets are uint32
	}
	idx, how, err := s.load(ctx)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s: %w", path, err), db.Close())
	}
	s.idx = idx
	log.Info("graph store opened", "path", path, "nodes", len(idx.ids), "edges", idx.g.NumEdges(), "index", how, "took", time.Since(start))
	return s, nil
}

// load checks the file and returns its index: from the snapshot when it is
// current, else rebuilt from the records; how says which.
func (s *Store) load(ctx context.Context) (idx *index, how string, err error) {
	st, err := s.readStamp() // before init, whose writes do not touch the index
	if err != nil {
		return nil, "", err
	}
	if err := s.init(); err != nil {
		return nil, "", err
	}
	if st.id == nil {
		if err := s.db.Update(ensureStoreID); err != nil {
			return nil, "", fmt.Errorf("store ID: %w", err)
		}
	} else if s.snap {
		idx, err = s.loadSnapshot(st)
		switch {
		case err == nil:
			return idx, "snapshot", nil
		case !errors.Is(err, os.ErrNotExist):
			s.log.Warn("topology snapshot not used: rebuilding from the data file", "reason", err)
		}
	}
	idx, err = s.rebuild(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("rebuild index: %w", err)
	}
	return idx, "rebuilt", nil
}

// init checks the schema version, creating the buckets in an empty file.
func (s *Store) init() error {
	var version []byte
	empty := true
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			version = append(version, b.Get(keySchema)...)
		}
		return tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
	})
	if err != nil {
		return err
	}
	if string(version) == schemaUpgradable {
		if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, []byte(schemaVersion)) }); err != nil {
			return fmt.Errorf("upgrade schema %s to %s: %w", version, schemaVersion, err)
		}
		version = []byte(schemaVersion)
	}
	switch {
	case version != nil && string(version) != schemaVersion:
		return fmt.Errorf("schema version %q, this build reads %q and does not convert older files: ingest again into a new data directory: %w", version, schemaVersion, ErrIncompatible)
	case version == nil && !empty:
		return fmt.Errorf("a bbolt file without a Redthread schema version: %w", ErrIncompatible)
	case version != nil:
		return s.ensureBuckets()
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketNodes, bucketEdges, bucketSources} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := createNewerBuckets(tx); err != nil {
			return err
		}
		if err := ensureStoreID(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte(schemaVersion))
	})
}

// Close releases the file after in-flight calls finish.
func (s *Store) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.snap {
		start := time.Now()
		if err := s.saveSnapshot(); err != nil {
			s.log.Warn("topology snapshot not written: the next open rebuilds", "reason", err)
		} else {
			s.log.Info("topology snapshot written", "took", time.Since(start))
		}
	}
	if s.group {
		if err := s.db.Sync(); err != nil {
			return errors.Join(internal(err, "sync"), s.db.Close())
		}
	}
	return s.db.Close()
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.db.Path() }

// IndexMemory estimates the heap held by the in-memory index: topology
// (adjacency, edge arrays, node IDs, the edge ID index) and search.
func (s *Store) IndexMemory() (topology, search int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, 0
	}
	return s.idx.memoryBytes()
}

// begin checks ctx and takes the read lock; callers defer s.mu.RUnlock.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return timeout(err)
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return graph.Errorf(graph.CodeUnavailable, "the graph store is closed")
	}
	return nil
}

func timeout(err error) error {
	return graph.WrapError(graph.CodeTimeout, err, "the query ran past its deadline or was cancelled")
}

// internal wraps a storage failure; its text never reaches API users.
func internal(err error, what string) error {
	return graph.WrapError(graph.CodeInternal, err, "graph store: %s failed", what)
}

// mapErr gives errors from the algorithms their domain code.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return timeout(err)
	}
	return err
}

// index is the in-memory part of the store: node IDs and kinds, the
// topology over dense indices, edge IDs, the search index and counters.
type index struct {
	ids    []string // node index → ID
	byID   map[string]uint32
	nkind  []uint8 // node index → position in nodeKinds
	g      *algo.Graph
	eids   *edgeIndex // edge ID hash → edge index
	search *searchIndex
	srcs   *sourceDict
	// merged[i] is a hash of an incoming record last merged into node i
	// (0: none yet). Merging is idempotent (graph.MergeNode is a join),
	// so a node sent again as it was, as readers of transfers send each
	// wallet with every transfer, is unchanged without reading the record.
	merged      []uint64
	mergeSeed   maphash.Seed
	nodesByKind []int64
	edgesByKind []int64
	facts       *facts // per edge and node, for investigation queries
	// cospend joins every wallet with the transactions it is an input of
	// (INPUT edges), so wallets spent together in one transaction share a
	// set: the co-spend address clusters, kept as edges arrive.
	cospend *algo.UnionFind
	srcSeen []uint32   // first-seen time per source context, for rebuild
	seenC   seenCache  // job times parsed while rebuilding
	refs    []uint64   // a record's source contexts, while rebuilding
	vis     *visIndex  // who sees what (vis.go)
	gen     uint64     // bumped by every write applied: the version cached views were compiled for
	desc    *descTable // the common records, described from memory (describe.go)
}

func newIndex(edges int) *index {
	g := algo.NewGraph(0, 0)
	g.SetSparse(sparseKinds)
	return &index{
		byID:        map[string]uint32{},
		g:           g,
		eids:        newEdgeIndex(edges),
		search:      newSearchIndex(),
		srcs:        newSourceDict(),
		mergeSeed:   maphash.MakeSeed(),
		nodesByKind: make([]int64, len(nodeKinds)),
		edgesByKind: make([]int64, len(edgeKinds)),
		facts:       newFacts(),
		cospend:     algo.NewUnionFind(0),
		vis:         newVisIndex(),
		desc:        newDescTable(),
	}
}

func (x *index) addNode(id string, kind graph.NodeKind, label string, aliases []string) uint32 {
	text, toks := search.Fields(id, label, aliases)
	return x.addNodeFields(id, kind, text, toks)
}

// addNodeFields is addNode for search.Fields computed by the caller.
func (x *index) addNodeFields(id string, kind graph.NodeKind, text string, toks []string) uint32 {
	i := x.g.AddNode()
	x.ids = append(x.ids, id)
	x.merged = append(x.merged, 0)
	x.byID[id] = i
	k := nodeKindCode(kind)
	x.nkind = append(x.nkind, k)
	x.nodesByKind[k]++
	x.addNodeVis(k)
	x.search.setFields(i, text, toks)
	x.facts.nseen = append(x.facts.nseen, 0)
	x.desc.addNode()
	x.cospend.Add()
	return i
}

// addEdge adds an edge between node numbers f and t; h is the hash of its
// identity (x.eids.hash).
func (x *index) addEdge(f, t uint32, kind uint8, h uint64, ef edgeFact) error {
	if int(f) >= len(x.ids) || int(t) >= len(x.ids) {
		return fmt.Errorf("edge between nodes %d and %d: endpoint missing (%d nodes)", f, t, len(x.ids))
	}
	x.eids.insert(h, x.g.AddEdge(f, t, kind))
	x.edgesByKind[kind]++
	x.addEdgeVis(f, t, kind)
	x.facts.addEdge(ef)
	x.desc.addEdge()
	if kind == inputCode {
		x.cospend.Union(f, t)
	}
	return nil
}

// inputCode is the kind code of INPUT edges, which co-spend clustering follows.
var inputCode, _ = edgeKindCode(graph.EdgeInput)

func (x *index) memoryBytes() (topology, search int) {
	topology = x.g.MemoryBytes() + cap(x.nkind) + 8*cap(x.merged) + x.eids.memoryBytes() + x.facts.memoryBytes() + 8*x.cospend.Len() + x.vis.memoryBytes() + x.desc.memoryBytes()
	for _, id := range x.ids {
		topology += 2*len(id) + 16 + 4 + 48 // slice entry, map key, value, map overhead
	}
	return topology, x.search.memoryBytes()
}

// rebuild reads the source contexts, then the heads of the nodes (in key
// order, placed by number), then the heads of the edges in sequence order.
func (s *Store) rebuild(ctx context.Context) (*index, error) {
	var x *index
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		x = newIndex(int(tx.Bucket(bucketEdges).Sequence()))
		x.desc.budget = s.descBudget
		if err := x.srcs.load(tx.Bucket(bucketSources)); err != nil {
			return err
		}
		nb := tx.Bucket(bucketNodes)
		type stub struct {
			id   string
			kind graph.NodeKind
			head nodeHead
			seen uint32
			vis  visDraft
			set  bool
			val  []byte // valid until the transaction ends
		}
		stubs := make([]stub, nb.Sequence())
		n := 0
		err = nb.ForEach(func(k, v []byte) error {
			if n++; n%65536 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			id := string(k)
			kind, _, err := graph.ParseNodeID(id)
			if err != nil {
				return fmt.Errorf("node %q: %w", id, err)
			}
			h, err := decodeNodeHead(v)
			if err != nil {
				return fmt.Errorf("node %q: %w", id, err)
			}
			if int(h.num) >= len(stubs) || stubs[h.num].set {
				return fmt.Errorf("node %q: number %d reused or beyond the sequence %d", id, h.num, len(stubs))
			}
			seen, vd, err := x.readNodeVis(id, v)
			if err != nil {
				return fmt.Errorf("node %q: %w", id, err)
			}
			stubs[h.num] = stub{id, kind, h, seen, vd, true, v}
			return nil
		})
		if err != nil {
			return err
		}
		if n != len(stubs) {
			return fmt.Errorf("%d nodes for a node sequence at %d", n, len(stubs))
		}
		for i := range stubs {
			st := &stubs[i]
			u := x.addNode(st.id, st.kind, st.head.label, st.head.aliases)
			x.facts.nseen[u] = st.seen
			x.setNodeVis(u, st.vis)
			x.desc.setNode(u, st.val)
			*st = stub{} // let the collector have it
		}
		want := uint64(1)
		eb := tx.Bucket(bucketEdges)
		defer func() {
			if err == nil && eb.Sequence() != want-1 {
				err = fmt.Errorf("edge sequence at %d after %d edges", eb.Sequence(), want-1)
			}
		}()
		return eb.ForEach(func(k, v []byte) error {
			if want%65536 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if len(k) != 8 || decodeSeq(k) != want {
				return fmt.Errorf("edge sequence %x out of order (want %d)", k, want)
			}
			want++
			h, err := decodeEdgeHead(v)
			if err != nil {
				return fmt.Errorf("edge %d: %w", want-1, err)
			}
			ef, vd, err := x.readEdgeVis(v)
			if err != nil {
				return fmt.Errorf("edge %d: %w", want-1, err)
			}
			if err := x.addEdge(h.from, h.to, h.kind, x.eids.hash(h), ef); err != nil {
				return err
			}
			x.setEdgeVis(uint32(want-2), vd)
			x.desc.setEdge(x, uint32(want-2), v)
			return nil
		})
	})
	if err != nil {
		return nil, mapErr(err)
	}
	x.g.Compact()
	x.desc.trim()
	x.search.sortPending() // no reader yet: no lock needed
	return x, nil
}
