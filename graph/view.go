package graph

// ViewNode returns n as a viewer who sees the sources for which see is
// true: nil when they see none (the node does not exist for them); n
// itself when they see all (byte for byte today's record); else a copy
// with only the visible sources, the label, aliases, properties and
// validity their claims give (merged by MergeNode's rules), and the
// confidence and marking derived from them. n is not changed.
func ViewNode(n *Node, see func(Source) bool) *Node {
	vis, all := visible(n.Sources, see)
	switch {
	case len(vis) == 0: // also a record without sources: fail closed
		return nil
	case all:
		return n
	}
	v := *n
	v.Sources = make([]Source, len(vis))
	c := n.ClaimAt(vis[0])
	for k, i := range vis {
		v.Sources[k] = n.Sources[i]
		if k > 0 {
			c = joinNodeClaims(c, n.ClaimAt(i), n.Key)
		}
	}
	v.setClaim(c)
	v.Confidence, v.Marking = derive(v.Sources)
	v.Claims = nil
	if n.Claims != nil {
		claims := make([]NodeClaim, len(vis))
		all := true
		for k, i := range vis {
			claims[k] = n.Claims[i]
			all = all && claims[k].equal(c)
		}
		if !all && len(vis) > 1 {
			v.Claims = claims
		}
	}
	return &v
}

// ViewEdge is ViewNode for an edge: nil when no source is visible, e
// itself when all are, else the values the visible sources' claims give.
// Whether its endpoints are visible is the caller's question: an edge is
// shown only between visible nodes.
func ViewEdge(e *Edge, see func(Source) bool) *Edge {
	vis, all := visible(e.Sources, see)
	switch {
	case len(vis) == 0:
		return nil
	case all:
		return e
	}
	v := *e
	v.Sources = make([]Source, len(vis))
	c := e.ClaimAt(vis[0])
	for k, i := range vis {
		v.Sources[k] = e.Sources[i]
		if k > 0 {
			c = joinEdgeClaims(c, e.ClaimAt(i))
		}
	}
	v.setClaim(c)
	v.Confidence, v.Marking = derive(v.Sources)
	v.Claims = nil
	if e.Claims != nil {
		claims := make([]EdgeClaim, len(vis))
		all := true
		for k, i := range vis {
			claims[k] = e.Claims[i]
			all = all && claims[k].equal(c)
		}
		if !all && len(vis) > 1 {
			v.Claims = claims
		}
	}
	return &v
}

// visible returns the indices of the sources see accepts, and whether
// that is all of them.
func visible(src []Source, see func(Source) bool) ([]int, bool) {
	var vis []int
	for i, s := range src {
		if see(s) {
			vis = append(vis, i)
		}
	}
	return vis, len(vis) == len(src)
}
