// Package native reads Redthread's own ingest format: JSON lines, one node
// or edge per line, with the fields of graph.Node and graph.Edge plus
// "type". FORMAT.md describes it.
package native

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// MaxLineBytes bounds one line, so that a corrupt file without newlines
// cannot exhaust memory.
const MaxLineBytes = 16 << 20

// File returns a Source reading the native file at path. A job resumed
// from a checkpoint seeks to its next line instead of re-reading the file.
func File(path string) ingest.Source { return ingest.ResumableFile(path, FormatAt) }

// FileFrom is File opening the file through o (nil: ingest.OSFiles).
func FileFrom(o ingest.Opener, path string) ingest.Source {
	return ingest.ResumableFileFrom(o, path, FormatAt)
}

// Bytes returns a Source reading native records from data, such as an
// embedded file; name is used in error reports.
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Format is the ingest.Format of native files.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name) }

// FormatAt is the ingest.ResumeFormat of native files: every line starts a
// record, so reading can begin at any line.
func FormatAt(r io.Reader, name string, at ingest.Position) ingest.Reader {
	nr := NewReader(r, name)
	nr.lines.SetPosition(at)
	return nr
}

// Reader reads native records from a stream.
type Reader struct {
	lines *ingest.JSONLines // counts lines and the offset of the next unread line
}

var errTooLong = errors.New("line too long")

// NewReader returns a Reader of r; name is the file name in error reports.
func NewReader(r io.Reader, name string) *Reader {
	lines := ingest.NewJSONLines(r, name, MaxLineBytes)
	lines.Comments = true
	lines.TooLong = graph.WrapError(graph.CodeLimit, errTooLong, "line too long: longer than %s, the limit", ingest.FormatBytes(MaxLineBytes))
	return &Reader{lines: lines}
}

// Position is where the line after the last one read starts.
func (r *Reader) Position() ingest.Position { return r.lines.Position() }

// Next returns the next record, a *ingest.RecordError for a malformed line
// (call Next again to go on), io.EOF at the end, or a read error. Blank
// lines and comments ("//") are skipped. Records are returned prepared
// (graph.PrepareNode/PrepareEdge): IDs filled in, keys and endpoint IDs
// normalised.
func (r *Reader) Next() (ingest.Record, error) {
	line, err := r.lines.Next()
	if err != nil {
		return ingest.Record{}, err
	}
	return parseLine(line, r.lines.Pos())
}

// fields of each record type; anything else is an error naming the field.
var (
	nodeFields = set("type", "id", "kind", "key", "label", "aliases", "props", "sources", "confidence", "marking", "validFrom", "validTo")
	edgeFields = set("type", "id", "kind", "from", "to", "key", "amount", "asset", "valueUSD", "time", "txHash", "props", "sources", "confidence", "marking", "validFrom", "validTo")
	srcFields  = set("dataset", "record", "job", "retrievedAt", "url", "excerpt", "confidence", "marking", "agency", "illustrative")
)

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// object is a decoded JSON object: raw values by key, in order.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

// decodeObject decodes one JSON object, rejecting duplicate keys (which
// encoding/json would silently let the last one win) and trailing data.
func decodeObject(data []byte) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	obj := object{vals: map[string]json.RawMessage{}}
	tok, err := dec.Token()
	if err != nil {
		return obj, jsonError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return obj, errors.New("a record must be a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return obj, jsonError(err)
		}
		key := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return obj, fmt.Errorf("field %q: %w", key, jsonError(err))
		}
		if _, dup := obj.vals[key]; dup {
			return obj, &fieldError{key, errors.New("given twice")}
		}
		obj.keys = append(obj.keys, key)
		obj.vals[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return obj, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return obj, errors.New("invalid JSON: data after the object")
	}
	return obj, nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("invalid JSON: unexpected end of line")
	}
	return fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// fieldError is an error about one field; its path becomes
// RecordError.Field.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return fmt.Sprintf("field %q: %v", e.field, e.err) }
func (e *fieldError) Unwrap() error { return e.err }

