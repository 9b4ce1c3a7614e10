package casestix

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// Limits on a bundle Import accepts: a whole bundle within the case view's
// size (what the GraphQL body carries), an object within one ingest record,
// strings within one ingest value, and JSON nested no deeper than the
// objects Export writes (a fact's props included) need.
const (
	MaxBundleBytes = cases.MaxViewBytes
	MaxObjects     = 50_000
	MaxObjectBytes = 1 << 20
	MaxStringBytes = ingest.DefaultMaxValueBytes
	MaxDepth       = 16
	maxNoteRunes   = 10_000 // the longest note web/src/caseView.ts accepts
)

// ImportOptions say who imports.
type ImportOptions struct {
	// Agency, when set, owns every imported source, whatever agency the
	// bundle names: a bundle's claims about owners on another deployment
	// mean nothing here, and must not make facts pass for another agency's
	// of this one. Empty keeps the bundle's owners (a deployment without
	// agencies yet).
	Agency string
}

// Imported is what Import read from a bundle.
type Imported struct {
	// Batch holds the facts with their IDs, keys, sources and markings.
	Batch graph.Batch
	// Case is a new case (no ID) whose view holds the imported nodes, at
	// the positions the bundle gives or on a circle, with their notes.
	Case cases.Draft
	// Skipped names the objects that were not read, and why: objects of
	// other producers without Redthread's fact extension (ingest them with
	// `redthread ingest --format stix`), and notes on nothing imported.
	Skipped []string
}

// raw is what Import reads of any object.
type raw struct {
	Type          string                     `json:"type"`
	ID            string                     `json:"id"`
	Name          string                     `json:"name"`
	CreatedBy     string                     `json:"created_by_ref"`
	Markings      []string                   `json:"object_marking_refs"`
	SourceRef     string                     `json:"source_ref"`
	TargetRef     string                     `json:"target_ref"`
	ObjectRefs    []string                   `json:"object_refs"`
	Content       string                     `json:"content"`
	Extensions    map[string]json.RawMessage `json:"extensions"`
	DefinitionTLP string                     `json:"-"`
}

type importer struct {
	agency   string
	objs     []raw
	byID     map[string]int // STIX id → index in objs
	markings map[string]graph.Marking
	nodeOf   map[string]string // STIX id → node ID
	nodes    map[string]bool   // node and edge IDs read
	creators map[string]bool   // identities named by created_by_ref
	out      Imported
}

// Import reads a bundle: every object with Redthread's fact extension
// becomes the node or edge it was exported from, each source keeping its
// own marking raised to at least the object's TLP marking (a bundle
// edited to mark an object more strictly is never read more loosely);
// the report, if any, names the case and places its nodes. Objects of
// other producers are skipped and named in Skipped. A hostile bundle (too
// large, too many objects, too deep, strings too long, the same id twice,
// a reference to an object or marking it does not hold, a fact that does
// not match its object) is refused whole with a coded error naming the
// object.
func Import(ctx context.Context, bundle []byte, opts ImportOptions) (Imported, error) {
	if len(bundle) > MaxBundleBytes {
		return Imported{}, graph.Errorf(graph.CodeLimit, "bundle: %s, over the limit of %s", ingest.FormatBytes(int64(len(bundle))), ingest.FormatBytes(MaxBundleBytes))
	}
	if err := checkShape(bundle, MaxDepth+2); err != nil {
		return Imported{}, fmt.Errorf("bundle: %w", err)
	}
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil || b.Type != "bundle" {
		return Imported{}, graph.Errorf(graph.CodeInvalid, "bundle: not a STIX bundle (a JSON object with type \"bundle\" and objects)")
	}
	if len(b.Objects) > MaxObjects {
		return Imported{}, graph.Errorf(graph.CodeLimit, "bundle: %d objects, more than %d", len(b.Objects), MaxObjects)
	}
	im := &importer{agency: strings.TrimSpace(opts.Agency), byID: map[string]int{}, markings: map[string]graph.Marking{}, nodeOf: map[string]string{}, nodes: map[string]bool{}, creators: map[string]bool{}}
	for i, r := range b.Objects {
		if err := ctx.Err(); err != nil {
			return Imported{}, err
		}
		if err := im.add(i, r); err != nil {
			return Imported{}, err
		}
	}
	if err := im.read(ctx); err != nil {
		return Imported{}, err
	}
	return im.out, nil
}

