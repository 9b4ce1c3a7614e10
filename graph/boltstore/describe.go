package boltstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/redthread-dev/redthread/graph/boltstore/algo"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// descTable describes the common records from memory, so a path is
// returned without a read transaction or a B+tree descent per step. A
// record is common when it has exactly one source without URL or excerpt,
// no aliases, props, validity times or claims, a TLP 2.0 marking or none,
// and (an edge) a time in whole UTC seconds after 1970 and an asset the
// facts code: what bulk-loaded transfers and wallets are. Its entry in
// arena holds what the other in-memory arrays do not (label, key, record,
// source context, confidence, marking, how the tx hash relates to the
// key); amounts, values, assets and times come from facts, endpoints and
// kinds from the topology. Any other record, and any record past the
// budget, has no entry and is read from bbolt as before.
//
// Entries are appended; an update leaves its old entry as garbage, which
// is compacted away when the budget is reached. Hex runs (hashes,
// addresses) are stored as bytes: a transfer costs about 60 bytes.
type descTable struct {
	noff, eoff []uint32 // by node, by edge: entry offset in arena, or descNone
	arena      []byte
	dead       int // bytes of arena no offset refers to
	budget     int // most bytes arena may hold
}

const (
	descNone = ^uint32(0)
	// defaultDescribeBudget bounds the table's arena: about 60 bytes a
	// transfer, so some 17 M transfers are described before the rest fall
	// back to bbolt.
	defaultDescribeBudget = 1 << 30
	// entry flags of an edge
	dTime     = 1 << 0 // the time is facts' etime, in UTC
	dTxIsKey  = 1 << 1 // the tx hash is the key
	dTxPrefix = 1 << 2 // the tx hash is a prefix of the key, length follows
	dTxOwn    = 1 << 3 // the tx hash follows as a string
)

func newDescTable() *descTable { return &descTable{budget: defaultDescribeBudget} }

// trim gives back the room append left at the end of the arena (up to
// as much again after a rebuild).
func (d *descTable) trim() {
	if cap(d.arena) > len(d.arena)+len(d.arena)/8 {
		d.arena = append([]byte(nil), d.arena...)
	}
}

// drop forgets every entry.
func (d *descTable) drop() {
	for i := range d.noff {
		d.noff[i] = descNone
	}
	for i := range d.eoff {
		d.eoff[i] = descNone
	}
	d.arena, d.dead = nil, 0
}

// check validates a snapshot's table for n nodes and m edges: every offset
// within the arena (an entry that then does not read falls back to the
// file).
func (d *descTable) check(n, m int) error {
	if len(d.noff) != n || len(d.eoff) != m {
		return fmt.Errorf("description table of %d nodes and %d edges for %d and %d", len(d.noff), len(d.eoff), n, m)
	}
	for _, offs := range [][]uint32{d.noff, d.eoff} {
		for i, o := range offs {
			if o != descNone && int(o) >= len(d.arena) {
				return fmt.Errorf("description %d at %d, beyond %d", i, o, len(d.arena))
			}
		}
	}
	return nil
}

func (d *descTable) memoryBytes() int { return 4*(cap(d.noff)+cap(d.eoff)) + cap(d.arena) }

// addNode and addEdge give a new record its (empty) slot.
func (d *descTable) addNode() { d.noff = append(d.noff, descNone) }
func (d *descTable) addEdge() { d.eoff = append(d.eoff, descNone) }

// setNode describes node u from its stored value v, or drops its entry
// when the record is not a common one.
func (d *descTable) setNode(u uint32, v []byte) {
	d.set(&d.noff[u], d.nodeEntry(v), true)
}

// setEdge describes edge e from its stored value v; facts must already
// hold the edge's facts.
func (d *descTable) setEdge(x *index, e uint32, v []byte) {
	d.set(&d.eoff[e], d.edgeEntry(x, e, v), false)
}

// set points slot at the entry just encoded at the end of the arena
// (n bytes, 0: none), within the budget.
func (d *descTable) set(slot *uint32, n int, node bool) {
	if *slot != descNone {
		d.dead += d.entryLen(*slot, node)
		*slot = descNone
	}
	if n == 0 {
		return
	}
	if d.budget == 0 {
		d.arena = d.arena[:len(d.arena)-n]
		return
	}
	at := len(d.arena) - n
	if len(d.arena) > d.budget {
		entry := append([]byte(nil), d.arena[at:]...)
		d.arena = d.arena[:at]
		if d.dead < len(d.arena)/4 {
			return // full of live entries: the record is read from bbolt
		}
		d.compact()
		if len(d.arena)+n > d.budget {
			return
		}
		at = len(d.arena)
		d.arena = append(d.arena, entry...)
	}
	*slot = uint32(at)
}