func ferr(field, format string, args ...any) error {
	return &fieldError{field, fmt.Errorf(format, args...)}
}

// parseLine decodes and validates one record.
func parseLine(line []byte, pos ingest.Pos) (ingest.Record, error) {
	rec, id, err := parseRecord(line, pos)
	if err != nil {
		re := &ingest.RecordError{Pos: pos, ID: id, Err: err}
		var fe *fieldError
		if errors.As(err, &fe) {
			re.Field, re.Err = fe.field, fe.err
		}
		return ingest.Record{}, re
	}
	return rec, nil
}

// recordJSON is a node or edge line. Fields that only one type has are
// pointers, so that their presence in the other type is caught.
type recordJSON struct {
	Type       string       `json:"type"`
	ID         string       `json:"id"`
	Kind       string       `json:"kind"`
	Key        *string      `json:"key"`
	Props      graph.Props  `json:"props"`
	Sources    []sourceJSON `json:"sources"`
	Confidence float64      `json:"confidence"`
	Marking    string       `json:"marking"`
	ValidFrom  string       `json:"validFrom"`
	ValidTo    string       `json:"validTo"`
	// nodes
	Label   *string   `json:"label"`
	Aliases *[]string `json:"aliases"`
	// edges
	From     *string  `json:"from"`
	To       *string  `json:"to"`
	Amount   *float64 `json:"amount"`
	Asset    *string  `json:"asset"`
	ValueUSD *float64 `json:"valueUSD"`
	Time     *string  `json:"time"`
	TxHash   *string  `json:"txHash"`
}

type sourceJSON struct {
	Dataset      string  `json:"dataset"`
	Record       string  `json:"record"`
	Job          string  `json:"job"`
	RetrievedAt  string  `json:"retrievedAt"`
	URL          string  `json:"url"`
	Excerpt      string  `json:"excerpt"`
	Confidence   float64 `json:"confidence"`
	Marking      string  `json:"marking"`
	Agency       string  `json:"agency"`
	Illustrative bool    `json:"illustrative"`
}

// parseRecord decodes a line in one pass into recordJSON. Only when that
// fails does it decode again field by field (decodeError), to say which
// field is wrong: the fast path keeps loading large files cheap.
func parseRecord(line []byte, pos ingest.Pos) (ingest.Record, string, error) {
	var rj recordJSON
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(&rj)
	if err == nil && len(bytes.TrimSpace(line[dec.InputOffset():])) > 0 {
		err = errors.New("invalid JSON: data after the object")
	}
	if err != nil {
		if derr := decodeError(line); derr != nil {
			return ingest.Record{}, "", derr
		}
		return ingest.Record{}, "", jsonError(err)
	}
	if err := duplicateKey(line); err != nil {
		return ingest.Record{}, "", err
	}
	switch rj.Type {
	case "node":
		n, err := buildNode(&rj)
		return ingest.Record{Node: n, Pos: pos}, n.ID, err
	case "edge":
		e, err := buildEdge(&rj)
		return ingest.Record{Edge: e, Pos: pos}, e.ID, err
	case "":
		return ingest.Record{}, "", ferr("type", `missing: want "node" or "edge"`)
	}
	return ingest.Record{}, "", ferr("type", `%q: want "node" or "edge"`, rj.Type)
}

