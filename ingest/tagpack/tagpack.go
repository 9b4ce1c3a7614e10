// Package tagpack reads GraphSense TagPacks (attribution tags of
// cryptocurrency addresses) and ActorPacks (the actors tags name) into
// graph records. FORMAT.md describes the mapping.
//
// A YAML document cannot be streamed item by item with yaml.v3, so a pack is
// decoded whole (at most MaxBytes); packs are small (the ActorPack of 3,813
// actors is 1.5 MB) and records are then produced one at a time.
package tagpack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// MaxBytes bounds one pack, so that a corrupt or hostile file cannot
// exhaust memory.
const MaxBytes = 64 << 20

// Format is the ingest.Format of TagPacks and ActorPacks without an
// ActorPack to look actors up in: an actor's kind is then inferred from the
// tag's category and abuse (see actorKind), its label from the pack.
func Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name, nil) }

// File returns a Source reading the pack at path (see Format).
func File(path string) ingest.Source { return ingest.File(path, Format) }

// Bytes returns a Source reading a pack from data (see Format).
func Bytes(name string, data []byte) ingest.Source { return ingest.Bytes(name, data, Format) }

// Files returns Sources for paths: ActorPacks among them (files with a
// top-level "actors" list) are loaded first and used to resolve the actors
// of every TagPack, and are ingested themselves, first.
func Files(ctx context.Context, paths ...string) ([]ingest.Source, error) {
	return FilesFrom(ctx, nil, paths...)
}

// FilesFrom is Files opening the files through o (nil: ingest.OSFiles). A
// file that cannot be read, or an ActorPack that cannot be parsed, is an
// *ingest.SourceError.
func FilesFrom(ctx context.Context, o ingest.Opener, paths ...string) ([]ingest.Source, error) {
	o = ingest.OpenerOr(o)
	var actorPaths, packPaths []string
	actors := &Actors{byID: map[string]*Actor{}, byAlias: map[string]*Actor{}}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := readLimited(o, p)
		if err != nil {
			return nil, &ingest.SourceError{File: p, Err: err}
		}
		if !isActorPack(data) {
			packPaths = append(packPaths, p)
			continue
		}
		a, err := parseActors(data)
		if err != nil {
			return nil, &ingest.SourceError{File: p, Err: err}
		}
		actors.add(a)
		actorPaths = append(actorPaths, p)
	}
	var out []ingest.Source
	for _, p := range slices.Concat(actorPaths, packPaths) {
		out = append(out, actors.FileFrom(o, p))
	}
	return out, nil
}

func readLimited(o ingest.Opener, path string) ([]byte, error) {
	f, err := o.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: a close error loses nothing
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, ingest.TooLarge("the pack", MaxBytes, true, MaxBytes)
	}
	return data, nil
}

// isActorPack reports whether a pack's top level has an "actors" key.
func isActorPack(data []byte) bool {
	var top map[string]yaml.Node
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top["actors"]
	return ok
}

// Reader reads the records of one TagPack or ActorPack.
type Reader struct {
	r      io.Reader
	name   string
	actors *Actors
	read   bool
	queue  ingest.Queue
}

// NewReader returns a Reader of the pack in r; name is the file name used in
// error reports and provenance (tagpack:<base name>); actors, when not nil,
// resolves the actors tags name.
func NewReader(r io.Reader, name string, actors *Actors) *Reader {
	return &Reader{r: r, name: name, actors: actors}
}

// Next returns the next record, a *ingest.RecordError for a tag or actor
// that cannot be mapped (call Next again), or io.EOF.
func (r *Reader) Next() (ingest.Record, error) {
	return r.queue.Next(func() error {
		if r.read {
			return io.EOF
		}
		r.read = true
		return r.load()
	})
}

func (r *Reader) dataset() string { return "tagpack:" + filepath.Base(r.name) }

