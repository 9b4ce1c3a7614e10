package model

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// Mappings from the investigation engine's answers to the schema's types.

func reason(t investigate.Truncation) *string { return optString(strings.Join(t.Reasons, "; ")) }

func optUnix(sec int64) *time.Time {
	if sec == 0 {
		return nil
	}
	t := time.Unix(sec, 0).UTC()
	return &t
}

func optID(s string) *string { return optString(s) }

// NewPathList maps a paths answer.
func NewPathList(r investigate.PathsResult) *PathList {
	out := &PathList{Paths: []*Path{}, SkippedHubs: nonNilStrings(r.SkippedHubs), Truncated: r.Truncated, Reason: reason(r.Truncation)}
	for _, p := range r.Paths {
		out.Paths = append(out.Paths, &Path{Nodes: nonNil(p.Nodes), Edges: NewEdges(p.Edges), Length: len(p.Edges),
			Hops: pathHops(graph.Path{Nodes: p.Nodes, Edges: p.Edges})})
	}
	return out
}

// NewShortestPath maps a one-path answer to the Path type, empty when no
// path was found.
func NewShortestPath(r investigate.PathsResult) *Path {
	p := &Path{Nodes: []Node{}, Edges: []*Edge{}, Truncated: r.Truncated, Reason: reason(r.Truncation)}
	if len(r.Paths) > 0 {
		p.Nodes, p.Edges, p.Length = nonNil(r.Paths[0].Nodes), NewEdges(r.Paths[0].Edges), len(r.Paths[0].Edges)
	}
	return p
}

// NewMoneyFlow maps a money-flow answer. Amounts stay per asset; a USD
// value is null unless every part of it has one.
func NewMoneyFlow(r investigate.FlowResult) *MoneyFlow {
	out := &MoneyFlow{Taint: r.Taint, Sources: nonNil(r.Sources), SourceValue: usdOf(r.Sent), SourceAmounts: assetAmounts(r.Sent, r.AssetOrder),
		Priced: r.Priced, RankedBy: r.RankedBy, AssetOrder: nonNilStrings(r.AssetOrder), Sinks: []*FlowSink{}, Routes: []*FlowRoute{}, Tainted: []*TaintedTransfer{},
		RouteCount: r.RouteCount, Truncated: r.Truncated, Reason: reason(r.Truncation),
		Prices: []*PriceClose{}, PricedFromTable: r.PricedFromTable, Valuation: r.Valuation}
	for i := range r.Prices {
		out.Prices = append(out.Prices, NewPriceClose(&r.Prices[i]))
	}
	if r.Stolen > 0 {
		out.Stolen = &r.Stolen
	}
	for _, s := range r.Sinks {
		usd := usdOf(s.Reached)
		out.Sinks = append(out.Sinks, &FlowSink{Node: NewNode(s.Node), Category: optString(s.Category), Wallets: nonNilStrings(s.Wallets), Value: usd, ValueUsd: usd,
			Amounts: assetAmounts(s.Reached, r.AssetOrder), Unpriced: nonNilStrings(s.Reached.Unpriced()), Routes: s.Routes,
			FirstArrival: optUnix(s.First), LastArrival: optUnix(s.Last), Summary: s.Summary, UsdFrom: nonNilUSDFrom(s.Reached.USDFrom())})
	}
	for _, tr := range r.Tainted {
		out.Tainted = append(out.Tainted, &TaintedTransfer{Edge: NewEdge(tr.Edge), Tainted: partUSD(tr.Tainted), TaintedAmount: partAmount(tr.Tainted),
			UsdFrom: partFrom(tr.Tainted), Price: partPrice(tr.Tainted)})
	}
	for _, rt := range r.Routes {
		fr := &FlowRoute{Value: partUSD(rt.Delivered), Amount: partAmount(rt.Delivered), Sink: rt.Sink, Alike: rt.Alike,
			UsdFrom: partFrom(rt.Delivered), Price: partPrice(rt.Delivered)}
		for _, h := range rt.Hops {
			fh := &FlowHop{From: h.From, To: h.To, Service: optID(h.Service), Time: optUnix(h.Time)}
			if h.Edge != nil {
				fh.Edge = NewEdge(h.Edge)
				fh.Value, fh.Tainted = partUSD(h.Transfer), partUSD(h.Tainted)
				fh.Amount, fh.TaintedAmount = partAmount(h.Transfer), partAmount(h.Tainted)
				fh.UsdFrom, fh.Price = partFrom(h.Transfer), partPrice(h.Transfer)
			}
			fr.Hops = append(fr.Hops, fh)
		}
		out.Routes = append(out.Routes, fr)
	}
	out.HopRecords = flowHopRecords(out.Routes)
	return out
}