func buildNode(rj *recordJSON) (*graph.Node, error) {
	n := &graph.Node{ID: rj.ID, Props: rj.Props}
	for _, f := range []struct {
		name    string
		present bool
	}{{"from", rj.From != nil}, {"to", rj.To != nil}, {"amount", rj.Amount != nil}, {"asset", rj.Asset != nil},
		{"valueUSD", rj.ValueUSD != nil}, {"time", rj.Time != nil}, {"txHash", rj.TxHash != nil}} {
		if f.present {
			return n, ferr(f.name, "unknown field in a node record")
		}
	}
	if rj.Label != nil {
		n.Label = *rj.Label
	}
	if rj.Aliases != nil {
		n.Aliases = *rj.Aliases
	}
	n.Kind = graph.NodeKind(rj.Kind)
	if !n.Kind.Valid() {
		if rj.Kind == "" {
			return n, ferr("kind", "missing")
		}
		return n, ferr("kind", "unknown node kind %q", rj.Kind)
	}
	if rj.Key == nil {
		return n, ferr("key", "missing")
	}
	n.Key = *rj.Key
	id, key, err := graph.NodeID(n.Kind, n.Key)
	if err != nil {
		return n, &fieldError{"key", err}
	}
	if n.ID != "" && n.ID != id {
		return n, ferr("id", "%q does not match kind %s and key %q (want %q)", n.ID, n.Kind, key, id)
	}
	n.ID = id
	if err := common(rj, &n.Confidence, &n.Marking, &n.ValidFrom, &n.ValidTo, &n.Sources); err != nil {
		return n, err
	}
	if err := graph.PrepareNode(n); err != nil {
		return n, err
	}
	return n, nil
}

func buildEdge(rj *recordJSON) (*graph.Edge, error) {
	e := &graph.Edge{ID: rj.ID, Props: rj.Props}
	if rj.Label != nil {
		return e, ferr("label", "unknown field in an edge record")
	}
	if rj.Aliases != nil {
		return e, ferr("aliases", "unknown field in an edge record")
	}
	e.Kind = graph.EdgeKind(rj.Kind)
	if !e.Kind.Valid() {
		if rj.Kind == "" {
			return e, ferr("kind", "missing")
		}
		return e, ferr("kind", "unknown edge kind %q", rj.Kind)
	}
	for _, end := range []struct {
		field string
		in    *string
		out   *string
	}{{"from", rj.From, &e.From}, {"to", rj.To, &e.To}} {
		if end.in == nil || *end.in == "" {
			return e, ferr(end.field, "missing: want a node ID such as wallet:eth:0x… or threat_group:lazarus-group")
		}
		// Normalise the endpoint as its node's key is normalised, so that
		// an address written in checksum case still meets its wallet.
		k, key, err := graph.ParseNodeID(*end.in)
		if err != nil {
			return e, &fieldError{end.field, err}
		}
		id, _, err := graph.NodeID(k, key)
		if err != nil {
			return e, &fieldError{end.field, err}
		}
		*end.out = id
	}
	if rj.Key != nil {
		e.Key = *rj.Key
	}
	if strings.ContainsAny(e.Key, ">#\n") {
		return e, ferr("key", "%q contains a reserved character ('>', '#' or a newline)", e.Key)
	}
	if rj.TxHash != nil {
		e.TxHash = *rj.TxHash
		if strings.ContainsAny(e.TxHash, ">#\n") && strings.TrimSpace(e.Key) == "" {
			return e, ferr("txHash", "%q contains a reserved character ('>', '#' or a newline)", e.TxHash)
		}
	}
	for _, a := range []struct {
		field string
		in    *float64
		out   *float64
	}{{"amount", rj.Amount, &e.Amount}, {"valueUSD", rj.ValueUSD, &e.ValueUSD}} {
		if a.in != nil {
			if *a.in < 0 {
				return e, ferr(a.field, "cannot be negative")
			}
			*a.out = *a.in
		}
	}
	if rj.Asset != nil {
		e.Asset = *rj.Asset
	}
	if rj.Time != nil {
		if err := parseTimeField("time", *rj.Time, &e.Time); err != nil {
			return e, err
		}
	}
	if err := common(rj, &e.Confidence, &e.Marking, &e.ValidFrom, &e.ValidTo, &e.Sources); err != nil {
		return e, err
	}
	if err := graph.PrepareEdge(e); err != nil {
		return e, err
	}
	return e, nil
}

