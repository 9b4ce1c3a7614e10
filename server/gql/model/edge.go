package model

import (
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Edge wraps a domain edge; fromNode and toNode are resolved by the
// resolvers through the per-request node loader.
type Edge struct{ e *graph.Edge }

// NewEdge wraps e; nil stays nil.
func NewEdge(e *graph.Edge) *Edge {
	if e == nil {
		return nil
	}
	return &Edge{e}
}

// NewEdges wraps each edge of es.
func NewEdges(es []*graph.Edge) []*Edge {
	out := make([]*Edge, len(es))
	for i, e := range es {
		out[i] = NewEdge(e)
	}
	return out
}

func (e *Edge) Graph() *graph.Edge      { return e.e }
func (e *Edge) ID() string              { return e.e.ID }
func (e *Edge) Kind() graph.EdgeKind    { return e.e.Kind }
func (e *Edge) From() string            { return e.e.From }
func (e *Edge) To() string              { return e.e.To }
func (e *Edge) Amount() *float64        { return optFloat(e.e.Amount) }
func (e *Edge) Asset() *string          { return optString(e.e.Asset) }
func (e *Edge) ValueUsd() *float64      { return optFloat(e.e.ValueUSD) }
func (e *Edge) Time() *time.Time        { return optTime(e.e.Time) }
func (e *Edge) TxHash() *string         { return optString(e.e.TxHash) }
func (e *Edge) Properties() []*Property { return properties(e.e.Props) }
func (e *Edge) Props() any              { return props(e.e.Props) }
func (e *Edge) Sources() []*Source      { return sources(e.e.Sources) }
func (e *Edge) Confidence() int         { return confidence(e.e.Confidence) }
func (e *Edge) Marking() graph.Marking  { return marking(e.e.Marking) }
func (e *Edge) ValidFrom() *time.Time   { return optTime(e.e.ValidFrom) }
func (e *Edge) ValidTo() *time.Time     { return optTime(e.e.ValidTo) }

// IllustrativeShare says whether some or all of the edge's sources are
// synthetic, so a client sees it without reading them.
func (e *Edge) IllustrativeShare() IllustrativeShare { return illustrativeShare(e.e.Sources) }