// flowHopRecords flattens the routes' hops into one record each, amounts
// in the hop's own asset.
func flowHopRecords(routes []*FlowRoute) []*FlowHopRecord {
	out := []*FlowHopRecord{}
	for r, rt := range routes {
		for h, fh := range rt.Hops {
			rec := &FlowHopRecord{Route: r, Hop: h, From: fh.From, To: fh.To, Service: fh.Service, Time: fh.Time,
				ValueUsd: fh.Value, TaintedUsd: fh.Tainted, UsdFrom: fh.UsdFrom, Sink: rt.Sink}
			if fh.Edge != nil {
				id := fh.Edge.ID()
				rec.Edge = &id
			}
			if a := fh.Amount; a != nil {
				rec.Asset, rec.Amount = &a.Asset, &a.Amount
			}
			if a := fh.TaintedAmount; a != nil {
				rec.TaintedAmount = &a.Amount
			}
			out = append(out, rec)
		}
	}
	return out
}

func usdOf(v investigate.Value) *float64 {
	if usd, ok := v.USD(); ok {
		return &usd
	}
	return nil
}

func partUSD(p investigate.Part) *float64 {
	if !p.Priced {
		return nil
	}
	return &p.USD
}

// partFrom is where a part's USD came from, nil when it has none.
func partFrom(p investigate.Part) *investigate.USDSource {
	if !p.Priced || p.USDFrom == "" {
		return nil
	}
	return &p.USDFrom
}

func partPrice(p investigate.Part) *PriceClose {
	if p.Price == nil {
		return nil
	}
	return NewPriceClose(p.Price)
}

// NewPriceClose maps a close of the price table.
func NewPriceClose(p *graph.Price) *PriceClose {
	return &PriceClose{Asset: p.Asset, Day: p.Day.Format(time.DateOnly), UsdClose: p.USD, Source: sources([]graph.Source{p.Source})[0]}
}

func nonNilUSDFrom(in []investigate.USDSource) []investigate.USDSource {
	if in == nil {
		return []investigate.USDSource{}
	}
	return in
}

func partAmount(p investigate.Part) *AssetAmount {
	return &AssetAmount{Asset: p.Asset, Amount: p.Amount}
}

// assetAmounts lists v's amounts in the flow's asset order, then by name.
func assetAmounts(v investigate.Value, order []string) []*AssetAmount {
	out := []*AssetAmount{}
	for _, a := range v.Assets() {
		out = append(out, &AssetAmount{Asset: a, Amount: v.Amounts[a]})
	}
	rank := func(a string) int {
		if i := slices.Index(order, a); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b *AssetAmount) int { return cmp.Compare(rank(a.Asset), rank(b.Asset)) })
	return out
}

// NewAddressCluster maps a cluster answer.
func NewAddressCluster(r investigate.ClusterResult) *AddressCluster {
	out := &AddressCluster{Size: len(r.Members), Received: r.Received, Sent: r.Sent, FirstActivity: optUnix(r.First), LastActivity: optUnix(r.Last),
		Members: []*ClusterMember{}, Attributions: []*Attribution{}, Counterparties: []*Counterparty{}, Truncated: r.Truncated, Reason: reason(r.Truncation)}
	for _, m := range r.Members {
		cm := &ClusterMember{ID: m.ID, Hops: m.Hops, Via: optID(m.Via), Partner: optID(m.Partner)}
		if m.Heuristic != "" {
			h := m.Heuristic
			cm.Heuristic = &h
		}
		out.Members = append(out.Members, cm)
	}
	for _, a := range r.Attributions {
		out.Attributions = append(out.Attributions, &Attribution{Entity: NewNode(a.Entity), Wallet: a.Wallet, Edge: NewEdge(a.Edge), Confidence: confidence(a.Confidence)})
	}
	for _, c := range r.Counterparties {
		out.Counterparties = append(out.Counterparties, &Counterparty{ID: c.ID, Service: optID(c.Service), Category: optString(c.Category), Received: c.Received, Sent: c.Sent})
	}
	return out
}