// common checks and converts the fields nodes and edges share.
func common(rj *recordJSON, conf *int, mark *graph.Marking, from, to *time.Time, sources *[]graph.Source) error {
	var err error
	if *conf, err = confidence("confidence", rj.Confidence); err != nil {
		return err
	}
	if *mark, err = marking("marking", rj.Marking); err != nil {
		return err
	}
	if err := parseTimeField("validFrom", rj.ValidFrom, from); err != nil {
		return err
	}
	if err := parseTimeField("validTo", rj.ValidTo, to); err != nil {
		return err
	}
	if len(rj.Sources) == 0 {
		return ferr("sources", "at least one source is required: every fact cites where it comes from")
	}
	out := make([]graph.Source, len(rj.Sources))
	for i, sj := range rj.Sources {
		if err := buildSource(&sj, &out[i]); err != nil {
			prefix := "sources[" + strconv.Itoa(i) + "]"
			if fe, ok := err.(*fieldError); ok {
				return &fieldError{prefix + "." + fe.field, fe.err}
			}
			return &fieldError{prefix, err}
		}
	}
	*sources = out
	if !to.IsZero() && to.Before(*from) {
		return ferr("validTo", "before validFrom")
	}
	return nil
}

func buildSource(sj *sourceJSON, s *graph.Source) error {
	*s = graph.Source{Dataset: sj.Dataset, Record: sj.Record, Job: sj.Job, URL: sj.URL,
		Excerpt: sj.Excerpt, Agency: sj.Agency, Illustrative: sj.Illustrative}
	if strings.TrimSpace(s.Dataset) == "" {
		return ferr("dataset", "missing: name the document or dataset the fact comes from")
	}
	var err error
	if s.Confidence, err = confidence("confidence", sj.Confidence); err != nil {
		return err
	}
	if s.Marking, err = marking("marking", sj.Marking); err != nil {
		return err
	}
	return parseTimeField("retrievedAt", sj.RetrievedAt, &s.RetrievedAt)
}

func confidence(field string, f float64) (int, error) {
	if f != float64(int(f)) || f < 0 || f > 100 {
		return 0, ferr(field, "want an integer 0–100, got %v", f)
	}
	return int(f), nil
}

func marking(field, s string) (graph.Marking, error) {
	m := graph.Marking(s)
	if s != "" && !m.Valid() {
		return "", ferr(field, "%q is not a TLP 2.0 marking (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED)", s)
	}
	return m, nil
}

// parseTimeField accepts RFC 3339 or a date (YYYY-MM-DD, midnight UTC),
// stored in UTC so that one instant written in two zones is one value.
func parseTimeField(field, s string, v *time.Time) error {
	if s == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return ferr(field, "%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time", s)
		}
	}
	*v = t.UTC()
	return nil
}