// entryLen is the length of the node's or edge's entry at off.
func (d *descTable) entryLen(off uint32, node bool) int {
	r := reader{b: d.arena[off:]}
	if node {
		readNodeEntry(&r)
	} else {
		readEdgeEntry(&r)
	}
	return len(d.arena) - int(off) - len(r.b)
}

// compact copies the live entries into a new arena.
func (d *descTable) compact() {
	out := make([]byte, 0, len(d.arena)-d.dead)
	move := func(offs []uint32, node bool) {
		for i, o := range offs {
			if o != descNone {
				offs[i] = uint32(len(out))
				out = append(out, d.arena[o:int(o)+d.entryLen(o, node)]...)
			}
		}
	}
	move(d.noff, true)
	move(d.eoff, false)
	d.arena, d.dead = out, 0
}

// nodeEntry appends node value v's entry to the arena and returns its
// length, or 0 when v is not a common node.
func (d *descTable) nodeEntry(v []byte) int {
	r := reader{b: v}
	h := readNodeHead(&r)
	if len(h.aliases) != 0 || r.uvarint() != 0 { // flags: props, validity, claims
		return 0
	}
	conf, mark, ref, rec, ok := readOneSource(&r)
	if !ok || r.done() != nil {
		return 0
	}
	n := len(d.arena)
	d.arena = binary.AppendVarint(d.arena, conf)
	d.arena = append(d.arena, mark)
	d.arena = binary.AppendUvarint(d.arena, ref)
	d.arena = appendPacked(d.arena, rec)
	d.arena = appendPacked(d.arena, []byte(h.label))
	return len(d.arena) - n
}

// readOneSource reads a body without props or validity: a common one has
// a TLP 2.0 marking (or none) and one source without URL or excerpt.
func readOneSource(r *reader) (conf int64, mark byte, ref uint64, rec []byte, ok bool) {
	conf = r.varint()
	mark = r.byte()
	if r.err != nil || int(mark) > len(markingList) || r.uvarint() != 1 {
		return 0, 0, 0, nil, false
	}
	ref, rec = r.uvarint(), r.bytes()
	if url, ex := r.bytes(), r.bytes(); len(url)+len(ex) != 0 {
		return 0, 0, 0, nil, false
	}
	return conf, mark, ref, rec, r.err == nil
}

const edgeCommonFlags = fAmount | fAsset | fValueUSD | fTime | fTxHash | fTxHashIsKey

// edgeEntry is nodeEntry for edge e's value v.
func (d *descTable) edgeEntry(x *index, e uint32, v []byte) int {
	r := reader{b: v}
	h := readEdgeHead(&r)
	flags := r.uvarint()
	if r.err != nil || flags&^edgeCommonFlags != 0 {
		return 0
	}
	fa := x.facts
	var ef byte
	var amount, value float64
	asset := ""
	if flags&fAmount != 0 {
		amount = r.float()
	}
	if flags&fAsset != 0 {
		asset = string(r.bytes())
	}
	if flags&fValueUSD != 0 {
		value = r.float()
	}
	// facts must hold the very values (bits: not -0 for 0), and code the
	// asset (not past 255 of them)
	if math.Float64bits(amount) != math.Float64bits(fa.eamount[e]) || math.Float64bits(value) != math.Float64bits(fa.evalue[e]) ||
		fa.assets[fa.easset[e]] != asset {
		return 0
	}
	if flags&fTime != 0 {
		sec, nsec, off := r.varint(), r.uvarint(), r.varint()
		if nsec != 0 || off != 0 || sec <= 0 || uint64(sec) != uint64(fa.etime[e]) {
			return 0
		}
		ef |= dTime
	}
	var tx []byte
	switch {
	case flags&fTxHashIsKey != 0:
		ef |= dTxIsKey
	case flags&fTxHash != 0:
		tx = r.bytes()
		if len(tx) < len(h.key) && h.key[:len(tx)] == string(tx) {
			ef |= dTxPrefix
		} else {
			ef |= dTxOwn
		}
	}
	conf, mark, ref, rec, ok := readOneSource(&r)
	if !ok || r.done() != nil {
		return 0
	}
	n := len(d.arena)
	d.arena = append(d.arena, ef)
	d.arena = binary.AppendVarint(d.arena, conf)
	d.arena = append(d.arena, mark)
	d.arena = binary.AppendUvarint(d.arena, ref)
	d.arena = appendPacked(d.arena, rec)
	d.arena = appendPacked(d.arena, []byte(h.key))
	switch {
	case ef&dTxPrefix != 0:
		d.arena = binary.AppendUvarint(d.arena, uint64(len(tx)))
	case ef&dTxOwn != 0:
		d.arena = appendPacked(d.arena, tx)
	}
	return len(d.arena) - n
}

