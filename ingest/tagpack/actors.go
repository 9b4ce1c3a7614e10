package tagpack

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
)

// Actor is an entry of an ActorPack.
type Actor struct {
	ID            string
	Label         string
	URI           string
	Categories    []string
	Jurisdictions []string
	Aliases       []string
	Kind          graph.NodeKind // from Categories, see actorKind
	Line          int

	inferred  bool   // not from an ActorPack: known only by its id
	packLabel string // then, the label of the pack that names it
}

// key is the actor's natural key: the slug of its label (CONVENTIONS: a
// group or service is keyed by the slug of its name, so GraphSense's
// lazarusgroup "Lazarus Group" is threat_group:lazarus-group, as in STIX).
func (a *Actor) key() string {
	if a.inferred {
		return cmp.Or(a.packLabel, a.ID)
	}
	return cmp.Or(strings.TrimSpace(a.Label), a.ID)
}

// node returns the actor's node. Nodes a TagPack emits for the actors its
// tags name carry only the label (full=false), so that they never
// contradict the props the ActorPack itself gives.
func (a *Actor) node(src graph.Source, full bool) *graph.Node {
	n := &graph.Node{Kind: a.Kind, Key: a.key(), Sources: []graph.Source{src}}
	if !a.inferred {
		n.Label = a.Label
	}
	if full {
		n.Aliases = a.Aliases
		n.Props = graph.Props{"graphsenseIds": []string{a.ID}}
		if len(a.Categories) > 0 {
			n.Props["categories"] = a.Categories
		}
		if len(a.Jurisdictions) > 0 {
			n.Props["jurisdictions"] = a.Jurisdictions
		}
		if a.URI != "" {
			n.Props["uri"] = a.URI
		}
	}
	return n
}

// Actors is a set of ActorPack actors, looked up by id or alias.
type Actors struct {
	byID    map[string]*Actor
	byAlias map[string]*Actor
}

