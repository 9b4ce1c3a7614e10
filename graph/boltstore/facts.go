package boltstore

import (
	"github.com/redthread-dev/redthread/graph"
)

// facts holds, per edge and per node, what investigation queries filter and
// weigh on, so that time-respecting money flow, value filters and as-of
// cuts run from memory: about 25 bytes an edge and 4 a node. Times are
// unix seconds in uint32 (0: unknown; 1970 to 2106); values are kept exact.
type facts struct {
	etime, eseen    []uint32
	evalue, eamount []float64
	easset          []uint8 // code in assets; 0 is no asset
	nseen           []uint32
	assets          []string
	assetCode       map[string]uint8
}

func newFacts() *facts {
	return &facts{assets: []string{""}, assetCode: map[string]uint8{"": 0}}
}

// edgeFact is one edge's facts.
type edgeFact struct {
	time, seen    uint32
	value, amount float64
	asset         string
}

func unixU32(sec int64) uint32 {
	if sec <= 0 || sec > 1<<32-1 {
		return 0
	}
	return uint32(sec)
}

// factOf extracts an edge's facts; seen is the first-seen time of its
// sources.
func factOf(e *graph.Edge, seen uint32) edgeFact {
	f := edgeFact{seen: seen, value: e.ValueUSD, amount: e.Amount, asset: e.Asset}
	if !e.Time.IsZero() {
		f.time = unixU32(e.Time.Unix())
	}
	return f
}

func (f *facts) code(asset string) uint8 {
	if c, ok := f.assetCode[asset]; ok {
		return c
	}
	if len(f.assets) == 255 {
		return 0 // more assets than a byte numbers: the rest read as unknown
	}
	c := uint8(len(f.assets))
	f.assets = append(f.assets, asset)
	f.assetCode[asset] = c
	return c
}

func (f *facts) addEdge(ef edgeFact) {
	f.etime = append(f.etime, ef.time)
	f.eseen = append(f.eseen, ef.seen)
	f.evalue = append(f.evalue, ef.value)
	f.eamount = append(f.eamount, ef.amount)
	f.easset = append(f.easset, f.code(ef.asset))
}

func (f *facts) setEdge(e uint32, ef edgeFact) {
	f.etime[e], f.eseen[e], f.evalue[e], f.eamount[e] = ef.time, ef.seen, ef.value, ef.amount
	f.easset[e] = f.code(ef.asset)
}

func (f *facts) memoryBytes() int {
	return 4*(cap(f.etime)+cap(f.eseen)+cap(f.nseen)) + 8*(cap(f.evalue)+cap(f.eamount)) + cap(f.easset)
}

// seenCache turns sources into first-seen times, remembering the last job
// parsed: a batch's records share one job.
type seenCache struct {
	job  string
	time int64
}

func (c *seenCache) of(srcs []graph.Source) uint32 {
	var first int64
	for i := range srcs {
		s := &srcs[i]
		var t int64
		switch {
		case !s.RetrievedAt.IsZero():
			t = s.RetrievedAt.Unix()
		case s.Job == c.job && s.Job != "":
			t = c.time
		default:
			if jt := graph.SourceSeen(s); !jt.IsZero() {
				t = jt.Unix()
				c.job, c.time = s.Job, t
			}
		}
		if t > 0 && (first == 0 || t < first) {
			first = t
		}
	}
	return unixU32(first)
}

// ctxSeen returns the first-seen time of dictionary context ref, computing
// the dictionary's times as it grows.
func (x *index) ctxSeen(ref uint64) uint32 {
	for len(x.srcSeen) < len(x.srcs.list) {
		c := x.srcs.list[len(x.srcSeen)]
		s := c.source()
		x.srcSeen = append(x.srcSeen, x.seenC.of([]graph.Source{s}))
	}
	return x.srcSeen[ref]
}

// readSeen reads a body's sources (after its flags) and returns their
// first-seen time without decoding props or building sources; x.refs holds
// their contexts after.
func (x *index) readSeen(r *reader, flags uint64) uint32 {
	if flags&fProps != 0 {
		r.bytes()
	}
	if flags&fValidFrom != 0 {
		r.time()
	}
	if flags&fValidTo != 0 {
		r.time()
	}
	r.varint()
	r.marking()
	n := r.uvarint()
	var first uint32
	x.refs = x.refs[:0]
	for range n {
		ref := r.uvarint()
		if r.err != nil || ref >= uint64(len(x.srcs.list)) {
			r.fail()
			return 0
		}
		x.refs = append(x.refs, ref)
		r.bytes()
		r.bytes()
		r.bytes()
		if t := x.ctxSeen(ref); t != 0 && (first == 0 || t < first) {
			first = t
		}
	}
	return first
}

// readEdgeVis reads a stored edge's facts and visibility, decoding the
// whole record only when its sources differ in visibility.
func (x *index) readEdgeVis(v []byte) (edgeFact, visDraft, error) {
	f, err := x.readEdgeFact(v)
	if err != nil {
		return f, visDraft{}, err
	}
	class, mixed := x.refsClass(x.refs)
	if !mixed {
		return f, visDraft{class: class}, nil
	}
	refs := append([]uint64(nil), x.refs...)
	e, err := decodeEdge(x.srcs, x.ids, v)
	if err != nil {
		return f, visDraft{}, err
	}
	return f, edgeDraft(e, func(i int) uint32 { return x.ctxSeen(refs[i]) }), nil
}

// readNodeVis is readEdgeVis for a node: its first-seen time and
// visibility.
func (x *index) readNodeVis(id string, v []byte) (uint32, visDraft, error) {
	seen, err := x.readNodeSeen(v)
	if err != nil {
		return 0, visDraft{}, err
	}
	class, mixed := x.refsClass(x.refs)
	if !mixed {
		return seen, visDraft{class: class}, nil
	}
	refs := append([]uint64(nil), x.refs...)
	n, err := decodeNode(x.srcs, id, v)
	if err != nil {
		return 0, visDraft{}, err
	}
	return seen, nodeDraft(n, func(i int) uint32 { return x.ctxSeen(refs[i]) }), nil
}

// readEdgeFact reads a stored edge's facts.
func (x *index) readEdgeFact(v []byte) (edgeFact, error) {
	r := reader{b: v}
	readEdgeHead(&r)
	var f edgeFact
	flags := r.uvarint()
	if flags&fAmount != 0 {
		f.amount = r.float()
	}
	if flags&fAsset != 0 {
		f.asset = string(r.bytes())
	}
	if flags&fValueUSD != 0 {
		f.value = r.float()
	}
	if flags&fTime != 0 {
		f.time = unixU32(r.time().Unix())
	}
	if flags&fTxHash != 0 {
		r.bytes()
	}
	f.seen = x.readSeen(&r, flags)
	return f, r.err
}

// readNodeSeen reads a stored node's first-seen time.
func (x *index) readNodeSeen(v []byte) (uint32, error) {
	r := reader{b: v}
	readNodeHead(&r)
	flags := r.uvarint()
	seen := x.readSeen(&r, flags)
	return seen, r.err
}