// nodeEntry and edgeEntry as read back.
type nodeEntry struct {
	conf        int64
	mark        byte
	ref         uint64
	rec, label  string
	flags       byte
	key, txHash string
}

func readNodeEntry(r *reader) (e nodeEntry) {
	e.conf, e.mark, e.ref = r.varint(), r.byte(), r.uvarint()
	e.rec, e.label = readPacked(r), readPacked(r)
	return e
}

func readEdgeEntry(r *reader) (e nodeEntry) {
	e.flags = r.byte()
	e.conf, e.mark, e.ref = r.varint(), r.byte(), r.uvarint()
	e.rec, e.key = readPacked(r), readPacked(r)
	switch {
	case e.flags&dTxIsKey != 0:
		e.txHash = e.key
	case e.flags&dTxPrefix != 0:
		if n := r.uvarint(); n <= uint64(len(e.key)) {
			e.txHash = e.key[:n]
		} else {
			r.fail()
		}
	case e.flags&dTxOwn != 0:
		e.txHash = readPacked(r)
	}
	return e
}

// source rebuilds an entry's one source, as readBody does.
func (e *nodeEntry) source(d *sourceDict) ([]graph.Source, bool) {
	if e.ref >= uint64(len(d.list)) || int(e.mark) > len(markingList) {
		return nil, false
	}
	src := []graph.Source{d.list[e.ref].source()}
	src[0].Record = e.rec
	return src, true
}

func entryMarking(m byte) graph.Marking {
	if m == 0 {
		return ""
	}
	return markingList[m-1]
}

// node describes node u from memory; ok is false when it has no entry (or
// an entry that does not read, which only a damaged snapshot could give).
func (x *index) describeNode(u uint32) (*graph.Node, bool) {
	d := x.desc
	o := d.noff[u]
	if o == descNone {
		return nil, false
	}
	r := reader{b: d.arena[o:]}
	en := readNodeEntry(&r)
	src, ok := en.source(x.srcs)
	if r.err != nil || !ok {
		return nil, false
	}
	id := x.ids[u]
	kind, key, err := graph.ParseNodeID(id)
	if err != nil {
		return nil, false
	}
	return &graph.Node{ID: id, Kind: kind, Key: key, Label: en.label, Sources: src, Confidence: int(en.conf), Marking: entryMarking(en.mark)}, true
}

// describeEdge is describeNode for edge e.
func (x *index) describeEdge(e uint32) (*graph.Edge, bool) {
	d := x.desc
	o := d.eoff[e]
	if o == descNone {
		return nil, false
	}
	r := reader{b: d.arena[o:]}
	en := readEdgeEntry(&r)
	src, ok := en.source(x.srcs)
	if r.err != nil || !ok {
		return nil, false
	}
	f, t, k := x.g.Edge(e)
	kind := edgeKinds[k]
	from, to := x.ids[f], x.ids[t]
	fa := x.facts
	ed := &graph.Edge{
		ID: graph.EdgeID(kind, from, to, en.key), Kind: kind, From: from, To: to, Key: en.key,
		Amount: fa.eamount[e], Asset: fa.assets[fa.easset[e]], ValueUSD: fa.evalue[e], TxHash: en.txHash,
		Sources: src, Confidence: int(en.conf), Marking: entryMarking(en.mark),
	}
	if en.flags&dTime != 0 {
		ed.Time = time.Unix(int64(fa.etime[e]), 0).UTC()
	}
	return ed, true
}

// appendPacked appends s with its longest leading run of lowercase hex
// digit pairs (after any non-hex prefix and a "0x") stored as bytes:
// uvarint prefix length, prefix, uvarint byte count, bytes, uvarint rest
// length, rest.
func appendPacked(b, s []byte) []byte {
	i := 0
	for i < len(s) && !isHex(s[i]) {
		i++
	}
	if i+1 < len(s) && s[i] == '0' && s[i+1] == 'x' {
		i += 2
	}
	j := i
	for j < len(s) && isHex(s[j]) {
		j++
	}
	j -= (j - i) % 2
	b = binary.AppendUvarint(b, uint64(i))
	b = append(b, s[:i]...)
	b = binary.AppendUvarint(b, uint64((j-i)/2))
	for k := i; k < j; k += 2 {
		b = append(b, unhex(s[k])<<4|unhex(s[k+1]))
	}
	b = binary.AppendUvarint(b, uint64(len(s)-j))
	return append(b, s[j:]...)
}

func readPacked(r *reader) string {
	var buf [128]byte
	return string(appendUnpacked(buf[:0], r))
}

