package investigate

import (
	"context"

	"github.com/redthread-dev/redthread/graph"
)

// class is what a node is, as far as money is concerned: part of a service
// (the service node itself, a wallet it controls, or a deposit address
// credited to it), sanctioned (itself or through a controller), or a
// wallet that received loot from an incident.
type class struct {
	service    uint32 // the SERVICE node, or None
	category   string // the service's props.category: exchange, mixer, bridge, otc...
	sanctioned bool
	incident   uint32 // the INCIDENT whose loot it received (STOLE), or None
}

// isService reports whether the node belongs to a service.
func (c class) isService() bool { return c.service != None }

var classKinds = []graph.EdgeKind{graph.EdgeControls, graph.EdgeDepositedAt, graph.EdgeSanctionedBy, graph.EdgeStole}

// classify makes sure nodes are classified, in a few batches for all of
// them: their ownership and sanction edges, their controllers' sanction
// edges, and the categories of the services found.
func (v *view) classify(ctx context.Context, nodes []uint32) error {
	if v.category == nil {
		v.category = map[uint32]string{}
	}
	var todo []uint32
	for _, u := range nodes {
		if !v.classified(u) {
			todo = append(todo, u)
			v.setClass(u, class{service: None, incident: None})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if err := v.describe(ctx, todo); err != nil {
		return err
	}
	lists, err := v.expandSome(ctx, todo, Filter{Kinds: classKinds, AsOf: v.asOf})
	if err != nil {
		return err
	}
	controllers := map[uint32][]uint32{} // controller → nodes it controls
	var ctrl, services []uint32
	for i, u := range todo {
		c := v.classOf(u)
		if v.info.of(u).Kind == graph.KindService {
			c.service = u
		}
		for _, a := range lists[i] {
			o := a.Other(u)
			switch {
			case a.Kind == graph.EdgeSanctionedBy && a.From == u:
				c.sanctioned = true
			case a.Kind == graph.EdgeStole && a.To == u && v.info.of(o).Kind == graph.KindIncident:
				if c.incident == None || v.id(o) < v.id(c.incident) {
					c.incident = o
				}
			case a.Kind == graph.EdgeControls && a.To == u && v.info.of(o).Kind == graph.KindService,
				a.Kind == graph.EdgeDepositedAt && a.From == u && v.info.of(o).Kind == graph.KindService:
				if c.service == None || v.id(o) < v.id(c.service) {
					c.service = o
				}
			case a.Kind == graph.EdgeControls && a.To == u:
				if len(controllers[o]) == 0 {
					ctrl = append(ctrl, o)
				}
				controllers[o] = append(controllers[o], u)
			}
		}
		if c.service != None {
			if _, ok := v.category[c.service]; !ok {
				v.category[c.service] = ""
				services = append(services, c.service)
			}
		}
		v.setClass(u, c)
	}
	if len(ctrl) > 0 {
		lists, err := v.expand(ctx, ctrl, Filter{Dir: graph.Out, Kinds: []graph.EdgeKind{graph.EdgeSanctionedBy}, AsOf: v.asOf})
		if err != nil {
			return err
		}
		for i, o := range ctrl {
			if len(lists[i]) == 0 {
				continue
			}
			for _, u := range controllers[o] {
				c := v.classOf(u)
				c.sanctioned = true
				v.setClass(u, c)
			}
		}
	}
	if len(services) > 0 {
		ns, err := v.nodes(ctx, services)
		if err != nil {
			return err
		}
		for i, s := range services {
			if cat, ok := ns[i].Props["category"].(string); ok {
				v.category[s] = cat
			}
		}
	}
	for _, u := range todo {
		c := v.classOf(u)
		if c.service != None {
			c.category = v.category[c.service]
			v.setClass(u, c)
		}
	}
	return nil
}

// expandSome is expand for a filter few nodes have arcs under (most
// wallets have no ownership, sanction or loot edge): on an Arrays
// topology it reads whole arcs only at the nodes that have some, where
// expand built and sorted a list for each; the lists, the arcs charged to
// the budget and the nodes described are the same.
func (v *view) expandSome(ctx context.Context, nodes []uint32, f Filter) ([][]Arc, error) {
	if v.arrays == nil {
		return v.expand(ctx, nodes, f)
	}
	ends, err := v.arrays.ArcEnds(f)
	if err != nil {
		return nil, err
	}
	var some []uint32
	var at []int
	buf := v.sc.classEnds[:0]
	for i, u := range nodes {
		if buf = ends(buf[:0], u); len(buf) > 0 {
			some = append(some, u)
			at = append(at, i)
		}
	}
	v.sc.classEnds = buf[:0]
	lists := make([][]Arc, len(nodes))
	if len(some) == 0 {
		return lists, nil
	}
	got, err := v.expand(ctx, some, f)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		lists[i] = got[j]
	}
	return lists, nil
}