// add checks one object's size and identity and indexes it.
func (im *importer) add(i int, r json.RawMessage) error {
	if len(r) > MaxObjectBytes {
		return graph.Errorf(graph.CodeLimit, "objects[%d] %s: %s, over the limit of %s", i, idOf(r), ingest.FormatBytes(int64(len(r))), ingest.FormatBytes(MaxObjectBytes))
	}
	var o raw
	if err := json.Unmarshal(r, &o); err != nil {
		return graph.Errorf(graph.CodeInvalid, "objects[%d] %s: not a STIX object", i, idOf(r))
	}
	typ, _, ok := strings.Cut(o.ID, "--")
	if o.Type == "" || !ok || typ != o.Type {
		return graph.Errorf(graph.CodeInvalid, "objects[%d] %s: want a type and an id of that type (type--UUID)", i, ingest.Excerpt(o.ID, ingest.MaxExcerpt))
	}
	if _, dup := im.byID[o.ID]; dup {
		return graph.Errorf(graph.CodeInvalid, "%s: the bundle holds this id twice", o.ID)
	}
	if o.Type == "marking-definition" {
		var tlp struct {
			Level string `json:"tlp_2_0"`
		}
		if ext, ok := o.Extensions[tlpExtension]; ok && json.Unmarshal(ext, &tlp) == nil {
			o.DefinitionTLP = tlp.Level
		}
	}
	if o.CreatedBy != "" {
		im.creators[o.CreatedBy] = true
	}
	im.byID[o.ID] = len(im.objs)
	im.objs = append(im.objs, o)
	return nil
}

// read maps the indexed objects: markings first, then nodes, edges, the
// report and the notes.
func (im *importer) read(ctx context.Context) error {
	for _, o := range im.objs {
		if o.Type == "marking-definition" {
			if err := im.marking(o); err != nil {
				return err
			}
		}
	}
	for pass := range 2 { // nodes, then the relationships between them
		for _, o := range im.objs {
			if err := ctx.Err(); err != nil {
				return err
			}
			ext, ok := o.Extensions[extFact]
			if !ok || (o.Type == "relationship") != (pass == 1) {
				continue
			}
			if err := im.fact(o, ext); err != nil {
				return err
			}
		}
	}
	for _, o := range im.objs {
		if _, ok := o.Extensions[extFact]; ok {
			continue
		}
		switch o.Type {
		case "marking-definition", "extension-definition", "report", "note":
		case "identity": // a producer (created_by_ref) is no fact
			if !im.creators[o.ID] {
				im.skip(o, "an identity without Redthread's fact extension")
			}
		default:
			im.skip(o, "no Redthread fact extension")
		}
	}
	return im.view()
}

func (im *importer) skip(o raw, why string) {
	im.out.Skipped = append(im.out.Skipped, fmt.Sprintf("%s: %s", o.ID, why))
}

// marking records a marking definition's TLP level: the TLP 2.0 ones by
// their id (the extension must agree), others by their TLP 2.0 extension.
func (im *importer) marking(o raw) error {
	for m, d := range tlp2 {
		if d.id == o.ID {
			if o.DefinitionTLP != "" && o.DefinitionTLP != d.level {
				return graph.Errorf(graph.CodeInvalid, "%s: says TLP %q, but this id is %s", o.ID, o.DefinitionTLP, d.name)
			}
			im.markings[o.ID] = m
			return nil
		}
	}
	if o.DefinitionTLP != "" {
		for m, d := range tlp2 {
			if d.level == o.DefinitionTLP {
				im.markings[o.ID] = m
				return nil
			}
		}
		return graph.Errorf(graph.CodeInvalid, "%s: %q is not a TLP 2.0 level", o.ID, o.DefinitionTLP)
	}
	im.markings[o.ID] = "" // a statement or another scheme: no TLP level
	return nil
}

// objectMarking is the most restrictive TLP level among an object's
// marking refs, TLP:CLEAR when none has one. A ref to a marking the
// bundle does not hold (and STIX does not predefine) refuses the bundle:
// how far the object may be shared cannot be guessed.
func (im *importer) objectMarking(o raw) (graph.Marking, error) {
	out := graph.TLPClear
	for _, ref := range o.Markings {
		m, ok := im.markings[ref]
		if !ok {
			if m, ok = tlp1[ref]; !ok {
				return "", graph.Errorf(graph.CodeInvalid, "%s: marking %s is not in the bundle", o.ID, ingest.Excerpt(ref, ingest.MaxExcerpt))
			}
		}
		out = maxMarking(out, cmp.Or(m, graph.TLPClear))
	}
	return out, nil
}

