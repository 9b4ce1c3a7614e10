package gql

import (
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// The GraphQL arguments are optional where the graph's queries take 0 for
// the default: an absent argument asks for the default, and a present one
// is at least 1 (0 asks for one result, not the default). graph.Limits
// clamps them, and the complexity estimates use the same functions so that
// both agree.

// asked is an optional argument as a graph query asks for it.
func asked(v *int) int {
	if v == nil {
		return 0
	}
	return max(*v, 1)
}

// clamp bounds an optional argument outside graph.Limits (case lists and
// the investigation queries' estimates): def when absent, else within
// [lo, hi].
func clamp(v *int, def, lo, hi int) int {
	n := def
	if v != nil {
		n = *v
	}
	return max(lo, min(n, hi))
}

// SearchSize is the page size a search with `first` asks the store for.
func SearchSize(l graph.Limits, first *int) int { return l.SearchSize(asked(first)) }

// NeighborDepth is the number of hops a neighbourhood query expands.
func NeighborDepth(l graph.Limits, depth *int) int { return l.NeighborDepth(asked(depth)) }

// NeighborLimit is the number of nodes a neighbourhood query may return.
func NeighborLimit(l graph.Limits, limit *int) int { return l.NeighborLimit(asked(limit)) }

// PathHops is the longest path a shortest-path query looks for.
func PathHops(l graph.Limits, maxHops *int) int {
	hops, _ := l.PathHops(asked(maxHops))
	return hops
}

func directionOr(d *graph.Direction, def graph.Direction) graph.Direction {
	if d == nil {
		return def
	}
	return *d
}

// nodeID checks and normalises a node ID, so that `wallet:ETH:0xAbC…`
// finds the node stored as `wallet:eth:0xabc…`.
func nodeID(id string) (string, error) {
	if _, _, err := graph.ParseNodeID(id); err != nil {
		return "", err
	}
	norm, _, err := graph.NormalizeNodeID(id)
	if err != nil {
		return "", graph.WrapError(graph.CodeInvalid, err, "%q is not a valid node ID: %s", id, graph.ErrorMessage(err))
	}
	return norm, nil
}

func nodeIDs(ids []string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		n, err := nodeID(id)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// edgeID checks an edge ID `from>KIND>to` or `from>KIND>to#key` and
// normalises its endpoints.
func edgeID(id string) (string, error) {
	bad := graph.Errorf(graph.CodeInvalid, "%q is not an edge ID (want FROM>KIND>TO, e.g. wallet:eth:0xaa>TRANSFER>wallet:eth:0xbb)", id)
	parts := strings.Split(id, ">")
	if len(parts) != 3 {
		return "", bad
	}
	kind := graph.EdgeKind(parts[1])
	to, key, _ := strings.Cut(parts[2], "#")
	if !kind.Valid() {
		return "", bad
	}
	from, err := nodeID(parts[0])
	if err != nil {
		return "", bad
	}
	if to, err = nodeID(to); err != nil {
		return "", bad
	}
	return graph.EdgeID(kind, from, to, key), nil
}
