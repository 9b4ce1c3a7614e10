package graph

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// Claims record which source said what, so that a viewer who sees only
// some of a fact's sources gets the fact as those sources alone give it
// (ViewNode, ViewEdge): a label, alias or property known only from a
// source they may not see never reaches them. A claim holds the values an
// assertion gave; the record itself stays the merge of every claim, so a
// viewer who sees every source gets the record as it is.
//
// Node.Claims and Edge.Claims are nil when every source claims the whole
// record (a record with one source always; two sources that said the same
// thing), else they hold one claim per source, in the order of Sources.
// The merge keeps them (MergeNode, MergeEdge) with the same rules that make
// the record: a source's claim is the merge of every assertion that came
// with it. Input never carries claims: PrepareNode and PrepareEdge clear
// them, and a prepared record's sources all claim it whole.

// NodeClaim is what sources said about a node.
type NodeClaim struct {
	Label     string    `json:"label"`
	Aliases   []string  `json:"aliases,omitempty"`
	Props     Props     `json:"props,omitempty"`
	ValidFrom time.Time `json:"validFrom,omitzero"`
	ValidTo   time.Time `json:"validTo,omitzero"`
}

// EdgeClaim is what sources said about an edge's values.
type EdgeClaim struct {
	Amount    float64   `json:"amount,omitempty"`
	Asset     string    `json:"asset,omitempty"`
	ValueUSD  float64   `json:"valueUSD,omitempty"`
	Time      time.Time `json:"time,omitzero"`
	TxHash    string    `json:"txHash,omitempty"`
	Props     Props     `json:"props,omitempty"`
	ValidFrom time.Time `json:"validFrom,omitzero"`
	ValidTo   time.Time `json:"validTo,omitzero"`
}

// Claim returns the node's own values as a claim.
func (n *Node) Claim() NodeClaim {
	return NodeClaim{Label: n.Label, Aliases: n.Aliases, Props: n.Props, ValidFrom: n.ValidFrom, ValidTo: n.ValidTo}
}

// ClaimAt returns the claim of n's source i.
func (n *Node) ClaimAt(i int) NodeClaim {
	if n.Claims == nil {
		return n.Claim()
	}
	return n.Claims[i]
}

func (n *Node) setClaim(c NodeClaim) {
	n.Label, n.Aliases, n.Props, n.ValidFrom, n.ValidTo = c.Label, c.Aliases, c.Props, c.ValidFrom, c.ValidTo
}

// Claim returns the edge's own values as a claim.
func (e *Edge) Claim() EdgeClaim {
	return EdgeClaim{Amount: e.Amount, Asset: e.Asset, ValueUSD: e.ValueUSD, Time: e.Time, TxHash: e.TxHash,
		Props: e.Props, ValidFrom: e.ValidFrom, ValidTo: e.ValidTo}
}

// ClaimAt returns the claim of e's source i.
func (e *Edge) ClaimAt(i int) EdgeClaim {
	if e.Claims == nil {
		return e.Claim()
	}
	return e.Claims[i]
}

func (e *Edge) setClaim(c EdgeClaim) {
	e.Amount, e.Asset, e.ValueUSD, e.Time, e.TxHash = c.Amount, c.Asset, c.ValueUSD, c.Time, c.TxHash
	e.Props, e.ValidFrom, e.ValidTo = c.Props, c.ValidFrom, c.ValidTo
}

// joinNodeClaims is MergeNode's rule for a node's values: the preferred
// label (preferLabel) with every other label among the aliases, properties
// united (mergeProps), validity widened. key is the node's key.
func joinNodeClaims(a, b NodeClaim, key string) NodeClaim {
	m := NodeClaim{Label: preferLabel(a.Label, b.Label, key)}
	aliases := slices.Concat(a.Aliases, b.Aliases)
	for _, l := range []string{a.Label, b.Label} {
		if l != key {
			aliases = append(aliases, l)
		}
	}
	m.Aliases = normAliases(aliases, m.Label)
	m.Props = mergeProps(a.Props, b.Props)
	m.ValidFrom = earliest(a.ValidFrom, b.ValidFrom)
	m.ValidTo = latest(a.ValidTo, b.ValidTo)
	return m
}