// fact reads the node or edge of an object from its fact extension.
func (im *importer) fact(o raw, ext json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(ext))
	dec.DisallowUnknownFields()
	var f fact
	if err := dec.Decode(&f); err != nil {
		return graph.Errorf(graph.CodeInvalid, "%s: Redthread fact extension: %s", o.ID, strings.TrimPrefix(err.Error(), "json: "))
	}
	mark, err := im.objectMarking(o)
	if err != nil {
		return err
	}
	sources, err := sourcesIn(o.ID, f.Sources, mark)
	if err != nil {
		return err
	}
	if im.agency != "" {
		for i := range sources {
			sources[i].Agency = im.agency
		}
	}
	if o.Type == "relationship" {
		return im.edge(o, f, sources)
	}
	n := &graph.Node{ID: f.ID, Kind: graph.NodeKind(f.Kind), Key: f.Key, Label: f.Label, Aliases: f.Aliases, Props: f.Props, Sources: sources}
	if n.ValidFrom, err = parseOpt(o.ID, "valid_from", f.ValidFrom); err != nil {
		return err
	}
	if n.ValidTo, err = parseOpt(o.ID, "valid_to", f.ValidTo); err != nil {
		return err
	}
	if err := graph.PrepareNode(n); err != nil {
		return graph.Errorf(graph.ErrorCode(err), "%s: node %s: %s", o.ID, ingest.Excerpt(f.ID, ingest.MaxExcerpt), graph.ErrorMessage(err))
	}
	if im.nodes[n.ID] {
		return graph.Errorf(graph.CodeInvalid, "%s: node %s is already another object of the bundle", o.ID, n.ID)
	}
	im.nodes[n.ID] = true
	im.nodeOf[o.ID] = n.ID
	parts, err := nodeParts(o.ID, n, f.Sources)
	if err != nil {
		return err
	}
	im.out.Batch.Nodes = append(im.out.Batch.Nodes, parts...)
	return nil
}

// hasClaims reports whether a fact's sources carry their own claims: all
// of them or none.
func hasClaims(id string, in []factSource) (bool, error) {
	n := 0
	for _, s := range in {
		if s.Claim != nil {
			n++
		}
	}
	if n != 0 && n != len(in) {
		return false, graph.Errorf(graph.CodeInvalid, "%s: %d of %d sources carry a claim (all or none)", id, n, len(in))
	}
	return n > 0, nil
}

// nodeParts is the node as the store is to merge it: one record per source
// with what that source claimed, so that the store keeps who said what;
// the node itself when its sources agree.
func nodeParts(id string, n *graph.Node, in []factSource) ([]graph.Node, error) {
	claimed, err := hasClaims(id, in)
	if err != nil || !claimed {
		return []graph.Node{*n}, err
	}
	out := make([]graph.Node, len(in))
	for i, s := range in {
		c := s.Claim
		p := graph.Node{Kind: n.Kind, Key: n.Key, Label: c.Label, Aliases: c.Aliases, Props: c.Props, Sources: n.Sources[i : i+1]}
		if p.ValidFrom, err = parseOpt(id, fmt.Sprintf("sources[%d].claim.valid_from", i), c.ValidFrom); err != nil {
			return nil, err
		}
		if p.ValidTo, err = parseOpt(id, fmt.Sprintf("sources[%d].claim.valid_to", i), c.ValidTo); err != nil {
			return nil, err
		}
		if err := graph.PrepareNode(&p); err != nil {
			return nil, graph.Errorf(graph.ErrorCode(err), "%s: sources[%d].claim: %s", id, i, graph.ErrorMessage(err))
		}
		out[i] = p
	}
	return out, nil
}

