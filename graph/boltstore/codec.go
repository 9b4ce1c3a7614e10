package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Layout of the file. Records are binary (codec below): a bulk load is
// bound by the bytes it writes, and the JSON of schema 2 spent most of
// them on what every edge repeats (the readable IDs of both endpoints,
// field names, the dataset, job and retrieval time of its source).
//
//	meta     "schema"       → schemaVersion
//	nodes    node ID        → node number, label, aliases, then the body
//	edges    uint64 BE seq  → from and to node numbers, kind, key, then the body
//	sources  uint32 BE ref  → a source context (sourceCtx)
//
// Node numbers are dense and stable: a node's number is its index in the
// in-memory topology, given at creation from the nodes bucket's sequence,
// so an edge names its endpoints with two varints instead of two IDs of up
// to ~100 bytes each, and the edge ID ("from>KIND>to#key") is rebuilt from
// the numbers on read. Edges are keyed by a sequence number, their dense
// index + 1, so they are appended at the right edge of the B+tree (full
// pages, only new pages written per commit). Finding an edge by ID goes
// through an index held in memory (edgeIndex) over the hash of (from, to,
// kind, key), rebuilt on open from the heads of the edge values.
//
// A source's context (dataset, job, retrieval time, confidence, marking,
// agency, illustrative) is stored once in the sources bucket and referred
// to by number: a job's millions of records share a handful of contexts.
// The encoding is deterministic, which is what lets Write tell an
// unchanged record by comparing bytes.
var (
	bucketMeta    = []byte("meta")
	bucketNodes   = []byte("nodes")
	bucketEdges   = []byte("edges")
	bucketSources = []byte("sources")
	keySchema     = []byte("schema")
)

// schemaVersion changes whenever the layout above does; Open refuses files
// written under another version rather than misreading them. Version 1 had
// an "eid" bucket of edge ID hashes; version 2 stored JSON records keyed by
// readable IDs. Version 3 had no claims (claims.go) and no source users: it
// reads as version 4 (a record of several sources without claims is a
// legacy one, a source context without a user has none), so Open turns
// its version into 4, which an older build then refuses.
const schemaVersion = "4"

// schemaUpgradable is the version Open upgrades in place.
const schemaUpgradable = "3"

// fixed tables derived from the closed kind sets; never mutated.
var (
	nodeKinds   = graph.NodeKinds()
	edgeKinds   = graph.EdgeKinds()
	markingList = graph.Markings() // in Rank order
)

func nodeKindCode(k graph.NodeKind) uint8 {
	for i, x := range nodeKinds {
		if x == k {
			return uint8(i)
		}
	}
	panic(fmt.Sprintf("boltstore: unknown node kind %q", k))
}

