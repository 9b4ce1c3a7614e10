package neo4jstore

import (
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Claims (graph/claims.go) live in d under "k", one per source in the
// order of "s", under short names; times in UTC like the record's. A record
// with two sources or more always has "k" ([] when every source claims the
// whole record, graph's nil Claims); one without it was written before
// claims, and reads with graph.LegacyNodeClaims / LegacyEdgeClaims (who
// said what is unknown) until a write of its sources replaces it. A record
// with one source never has claims.

type nodeClaim struct {
	Label     string      `json:"l"`
	Aliases   []string    `json:"a,omitempty"`
	Props     graph.Props `json:"p,omitempty"`
	ValidFrom time.Time   `json:"f,omitzero"`
	ValidTo   time.Time   `json:"v,omitzero"`
}

type edgeClaim struct {
	Amount    float64     `json:"n,omitempty"`
	Asset     string      `json:"s,omitempty"`
	ValueUSD  float64     `json:"u,omitempty"`
	Time      time.Time   `json:"t,omitzero"`
	TxHash    string      `json:"x,omitempty"`
	Props     graph.Props `json:"p,omitempty"`
	ValidFrom time.Time   `json:"f,omitzero"`
	ValidTo   time.Time   `json:"v,omitzero"`
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// packNodeClaims returns d's "k" for n: nil (left out) for one source.
func packNodeClaims(n *graph.Node) *[]nodeClaim {
	if len(n.Sources) < 2 {
		return nil
	}
	out := make([]nodeClaim, len(n.Claims))
	for i, c := range n.Claims {
		out[i] = nodeClaim{c.Label, c.Aliases, c.Props, utc(c.ValidFrom), utc(c.ValidTo)}
	}
	return &out
}

func unpackNodeClaims(k *[]nodeClaim, n *graph.Node) []graph.NodeClaim {
	switch {
	case k == nil:
		return graph.LegacyNodeClaims(n)
	case len(*k) == 0:
		return nil
	}
	out := make([]graph.NodeClaim, len(*k))
	for i, c := range *k {
		out[i] = graph.NodeClaim{Label: c.Label, Aliases: c.Aliases, Props: c.Props, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo}
	}
	return out
}

// packEdgeClaims returns d's "k" for e: nil (left out) for one source.
func packEdgeClaims(e *graph.Edge) *[]edgeClaim {
	if len(e.Sources) < 2 {
		return nil
	}
	out := make([]edgeClaim, len(e.Claims))
	for i, c := range e.Claims {
		out[i] = edgeClaim{c.Amount, c.Asset, c.ValueUSD, utc(c.Time), c.TxHash, c.Props, utc(c.ValidFrom), utc(c.ValidTo)}
	}
	return &out
}

func unpackEdgeClaims(k *[]edgeClaim, e *graph.Edge) []graph.EdgeClaim {
	switch {
	case k == nil:
		return graph.LegacyEdgeClaims(e)
	case len(*k) == 0:
		return nil
	}
	out := make([]graph.EdgeClaim, len(*k))
	for i, c := range *k {
		out[i] = graph.EdgeClaim{Amount: c.Amount, Asset: c.Asset, ValueUSD: c.ValueUSD, Time: c.Time, TxHash: c.TxHash,
			Props: c.Props, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo}
	}
	return out
}
