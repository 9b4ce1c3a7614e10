package server_test

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"testing"

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
		// This source's claim is seen when the source is and the edge is.
		vis := edges[e.e.ID] && seesSource(w, e.e.Sources[0], e.e.ID)
		what := "edge " + e.name + " (" + string(e.src) + ")"
		add(edges[e.e.ID], what, e.e.ID)
		add(vis, what, e.e.TxHash, e.e.Sources[0].Dataset)
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

// opaque finds strings that may be base64 (cursors, tokens).
var opaque = regexp.MustCompile(`[A-Za-z0-9+/_-]{12,}={0,2}`)

// decoded appends to body what its base64 strings decode to, so that a
// cursor holding a hidden ID is found as the ID would be.
func decoded(body string) string {
	var b strings.Builder
	b.WriteString(body)
	for _, m := range opaque.FindAllString(body, -1) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if d, err := enc.DecodeString(m); err == nil {
				b.WriteString("\n")
				b.Write(d)
				break
			}
		}
	}
	return b.String()
}

// leaks returns the needles body holds (case-insensitively), also inside
// base64 strings.
func leaks(body string, needles []needle) []needle {
	lb := strings.ToLower(decoded(body))
	var out []needle
	for _, n := range needles {
		if strings.Contains(lb, strings.ToLower(n.text)) {
			out = append(out, n)
		}
	}
	return out
}

// TestAccessScanDecodes: the scan finds an ID inside a search cursor.
func TestAccessScanDecodes(t *testing.T) {
	cursor := base64.RawURLEncoding.EncodeToString([]byte("s1:3:organization:hidden-one"))
	body := `{"edges":[{"cursor":"` + cursor + `"}]}`
	if got := leaks(body, []needle{{"organization:hidden-one", "x"}}); len(got) != 1 {
		t.Fatalf("the ID in %s was not found", body)
	}
	if got := leaks(body, []needle{{"organization:other", "x"}}); len(got) != 0 {
		t.Fatalf("found %v", got)
	}
}
