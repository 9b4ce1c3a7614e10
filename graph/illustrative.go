package graph

// Illustrative says how much of a node's or edge's evidence is synthetic:
// any reports that at least one source is illustrative (a real entity
// carrying a generated fact), all that every source is (a wholly
// synthetic one). No sources is neither.
func Illustrative(ss []Source) (anyOf, all bool) {
	if len(ss) == 0 {
		return false, false
	}
	all = true
	for _, s := range ss {
		anyOf = anyOf || s.Illustrative
		all = all && s.Illustrative
	}
	return anyOf, all
}
