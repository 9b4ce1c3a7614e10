package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// Layout of the file. Payloads are JSON: the same field names as the API,
// readable when debugging, tolerant of added fields, and deterministic (Go
// sorts map keys), which is what lets Write tell an unchanged record by
// comparing bytes. What the in-memory index needs is packed in front of the
// JSON, so that rebuilding it on open decodes no JSON at all.
//
//	meta   "schema"       → schemaVersion
//	nodes  node ID        → uvarint len, search record (label, aliases), JSON node
//	edges  uint64 BE seq  → uvarint len, edge ID, JSON edge
//	eid    fnv128a(ID)    → the seqs (uint64 BE) of the edges with that ID hash
//
// Edges are keyed by a sequence number, their dense in-memory index + 1, so
// that edges are appended at the right edge of the B+tree (full pages, only
// the new pages written per commit) and an adjacency list of indices finds
// a payload with one lookup. Random inserts by ID go to the small eid
// bucket: 16-byte hashes instead of ~150-byte IDs keep it a tenth of the
// size. Node and edge JSON leave out what the key already says (node ID and
// key; edge ID and endpoints) and get it back on decode.
var (
	bucketMeta  = []byte("meta")
	bucketNodes = []byte("nodes")
	bucketEdges = []byte("edges")
	bucketEID   = []byte("eid")
	keySchema   = []byte("schema")
)

// schemaVersion changes whenever the layout above does; Open refuses files
// written under another version rather than misreading them.
const schemaVersion = "1"

// fixed tables derived from the closed kind sets; never mutated.
var (
	nodeKinds = graph.NodeKinds()
	edgeKinds = graph.EdgeKinds()
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

// encoder marshals records without HTML escaping (edge IDs are full of '>').
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

func newEncoder() *encoder {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}

// encode returns a fresh slice (bbolt keeps the value until commit).
func (e *encoder) encode(v any) ([]byte, error) {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))), nil
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func eidKey(id string) []byte {
	h := fnv.New128a()
	h.Write([]byte(id))
	return h.Sum(nil)
}

// encodeSearch packs a node's label and aliases, each length-prefixed.
func encodeSearch(label string, aliases []string) []byte {
	b := binary.AppendUvarint(nil, uint64(len(label)))
	b = append(b, label...)
	for _, a := range aliases {
		b = binary.AppendUvarint(b, uint64(len(a)))
		b = append(b, a...)
	}
	return b
}

func decodeSearch(b []byte) (label string, aliases []string, err error) {
	var parts []string
	for len(b) > 0 {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return "", nil, fmt.Errorf("corrupt search record")
		}
		parts = append(parts, string(b[k:k+int(n)]))
		b = b[k+int(n):]
	}
	if len(parts) == 0 {
		return "", nil, fmt.Errorf("empty search record")
	}
	return parts[0], parts[1:], nil
}

// splitValue splits a value into its length-prefixed head and the JSON.
func splitValue(v []byte) (head, body []byte, err error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || uint64(len(v)-k) < n {
		return nil, nil, fmt.Errorf("corrupt record header")
	}
	return v[k : k+int(n)], v[k+int(n):], nil
}

func joinValue(head, body []byte) []byte {
	v := binary.AppendUvarint(make([]byte, 0, 2+len(head)+len(body)), uint64(len(head)))
	return append(append(v, head...), body...)
}

// encodeNode returns the stored form of a prepared node.
func (e *encoder) encodeNode(n *graph.Node) ([]byte, error) {
	c := *n
	c.ID, c.Key = "", ""
	body, err := e.encode(&c)
	if err != nil {
		return nil, err
	}
	return joinValue(encodeSearch(n.Label, n.Aliases), body), nil
}

func decodeNode(id string, v []byte) (*graph.Node, error) {
	_, body, err := splitValue(v)
	if err != nil {
		return nil, err
	}
	var n graph.Node
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, err
	}
	_, key, err := graph.ParseNodeID(id)
	if err != nil {
		return nil, err
	}
	n.ID, n.Key = id, key
	return &n, nil
}

// encodeEdge returns the stored form of a prepared edge.
func (e *encoder) encodeEdge(ed *graph.Edge) ([]byte, error) {
	c := *ed
	c.ID, c.From, c.To = "", "", ""
	body, err := e.encode(&c)
	if err != nil {
		return nil, err
	}
	return joinValue([]byte(ed.ID), body), nil
}

func decodeEdge(v []byte) (*graph.Edge, error) {
	id, body, err := splitValue(v)
	if err != nil {
		return nil, err
	}
	var e graph.Edge
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, err
	}
	from, _, to, ok := parseEdgeID(string(id))
	if !ok {
		return nil, fmt.Errorf("malformed edge ID %q", id)
	}
	e.ID, e.From, e.To = string(id), from, to
	return &e, nil
}

// parseEdgeID splits "from>KIND>to#key"; node IDs never contain '>' or '#'.
func parseEdgeID(id string) (from string, kind graph.EdgeKind, to string, ok bool) {
	from, rest, ok1 := strings.Cut(id, ">")
	k, rest, ok2 := strings.Cut(rest, ">")
	to, _, _ = strings.Cut(rest, "#")
	return from, graph.EdgeKind(k), to, ok1 && ok2 && from != "" && to != ""
}
