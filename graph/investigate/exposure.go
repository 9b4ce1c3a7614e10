package investigate

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// Exposure categories besides services' own categories (exchange, mixer,
// bridge, otc...). A node in several counts once, in the first that
// applies: sanctioned, then theft, then its service's category.
const (
	CategorySanctioned = "sanctioned"
	CategoryTheft      = "theft" // a wallet that received loot from an incident
)

// ExposureQuery asks how much of what a wallet received came from, and of
// what it sent went to, each risk category within some hops.
type ExposureQuery struct {
	ID        string
	MaxHops   int             // 0 means 3
	Direction graph.Direction // IN: received from; OUT: sent to; BOTH or empty: both
	Since     int64
	Until     int64
	AsOf      int64
	HubDegree int // see PathsQuery.HubDegree
	Routes    int // top routes listed per category; 0 means 3
}

// ExposureResult is the answer to an ExposureQuery.
type ExposureResult struct {
	Received *ExposureSide // nil unless asked (IN or BOTH)
	Sent     *ExposureSide // nil unless asked (OUT or BOTH)
	Truncation
}

// ExposureSide is exposure in one direction. Value is split at every
// wallet that has no category in proportion to what it moved (a haircut
// that ignores time), so shares add up to at most 1; what reaches no
// category within the hops, or stops at a hub, is Unattributed.
type ExposureSide struct {
	Total        float64 // what the wallet received (or sent)
	Categories   []ExposureShare
	Unattributed float64
}

// ExposureShare is the part of a total that came from (went to) a category.
type ExposureShare struct {
	Category string
	Value    float64
	Share    float64 // Value / Total
	Routes   []ExposureRoute
}

// ExposureRoute is one of the routes that contribute most to a share.
type ExposureRoute struct {
	Nodes []string // from the queried wallet to the categorised node
	Value float64
}

// Exposure answers an ExposureQuery.
func Exposure(ctx context.Context, t Topology, q ExposureQuery, l Limits) (ExposureResult, error) {
	var res ExposureResult
	l = l.OrDefaults()
	if q.MaxHops == 0 {
		q.MaxHops = 3
	}
	hops, _, err := l.hops(q.MaxHops)
	if err != nil {
		return res, err
	}
	if err := checkDirection(q.Direction); err != nil {
		return res, err
	}
	if q.Routes <= 0 {
		q.Routes = 3
	}
	v := newView(ctx, t, l, &res.Truncation)
	v.asOf = q.AsOf
	start, err := v.resolve(ctx, []string{q.ID}, q.AsOf)
	if err != nil {
		return res, err
	}
	hub := l.hub(q.HubDegree)
	for _, d := range []graph.Direction{graph.In, graph.Out} {
		if q.Direction != "" && q.Direction != graph.Both && q.Direction != d {
			continue
		}
		side, err := exposureSide(ctx, v, start[0], d, hops, hub, q)
		if err != nil && !errors.Is(err, errBudget) {
			return ExposureResult{}, err
		}
		if d == graph.In {
			res.Received = side
		} else {
			res.Sent = side
		}
	}
	return res, nil
}

// categoryOf returns the exposure category of a classified node.
func categoryOf(c class) string {
	switch {
	case c.sanctioned:
		return CategorySanctioned
	case c.incident != None:
		return CategoryTheft
	case c.isService():
		if c.category == "" {
			return "service"
		}
		return c.category
	}
	return ""
}

type contribution struct {
	route []uint32
	value float64
}

func exposureSide(ctx context.Context, v *view, start uint32, dir graph.Direction, hops, hub int, q ExposureQuery) (*ExposureSide, error) {
	side := &ExposureSide{}
	f := Filter{Dir: dir, Kinds: []graph.EdgeKind{graph.EdgeTransfer}, Since: q.Since, Until: q.Until, AsOf: q.AsOf}
	// Per node, by local number (see nodeTable): the mass it passes on,
	// the mass the level gives it, the best contribution of the level and
	// the route of that contribution; stamps say which level wrote them.
	var lv levelArrays
	lv.set(v, start, -1, []uint32{start}) // -1: the start, which passes on what it moved
	byCat := map[string]*ExposureShare{}
	contribs := map[string][]contribution{}
	frontier := []uint32{start}
	defer func() {
		for cat, s := range byCat {
			cs := contribs[cat]
			slices.SortStableFunc(cs, func(a, b contribution) int { return cmp.Compare(b.value, a.value) })
			for _, c := range cs[:min(len(cs), q.Routes)] {
				r := ExposureRoute{Value: c.value}
				for _, u := range c.route {
					r.Nodes = append(r.Nodes, v.id(u))
				}
				s.Routes = append(s.Routes, r)
			}
			if side.Total > 0 {
				s.Share = s.Value / side.Total
			}
			side.Categories = append(side.Categories, *s)
		}
		slices.SortFunc(side.Categories, func(a, b ExposureShare) int {
			return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.Category, b.Category))
		})
	}()
	for level := 0; level < hops && len(frontier) > 0; level++ {
		var nodes []uint32
		for _, u := range frontier {
			if u != start && v.info.of(u).Degree > hub {
				side.Unattributed += lv.massOf(v, u)
				v.trunc.Add(graph.CauseHubSkipped, "value through wallets with more than %d edges (hubs) is left unattributed", hub)
				continue
			}
			nodes = append(nodes, u)
		}
		lists, err := v.expand(ctx, nodes, f)
		if err != nil {
			return side, err
		}
		var reached []uint32
		for i, u := range nodes {
			for _, a := range lists[i] {
				if a.From != a.To {
					reached = append(reached, a.Other(u))
				}
			}
		}
		if err := v.classify(ctx, reached); err != nil {
			return side, err
		}
		var order []uint32
		lv.level++
		for i, u := range nodes {
			total := 0.0
			for _, a := range lists[i] {
				if a.From != a.To {
					total += value(&a)
				}
			}
			m := lv.massOf(v, u)
			if m < 0 {
				side.Total, m = total, total
			}
			if total == 0 {
				side.Unattributed += m
				continue
			}
			for _, a := range lists[i] {
				w := a.Other(u)
				if a.From == a.To || w == start {
					continue
				}
				c := m * value(&a) / total
				if cat := categoryOf(v.classOf(w)); cat != "" {
					s := byCat[cat]
					if s == nil {
						s = &ExposureShare{Category: cat}
						byCat[cat] = s
					}
					s.Value += c
					contribs[cat] = append(contribs[cat], contribution{append(slices.Clone(lv.routeOf(v, u)), w), c})
					continue
				}
				if lv.add(v, w, c) {
					order = append(order, w)
				}
				if lv.better(v, w, c) {
					lv.setRoute(v, w, append(slices.Clone(lv.routeOf(v, u)), w))
				}
			}
		}
		if err := v.b.visit(len(order)); err != nil {
			return side, err
		}
		if level == hops-1 {
			for _, w := range order {
				side.Unattributed += lv.nextOf(v, w)
			}
		}
		v.sortByID(order)
		lv.advance(v, order)
		frontier = order
	}
	return side, nil
}
