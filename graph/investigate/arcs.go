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
// Each key is compared only when the ones before tie (cmp.Or would work
// out every one, IDs included, on every comparison of a sort).
func compareFacts(v *view, a, b Arc) int {
	if c := cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Time, b.Time), cmp.Compare(a.Value, b.Value),
		cmp.Compare(a.Amount, b.Amount)); c != 0 {
		return c
	}
	return thenBy(v.byID(a.From, b.From), func() int { return v.byID(a.To, b.To) })
}

// thenBy is c, or when c is 0 what next says: cmp.Or for a key costly to
// work out.
func thenBy(c int, next func() int) int {
	if c != 0 {
		return c
	}
	return next()
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
