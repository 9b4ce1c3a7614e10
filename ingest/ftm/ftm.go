// Package ftm reads FollowTheMoney entities as JSON lines
// ({id, schema, properties:{prop:[values]}}), the format of OpenSanctions
// and of Aleph exports. FORMAT.md says what each schema becomes.
package ftm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
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
	lines   *ingest.JSONLines
	name    string
	dataset string
	opts    Options
	ids     map[string]string // FtM id → node ID, of entities that make nodes
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
	return &Reader{lines: ingest.NewJSONLines(c, name, MaxLineBytes), name: name, opts: opts, count: c,
		dataset: FormatName + ":" + filepath.Base(name), ids: map[string]string{}}
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

// entityJSON is one FtM entity. Property values are strings, or nested
// entities of which only the id is read.
type entityJSON struct {
	ID         string                       `json:"id"`
	Schema     string                       `json:"schema"`
	Properties map[string][]json.RawMessage `json:"properties"`
}

// ftmEntity is a decoded entity with its properties as strings.
type ftmEntity struct {
	id, schema string
	props      map[string][]string
}

func (e *ftmEntity) first(p string) string {
	if v := e.props[p]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// decode parses one line; the error names the JSON path at fault.
func decode(line []byte) (*ftmEntity, string, error) {
	var ej entityJSON
	if err := json.Unmarshal(line, &ej); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, "", fmt.Errorf("invalid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
		case errors.As(err, &te) && te.Field != "":
			return nil, te.Field, fmt.Errorf("want %s, got a JSON %s", te.Type, te.Value)
		case errors.As(err, &te):
			return nil, "", errors.New("an entity must be a JSON object")
		}
		return nil, "", fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	e := &ftmEntity{id: strings.TrimSpace(ej.ID), schema: strings.TrimSpace(ej.Schema), props: map[string][]string{}}
	if e.id == "" {
		return nil, "id", errors.New("missing: every entity has an id")
	}
	if e.schema == "" {
		return e, "schema", errors.New("missing")
	}
	for name, vals := range ej.Properties {
		for i, raw := range vals {
			var s string
			if err := json.Unmarshal(raw, &s); err == nil {
				if s = strings.TrimSpace(s); s != "" {
					e.props[name] = append(e.props[name], s)
				}
				continue
			}
			var nested struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(raw, &nested); err == nil && nested.ID != "" {
				e.props[name] = append(e.props[name], nested.ID) // a nested entity stands for its id
				continue
			}
			return e, fmt.Sprintf("properties.%s[%d]", name, i), errors.New("want a string or an entity with an id")
		}
	}
	return e, "", nil
}

// Schemas and the node kinds they become; interval schemas become edges.
var nodeSchemas = map[string]graph.NodeKind{
	"Person":       graph.KindPerson,
	"Organization": graph.KindOrganization, "Company": graph.KindOrganization,
	"LegalEntity": graph.KindOrganization, "PublicBody": graph.KindOrganization,
	"Vessel": graph.KindOrganization, "Airplane": graph.KindOrganization,
	"CryptoWallet": graph.KindWallet, "Sanction": graph.KindSanction, "UserAccount": graph.KindIdentifier,
}

// edgeSchemas: the properties holding the two ends, and the edge kind.
var edgeSchemas = map[string]struct {
	from, to string
	kind     graph.EdgeKind
}{
	"Ownership":    {"owner", "asset", graph.EdgeOwns},
	"Directorship": {"director", "organization", graph.EdgeDirects},
	"Employment":   {"employer", "employee", graph.EdgeEmploys},
	"Payment":      {"payer", "beneficiary", graph.EdgePays},
}

// Properties that become the node's name, key or edges, not props.
var consumed = map[string]bool{
	"name": true, "alias": true, "weakAlias": true, "previousName": true,
	"publicKey": true, "holder": true, "entity": true, "owner": true, "sourceUrl": true,
}

// nodeOf returns the node an entity makes, without sources, or an error
// naming the property at fault. It is all the first pass needs.
func nodeOf(e *ftmEntity) (*graph.Node, string, error) {
	kind, ok := nodeSchemas[e.schema]
	if !ok {
		return nil, "schema", fmt.Errorf("%q is not a schema this format loads", e.schema)
	}
	n := &graph.Node{Kind: kind}
	switch kind {
	case graph.KindWallet:
		addr, cur := e.first("publicKey"), e.first("currency")
		if addr == "" {
			return nil, "properties.publicKey", errors.New("missing: a CryptoWallet needs its address")
		}
		key, _, err := graph.WalletKey(cur, addr)
		if err != nil {
			if addr == strings.ToLower(addr) && strings.ContainsAny(addr, "abcdefghijklmnopqrstuvwxyz") {
				err = fmt.Errorf("%w (the address is all lower-case: a base58 address lower-cased upstream fails its checksum and is not fixed by guessing)", err)
			}
			field := "properties.publicKey"
			if cur == "" {
				field = "properties.currency"
			}
			return nil, field, err
		}
		n.Key = key
	case graph.KindSanction:
		n.Key = e.id
		if id := e.first("authorityId"); isOFAC(e.props["authority"]) && isDigits(id) {
			// The key and label the ofac-csv format gives the same designation.
			n.Key, n.Label = "ofac-"+id, "OFAC SDN #"+id
		}
	case graph.KindIdentifier:
		user, service, email := e.first("username"), e.first("service"), e.first("email")
		switch {
		case user != "" && service != "":
			n.Key, n.Label = "handle:"+service+"/"+user, user
		case email != "":
			n.Key = "email:" + email
		default:
			return nil, "properties.username", errors.New("a UserAccount needs a username and service, or an email")
		}
	default:
		n.Key = e.id // OFAC's FtM export uses ofac-sdn-<ent_num>, the SDN CSV's key
		n.Label = e.first("name")
		var aliases []string
		for _, p := range []string{"name", "alias", "weakAlias", "previousName"} {
			aliases = append(aliases, e.props[p]...)
		}
		n.Aliases = aliases
	}
	id, _, err := graph.NodeID(n.Kind, n.Key)
	if err != nil {
		return nil, "id", err
	}
	n.ID = id
	return n, "", nil
}

func isOFAC(authorities []string) bool {
	return slices.ContainsFunc(authorities, func(a string) bool {
		a = strings.ToLower(a)
		return a == "ofac" || strings.Contains(a, "foreign assets control")
	})
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
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

// leftover returns the properties not consumed as names, keys or edges,
// under their FtM names: one value as a string, several as a list.
func leftover(e *ftmEntity) graph.Props {
	props := graph.Props{}
	for k, v := range e.props {
		if consumed[k] || len(v) == 0 {
			continue
		}
		switch {
		case e.schema == "CryptoWallet" && k == "currency":
			continue // in the key and on the CONTROLS edge
		case len(v) == 1:
			props[k] = v[0]
		default:
			props[k] = slices.Clone(v)
		}
	}
	if len(props) == 0 {
		return nil
	}
	return props
}

// sanctionProps names a designation's facts as the OFAC CSV does, so that
// both files describe it with the same props.
func sanctionProps(e *ftmEntity, props graph.Props) graph.Props {
	if props == nil {
		props = graph.Props{}
	}
	if isOFAC(e.props["authority"]) {
		props["authority"] = "OFAC"
	}
	if p := e.props["program"]; len(p) > 0 {
		programs := slices.Clone(p)
		slices.Sort(programs)
		props["programs"] = slices.Compact(programs)
		delete(props, "program")
	}
	return props
}

// parseDate reads FtM's dates, which may be partial: 2022, 2022-05,
// 2022-05-03, or a full time.
func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

// source is a File or Bytes source: two passes over the same bytes.
type source struct {
	name, path string
	files      ingest.Opener // of path
	data       []byte
	opts       Options
}

func (s *source) Name() string { return s.name }

func (s *source) Size() int64 {
	if s.path == "" {
		return int64(len(s.data))
	}
	fi, err := s.files.Stat(s.path)
	if err != nil || !fi.Mode().IsRegular() {
		return -1
	}
	return fi.Size()
}

func (s *source) open() (io.ReadCloser, error) {
	if s.path == "" {
		return io.NopCloser(bytes.NewReader(s.data)), nil
	}
	f, err := s.files.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("open source: %w", err)
	}
	return f, nil
}

func (s *source) Open(ctx context.Context) (ingest.Reader, error) {
	f, err := s.open()
	if err != nil {
		return nil, err
	}
	ids, err := scanIDs(ctx, f, s.name)
	_ = f.Close() // read only: the second pass opens the file again
	if err != nil {
		return nil, err
	}
	if f, err = s.open(); err != nil {
		return nil, err
	}
	r := NewReader(f, s.name, s.opts)
	r.ids, r.prepass, r.closer = ids, true, f
	return r, nil
}

// scanIDs is the first pass: the node ID of every entity that makes a node.
func scanIDs(ctx context.Context, f io.Reader, name string) (map[string]string, error) {
	r := NewReader(f, name, Options{})
	ids := map[string]string{}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		line, err := r.lines.Next()
		var re *ingest.RecordError
		switch {
		case err == io.EOF:
			return ids, nil
		case errors.As(err, &re):
			continue // reported by the second pass
		case err != nil:
			return nil, err
		}
		e, _, err := decode(line)
		if err != nil || nodeSchemas[e.schema] == "" {
			continue
		}
		if n, _, err := nodeOf(e); err == nil {
			ids[e.id] = n.ID
		}
	}
}
