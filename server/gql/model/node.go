// Package model holds the Go types behind the GraphQL schema: adapters that
// wrap the domain's graph.Node and graph.Edge (hand-written, here) and the
// plain result types gqlgen generates (models_gen.go).
package model

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Node is the GraphQL Node interface: a Wallet or an Entity.
type Node interface {
	IsNode()
	// Graph returns the domain node behind the API value.
	Graph() *graph.Node
}

// NewNode wraps n as the API type for its kind; nil stays nil so that a
// missing node is null rather than an empty object.
func NewNode(n *graph.Node) Node {
	switch {
	case n == nil:
		return nil
	case n.Kind == graph.KindWallet:
		return Wallet{base{n}}
	}
	return Entity{base{n}}
}

// NewNodes wraps each node of ns, keeping nils in place.
func NewNodes(ns []*graph.Node) []Node {
	out := make([]Node, len(ns))
	for i, n := range ns {
		out[i] = NewNode(n)
	}
	return out
}

// base carries the fields every node type shares.
type base struct{ n *graph.Node }

func (b base) Graph() *graph.Node      { return b.n }
func (b base) ID() string              { return b.n.ID }
func (b base) Kind() graph.NodeKind    { return b.n.Kind }
func (b base) Key() string             { return b.n.Key }
func (b base) Label() string           { return b.n.Label }
func (b base) Aliases() []string       { return b.n.Aliases }
func (b base) Properties() []*Property { return properties(b.n.Props) }
func (b base) Sources() []*Source      { return sources(b.n.Sources) }
func (b base) Confidence() int         { return confidence(b.n.Confidence) }
func (b base) Marking() graph.Marking  { return marking(b.n.Marking) }
func (b base) ValidFrom() *time.Time   { return optTime(b.n.ValidFrom) }
func (b base) ValidTo() *time.Time     { return optTime(b.n.ValidTo) }

// IllustrativeShare says whether some or all of the node's sources are
// synthetic, so a client sees it without reading them.
func (b base) IllustrativeShare() IllustrativeShare { return illustrativeShare(b.n.Sources) }

func illustrativeShare(ss []graph.Source) IllustrativeShare {
	switch anyOf, all := graph.Illustrative(ss); {
	case all:
		return IllustrativeShareAll
	case anyOf:
		return IllustrativeShareSome
	}
	return IllustrativeShareNone
}

// Wallet is a node of kind WALLET; its key is "chain:address".
type Wallet struct{ base }

func (Wallet) IsNode() {}

// Chain is the chain ticker, upper-case as people write it (BTC, ETH).
func (w Wallet) Chain() string {
	chain, _, _ := strings.Cut(w.n.Key, ":")
	return strings.ToUpper(chain)
}

// Address is the normalised address, the key without its chain.
func (w Wallet) Address() string {
	_, addr, _ := strings.Cut(w.n.Key, ":")
	return addr
}

// Entity is a node of any kind but WALLET.
type Entity struct{ base }

func (Entity) IsNode() {}

// properties lists props sorted by key so answers are stable.
func properties(p graph.Props) []*Property {
	out := make([]*Property, 0, len(p))
	for k, v := range p {
		out = append(out, &Property{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b *Property) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

func sources(ss []graph.Source) []*Source {
	out := make([]*Source, len(ss))
	for i, s := range ss {
		out[i] = &Source{
			Dataset:      s.Dataset,
			Record:       optString(s.Record),
			Job:          optString(s.Job),
			RetrievedAt:  optTime(s.RetrievedAt),
			URL:          optString(s.URL),
			Excerpt:      optString(s.Excerpt),
			Confidence:   confidence(s.Confidence),
			Marking:      marking(s.Marking),
			Illustrative: s.Illustrative,
		}
	}
	return out
}

// confidence reads 0 as unknown, as graph.Source documents.
func confidence(c int) int {
	if c <= 0 {
		return graph.ConfidenceUnknown
	}
	return c
}

// marking reads an empty or unknown marking as the most restrictive one
// that the data could mean: empty is TLP:CLEAR by the domain's rule, but an
// unknown value must never be shown as less restricted than it may be.
func marking(m graph.Marking) graph.Marking {
	switch {
	case m == "":
		return graph.TLPClear
	case !m.Valid():
		return graph.TLPRed
	}
	return m
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func optFloat(f float64) *float64 {
	if f == 0 {
		return nil
	}
	return &f
}

// Props is the node's properties as one JSON object (never null).
func (b base) Props() any { return props(b.n.Props) }

// props returns p as a JSON object, empty rather than null.
func props(p graph.Props) any {
	if p == nil {
		return map[string]any{}
	}
	return map[string]any(p)
}
