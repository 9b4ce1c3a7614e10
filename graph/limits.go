package graph

// Limits bound every query. Stores clamp requests to them and say in the
// answer when they truncated; callers may lower them, never raise them past
// the server's configuration.
type Limits struct {
	MaxDepth         int // neighbourhood depth
	DefaultNeighbors int // neighbour nodes returned when the caller gives no limit
	MaxNeighbors     int
	MaxEdges         int // edges returned in one subgraph
	DefaultHops      int // path length when the caller gives none
	MaxHops          int
	MaxVisited       int // nodes a path search may visit before it gives up
	DefaultSearch    int
	MaxSearch        int
}

// DefaultLimits are the limits a server uses unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:         3,
		DefaultNeighbors: 200,
		MaxNeighbors:     5000,
		MaxEdges:         20000,
		DefaultHops:      6,
		MaxHops:          12,
		MaxVisited:       2_000_000,
		DefaultSearch:    20,
		MaxSearch:        100,
	}
}

// OrDefaults returns l with every unset (zero or negative) limit taken from
// DefaultLimits, so a store can be configured with only what differs.
func (l Limits) OrDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&l.MaxDepth, d.MaxDepth}, {&l.DefaultNeighbors, d.DefaultNeighbors},
		{&l.MaxNeighbors, d.MaxNeighbors}, {&l.MaxEdges, d.MaxEdges},
		{&l.DefaultHops, d.DefaultHops}, {&l.MaxHops, d.MaxHops},
		{&l.MaxVisited, d.MaxVisited}, {&l.DefaultSearch, d.DefaultSearch},
		{&l.MaxSearch, d.MaxSearch},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	return l
}

// The clamps below turn what a caller asked for into what a query runs
// with. Arguments outside the limits are clamped rather than refused, so a
// client written against one server's limits works on another. A request
// of 0 asks for the default, as in the query types; a negative one is
// clamped like any other (stores refuse it before asking).

// NeighborDepth is the number of hops a neighbourhood query expands: 0
// asks for 1, and the answer is within [1, MaxDepth].
func (l Limits) NeighborDepth(asked int) int { return clampInt(asked, 1, 1, l.MaxDepth) }

// NeighborLimit is the number of nodes besides the start a neighbourhood
// query may return: 0 asks for DefaultNeighbors, and the answer is within
// [1, MaxNeighbors].
func (l Limits) NeighborLimit(asked int) int {
	return clampInt(asked, l.DefaultNeighbors, 1, l.MaxNeighbors)
}

// PathHops is the longest path a shortest-path query looks for: 0 asks for
// DefaultHops, and the answer is within [1, MaxHops]. clamped reports that
// more than MaxHops was asked for (a DefaultHops above it included), so
// that an answer without a path can say it may be incomplete.
func (l Limits) PathHops(asked int) (hops int, clamped bool) {
	if asked == 0 {
		asked = l.DefaultHops
	}
	return clampInt(asked, l.DefaultHops, 1, l.MaxHops), asked > l.MaxHops
}

// SearchSize is the page size of a search: 0 asks for DefaultSearch, and
// the answer is within [1, MaxSearch].
func (l Limits) SearchSize(asked int) int { return clampInt(asked, l.DefaultSearch, 1, l.MaxSearch) }

func clampInt(asked, def, lo, hi int) int {
	if asked == 0 {
		asked = def
	}
	return max(lo, min(asked, hi))
}