// joinEdgeClaims is MergeEdge's rule for an edge's values: the larger
// amount, the earlier time, the smaller asset or hash in byte order,
// properties united, validity widened.
func joinEdgeClaims(a, b EdgeClaim) EdgeClaim {
	return EdgeClaim{
		Amount:    max(a.Amount, b.Amount),
		ValueUSD:  max(a.ValueUSD, b.ValueUSD),
		Time:      earliest(a.Time, b.Time),
		Asset:     minNonEmpty(a.Asset, b.Asset),
		TxHash:    minNonEmpty(a.TxHash, b.TxHash),
		Props:     mergeProps(a.Props, b.Props),
		ValidFrom: earliest(a.ValidFrom, b.ValidFrom),
		ValidTo:   latest(a.ValidTo, b.ValidTo),
	}
}

// sameTime is equality as the codecs keep times: the instant and offset.
func sameTime(a, b time.Time) bool {
	_, x := a.Zone()
	_, y := b.Zone()
	return a.Equal(b) && x == y
}

// sameProps compares properties as stored: by their JSON, so that 5 and
// 5.0 (before and after a round trip through a store) are one value.
func sameProps(a, b Props) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func (c NodeClaim) equal(d NodeClaim) bool {
	return c.Label == d.Label && slices.Equal(c.Aliases, d.Aliases) && sameProps(c.Props, d.Props) &&
		sameTime(c.ValidFrom, d.ValidFrom) && sameTime(c.ValidTo, d.ValidTo)
}

func (c EdgeClaim) equal(d EdgeClaim) bool {
	return c.Amount == d.Amount && c.Asset == d.Asset && c.ValueUSD == d.ValueUSD && sameTime(c.Time, d.Time) &&
		c.TxHash == d.TxHash && sameProps(c.Props, d.Props) && sameTime(c.ValidFrom, d.ValidFrom) && sameTime(c.ValidTo, d.ValidTo)
}

// mergeClaims gives the claims of a merged record m from its two parts:
// each source's claim is the join of its claims on either side; nil when
// every claim is the record's own (whole). get(x, i) is part x's claim of
// its source i; wholeParts[x] is part x's own values when its sources
// claim it whole (its Claims are nil), else nil.
func mergeClaims[C interface{ equal(C) bool }](m []Source, parts [2][]Source, get func(part, i int) C, join func(a, b C) C, whole C, wholeParts [2]*C) []C {
	if len(m) == 1 {
		return nil
	}
	// the common case: both parts' sources claim them whole, and the parts
	// agree, so every source claims the (same) merged record
	if wholeParts[0] != nil && wholeParts[1] != nil && (*wholeParts[0]).equal(*wholeParts[1]) && (*wholeParts[0]).equal(whole) {
		return nil
	}
	byKey := make(map[string]C, len(m))
	for p, src := range parts {
		for i, s := range src {
			c := get(p, i)
			if o, ok := byKey[s.sourceKey()]; ok {
				c = join(o, c)
			}
			byKey[s.sourceKey()] = c
		}
	}
	out := make([]C, len(m))
	all := true
	for i, s := range m {
		out[i] = byKey[s.sourceKey()]
		all = all && out[i].equal(whole)
	}
	if all {
		return nil
	}
	return out
}

// LegacyNodeClaims returns claims for a node with several sources read
// from a store written before claims existed: who said what is unknown, so
// each source claims only the bare key (the label PrepareNode falls back
// to). A viewer who sees every source still gets the whole record; one who
// sees some gets the key and their sources, never a value another source
// may have given.
func LegacyNodeClaims(n *Node) []NodeClaim {
	if len(n.Sources) < 2 {
		return nil
	}
	out := make([]NodeClaim, len(n.Sources))
	for i := range out {
		out[i] = NodeClaim{Label: n.Key}
	}
	return out
}

// LegacyEdgeClaims is LegacyNodeClaims for an edge: each source claims no
// value (an edge without amount, time or properties).
func LegacyEdgeClaims(e *Edge) []EdgeClaim {
	if len(e.Sources) < 2 {
		return nil
	}
	return make([]EdgeClaim, len(e.Sources))
}

// wholeOf gives mergeClaims' wholeParts: a part's own values when it has
// no claims.
func wholeOf[C any](ca []C, a C, cb []C, b C) [2]*C {
	var w [2]*C
	if ca == nil {
		w[0] = &a
	}
	if cb == nil {
		w[1] = &b
	}
	return w
}
