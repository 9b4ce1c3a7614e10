// Package ftm reads FollowTheMoney entities as JSON lines
// ({id, schema, properties:{prop:[values]}}), the format of OpenSanctions
// and of Aleph exports. FORMAT.md says what each schema becomes.
package ftm

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ofaccsv"
)

// FormatName is the name of this format on the command line and the prefix
// of its datasets.
const FormatName = "ftm"

// MaxLineBytes bounds one entity, so that a corrupt file without newlines
// cannot exhaust memory.
const MaxLineBytes = 16 << 20

// Options set the provenance of a file's facts.
type Options struct {
	// Confidence of every source; 0 means 60 (authority data): FtM files
	// are mostly compiled from official sanctions lists.
	Confidence int
	// Marking of every source; empty means TLP:CLEAR.
	Marking graph.Marking
}

// File returns a Source reading the FtM file at path. It reads the file
// twice: first to learn the kind of every entity (an id → node ID map, the
// only state kept), then to yield records, so that a reference to an
// entity defined later in the file resolves without holding edges back.
func File(path string) ingest.Source { return FileFrom(nil, path) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source {
	return &source{name: path, path: path, files: ingest.OpenerOr(o)}
}

// Bytes returns a Source reading FtM entities from data in two passes like
// File; name is used in error reports.
func Bytes(name string, data []byte) ingest.Source { return &source{name: name, data: data} }

// Format is the ingest.Format of FtM JSON lines read from a stream in one
// pass: edges that reference an entity not yet seen are held until the end
// of the stream.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name, Options{}) }

// Reader yields the records of one FtM file.
type Reader struct {
	lines   *ingest.Lines
	name    string
	dataset string
	opts    Options
	ids     map[string]string // FtM id → node ID, of entities that make nodes
	names   map[string]string // FtM id → name, of entities a designation may name
	pending []pendingEdge     // edges waiting for an endpoint defined later
	queue   ingest.Queue
	eof     bool
	prepass bool // ids holds the whole file: nothing to wait for
	count   *ingest.CountingReader
	closer  io.Closer
}

// pendingEdge is an edge whose endpoints are still FtM ids.
type pendingEdge struct {
	edge               graph.Edge
	from, to           string // FtM ids; "" when Edge.From/To is already a node ID
	fromField, toField string // the properties they come from, for reports
	pos                ingest.Pos
}

// NewReader returns a Reader of r in one pass; name is the file name in
// error reports.
func NewReader(r io.Reader, name string, opts Options) *Reader {
	if opts.Confidence == 0 {
		opts.Confidence = graph.ConfidenceAuthority
	}
	if opts.Marking == "" {
		opts.Marking = graph.TLPClear
	}
	c := ingest.NewCountingReader(r, 0)
	return &Reader{lines: ingest.NewLines(c, name, MaxLineBytes), name: name, opts: opts, count: c,
		dataset: FormatName + ":" + filepath.Base(name), ids: map[string]string{}, names: map[string]string{}}
}

// BytesRead reports progress to the ingest runner.
func (r *Reader) BytesRead() int64 { return r.count.BytesRead() }

// Close closes the file a File source opened.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Next returns the next record, a *ingest.RecordError for an entity that
// cannot be loaded (call Next again to go on), io.EOF at the end, or a read
// error. Records are returned prepared (graph.PrepareNode/PrepareEdge).
func (r *Reader) Next() (ingest.Record, error) { return r.queue.Next(r.fill) }

// fill queues the records of the next entity, or at the end of the stream
// the edges still waiting for an endpoint.
func (r *Reader) fill() error {
	if r.eof {
		if r.pending == nil {
			return io.EOF
		}
		for _, p := range r.pending {
			r.resolve(p, true)
		}
		r.pending = nil
		return nil
	}
	line, err := r.lines.Next()
	if err == io.EOF {
		r.eof = true
		return nil
	}
	if err != nil {
		return err
	}
	r.entity(line, r.lines.Pos())
	return nil
}

// entity queues the records of one line.
func (r *Reader) entity(line []byte, pos ingest.Pos) {
	e, field, err := decode(line)
	if err != nil {
		id := ""
		if e != nil {
			id = e.id
		}
		r.reject(pos, id, field, err)
		return
	}
	if es, ok := edgeSchemas[e.schema]; ok {
		r.interval(e, es.from, es.to, es.kind, pos)
		return
	}
	n, field, err := nodeOf(e)
	if err != nil {
		r.reject(pos, e.id, field, fmt.Errorf("%s %s: %w", e.schema, e.id, err))
		return
	}
	r.ids[e.id] = n.ID
	rememberName(r.names, e.id, n)
	if n.Kind == graph.KindSanction {
		r.labelDesignation(e, n)
	}
	src := r.source(e)
	n.Sources = src
	n.Props = leftover(e)
	if n.Kind == graph.KindSanction {
		n.Props = sanctionProps(e, n.Props)
	}
	if err := graph.PrepareNode(n); err != nil {
		r.reject(pos, n.ID, "", err)
		return
	}
	r.queue.Push(ingest.Record{Node: n, Pos: pos})

	switch n.Kind {
	case graph.KindWallet:
		var props graph.Props
		if cur := e.first("currency"); cur != "" {
			props = graph.Props{"currency": strings.ToUpper(cur)} // as the OFAC CSV's CONTROLS edge has it
		}
		for _, h := range e.props["holder"] {
			r.link(pendingEdge{edge: graph.Edge{Kind: graph.EdgeControls, To: n.ID, Props: props, Sources: src},
				from: h, fromField: "properties.holder", pos: pos})
		}
	case graph.KindSanction:
		for _, s := range e.props["entity"] {
			r.link(pendingEdge{edge: graph.Edge{Kind: graph.EdgeSanctionedBy, To: n.ID, Sources: src},
				from: s, fromField: "properties.entity", pos: pos})
		}
	case graph.KindIdentifier:
		for _, o := range e.props["owner"] {
			r.link(pendingEdge{edge: graph.Edge{Kind: graph.EdgeUses, To: n.ID, Sources: src},
				from: o, fromField: "properties.owner", pos: pos})
		}
	}
}

// interval queues the edge an Ownership, Directorship, Employment or
// Payment makes: one per pair of its from and to values.
func (r *Reader) interval(e *ftmEntity, fromProp, toProp string, kind graph.EdgeKind, pos ingest.Pos) {
	froms, tos := e.props[fromProp], e.props[toProp]
	if len(froms) == 0 || len(tos) == 0 {
		missing := fromProp
		if len(froms) > 0 {
			missing = toProp
		}
		r.reject(pos, e.id, "properties."+missing, fmt.Errorf("missing: a %s joins %s and %s", e.schema, fromProp, toProp))
		return
	}
	ed := graph.Edge{Kind: kind, Sources: r.source(e)}
	props := leftover(e)
	delete(props, fromProp)
	delete(props, toProp)
	for _, p := range []struct {
		prop string
		dst  *time.Time
	}{{"startDate", &ed.ValidFrom}, {"endDate", &ed.ValidTo}} {
		if v := e.first(p.prop); v != "" {
			t, err := parseDate(v)
			if err != nil {
				r.reject(pos, e.id, "properties."+p.prop, err)
				return
			}
			*p.dst = t
			delete(props, p.prop)
		}
	}
	if kind == graph.EdgePays {
		ed.Key = e.id // several payments may join one pair
		if strings.ContainsAny(ed.Key, ">#\n") {
			ed.Key = strings.NewReplacer(">", "_", "#", "_", "\n", "_").Replace(ed.Key)
		}
		if v := e.first("amount"); v != "" {
			f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
			if err != nil || f < 0 {
				r.reject(pos, e.id, "properties.amount", fmt.Errorf("%q is not an amount", v))
				return
			}
			ed.Amount = f
			delete(props, "amount")
		}
		ed.Asset = e.first("currency")
		delete(props, "currency")
		if v := e.first("date"); v != "" {
			t, err := parseDate(v)
			if err != nil {
				r.reject(pos, e.id, "properties.date", err)
				return
			}
			ed.Time = t
			delete(props, "date")
		}
	}
	if len(props) > 0 {
		ed.Props = props
	}
	for _, f := range froms {
		for _, t := range tos {
			r.link(pendingEdge{edge: ed, from: f, to: t, fromField: "properties." + fromProp, toField: "properties." + toProp, pos: pos})
		}
	}
}

// link queues an edge whose ends are known, or holds it until the end of
// the stream.
func (r *Reader) link(p pendingEdge) {
	if r.resolve(p, r.prepass) {
		return
	}
	r.pending = append(r.pending, p)
}

// resolve turns the FtM ids of p into node IDs and queues the edge; with
// final set, an id still unknown is reported. It reports whether p was
// dealt with.
func (r *Reader) resolve(p pendingEdge, final bool) bool {
	for _, end := range []struct {
		ref   string
		dst   *string
		field string
	}{{p.from, &p.edge.From, p.fromField}, {p.to, &p.edge.To, p.toField}} {
		if end.ref == "" {
			continue
		}
		id, ok := r.ids[end.ref]
		if !ok {
			if !final {
				return false
			}
			r.reject(p.pos, "", end.field, fmt.Errorf("references %q, which no entity of this file defines (or its entity was rejected); the edge is left out", end.ref))
			return true
		}
		*end.dst = id
	}
	e := p.edge
	e.Sources = slices.Clone(e.Sources)
	if err := graph.PrepareEdge(&e); err != nil {
		r.reject(p.pos, e.ID, p.fromField, err)
		return true
	}
	r.queue.Push(ingest.Record{Edge: &e, Pos: p.pos})
	return true
}

func (r *Reader) reject(pos ingest.Pos, id, field string, err error) {
	r.queue.Reject(&ingest.RecordError{Pos: pos, ID: id, Field: field, Err: err})
}

func (r *Reader) source(e *ftmEntity) []graph.Source {
	return []graph.Source{{Dataset: r.dataset, Record: e.id, URL: e.first("sourceUrl"),
		Confidence: r.opts.Confidence, Marking: r.opts.Marking}}
}

// rememberName keeps the name of an entity that a designation may name.
func rememberName(names map[string]string, id string, n *graph.Node) {
	switch n.Kind {
	case graph.KindSanction, graph.KindWallet, graph.KindIdentifier:
	default:
		if n.Label != "" {
			names[id] = n.Label
		}
	}
}

// labelDesignation labels an OFAC designation as the ofac-csv format
// does: with whom it designates (its first entity, when the file names
// it) and its programs.
func (r *Reader) labelDesignation(e *ftmEntity, n *graph.Node) {
	id := e.first("authorityId")
	if n.Key != "ofac-"+id {
		return
	}
	programs := slices.Clone(e.props["program"])
	slices.Sort(programs)
	n.Label = ofaccsv.SanctionLabel(id, r.names[e.first("entity")], slices.Compact(programs))
}
