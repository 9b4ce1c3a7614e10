package investigate

import (
	"context"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// An analyst's judgement in force that two entities are one actor (a
// SAME_AS edge whose latest decision is SAME: confirmSameAs, the persona
// and same-actor reviews) makes the designations and attributions of one
// the other's: sinbad.io, confirmed to be OFAC's SINBAD, is sanctioned, and
// so is a wallet sinbad.io controls. The judgement edge is a step of the
// flag's path, so the reason says whose judgement it rests on. Only
// judgements count: a SAME_AS asserted by a source without a decision is a
// proposal, not an identity.

// riskTwins drafts the flags the starts owe to the confirmed twins of
// themselves and of the entities that control them (behind: an entity →
// the steps from each start to it). Two batches: the SAME_AS edges of all
// those nodes (and their decisions), then the twins' designation and
// attribution edges.
func riskTwins(ctx context.Context, v *view, starts []uint32, behind map[uint32][]riskStep, drafts riskDrafts, notes riskNotes) error {
	nodes := slices.Clone(starts)
	for m := range behind {
		nodes = append(nodes, m)
	}
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	v.sortByID(nodes)
	twins, err := confirmedTwins(ctx, v, nodes, notes)
	if err != nil || len(twins) == 0 {
		return err
	}
	var all []uint32
	for _, ts := range twins {
		for _, t := range ts {
			all = append(all, t.node)
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	v.sortByID(all)
	lists, err := v.expand(ctx, all, Filter{Dir: graph.Out, AsOf: v.asOf,
		Kinds: []graph.EdgeKind{graph.EdgeSanctionedBy, graph.EdgeAttributedTo}})
	if err != nil {
		return err
	}
	of := make(map[uint32][]Arc, len(all))
	for i, t := range all {
		of[t] = lists[i]
	}
	isStart := map[uint32]bool{}
	for _, u := range starts {
		isStart[u] = true
	}
	for _, x := range nodes {
		for _, tw := range twins[x] {
			arcs := of[tw.node]
			if len(arcs) > RiskFanout {
				notes.add(x, graph.CauseFanoutLimit, riskCapNote, RiskFanout)
				arcs = arcs[:RiskFanout]
			}
			if isStart[x] {
				twinDrafts(drafts, x, nil, tw, arcs, v.info.of(tw.node).Kind)
			}
			for _, b := range behind[x] {
				twinDrafts(drafts, b.node, &riskStep{b.arc, x}, tw, arcs, v.info.of(tw.node).Kind)
			}
		}
	}
	return nil
}

// twinDrafts drafts u's flags through twin tw (of u itself when first is
// nil, else of the entity first leads to) and the twin's arcs.
func twinDrafts(drafts riskDrafts, u uint32, first *riskStep, tw riskStep, arcs []Arc, twinKind graph.NodeKind) {
	prefix := []riskStep{}
	if first != nil {
		prefix = append(prefix, *first)
	}
	prefix = append(prefix, tw)
	// Sanctions pass along control, as riskOwnership's do; attributions pass
	// along control and loot.
	controlled := first == nil || first.arc.Kind == graph.EdgeControls
	if twinKind == graph.KindThreatGroup && controlled {
		drafts.add(u, riskDraft{kind: RiskAttributed, via: tw.node, path: slices.Clone(prefix)})
	}
	for _, a := range arcs {
		target := a.Other(tw.node)
		path := append(slices.Clone(prefix), riskStep{a, target})
		switch {
		case a.Kind == graph.EdgeSanctionedBy && controlled:
			drafts.add(u, riskDraft{kind: RiskSanctioned, via: target, path: path})
		case a.Kind == graph.EdgeAttributedTo:
			drafts.add(u, riskDraft{kind: RiskAttributed, via: target, path: path})
		}
	}
}

// confirmedTwins returns, for each of nodes, the other ends of its SAME_AS
// edges whose judgement in force is SAME, with the arc of that judgement.
func confirmedTwins(ctx context.Context, v *view, nodes []uint32, notes riskNotes) (map[uint32][]riskStep, error) {
	lists, err := v.expand(ctx, nodes, Filter{Dir: graph.Both, AsOf: v.asOf, Kinds: []graph.EdgeKind{graph.EdgeSameAs}})
	if err != nil {
		return nil, err
	}
	var edges handles
	for i, u := range nodes {
		lists[i] = capArcs(notes, u, lists[i])
		for _, a := range lists[i] {
			edges.add(a.Edge)
		}
	}
	if len(edges.list) == 0 {
		return nil, nil
	}
	slices.Sort(edges.list)
	es, err := v.edges(ctx, edges.list)
	if err != nil {
		return nil, err
	}
	judged := make(map[uint32]*JudgementInfo, len(es))
	for i, h := range edges.list {
		if es[i] == nil {
			continue
		}
		if j, ok, _ := judgementOf(es[i]); ok {
			judged[h] = j
		}
	}
	out := map[uint32][]riskStep{}
	for i, u := range nodes {
		// The judgement in force on each pair: the latest of its edges.
		type verdict struct {
			j   *JudgementInfo
			arc Arc
		}
		latest := map[uint32]verdict{}
		var order []uint32
		for _, a := range lists[i] {
			j := judged[a.Edge]
			o := a.Other(u)
			if j == nil || o == u {
				continue
			}
			cur, seen := latest[o]
			if !seen {
				order = append(order, o)
			}
			if !seen || laterJudgement(j, cur.j) {
				latest[o] = verdict{j, a}
			}
		}
		for _, o := range order {
			if vd := latest[o]; vd.j.Decision == JudgementSame {
				out[u] = append(out[u], riskStep{vd.arc, o})
			}
		}
	}
	return out, nil
}