func edgeKindCode(k graph.EdgeKind) (uint8, bool) {
	for i, x := range edgeKinds {
		if x == k {
			return uint8(i), true
		}
	}
	return 0, false
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func decodeSeq(k []byte) uint64 {
	var v uint64
	for _, b := range k {
		v = v<<8 | uint64(b)
	}
	return v
}

// Primitive encodings: unsigned and zig-zag varints, length-prefixed
// strings, little-endian float64 bits, times as seconds, nanoseconds and
// the zone offset (what JSON kept: the instant and the offset, not the
// zone's name).

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendFloat(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func appendTime(b []byte, t time.Time) []byte {
	_, off := t.Zone()
	b = binary.AppendVarint(b, t.Unix())
	b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	return binary.AppendVarint(b, int64(off))
}

// markingCode is 0 for none, 1 + rank for TLP 2.0 markings; other strings
// (which Prepare rejects, but the codec must not lose) are 255 and follow.
func appendMarking(b []byte, m graph.Marking) []byte {
	switch r := m.Rank(); {
	case m == "":
		return append(b, 0)
	case r >= 0:
		return append(b, byte(r+1))
	default:
		return appendStr(append(b, 255), string(m))
	}
}

var errCorrupt = errors.New("corrupt record")

// reader decodes the primitives; the first failure sticks in err.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = errCorrupt
	}
	r.b = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if uint64(len(r.b)) < n {
		r.fail()
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) str() string { return string(r.bytes()) }

func (r *reader) float() float64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

func (r *reader) time() time.Time {
	sec, nsec, off := r.varint(), r.uvarint(), r.varint()
	if r.err != nil || nsec >= 1e9 {
		r.fail()
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

func (r *reader) marking() graph.Marking {
	switch c := r.byte(); {
	case c == 0:
		return ""
	case c == 255:
		return graph.Marking(r.str())
	case int(c) <= len(markingList):
		return markingList[c-1]
	default:
		r.fail()
		return ""
	}
}

// done reports the first error, or trailing bytes.
func (r *reader) done() error {
	if r.err == nil && len(r.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(r.b))
	}
	return r.err
}

// Optional fields of a body, one bit each in its leading flags.
const (
	fAmount = 1 << iota
	fAsset
	fValueUSD
	fTime
	fTxHash
	fProps
	fValidFrom
	fValidTo
	fTxHashIsKey // a transfer keyed by its tx hash stores the hash once
	// fClaims (claims.go) is the next bit
)

// encoder writes records; it resolves source contexts against the store's
// dictionary, collecting the contexts a batch adds until it commits.
type encoder struct {
	dict    *sourceDict
	pending []sourceCtx // new contexts, numbered from len(dict.list)
	pendIDs map[sourceCtx]uint32
	// usedPending is set when an encoding refers to a pending context,
	// whose number means nothing until the batch commits.
	usedPending bool
	scratch     []byte
	// last is the context ref resolved last: a job's records share one.
	last    sourceCtx
	lastRef uint32
	hasLast bool
}

func newEncoder(d *sourceDict) *encoder {
	return &encoder{dict: d, pendIDs: map[sourceCtx]uint32{}}
}

func (e *encoder) ref(c sourceCtx) uint32 {
	if e.hasLast && c == e.last && int(e.lastRef) < len(e.dict.list) {
		return e.lastRef
	}
	if id, ok := e.dict.ids[c]; ok {
		e.last, e.lastRef, e.hasLast = c, id, true
		return id
	}
	e.usedPending = true
	if id, ok := e.pendIDs[c]; ok {
		return id
	}
	id := uint32(len(e.dict.list) + len(e.pending))
	e.pending = append(e.pending, c)
	e.pendIDs[c] = id
	return id
}

// appendBody encodes what nodes and edges share after their own fields.
func (e *encoder) appendBody(b []byte, props graph.Props, from, to time.Time, conf int, m graph.Marking, src []graph.Source) (_ []byte, err error) {
	if len(props) > 0 {
		e.scratch, err = appendProps(e.scratch[:0], props) // sorted keys: deterministic
		if err != nil {
			return nil, fmt.Errorf("props: %w", err)
		}
		b = binary.AppendUvarint(b, uint64(len(e.scratch)))
		b = append(b, e.scratch...)
	}
	if !from.IsZero() {
		b = appendTime(b, from)
	}
	if !to.IsZero() {
		b = appendTime(b, to)
	}
	b = binary.AppendVarint(b, int64(conf))
	b = appendMarking(b, m)
	b = binary.AppendUvarint(b, uint64(len(src)))
	for i := range src {
		s := &src[i]
		b = binary.AppendUvarint(b, uint64(e.ref(contextOf(s))))
		b = appendStr(b, s.Record)
		b = appendStr(b, s.URL)
		b = appendStr(b, s.Excerpt)
	}
	return b, nil
}

func bodyFlags(props graph.Props, from, to time.Time) uint64 {
	var f uint64
	if len(props) > 0 {
		f |= fProps
	}
	if !from.IsZero() {
		f |= fValidFrom
	}
	if !to.IsZero() {
		f |= fValidTo
	}
	return f
}

// readBody decodes appendBody's bytes under flags.
func readBody(r *reader, d *sourceDict, flags uint64) (props graph.Props, from, to time.Time, conf int, m graph.Marking, src []graph.Source) {
	if flags&fProps != 0 {
		if err := json.Unmarshal(r.bytes(), &props); err != nil && r.err == nil {
			r.err = fmt.Errorf("%w: props: %w", errCorrupt, err)
		}
	}
	if flags&fValidFrom != 0 {
		from = r.time()
	}
	if flags&fValidTo != 0 {
		to = r.time()
	}
	conf = int(r.varint())
	m = r.marking()
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return
	}
	if n > 0 {
		src = make([]graph.Source, n)
	}
	for i := range src {
		ref := r.uvarint()
		if r.err != nil || ref >= uint64(len(d.list)) {
			r.fail()
			return
		}
		src[i] = d.list[ref].source()
		src[i].Record, src[i].URL, src[i].Excerpt = r.str(), r.str(), r.str()
	}
	return
}

// encodeNode returns the stored form of a prepared node numbered num.
func (e *encoder) encodeNode(num uint32, n *graph.Node) ([]byte, error) {
	b := make([]byte, 0, 64+len(n.Label))
	b = binary.AppendUvarint(b, uint64(num))
	b = appendStr(b, n.Label)
	b = binary.AppendUvarint(b, uint64(len(n.Aliases)))
	for _, a := range n.Aliases {
		b = appendStr(b, a)
	}
	flags := bodyFlags(n.Props, n.ValidFrom, n.ValidTo)
	if hasClaims(len(n.Sources)) {
		flags |= fClaims
	}
	b = binary.AppendUvarint(b, flags)
	b, err := e.appendBody(b, n.Props, n.ValidFrom, n.ValidTo, n.Confidence, n.Marking, n.Sources)
	if err == nil {
		b, err = e.appendNodeClaims(b, n)
	}
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.ID, err)
	}
	return b, nil
}