// appendUnpacked appends the string appendPacked stored.
func appendUnpacked(out []byte, r *reader) []byte {
	pre := r.bytes()
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return out
	}
	packed := r.b[:n]
	r.b = r.b[n:]
	rest := r.bytes()
	if r.err != nil {
		return out
	}
	out = append(out, pre...)
	for _, c := range packed {
		out = append(out, hexDigits[c>>4], hexDigits[c&15])
	}
	return append(out, rest...)
}

const hexDigits = "0123456789abcdef"

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}

// pathReader describes a path's records from memory (descTable) and reads
// the others from the file, in one read transaction begun at the first.
type pathReader struct {
	s  *Store
	tx *bolt.Tx
}

func (pr *pathReader) begin() (*bolt.Tx, error) {
	if pr.tx == nil {
		tx, err := pr.s.db.Begin(false)
		if err != nil {
			return nil, mapErr(err)
		}
		pr.tx = tx
	}
	return pr.tx, nil
}

func (pr *pathReader) end() {
	if pr.tx != nil {
		_ = pr.tx.Rollback() // read-only: nothing to keep
	}
}

// describePath returns the nodes of a found path and the edges between
// them (the visible edge with the least ID at each step), as the viewer
// sees them: what loadNodes and pathEdges read from the file.
func (s *Store) describePath(path []uint32, dir algo.Dir, mask algo.KindMask, w *seer) ([]*graph.Node, []*graph.Edge, error) {
	pr := pathReader{s: s}
	defer pr.end()
	x := s.idx
	nodes := make([]*graph.Node, len(path))
	for i, u := range path {
		n, ok := x.describeNode(u)
		if !ok {
			tx, err := pr.begin()
			if err != nil {
				return nil, nil, err
			}
			one, err := s.loadNodes(tx, path[i:i+1], w)
			if err != nil {
				return nil, nil, err
			}
			nodes[i] = one[0]
			continue
		}
		if nodes[i] = w.viewNode(n); nodes[i] == nil {
			return nil, nil, internal(nil, "node "+x.ids[u]+" described for a viewer who does not see it")
		}
	}
	edges := make([]*graph.Edge, len(path)-1)
	var cand []uint32
	for i := range edges {
		cand = cand[:0]
		for _, e := range x.g.EdgesBetween(path[i], path[i+1], dir, mask) {
			if w.edge(e) {
				cand = append(cand, e)
			}
		}
		e, ok := x.leastDescribed(cand)
		if !ok {
			tx, err := pr.begin()
			if err != nil {
				return nil, nil, err
			}
			v, err := leastEdge(tx.Bucket(bucketEdges), x, cand)
			if err != nil {
				return nil, nil, err
			}
			if edges[i], err = viewEdgeValue(x, v, w); err != nil {
				return nil, nil, err
			}
			continue
		}
		if edges[i] = w.viewEdge(e); edges[i] == nil {
			return nil, nil, internal(nil, "edge "+e.ID+" described for a viewer who does not see it")
		}
	}
	return nodes, edges, nil
}

// leastDescribed describes the edge of cand with the least ID, when every
// one of them is described. Parallel edges (a wallet's many deposits to an
// exchange) are compared by ID in two reused buffers: only the chosen one
// is built.
func (x *index) leastDescribed(cand []uint32) (*graph.Edge, bool) {
	if len(cand) == 1 {
		return x.describeEdge(cand[0])
	}
	best := algo.None
	var id, bestID []byte
	for _, e := range cand {
		var ok bool
		if id, ok = x.appendEdgeID(id[:0], e); !ok {
			return nil, false
		}
		if best == algo.None || bytes.Compare(id, bestID) < 0 {
			best, id, bestID = e, bestID, id
		}
	}
	if best == algo.None {
		return nil, false
	}
	return x.describeEdge(best)
}

// appendEdgeID appends described edge e's ID (graph.EdgeID).
func (x *index) appendEdgeID(b []byte, e uint32) ([]byte, bool) {
	o := x.desc.eoff[e]
	if o == descNone {
		return b, false
	}
	r := reader{b: x.desc.arena[o:]}
	r.byte()
	r.varint()
	r.byte()
	r.uvarint()
	r.bytes() // the record: prefix,
	r.bytes() // hex bytes,
	r.bytes() // rest
	f, t, k := x.g.Edge(e)
	b = append(b, x.ids[f]...)
	b = append(b, '>')
	b = append(b, edgeKinds[k]...)
	b = append(b, '>')
	b = append(b, x.ids[t]...)
	b = append(b, '#')
	n := len(b)
	if b = appendUnpacked(b, &r); len(b) == n {
		b = b[:n-1] // no key, no '#'
	}
	return b, r.err == nil
}