// edge reads a relationship's edge; its ends must be objects of the bundle
// that were read as the nodes its fact names.
func (im *importer) edge(o raw, f fact, sources []graph.Source) error {
	for _, end := range []struct{ field, ref, want string }{{"source_ref", o.SourceRef, f.From}, {"target_ref", o.TargetRef, f.To}} {
		got, ok := im.nodeOf[end.ref]
		if !ok {
			return graph.Errorf(graph.CodeInvalid, "%s: %s %s is not a fact of the bundle", o.ID, end.field, ingest.Excerpt(end.ref, ingest.MaxExcerpt))
		}
		if got != end.want {
			return graph.Errorf(graph.CodeInvalid, "%s: %s is node %s, but its fact says %s", o.ID, end.field, got, ingest.Excerpt(end.want, ingest.MaxExcerpt))
		}
	}
	e := &graph.Edge{
		Kind: graph.EdgeKind(f.Kind), From: f.From, To: f.To, Key: f.Key, Amount: f.Amount, Asset: f.Asset,
		ValueUSD: f.ValueUSD, TxHash: f.TxHash, Props: f.Props, Sources: sources,
	}
	var err error
	for _, t := range []struct {
		field, s string
		into     *time.Time
	}{{"time", f.Time, &e.Time}, {"valid_from", f.ValidFrom, &e.ValidFrom}, {"valid_to", f.ValidTo, &e.ValidTo}} {
		if *t.into, err = parseOpt(o.ID, t.field, t.s); err != nil {
			return err
		}
	}
	if err := graph.PrepareEdge(e); err != nil {
		return graph.Errorf(graph.ErrorCode(err), "%s: edge: %s", o.ID, graph.ErrorMessage(err))
	}
	if e.ID != f.ID {
		return graph.Errorf(graph.CodeInvalid, "%s: the fact's id %s is not its kind, ends and key (%s)", o.ID, ingest.Excerpt(f.ID, ingest.MaxExcerpt), e.ID)
	}
	if im.nodes[e.ID] {
		return graph.Errorf(graph.CodeInvalid, "%s: edge %s is already another object of the bundle", o.ID, e.ID)
	}
	im.nodes[e.ID] = true // an edge ID never equals a node ID (it holds ">")
	parts, err := edgeParts(o.ID, e, f.Sources)
	if err != nil {
		return err
	}
	im.out.Batch.Edges = append(im.out.Batch.Edges, parts...)
	return nil
}

// edgeParts is nodeParts for an edge.
func edgeParts(id string, e *graph.Edge, in []factSource) ([]graph.Edge, error) {
	claimed, err := hasClaims(id, in)
	if err != nil || !claimed {
		return []graph.Edge{*e}, err
	}
	out := make([]graph.Edge, len(in))
	for i, s := range in {
		c := s.Claim
		p := graph.Edge{Kind: e.Kind, From: e.From, To: e.To, Key: e.Key, Amount: c.Amount, Asset: c.Asset, ValueUSD: c.ValueUSD,
			TxHash: c.TxHash, Props: c.Props, Sources: e.Sources[i : i+1]}
		for _, t := range []struct {
			field, s string
			into     *time.Time
		}{{"time", c.Time, &p.Time}, {"valid_from", c.ValidFrom, &p.ValidFrom}, {"valid_to", c.ValidTo, &p.ValidTo}} {
			if *t.into, err = parseOpt(id, fmt.Sprintf("sources[%d].claim.%s", i, t.field), t.s); err != nil {
				return nil, err
			}
		}
		if err := graph.PrepareEdge(&p); err != nil {
			return nil, graph.Errorf(graph.ErrorCode(err), "%s: sources[%d].claim: %s", id, i, graph.ErrorMessage(err))
		}
		if p.ID != e.ID {
			return nil, graph.Errorf(graph.CodeInvalid, "%s: sources[%d].claim makes another edge", id, i)
		}
		out[i] = p
	}
	return out, nil
}

// sourcesIn reads a fact's sources; each keeps its own marking. Export
// marks an object with its most restrictive source's; an object marked
// more strictly than all its sources (edited, or by another producer)
// raises them to its marking.
func sourcesIn(id string, in []factSource, objMark graph.Marking) ([]graph.Source, error) {
	if len(in) == 0 {
		return nil, graph.Errorf(graph.CodeInvalid, "%s: Redthread fact without sources", id)
	}
	most := graph.TLPClear
	for _, s := range in {
		most = maxMarking(most, s.Marking)
	}
	floor := graph.TLPClear
	if objMark.Rank() > most.Rank() {
		floor = objMark
	}
	out := make([]graph.Source, len(in))
	for i, s := range in {
		m := cmp.Or(s.Marking, graph.TLPClear)
		if !m.Valid() {
			return nil, graph.Errorf(graph.CodeInvalid, "%s: sources[%d].marking %q is not a TLP 2.0 marking", id, i, ingest.Excerpt(string(m), ingest.MaxExcerpt))
		}
		t, err := parseOpt(id, fmt.Sprintf("sources[%d].retrieved_at", i), s.RetrievedAt)
		if err != nil {
			return nil, err
		}
		out[i] = graph.Source{
			Dataset: s.Dataset, Record: s.Record, Job: s.Job, RetrievedAt: t, URL: s.URL, Excerpt: s.Excerpt,
			Confidence: s.Confidence, Marking: maxMarking(m, floor), Agency: s.Agency, User: s.User, Illustrative: s.Illustrative,
		}
	}
	return out, nil
}

