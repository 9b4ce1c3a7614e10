package neo4jstore

import (
	"github.com/redthread-dev/redthread/graph/investigate"
)

// partArc gives arc a the values of the relationship as the topology's
// viewer sees it when some of its sources are hidden from them (props is
// then the relationship's properties, else nil and a stands), so that a
// hidden source's larger value or earlier time never shapes a flow, and
// tests the filter on them; from and to are its endpoints' IDs.
func (t *topology) partArc(a *investigate.Arc, props any, from, to string, f investigate.Filter) (bool, error) {
	m, ok := props.(map[string]any)
	if !ok {
		return true, nil
	}
	e, err := decodeEdge(relTypes[a.Kind], from, to, m)
	if err != nil {
		return false, internal(err, "decode edge")
	}
	if e = t.w.edge(e); e == nil {
		return false, nil
	}
	a.Time, a.Value, a.Amount, a.Asset = 0, e.ValueUSD, e.Amount, e.Asset
	if !e.Time.IsZero() {
		a.Time = unixSeconds(e.Time.Unix())
	}
	a.Seen = unixSeconds(firstSeen(e.Sources))
	return f.Pass(a), nil
}

// partSeen is a node's first seen for the topology's viewer: its seen
// property, or, when some of its sources are hidden from them (props is
// then its properties), the first seen of those they see.
func (t *topology) partSeen(seen, props any) (int64, error) {
	m, ok := props.(map[string]any)
	if !ok {
		return unixSeconds(seen), nil
	}
	n, err := decodeNode(m)
	if err != nil {
		return 0, internal(err, "decode node")
	}
	if n = t.w.node(n); n == nil {
		return 0, nil
	}
	return unixSeconds(firstSeen(n.Sources)), nil
}
