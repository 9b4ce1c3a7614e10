package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
//
// Edges are keyed by a sequence number, their dense in-memory index + 1, so
// that edges are appended at the right edge of the B+tree (full pages, only
// the new pages written per commit) and an adjacency list of indices finds
// a payload with one lookup. Finding an edge by ID goes through an index
// held in memory only (edgeIndex), rebuilt on open from the IDs at the head
// of the edge values: version 1 kept it on disk as a bucket keyed by ID
// hashes, whose random inserts rewrote most of its pages on every commit.
// Node and edge JSON leave out what the key or ID already says (node ID and
// key; edge ID, endpoints, kind and key) and get it back on decode.
var (
	bucketMeta  = []byte("meta")
	bucketNodes = []byte("nodes")
	bucketEdges = []byte("edges")
	keySchema   = []byte("schema")
)

// schemaVersion changes whenever the layout above does; Open refuses files
// written under another version rather than misreading them. Version 1 had
// an "eid" bucket of edge ID hashes.
const schemaVersion = "2"

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

// encodeEdge returns the stored form of a prepared edge: its ID, then the
// JSON encoding/json would give of the edge without ID, kind, endpoints and
// key (appendEdgeJSON).
func (e *encoder) encodeEdge(ed *graph.Edge) ([]byte, error) {
	v := make([]byte, 0, 2+len(ed.ID)+320)
	v = binary.AppendUvarint(v, uint64(len(ed.ID)))
	v = append(v, ed.ID...)
	return e.appendEdgeJSON(v, ed)
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
	from, kind, to, key, ok := parseEdgeID(string(id))
	if !ok {
		return nil, fmt.Errorf("malformed edge ID %q", id)
	}
	e.ID, e.Kind, e.From, e.To, e.Key = string(id), kind, from, to, key
	return &e, nil
}

// parseEdgeID splits "from>KIND>to#key"; node IDs never contain '>' or '#',
// keys neither.
func parseEdgeID(id string) (from string, kind graph.EdgeKind, to, key string, ok bool) {
	from, rest, ok1 := strings.Cut(id, ">")
	k, rest, ok2 := strings.Cut(rest, ">")
	to, key, _ = strings.Cut(rest, "#")
	return from, graph.EdgeKind(k), to, key, ok1 && ok2 && from != "" && to != ""
}