// ParseActors reads an ActorPack. Entries without an id are skipped; a
// document that is not an ActorPack is an error.
func ParseActors(r io.Reader, name string) (*Actors, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%s: %w", name, ingest.TooLarge("the pack", MaxBytes, true, MaxBytes))
	}
	a, err := parseActors(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// parseActors parses an ActorPack; its errors are coded (*graph.Error).
func parseActors(data []byte) (*Actors, error) {
	var h header
	if err := yaml.Unmarshal(data, &h); err != nil {
		line, _ := yamlError(err)
		return nil, graph.WrapError(graph.CodeInvalid, err, "not a valid ActorPack: invalid YAML at line %d", line)
	}
	if h.Actors.Kind != yaml.SequenceNode {
		return nil, graph.Errorf(graph.CodeInvalid, "not an ActorPack: no list of actors")
	}
	out := &Actors{byID: map[string]*Actor{}, byAlias: map[string]*Actor{}}
	for _, item := range h.Actors.Content {
		if a, err := decodeActor(item); err == nil {
			out.byID[a.ID] = a
			for _, alias := range a.Aliases {
				if _, taken := out.byAlias[alias]; !taken {
					out.byAlias[alias] = a
				}
			}
		}
	}
	return out, nil
}

// ReadActorsFile reads the ActorPack at path.
func ReadActorsFile(path string) (*Actors, error) {
	data, err := readLimited(ingest.OSFiles{}, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ParseActors(bytes.NewReader(data), path)
}

// Len is the number of actors.
func (a *Actors) Len() int {
	if a == nil {
		return 0
	}
	return len(a.byID)
}

// Format is the ingest.Format of packs whose actors are looked up in a.
func (a *Actors) Format(r io.Reader, name string) ingest.Reader { return NewReader(r, name, a) }

// File returns a Source reading the pack at path with a's actors.
func (a *Actors) File(path string) ingest.Source { return ingest.File(path, a.Format) }

// FileFrom is File opening the pack through o (nil: ingest.OSFiles).
func (a *Actors) FileFrom(o ingest.Opener, path string) ingest.Source {
	return ingest.FileFrom(o, path, a.Format)
}

// Bytes returns a Source reading a pack from data with a's actors.
func (a *Actors) Bytes(name string, data []byte) ingest.Source {
	return ingest.Bytes(name, data, a.Format)
}

func (a *Actors) add(b *Actors) {
	maps.Copy(a.byID, b.byID)
	maps.Copy(a.byAlias, b.byAlias)
}

// lookup finds an actor by id, then by alias (TagPacks name some actors by
// an older id, e.g. tornadocash).
func (a *Actors) lookup(id string) *Actor {
	if a == nil {
		return nil
	}
	if x := a.byID[id]; x != nil {
		return x
	}
	return a.byAlias[id]
}

type actorYAML struct {
	ID            string    `yaml:"id"`
	Label         string    `yaml:"label"`
	URI           string    `yaml:"uri"`
	Categories    []string  `yaml:"categories"`
	Jurisdictions []string  `yaml:"jurisdictions"`
	Aliases       []string  `yaml:"aliases"`
	Context       yaml.Node `yaml:"context"`
}

// errField is an error about one field of an actor.
type errField struct {
	field string
	err   error
}

func (e *errField) Error() string { return e.field + ": " + e.err.Error() }

func decodeActor(item *yaml.Node) (*Actor, error) {
	if item.Kind != yaml.MappingNode {
		return nil, errors.New("want a mapping with id, label, categories…")
	}
	var y actorYAML
	if err := item.Decode(&y); err != nil {
		_, msg := yamlError(err)
		return nil, errors.New(msg)
	}
	a := &Actor{ID: strings.TrimSpace(y.ID), Label: strings.TrimSpace(y.Label), URI: strings.TrimSpace(y.URI),
		Categories: y.Categories, Jurisdictions: y.Jurisdictions, Aliases: y.Aliases, Line: item.Line}
	if a.ID == "" {
		return nil, &errField{"id", errors.New("missing")}
	}
	if a.Label == "" {
		return nil, &errField{"label", errors.New("missing: the actor's key is the slug of its label")}
	}
	a.Kind = actorKind(a.Categories...)
	return a, nil
}

// loadActors maps an ActorPack: one node per actor, keyed by the slug of
// its label. Actors whose labels slug alike (bitgo, bitgoinc "BitGo") are
// one node with one source per actor, so that the node's props do not
// depend on which came last.
func (r *Reader) loadActors(list *yaml.Node) {
	if list.Kind != yaml.SequenceNode {
		r.reject(list.Line, "", "actors", errors.New("want a list of actors"))
		return
	}
	type group struct {
		node *graph.Node
		line int
		ids  []string
	}
	var order []*group
	byID := map[string]*group{}
	for i, item := range list.Content {
		field := "actors[" + strconv.Itoa(i) + "]"
		a, err := decodeActor(item)
		if err != nil {
			var fe *errField
			if errors.As(err, &fe) {
				field, err = field+"."+fe.field, fe.err
			}
			r.reject(item.Line, "", field, err)
			continue
		}
		src := graph.Source{Dataset: r.dataset(), Record: "actor:" + a.ID, Confidence: graph.ConfidenceUnknown, Marking: graph.TLPClear}
		n := a.node(src, true)
		id, _, err := graph.NodeID(n.Kind, n.Key)
		if err != nil {
			r.reject(item.Line, "", field+".label", err)
			continue
		}
		g := byID[id]
		if g == nil {
			g = &group{node: n, line: item.Line}
			byID[id] = g
			order = append(order, g)
		} else {
			merge(g.node, n)
		}
		g.ids = append(g.ids, a.ID)
	}
	for _, g := range order {
		slices.Sort(g.ids)
		g.node.Props["graphsenseIds"] = g.ids
		r.emitNode(g.node, g.line, "")
	}
}

// merge folds actor node b into a: sources, aliases and list props united.
func merge(a, b *graph.Node) {
	a.Sources = append(a.Sources, b.Sources...)
	a.Aliases = append(a.Aliases, b.Aliases...)
	if b.Label != a.Label {
		a.Aliases = append(a.Aliases, b.Label)
	}
	for _, k := range []string{"categories", "jurisdictions"} {
		x, _ := a.Props[k].([]string)
		y, _ := b.Props[k].([]string)
		if u := union(x, y); len(u) > 0 {
			a.Props[k] = u
		}
	}
	if _, ok := a.Props["uri"]; !ok && b.Props["uri"] != nil {
		a.Props["uri"] = b.Props["uri"]
	}
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