// decodeError decodes a line that failed the fast path key by key, to name
// the field at fault: unknown, given twice or of the wrong JSON type.
func decodeError(line []byte) error {
	obj, err := decodeObject(line)
	if err != nil {
		return err
	}
	var typ string
	if err := obj.get("type", &typ, "a string"); err != nil {
		return err
	}
	fields := nodeFields
	what := "a node"
	if typ == "edge" {
		fields, what = edgeFields, "an edge"
	}
	if err := obj.known(fields, what); err != nil {
		return err
	}
	var str string
	var strs []string
	var num float64
	var props graph.Props
	for _, k := range obj.keys {
		var err error
		switch k {
		case "aliases":
			err = obj.get(k, &strs, "an array of strings")
		case "props":
			err = obj.get(k, &props, "an object")
		case "confidence":
			err = obj.get(k, &num, "an integer 0–100")
		case "amount", "valueUSD":
			err = obj.get(k, &num, "a number")
		case "marking":
			err = obj.get(k, &str, "a TLP marking")
		case "validFrom", "validTo", "time":
			err = obj.get(k, &str, "a date (YYYY-MM-DD) or an RFC 3339 time")
		case "sources":
			err = sourcesError(obj)
		default:
			err = obj.get(k, &str, "a string")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func sourcesError(o object) error {
	var raws []json.RawMessage
	if err := o.get("sources", &raws, "an array of source objects"); err != nil {
		return err
	}
	for i, raw := range raws {
		if err := sourceError(raw); err != nil {
			prefix := "sources[" + strconv.Itoa(i) + "]"
			var fe *fieldError
			if errors.As(err, &fe) {
				return &fieldError{prefix + "." + fe.field, fe.err}
			}
			return &fieldError{prefix, err}
		}
	}
	return nil
}

func sourceError(raw json.RawMessage) error {
	if raw[0] != '{' {
		return fmt.Errorf("want a source object, got %s", describe(raw))
	}
	o, err := decodeObject(raw)
	if err != nil {
		return err
	}
	if err := o.known(srcFields, "a source"); err != nil {
		return err
	}
	var str string
	var num float64
	var b bool
	for _, k := range o.keys {
		var err error
		switch k {
		case "confidence":
			err = o.get(k, &num, "an integer 0–100")
		case "illustrative":
			err = o.get(k, &b, "true or false")
		case "marking":
			err = o.get(k, &str, "a TLP marking")
		case "retrievedAt":
			err = o.get(k, &str, "a date (YYYY-MM-DD) or an RFC 3339 time")
		default:
			err = o.get(k, &str, "a string")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// duplicateKey reports a key given twice in the record or in one of its
// sources, which encoding/json would silently resolve as last-one-wins.
// line is valid JSON (the fast path decoded it).
func duplicateKey(line []byte) error {
	type frame struct {
		object bool
		track  bool   // an object whose keys are checked
		prefix string // field path prefix of its keys
		key    string // object: last key; array: the key it is the value of
		keys   []string
		n      int // array: elements seen
	}
	var stack []*frame
	expectKey := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			j, esc := i+1, false
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' {
					j++
					esc = true
				}
			}
			if expectKey && len(stack) > 0 {
				top := stack[len(stack)-1]
				key := string(line[i+1 : j])
				if esc {
					_ = json.Unmarshal(line[i:j+1], &key) // valid JSON: cannot fail
				}
				if top.track && slices.Contains(top.keys, key) {
					return &fieldError{top.prefix + key, errors.New("given twice")}
				}
				top.keys = append(top.keys, key)
				top.key = key
				expectKey = false
			}
			i = j
		case '{':
			f := &frame{object: true}
			switch {
			case len(stack) == 0:
				f.track = true
			case len(stack) == 2 && !stack[1].object && stack[1].key == "sources":
				f.track, f.prefix = true, "sources["+strconv.Itoa(stack[1].n)+"]."
			}
			if len(stack) > 0 && !stack[len(stack)-1].object {
				stack[len(stack)-1].n++
			}
			stack = append(stack, f)
			expectKey = true
		case '[':
			f := &frame{}
			if len(stack) > 0 {
				f.key = stack[len(stack)-1].key
			}
			if len(stack) > 0 && !stack[len(stack)-1].object {
				stack[len(stack)-1].n++
			}
			stack = append(stack, f)
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				expectKey = true
			}
		}
	}
	return nil
}

// ReadAll reads every record of r, for tests and small files: the records,
// and the rejected lines as *ingest.RecordError. It stops at a read error.
func ReadAll(ctx context.Context, r ingest.Reader) ([]ingest.Record, []*ingest.RecordError, error) {
	var recs []ingest.Record
	var errs []*ingest.RecordError
	for {
		if err := ctx.Err(); err != nil {
			return recs, errs, err
		}
		rec, err := r.Next()
		var re *ingest.RecordError
		switch {
		case err == io.EOF:
			return recs, errs, nil
		case errors.As(err, &re):
			errs = append(errs, re)
		case err != nil:
			return recs, errs, err
		default:
			recs = append(recs, rec)
		}
	}
}

func (o object) known(fields map[string]bool, what string) error {
	for _, k := range o.keys {
		if !fields[k] {
			return ferr(k, "unknown field in %s record", what)
		}
	}
	return nil
}

// get decodes field into v; null or absent leaves v alone.
func (o object) get(field string, v any, want string) error {
	raw, ok := o.vals[field]
	if !ok || string(raw) == "null" {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return ferr(field, "want %s, got %s", want, describe(raw))
	}
	return nil
}

func describe(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return string(raw)
}
