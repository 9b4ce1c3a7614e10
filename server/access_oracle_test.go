package server_test

import (
	"strconv"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// The access matrix's oracle: TLP 2.0 within the deployment written out
// again from docs/design/visibility.md §1, independently of
// graph/visibility, so that a mistake there cannot hide itself here.

// who is a viewer as the oracle sees it.
type who struct {
	agency, user string
	grant        *grantModel // a live, opened share reaching the viewer
}

// grantModel is a share as the oracle sees it.
type grantModel struct {
	owner string
	cap   graph.Marking
	named bool
	facts map[string]bool // node and edge IDs of the shared case
}

func markingRank(m graph.Marking) int {
	switch m {
	case "", graph.TLPClear:
		return 0
	case graph.TLPGreen:
		return 1
	case graph.TLPAmber:
		return 2
	case graph.TLPAmberStrict:
		return 3
	}
	return 4
}

// seesSource says whether w sees source s of fact id.
func seesSource(w who, s graph.Source, id string) bool {
	owner := s.Agency
	if owner == "" {
		owner = "local"
	}
	own := owner == w.agency
	carried := w.grant != nil && w.grant.facts[id] && w.grant.owner == owner
	switch markingRank(s.Marking) {
	case 0, 1:
		return true
	case 2:
		return own || carried && markingRank(w.grant.cap) >= 2
	case 3:
		return own
	}
	return own && s.User != "" && s.User == w.user ||
		carried && w.grant.cap == graph.TLPRed && w.grant.named
}

// visibleNodes returns the IDs of the nodes w sees.
func (g *accessGraph) visibleNodes(w who) map[string]bool {
	out := map[string]bool{}
	for _, n := range g.nodes {
		if seesSource(w, n.n.Sources[0], n.n.ID) {
			out[n.n.ID] = true
		}
	}
	return out
}

// visibleEdges returns the IDs of the edges w sees: a visible source and
// both endpoints visible.
func (g *accessGraph) visibleEdges(w who) map[string]bool {
	nodes := g.visibleNodes(w)
	out := map[string]bool{}
	for _, e := range g.edges {
		if seesSource(w, e.e.Sources[0], e.e.ID) && nodes[e.e.From] && nodes[e.e.To] {
			out[e.e.ID] = true
		}
	}
	return out
}

// needle is a string an answer to w must not hold, and where it comes
// from.
type needle struct{ text, what string }

// hidden returns what w must never read: the IDs of facts w does not
// see, and every label, alias, property value, dataset, hash and
// distinctive amount that only sources hidden from w assert (a string a
// visible source also asserts is w's to read).
func (g *accessGraph) hidden(w who) []needle {
	nodes, edges := g.visibleNodes(w), g.visibleEdges(w)
	var seen []string
	var cand []needle
	add := func(visible bool, what string, texts ...string) {
		for _, t := range texts {
			if t == "" {
				continue
			}
			if visible {
				seen = append(seen, strings.ToLower(t))
				continue
			}
			cand = append(cand, needle{t, what})
			for _, word := range strings.Fields(t) {
				if strings.Contains(strings.ToLower(word), g.sfx) && word != t {
					cand = append(cand, needle{word, what})
				}
			}
		}
	}
	for _, n := range g.nodes {
		vis := seesSource(w, n.n.Sources[0], n.n.ID)
		what := "node " + n.name + " (" + string(n.src) + ")"
		add(nodes[n.n.ID], what, n.n.ID)
		add(vis, what, n.n.Label, n.n.Sources[0].Dataset)
		add(vis, what, n.n.Aliases...)
		add(vis, what, propStrings(n.n.Props)...)
	}
	for _, e := range g.edges {
		vis := edges[e.e.ID]
		what := "edge " + e.name + " (" + string(e.src) + ")"
		add(vis, what, e.e.ID, e.e.TxHash, e.e.Sources[0].Dataset)
		add(vis, what, propStrings(e.e.Props)...)
		if a := strconv.FormatFloat(e.e.Amount, 'f', -1, 64); len(a) >= 6 {
			add(vis, what, a)
		}
	}
	var out []needle
	for _, c := range cand {
		lc := strings.ToLower(c.text)
		shown := false
		for _, s := range seen {
			if strings.Contains(s, lc) {
				shown = true
				break
			}
		}
		if !shown {
			out = append(out, c)
		}
	}
	return out
}

func propStrings(p graph.Props) []string {
	var out []string
	for _, v := range p {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// leaks returns the needles body holds (case-insensitively).
func leaks(body string, needles []needle) []needle {
	lb := strings.ToLower(body)
	var out []needle
	for _, n := range needles {
		if strings.Contains(lb, strings.ToLower(n.text)) {
			out = append(out, n)
		}
	}
	return out
}
