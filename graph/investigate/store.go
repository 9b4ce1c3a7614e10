package investigate

import "github.com/redthread-dev/redthread/graph"

// Store is a graph store that can be investigated: the graph.Store contract
// plus Opener. Both Redthread stores are one, and the server, the CLI and
// the conformance suite (graph/storetest) take this one name for them. It
// lives here rather than in graph because Topology is this package's type
// and this package imports graph: graph naming it would be an import cycle.
type Store interface {
	graph.Store
	Opener
}
