package investigate

import (
	"context"

	"github.com/redthread-dev/redthread/graph"
)

// load turns paths of steps into paths of nodes and edges, reading each
// node and edge once.
func (ps *pathSearch) load(ctx context.Context, paths [][]step) ([]Path, error) {
	var nodes, edges handles
	for _, p := range paths {
		for _, u := range ps.nodesOf(p) {
			nodes.add(u)
		}
		for _, s := range p {
			edges.add(s.edge)
		}
	}
	ns, err := ps.v.nodes(ctx, nodes.list)
	if err != nil {
		return nil, err
	}
	es, err := ps.v.edges(ctx, edges.list)
	if err != nil {
		return nil, err
	}
	out := make([]Path, len(paths))
	for i, p := range paths {
		for _, u := range ps.nodesOf(p) {
			out[i].Nodes = append(out[i].Nodes, ns[nodes.at[u]])
		}
		out[i].Edges = []*graph.Edge{}
		for _, s := range p {
			out[i].Edges = append(out[i].Edges, es[edges.at[s.edge]])
		}
	}
	return out, nil
}
