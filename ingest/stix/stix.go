// Package stix reads STIX 2.0 and 2.1 bundles (threat intelligence such as
// MITRE ATT&CK) into graph records. FORMAT.md describes the mapping.
//
// The bundle's "objects" array is decoded one object at a time with a
// streaming json.Decoder, so a big bundle is never held whole; an object
// over ingest.MaxRecordBytes is rejected and passed over unread (skip.go). Three things
// are kept until the end of the stream, because STIX lets a reference come
// before the object it names:
//   - an index of STIX id → node IDs (ids and keys only) and the names of
//     capabilities (malware, tools, attack patterns);
//   - relationships, in a compact form (ids, type, markings, URL, a short
//     excerpt), emitted once both endpoints are known;
//   - the nodes of groups and campaigns, which receive the capabilities they
//     use as props, and objects whose marking definition comes later.
package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// DefaultConfidence is the confidence of an object that gives none: MITRE
// ATT&CK and vendor reports are forensic sources (GUIDE §3).
const DefaultConfidence = graph.ConfidenceForensic

// maxExcerpt bounds the description kept as a relationship's excerpt, so
// that buffered relationships stay small.
const maxExcerpt = 500

// File returns a Source reading the STIX bundle at path.
func File(path string) ingest.Source { return ingest.File(path, Format) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source { return ingest.FileFrom(o, path, Format) }

// Bytes returns a Source reading a STIX bundle from data; name is used in
// error reports and provenance.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of STIX bundles.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// Reader reads the records of one STIX bundle.
type Reader struct {
	src     io.Reader
	dec     *json.Decoder
	budget  *ingest.BudgetReader // bounds what dec holds of one object
	max     int64                // the budget: ingest.MaxRecordBytes
	name    string
	dataset string
	state   int
	index   int // 1-based number of the current object in "objects"

	queue ingest.Queue // records and rejections ready to return

	refs     map[string][]string      // STIX id → node IDs
	caps     map[string]capability    // STIX id → malware, tool or attack pattern
	markings map[string]graph.Marking // marking-definition id → TLP ("" for non-TLP)
	skipped  map[string]string        // STIX id → why it was skipped
	revoked  map[string]string        // revoked group id → its name
	held     []*heldNode              // groups and campaigns, emitted at the end
	heldByID map[string]*heldNode     // STIX id → held node
	rels     []relationship           // emitted at the end
	deferred []deferredObject         // objects waiting for a marking definition
	counts   map[string]int           // skip reasons → count
}

const (
	stateStart  = iota
	stateBundle // between the keys of the bundle object
	stateArray  // inside "objects"
	stateTail   // stream read: emit what was held back
	stateDone
)

type capability struct {
	prop string // props key on the user: malware, tools, techniques
	text string // "S0584 AppleJeus"
	used bool
}

type heldNode struct {
	node *graph.Node
	pos  ingest.Pos
	caps map[string]map[string]bool // prop → texts
}

type relationship struct {
	id, typ, from, to string
	markings          []string
	url, excerpt      string
	confidence        int
	pos               ingest.Pos
}

type deferredObject struct {
	raw json.RawMessage
	pos ingest.Pos
}

// NewReader returns a Reader of the bundle in r; name is the file name used
// in error reports, and its base name names the dataset (stix:<file>).
func NewReader(r io.Reader, name string) *Reader { return newReader(r, name, ingest.MaxRecordBytes) }

// newReader is NewReader holding at most max bytes of one object.
func newReader(r io.Reader, name string, max int64) *Reader {
	budget := ingest.NewBudgetReader(r, max, "the object")
	dec := json.NewDecoder(budget)
	dec.UseNumber()
	return &Reader{
		src: r, dec: dec, budget: budget, max: max, name: name, dataset: "stix:" + filepath.Base(name),
		refs: map[string][]string{}, caps: map[string]capability{}, markings: map[string]graph.Marking{},
		skipped: map[string]string{}, revoked: map[string]string{}, heldByID: map[string]*heldNode{},
		counts: map[string]int{},
	}
}

// Skipped returns how many objects and relationships were not turned into
// records, by reason: revoked or deprecated objects, unsupported types,
// relationships to them, capabilities folded into their users' props.
// Complete once Next has returned io.EOF.
func (r *Reader) Skipped() map[string]int { return maps.Clone(r.counts) }

// Next returns the next record, a *ingest.RecordError for an object that
// cannot be mapped (call Next again), or io.EOF.
func (r *Reader) Next() (ingest.Record, error) { return r.queue.Next(r.fill) }

// fill steps through the stream until something is queued, then at its
// end queues what was held back.
func (r *Reader) fill() error {
	switch r.state {
	case stateDone:
		return io.EOF
	case stateTail:
		r.finish()
		return nil
	}
	if err := r.step(); err != nil {
		var re *ingest.RecordError
		if !errors.As(err, &re) {
			return err
		}
		// The stream cannot be resynchronised after a JSON error:
		// report it, then emit what was gathered so far.
		r.queue.Reject(re)
		r.finish()
	}
	return nil
}

// step advances the token stream by one bundle key or one object.
func (r *Reader) step() error {
	r.budget.Reset()
	switch r.state {
	case stateStart:
		tok, err := r.dec.Token()
		if err != nil {
			return r.jsonErr(err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return ingest.Errorf(ingest.Pos{File: r.name}, "", "not a STIX bundle: want a JSON object")
		}
		r.state = stateBundle
	case stateBundle:
		if !r.dec.More() {
			if _, err := r.dec.Token(); err != nil { // '}'
				return r.jsonErr(err)
			}
			if _, err := r.dec.Token(); err != io.EOF {
				return ingest.Errorf(r.pos(), "", "invalid JSON: data after the bundle")
			}
			r.state = stateTail
			return nil
		}
		tok, err := r.dec.Token()
		if err != nil {
			return r.jsonErr(err)
		}
		switch key, _ := tok.(string); key {
		case "objects":
			tok, err := r.dec.Token()
			if err != nil {
				return r.jsonErr(err)
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return ingest.Errorf(ingest.Pos{File: r.name}, "objects", "want an array of STIX objects; rest of the file skipped")
			}
			r.state = stateArray
		case "type":
			var typ any
			if err := r.dec.Decode(&typ); err != nil {
				return r.jsonErr(err)
			}
			if typ != "bundle" {
				return ingest.Errorf(ingest.Pos{File: r.name}, "type", "%v: want \"bundle\"; rest of the file skipped", typ)
			}
		default:
			var skip json.RawMessage
			if err := r.dec.Decode(&skip); err != nil {
				return r.jsonErr(err)
			}
		}
	case stateArray:
		if !r.dec.More() {
			if _, err := r.dec.Token(); err != nil { // ']'
				return r.jsonErr(err)
			}
			r.state = stateBundle
			return nil
		}
		var raw json.RawMessage
		r.index++
		if err := r.dec.Decode(&raw); err != nil {
			if !ingest.IsTooLarge(err) {
				return r.jsonErr(err)
			}
			r.reject(r.pos(), "", "", graph.Errorf(graph.CodeLimit, "%s: skipped", graph.ErrorMessage(err)))
			if err := r.skipObject(); err != nil {
				return ingest.Errorf(r.pos(), "", "invalid JSON in or after the object over the limit; rest of the file skipped")
			}
			return nil
		}
		r.object(raw, r.pos(), false)
	}
	return nil
}

// finish processes what was held back, once, and queues it.
func (r *Reader) finish() {
	r.state = stateDone
	for _, d := range r.deferred {
		r.object(d.raw, d.pos, true)
	}
	r.deferred = nil
	// Fold capabilities and revocations into the held nodes first, so that
	// the nodes carry them when emitted.
	var rest []relationship
	for _, rel := range r.rels {
		if !r.fold(rel) {
			rest = append(rest, rel)
		}
	}
	r.rels = nil
	for _, h := range r.held {
		for prop, set := range h.caps {
			if h.node.Props == nil {
				h.node.Props = graph.Props{}
			}
			h.node.Props[prop] = slices.Sorted(maps.Keys(set))
		}
		r.emitNode(h.node, h.pos)
	}
	r.held = nil
	for _, rel := range rest {
		r.relationship(rel)
	}
	for id, c := range r.caps {
		if !c.used {
			r.count("attack-pattern, malware or tool not used by a group or campaign of the bundle")
		}
		delete(r.caps, id)
	}
}

func (r *Reader) pos() ingest.Pos { return ingest.Pos{File: r.name, Line: r.index} }

func (r *Reader) count(reason string) { r.counts[reason]++ }

func (r *Reader) jsonErr(err error) error {
	var syn *json.SyntaxError
	switch {
	case ingest.IsTooLarge(err):
		// json.Decoder cannot skip a value it has not read.
		return &ingest.RecordError{Pos: r.pos(), Err: graph.Errorf(graph.CodeLimit, "%s; rest of the file skipped", graph.ErrorMessage(err))}
	case errors.As(err, &syn):
		return ingest.Errorf(r.pos(), "", "invalid JSON at byte %d: %s; rest of the file skipped", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return ingest.Errorf(r.pos(), "", "invalid JSON: unexpected end of file; rest of the file skipped")
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return ingest.Errorf(r.pos(), typ.Field, "want %s, got %s; rest of the file skipped", typ.Type, typ.Value)
	}
	return fmt.Errorf("read %s: %w", r.name, err)
}

func (r *Reader) reject(pos ingest.Pos, id, field string, err error) {
	r.queue.Reject(&ingest.RecordError{Pos: pos, ID: id, Field: field, Err: err})
}

func (r *Reader) emitNode(n *graph.Node, pos ingest.Pos) {
	if err := graph.PrepareNode(n); err != nil {
		r.reject(pos, n.ID, "", err)
		return
	}
	r.queue.Push(ingest.Record{Node: n, Pos: pos})
}

func (r *Reader) emitEdge(e *graph.Edge, pos ingest.Pos, stixID string) {
	if err := graph.PrepareEdge(e); err != nil {
		r.reject(pos, stixID, "", err)
		return
	}
	r.queue.Push(ingest.Record{Edge: e, Pos: pos})
}

// parseTime accepts STIX timestamps (RFC 3339 with optional fraction).
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
