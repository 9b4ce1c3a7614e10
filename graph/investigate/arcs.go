package investigate

import "cmp"

// value is what the flow counts of a transfer: its USD value when known,
// else its amount in its own units.
func value(a *Arc) float64 {
	if a.Value != 0 {
		return a.Value
	}
	return a.Amount
}

// compareFacts orders arcs by what both stores know of them in memory.
func compareFacts(v *view, a, b Arc) int {
	return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Time, b.Time), cmp.Compare(a.Value, b.Value),
		cmp.Compare(a.Amount, b.Amount), cmp.Compare(v.id(a.From), v.id(b.From)), cmp.Compare(v.id(a.To), v.id(b.To)))
}

// compareArcs orders arcs by what both stores know of them; parallel edges
// alike in kind, time, value, amount and ends (salary payments of one
// amount, say) by edge ID, read only for such ties.
func compareArcs(v *view, a, b Arc) int {
	if c := compareFacts(v, a, b); c != 0 {
		return c
	}
	if a.Edge == b.Edge {
		return 0
	}
	return cmp.Or(cmp.Compare(v.edgeID(a.Edge), v.edgeID(b.Edge)), cmp.Compare(a.Edge, b.Edge))
}