// load decodes the pack and queues its records. A pack that cannot be
// decoded at all is one rejection.
func (r *Reader) load() error {
	data, err := io.ReadAll(io.LimitReader(r.r, MaxBytes+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", r.name, err)
	}
	if len(data) > MaxBytes {
		r.reject(0, "", "", ingest.TooLarge("the pack", MaxBytes, true, MaxBytes))
		return nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlError(err)
		r.reject(line, "", "", fmt.Errorf("invalid YAML: %s", msg))
		return nil
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		r.reject(doc.Line, "", "", errors.New("not a TagPack or ActorPack: want a YAML mapping with tags or actors"))
		return nil
	}
	root := doc.Content[0]
	var h header
	if err := root.Decode(&h); err != nil {
		line, msg := yamlError(err)
		r.reject(line, "", "", fmt.Errorf("header: %s", msg))
		return nil
	}
	switch {
	case h.Actors.Kind != 0:
		r.loadActors(&h.Actors)
	case h.Tags.Kind != 0:
		r.loadTags(&h, root)
	default:
		r.reject(root.Line, "", "tags", errors.New("missing: a TagPack lists tags, an ActorPack actors"))
	}
	return nil
}

func (r *Reader) reject(line int, id, field string, err error) {
	r.queue.Reject(&ingest.RecordError{Pos: ingest.Pos{File: r.name, Line: line}, ID: id, Field: field, Err: err})
}

func (r *Reader) emitNode(n *graph.Node, line int, field string) {
	if err := graph.PrepareNode(n); err != nil {
		r.reject(line, n.ID, field, err)
		return
	}
	r.queue.Push(ingest.Record{Node: n, Pos: ingest.Pos{File: r.name, Line: line}})
}

func (r *Reader) emitEdge(e *graph.Edge, line int, field string) {
	if err := graph.PrepareEdge(e); err != nil {
		r.reject(line, e.ID, field, err)
		return
	}
	r.queue.Push(ingest.Record{Edge: e, Pos: ingest.Pos{File: r.name, Line: line}})
}

// yamlError splits "yaml: line 3: did not find…" into its line and reason.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, reason, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				return n, reason
			}
		}
	}
	return 0, msg
}

// header is a TagPack's or ActorPack's top level. Tag fields given here are
// inherited by every tag.
type header struct {
	tagFields `yaml:",inline"`
	Title     string    `yaml:"title"`
	Creator   string    `yaml:"creator"`
	Tags      yaml.Node `yaml:"tags"`
	Actors    yaml.Node `yaml:"actors"`
}

// tagFields are the fields a tag has and may inherit from the header.
type tagFields struct {
	Address          string    `yaml:"address"`
	Currency         string    `yaml:"currency"`
	Label            string    `yaml:"label"`
	Source           string    `yaml:"source"`
	Category         string    `yaml:"category"`
	Abuse            string    `yaml:"abuse"`
	Actor            string    `yaml:"actor"`
	Confidence       string    `yaml:"confidence"`
	Lastmod          string    `yaml:"lastmod"`
	Context          yaml.Node `yaml:"context"`
	IsClusterDefiner string    `yaml:"is_cluster_definer"`
}

// tag is one tag with the header's fields filled in where it gives none.
type tag struct {
	tagFields
	index    int
	line     int
	ownLabel string // the tag's own label, not the pack's
	packName string // the header's label, when the header names the tag's actor
	confFrom string // field the confidence came from, for errors
}

func (r *Reader) loadTags(h *header, root *yaml.Node) {
	if h.Tags.Kind != yaml.SequenceNode {
		r.reject(h.Tags.Line, "", "tags", errors.New("want a list of tags"))
		return
	}
	var tags []tag
	for i, item := range h.Tags.Content {
		field := "tags[" + strconv.Itoa(i) + "]"
		if item.Kind != yaml.MappingNode {
			r.reject(item.Line, "", field, errors.New("want a mapping with address, currency…"))
			continue
		}
		t := tag{index: i, line: item.Line, confFrom: field + ".confidence"}
		if err := item.Decode(&t.tagFields); err != nil {
			_, msg := yamlError(err)
			r.reject(item.Line, "", field, errors.New(msg))
			continue
		}
		t.ownLabel = strings.TrimSpace(t.Label)
		if strings.TrimSpace(t.Actor) == "" || t.Actor == h.Actor {
			t.packName = strings.TrimSpace(h.Label)
		}
		if strings.TrimSpace(t.Confidence) == "" {
			t.confFrom = "confidence"
		}
		inherit(&t.tagFields, &h.tagFields)
		tags = append(tags, t)
	}
	r.mapTags(tags)
}

func inherit(t, h *tagFields) {
	for _, f := range []struct{ t, h *string }{
		{&t.Currency, &h.Currency}, {&t.Label, &h.Label}, {&t.Source, &h.Source},
		{&t.Category, &h.Category}, {&t.Abuse, &h.Abuse}, {&t.Actor, &h.Actor},
		{&t.Confidence, &h.Confidence}, {&t.Lastmod, &h.Lastmod}, {&t.IsClusterDefiner, &h.IsClusterDefiner},
	} {
		if strings.TrimSpace(*f.t) == "" {
			*f.t = *f.h
		}
	}
	if t.Context.Kind == 0 {
		t.Context = h.Context
	}
}

// wallet gathers the tags of one address in one pack: a pack may list an
// address several times (once per token it holds), and one record per
// address keeps a re-run from rewriting the wallet's label back and forth.
type wallet struct {
	key     string
	tags    []tag
	labels  []string
	conf    int
	url     string
	excerpt []string
}