func parseOpt(id, field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, graph.Errorf(graph.CodeInvalid, "%s: %s %q is not an RFC 3339 time", id, field, ingest.Excerpt(s, ingest.MaxExcerpt))
	}
	return t.UTC(), nil
}

// view builds the new case: the report's name, every imported node at its
// exported position (else on a circle), every imported edge, and the
// notes on imported nodes.
func (im *importer) view() error {
	if len(im.out.Batch.Nodes) == 0 {
		return graph.Errorf(graph.CodeInvalid, "bundle: no Redthread facts to import (a bundle of another producer is ingested with `redthread ingest --format stix`)")
	}
	name, pos := "Imported STIX bundle", map[string][2]float64{}
	notes := map[string]string{}
	for _, o := range im.objs {
		switch o.Type {
		case "report":
			name = cmp.Or(strings.TrimSpace(o.Name), name)
			var c caseExt
			if ext, ok := o.Extensions[extCase]; ok {
				if err := json.Unmarshal(ext, &c); err != nil {
					return graph.Errorf(graph.CodeInvalid, "%s: Redthread case extension: %s", o.ID, strings.TrimPrefix(err.Error(), "json: "))
				}
				pos = c.Positions
			}
		case "note":
			if len(o.ObjectRefs) == 0 {
				im.skip(o, "a note on nothing")
				continue
			}
			node, ok := im.nodeOf[o.ObjectRefs[0]]
			if !ok {
				im.skip(o, "a note on an object that is not a Redthread fact")
				continue
			}
			text := strings.TrimSpace(o.Content)
			if utf8.RuneCountInString(text) > maxNoteRunes {
				return graph.Errorf(graph.CodeLimit, "%s: a note of more than %d characters", o.ID, maxNoteRunes)
			}
			notes[node] = strings.TrimSpace(notes[node] + "\n" + text)
		}
	}
	type viewNode struct {
		ID   string  `json:"id"`
		X    float64 `json:"x"`
		Y    float64 `json:"y"`
		Note string  `json:"note,omitempty"`
	}
	// A fact whose sources differ comes as one record per source: the view
	// holds it once.
	var ids []string
	for _, n := range im.out.Batch.Nodes {
		if len(ids) == 0 || ids[len(ids)-1] != n.ID {
			ids = append(ids, n.ID)
		}
	}
	nodes := make([]viewNode, len(ids))
	for i, id := range ids {
		p, ok := pos[id]
		if !ok || math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
			a := 2 * math.Pi * float64(i) / float64(len(nodes))
			p = [2]float64{math.Round(100*math.Cos(a)*100) / 100, math.Round(100*math.Sin(a)*100) / 100}
		}
		nodes[i] = viewNode{ID: id, X: p[0], Y: p[1], Note: notes[id]}
	}
	edges := make([]string, 0, len(im.out.Batch.Edges))
	for _, e := range im.out.Batch.Edges {
		if len(edges) == 0 || edges[len(edges)-1] != e.ID {
			edges = append(edges, e.ID)
		}
	}
	v, err := json.Marshal(map[string]any{"v": 1, "nodes": nodes, "edges": edges, "groups": []any{}, "filters": map[string]any{}})
	if err != nil {
		return fmt.Errorf("import: case view: %w", err)
	}
	if utf8.RuneCountInString(name) > cases.MaxNameRunes {
		name = string([]rune(name)[:cases.MaxNameRunes])
	}
	im.out.Case = cases.Draft{Name: name, View: v}
	return nil
}

// checkShape walks the JSON tokens of data, before anything is decoded
// into Go values: nesting deeper than depth, or a string longer than
// MaxStringBytes, refuses the bundle naming the object it is in.
func checkShape(data []byte, depth int) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	level, index := 0, -1
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return graph.Errorf(graph.CodeInvalid, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				level++
				if level == 3 {
					index++
				}
				if level > depth {
					return graph.Errorf(graph.CodeLimit, "objects[%d]: nested more than %d levels deep", index, depth-2)
				}
			} else {
				level--
			}
		case string:
			if len(t) > MaxStringBytes {
				return graph.Errorf(graph.CodeLimit, "objects[%d]: a string of %s, over the limit of %s", max(index, 0), ingest.FormatBytes(int64(len(t))), ingest.FormatBytes(MaxStringBytes))
			}
		}
	}
}

func idOf(r json.RawMessage) string {
	var o struct {
		ID any `json:"id"`
	}
	_ = json.Unmarshal(r, &o)
	s, _ := o.ID.(string)
	return ingest.Excerpt(s, ingest.MaxExcerpt)
}