// NewExposure maps an exposure answer.
func NewExposure(r investigate.ExposureResult) *Exposure {
	return &Exposure{Received: exposureSide(r.Received), Sent: exposureSide(r.Sent), Truncated: r.Truncated, Reason: reason(r.Truncation)}
}

func exposureSide(s *investigate.ExposureSide) *ExposureSide {
	if s == nil {
		return nil
	}
	out := &ExposureSide{Total: s.Total, Unattributed: s.Unattributed, Categories: []*ExposureShare{}}
	for _, c := range s.Categories {
		sh := &ExposureShare{Category: c.Category, Value: c.Value, Share: c.Share, Routes: []*ExposureRoute{}}
		for _, r := range c.Routes {
			sh.Routes = append(sh.Routes, &ExposureRoute{Nodes: r.Nodes, Value: r.Value})
		}
		out.Categories = append(out.Categories, sh)
	}
	return out
}

// NewCommunities maps a communities answer.
func NewCommunities(r investigate.CommunitiesResult) *Communities {
	out := &Communities{Components: append([][]string{}, r.Components...), Communities: []*Community{}, Modularity: r.Modularity, Hidden: nonNilStrings(r.Hidden),
		Truncated: r.Truncated, Reason: reason(r.Truncation)}
	for _, c := range r.Communities {
		out.Communities = append(out.Communities, &Community{ID: c.ID, Members: c.Members, InternalEdges: c.InternalEdges, TotalDegree: c.TotalDegree})
	}
	return out
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewPersonaCluster maps a persona-cluster answer.
func NewPersonaCluster(r investigate.PersonaClusterResult) *PersonaCluster {
	out := &PersonaCluster{Start: r.Start, Members: []*PersonaMember{}, Links: personaLinks(r.Links), Rejected: personaLinks(r.Rejected),
		Truncated: r.Truncated, Reason: reason(r.Truncation)}
	for _, m := range r.Members {
		out.Members = append(out.Members, &PersonaMember{ID: m.ID, Label: m.Label, Hops: m.Hops})
	}
	return out
}

func personaLinks(links []investigate.PersonaLink) []*PersonaLink {
	out := []*PersonaLink{}
	for _, l := range links {
		pl := &PersonaLink{A: l.A, B: l.B, Score: l.Score, Evidence: []*PersonaEvidence{}, Judgement: NewJudgement(l.Judgement)}
		for _, e := range l.Evidence {
			id := e.Identifier
			if id == "" && len(e.Edges) > 0 {
				id = e.Edges[0]
			}
			pl.Evidence = append(pl.Evidence, &PersonaEvidence{Identifier: id, Type: e.Type, Weight: e.Weight, Edges: nonNilStrings(e.Edges)})
		}
		out = append(out, pl)
	}
	return out
}

// NewJudgement maps a judgement; nil stays nil.
func NewJudgement(j *investigate.JudgementInfo) *SameAsJudgement {
	if j == nil {
		return nil
	}
	return &SameAsJudgement{Decision: SameAsDecision(j.Decision), By: j.By, Reason: j.Reason, At: j.At, Edge: j.Edge}
}

// NewSameAsCandidates maps a page of same-actor candidates.
func NewSameAsCandidates(r investigate.SameAsResult) *SameAsCandidates {
	out := &SameAsCandidates{Candidates: []*SameAsCandidate{}, HasNextPage: r.HasMore, Truncated: r.Truncated, Reason: reason(r.Truncation)}
	for _, c := range r.Candidates {
		sc := &SameAsCandidate{
			A: NewNode(c.A), B: NewNode(c.B), DatasetsA: strings0(c.DatasetsA), DatasetsB: strings0(c.DatasetsB),
			Matches: []*NameMatch{}, Judgement: NewJudgement(c.Judgement), Cursor: c.Cursor,
		}
		for _, m := range c.Matches {
			sc.Matches = append(sc.Matches, &NameMatch{A: m.A, B: m.B, Folded: m.Folded, Domain: m.Domain})
		}
		out.Candidates = append(out.Candidates, sc)
	}
	if n := len(out.Candidates); n > 0 {
		out.EndCursor = &out.Candidates[n-1].Cursor
	}
	return out
}

func strings0(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
