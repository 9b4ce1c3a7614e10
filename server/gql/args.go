package gql

import (
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// Arguments outside the server's limits are clamped rather than refused, so
// a client written against one server's limits still works on another; the
// clamping is shared with the complexity estimates so both agree.

func clamp(v *int, def, lo, hi int) int {
	n := def
	if v != nil {
		n = *v
	}
	return max(lo, min(n, hi))
}

// SearchSize is the page size a search with `first` asks the store for.
func SearchSize(l graph.Limits, first *int) int {
	return clamp(first, l.DefaultSearch, 1, l.MaxSearch)
}

// NeighborDepth is the number of hops a neighbourhood query expands.
func NeighborDepth(l graph.Limits, depth *int) int {
	return clamp(depth, 1, 1, l.MaxDepth)
}

// NeighborLimit is the number of nodes a neighbourhood query may return.
func NeighborLimit(l graph.Limits, limit *int) int {
	return clamp(limit, l.DefaultNeighbors, 1, l.MaxNeighbors)
}

// PathHops is the longest path a shortest-path query looks for.
func PathHops(l graph.Limits, maxHops *int) int {
	return clamp(maxHops, l.DefaultHops, 1, l.MaxHops)
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