// nodeHead is what the index needs of a node: its number and search text.
type nodeHead struct {
	num     uint32
	label   string
	aliases []string
}

func readNodeHead(r *reader) nodeHead {
	h := nodeHead{num: uint32(r.uvarint()), label: r.str()}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return h
	}
	for range n {
		h.aliases = append(h.aliases, r.str())
	}
	return h
}

func decodeNodeHead(v []byte) (nodeHead, error) {
	r := reader{b: v}
	h := readNodeHead(&r)
	return h, r.err
}

func decodeNode(d *sourceDict, id string, v []byte) (*graph.Node, error) {
	kind, key, err := graph.ParseNodeID(id)
	if err != nil {
		return nil, err
	}
	r := reader{b: v}
	h := readNodeHead(&r)
	n := graph.Node{ID: id, Kind: kind, Key: key, Label: h.label, Aliases: h.aliases}
	flags := r.uvarint()
	n.Props, n.ValidFrom, n.ValidTo, n.Confidence, n.Marking, n.Sources = readBody(&r, d, flags)
	readNodeClaims(&r, flags, &n)
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("node %s: %w", id, err)
	}
	return &n, nil
}

// edgeHead is an edge's identity: endpoints by number, kind code and key.
type edgeHead struct {
	from, to uint32
	kind     uint8
	key      string
}

func appendEdgeHead(b []byte, h edgeHead) []byte {
	b = binary.AppendUvarint(b, uint64(h.from))
	b = binary.AppendUvarint(b, uint64(h.to))
	b = append(b, h.kind)
	return appendStr(b, h.key)
}

func readEdgeHead(r *reader) edgeHead {
	h := edgeHead{from: uint32(r.uvarint()), to: uint32(r.uvarint()), kind: r.byte()}
	h.key = string(r.bytes())
	if int(h.kind) >= len(edgeKinds) {
		r.fail()
	}
	return h
}

func decodeEdgeHead(v []byte) (edgeHead, error) {
	r := reader{b: v}
	h := readEdgeHead(&r)
	return h, r.err
}

// sameHead reports whether the stored value v is the edge h, comparing the
// key without copying it.
func sameHead(v []byte, h edgeHead) bool {
	r := reader{b: v}
	if uint32(r.uvarint()) != h.from || uint32(r.uvarint()) != h.to || r.byte() != h.kind {
		return false
	}
	k := r.bytes()
	return r.err == nil && string(k) == h.key
}