func (r *Reader) mapTags(tags []tag) {
	var order []*wallet
	byKey := map[string]*wallet{}
	for _, t := range tags {
		field := "tags[" + strconv.Itoa(t.index) + "]"
		addr := strings.TrimSpace(t.Address)
		if addr == "" {
			r.reject(t.line, "", field+".address", errors.New("missing"))
			continue
		}
		if strings.TrimSpace(t.Currency) == "" {
			r.reject(t.line, "", field+".currency", fmt.Errorf("missing for address %q, in the tag and in the header", addr))
			continue
		}
		key, _, err := graph.WalletKey(t.Currency, addr)
		if err != nil {
			r.reject(t.line, "", field+".address", err)
			continue
		}
		conf, ok := confidence(t.Confidence)
		if !ok {
			r.reject(t.line, "wallet:"+key, t.confFrom, fmt.Errorf("%q is not a GraphSense confidence level (ownership, authority_data, service_data, forensic, heuristic, unknown…) nor a number 0–100", t.Confidence))
			continue
		}
		w := byKey[key]
		if w == nil {
			w = &wallet{key: key}
			byKey[key] = w
			order = append(order, w)
		}
		w.tags = append(w.tags, t)
		w.conf = max(w.conf, conf)
		w.url = cmp.Or(w.url, strings.TrimSpace(t.Source))
		if t.ownLabel != "" && !slices.Contains(w.labels, t.ownLabel) {
			w.labels = append(w.labels, t.ownLabel)
		}
		if x := excerpt(&t); !slices.Contains(w.excerpt, x) {
			w.excerpt = append(w.excerpt, x)
		}
	}
	actorsDone := map[string]bool{}
	for _, w := range order {
		r.mapWallet(w, actorsDone)
	}
}

// excerpt renders a tag's facts, inherited ones included, as the passage
// its records rest on.
func excerpt(t *tag) string {
	var parts []string
	for _, f := range []struct{ k, v string }{
		{"currency", t.Currency}, {"label", t.Label}, {"category", t.Category}, {"abuse", t.Abuse},
		{"actor", t.Actor}, {"confidence", t.Confidence}, {"lastmod", t.Lastmod}, {"context", contextText(&t.Context)},
	} {
		if v := strings.TrimSpace(f.v); v != "" {
			parts = append(parts, f.k+": "+v)
		}
	}
	return strings.Join(parts, "; ")
}

func contextText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

func (r *Reader) mapWallet(w *wallet, actorsDone map[string]bool) {
	first := w.tags[0]
	field := "tags[" + strconv.Itoa(first.index) + "]"
	src := graph.Source{Dataset: r.dataset(), Record: w.key, URL: w.url, Confidence: w.conf,
		Marking: graph.TLPClear, Excerpt: strings.Join(w.excerpt, " | ")}
	n := &graph.Node{Kind: graph.KindWallet, Key: w.key, Sources: []graph.Source{src}}
	if len(w.labels) > 0 {
		n.Label, n.Aliases = w.labels[0], w.labels[1:]
	}
	r.emitNode(n, first.line, field+".address")

	// One edge per actor the wallet's tags name.
	seen := map[string]bool{}
	for _, t := range w.tags {
		id := strings.TrimSpace(t.Actor)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		a := r.resolve(id, &t)
		actorID, _, err := graph.NodeID(a.Kind, a.key())
		if err != nil {
			r.reject(t.line, "", "tags["+strconv.Itoa(t.index)+"].actor", err)
			continue
		}
		if !actorsDone[actorID] {
			actorsDone[actorID] = true
			r.emitNode(a.node(graph.Source{Dataset: r.dataset(), Record: "actor:" + id, URL: w.url, Confidence: w.conf, Marking: graph.TLPClear}, false), t.line, "tags["+strconv.Itoa(t.index)+"].actor")
		}
		e := &graph.Edge{Kind: graph.EdgeControls, From: actorID, To: "wallet:" + w.key}
		if a.Kind == graph.KindThreatGroup {
			e = &graph.Edge{Kind: graph.EdgeAttributedTo, From: "wallet:" + w.key, To: actorID}
		}
		e.Props = graph.Props{"actor": id}
		if c := strings.TrimSpace(t.Category); c != "" {
			e.Props["category"] = c
		}
		if c := strings.TrimSpace(t.Abuse); c != "" {
			e.Props["abuse"] = c
		}
		e.Sources = []graph.Source{src}
		r.emitEdge(e, t.line, "tags["+strconv.Itoa(t.index)+"].actor")
	}
}

// resolve returns the actor a tag names: from the ActorPack when it lists
// the id, else inferred from the tag (kind from its category and abuse;
// key from the pack's label when the header names the actor, else the id).
func (r *Reader) resolve(id string, t *tag) *Actor {
	if a := r.actors.lookup(id); a != nil {
		return a
	}
	return &Actor{ID: id, Kind: actorKind(t.Category, t.Abuse), inferred: true, packLabel: t.packName}
}