// encodeEdge returns the stored form of a prepared edge with identity h.
func (e *encoder) encodeEdge(h edgeHead, ed *graph.Edge) ([]byte, error) {
	if math.IsNaN(ed.Amount) || math.IsInf(ed.Amount, 0) || math.IsNaN(ed.ValueUSD) || math.IsInf(ed.ValueUSD, 0) {
		return nil, fmt.Errorf("edge %s: amount is not a finite number", ed.ID)
	}
	b := make([]byte, 0, 48+len(h.key)+len(ed.TxHash)+24*len(ed.Sources))
	b = appendEdgeHead(b, h)
	flags := bodyFlags(ed.Props, ed.ValidFrom, ed.ValidTo)
	if ed.Amount != 0 {
		flags |= fAmount
	}
	if ed.Asset != "" {
		flags |= fAsset
	}
	if ed.ValueUSD != 0 {
		flags |= fValueUSD
	}
	if !ed.Time.IsZero() {
		flags |= fTime
	}
	switch {
	case ed.TxHash != "" && ed.TxHash == h.key:
		flags |= fTxHashIsKey
	case ed.TxHash != "":
		flags |= fTxHash
	}
	if hasClaims(len(ed.Sources)) {
		flags |= fClaims
	}
	b = binary.AppendUvarint(b, flags)
	if flags&fAmount != 0 {
		b = appendFloat(b, ed.Amount)
	}
	if flags&fAsset != 0 {
		b = appendStr(b, ed.Asset)
	}
	if flags&fValueUSD != 0 {
		b = appendFloat(b, ed.ValueUSD)
	}
	if flags&fTime != 0 {
		b = appendTime(b, ed.Time)
	}
	if flags&fTxHash != 0 {
		b = appendStr(b, ed.TxHash)
	}
	b, err := e.appendBody(b, ed.Props, ed.ValidFrom, ed.ValidTo, ed.Confidence, ed.Marking, ed.Sources)
	if err == nil {
		b, err = e.appendEdgeClaims(b, ed)
	}
	if err != nil {
		return nil, fmt.Errorf("edge %s: %w", ed.ID, err)
	}
	return b, nil
}

// decodeEdge decodes a stored edge; ids maps node numbers to IDs.
func decodeEdge(d *sourceDict, ids []string, v []byte) (*graph.Edge, error) {
	r := reader{b: v}
	h := readEdgeHead(&r)
	if r.err != nil || int(h.from) >= len(ids) || int(h.to) >= len(ids) {
		return nil, fmt.Errorf("edge head: %w", errCorrupt)
	}
	kind := edgeKinds[h.kind]
	e := graph.Edge{ID: graph.EdgeID(kind, ids[h.from], ids[h.to], h.key), Kind: kind, From: ids[h.from], To: ids[h.to], Key: h.key}
	flags := r.uvarint()
	if flags&fAmount != 0 {
		e.Amount = r.float()
	}
	if flags&fAsset != 0 {
		e.Asset = r.str()
	}
	if flags&fValueUSD != 0 {
		e.ValueUSD = r.float()
	}
	if flags&fTime != 0 {
		e.Time = r.time()
	}
	switch {
	case flags&fTxHashIsKey != 0:
		e.TxHash = h.key
	case flags&fTxHash != 0:
		e.TxHash = r.str()
	}
	e.Props, e.ValidFrom, e.ValidTo, e.Confidence, e.Marking, e.Sources = readBody(&r, d, flags)
	readEdgeClaims(&r, flags, &e)
	if err := r.done(); err != nil {
		return nil, fmt.Errorf("edge %s: %w", e.ID, err)
	}
	return &e, nil
}

// edgeIDOf rebuilds the ID of a stored edge from its head.
func edgeIDOf(ids []string, v []byte) (string, error) {
	h, err := decodeEdgeHead(v)
	if err != nil || int(h.from) >= len(ids) || int(h.to) >= len(ids) {
		return "", fmt.Errorf("edge head: %w", errCorrupt)
	}
	return graph.EdgeID(edgeKinds[h.kind], ids[h.from], ids[h.to], h.key), nil
}

// parseEdgeID splits "from>KIND>to#key"; node IDs never contain '>' or '#',
// keys neither.
func parseEdgeID(id string) (from string, kind graph.EdgeKind, to, key string, ok bool) {
	from, rest, ok1 := strings.Cut(id, ">")
	k, rest, ok2 := strings.Cut(rest, ">")
	to, key, _ = strings.Cut(rest, "#")
	return from, graph.EdgeKind(k), to, key, ok1 && ok2 && from != "" && to != ""
}
