package neo4jstore

import (
	"context"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// Visibility inside Neo4j (docs/design/visibility.md §5). Every :Node and
// relationship carries what the rules read of its sources, as
// self-describing strings rather than numbers interned in a shared table,
// so that several servers over one database agree without coordinating:
//
//	vpub: true      the fact's class is public (a CLEAR or GREEN source):
//	                every signed-in user sees it; vk is then left out
//	vk: [keys]      otherwise, its sources' visibility keys, sorted and
//	                distinct (visKey): "A|agency|", "S|agency|",
//	                "R|agency|user"
//	vpart: true     its sources have more than one key, so that a viewer
//	                may see some of them: the values a viewer gets (time,
//	                value, seen, search text) are then computed in Go from d
//	vx: true        (relationships) the relationship or one of its
//	                endpoints was restricted when it was written
//	vmix: true      (nodes) one of its relationships has vx: its degree
//	                differs between viewers, so it is counted per viewer
//
// A fact's class only widens as sources arrive (a public source makes it
// public for good), so vx and vmix, once set, stay true, at worst
// conservatively.
//
// A viewer is query parameters: $vk, the keys they see by their own
// standing (their agency's AMBER and AMBER+STRICT, their own RED), and
// $vshared, per fact ID of their grants' cases, the key prefixes those
// grants carry (the sharer's AMBER up to the cap, and with a RED cap and a
// named viewer every RED key of the sharer). A fact passes pred when it is
// public, or one of its keys is the viewer's, or one is carried for it.

// keyEsc keeps the separators (and the importer's array delimiter) out of
// the agency and user parts of a key.
var keyEsc = strings.NewReplacer("%", "%25", "|", "%7C", ";", "%3B")

// visKey is k as a string: tier letter, agency and user, each part closed
// by '|' but the user, so that "A|fiu|" is a prefix of nothing but itself
// and "R|fiu|" of every RED key of fiu.
func visKey(k visibility.Key) string {
	tier := "R"
	switch k.Tier {
	case visibility.TierPublic:
		return ""
	case visibility.TierAmber:
		tier = "A"
	case visibility.TierStrict:
		tier = "S"
	}
	return tier + "|" + keyEsc.Replace(k.Agency) + "|" + keyEsc.Replace(k.User)
}

// visProps sets vpub or vk, and vpart, for a record with sources src.
func visProps(p map[string]any, src []graph.Source) {
	class := visibility.ClassOf(src)
	if len(class) == 1 && class[0] == (visibility.Key{}) {
		p["vpub"] = true
	} else {
		keys := make([]string, len(class))
		for i, k := range class {
			keys[i] = visKey(k)
		}
		p["vk"] = keys
	}
	if len(src) > 1 {
		first := visibility.KeyOf(src[0])
		for _, s := range src[1:] {
			if visibility.KeyOf(s) != first {
				p["vpart"] = true
				break
			}
		}
	}
}

// restricted reports whether props (from visProps) are those of a fact
// that some signed-in user does not see.
func restricted(p map[string]any) bool { return p["vpub"] == nil }

// viewer is who a read is for. A nil *viewer is a trusted in-process
// caller (no viewer in the context): unfiltered, the statements as they
// were before visibility.
type viewer struct {
	v      visibility.Viewer
	own    []any          // $vk
	shared map[string]any // $vshared: fact ID → []any of key prefixes
	// extra ($vextra) holds, per node, the relationship ends w sees
	// only through a grant, which the degree tables leave out; extraAll:
	// too many to list, every vmix node's degree is counted (visdeg.go).
	extra    map[string]any
	extraAll bool
}

// viewerOf returns the viewer ctx carries, compiled into parameters; nil
// for a trusted caller.
func viewerOf(ctx context.Context) *viewer {
	v, ok := visibility.FromContext(ctx)
	if !ok {
		return nil
	}
	w := &viewer{v: v, own: []any{}, shared: map[string]any{}}
	if !v.SignedIn() {
		return w
	}
	w.own = append(w.own, visKey(visibility.Key{Tier: visibility.TierAmber, Agency: v.Agency}),
		visKey(visibility.Key{Tier: visibility.TierStrict, Agency: v.Agency}))
	if v.User != "" {
		w.own = append(w.own, visKey(visibility.Key{Tier: visibility.TierRed, Agency: v.Agency, User: v.User}))
	}
	for _, g := range v.Grants {
		prefixes := carriedPrefixes(g)
		if len(prefixes) == 0 {
			continue
		}
		for f := range g.Facts {
			have, _ := w.shared[f].([]any)
			for _, p := range prefixes {
				if !slices.Contains(have, p) {
					have = append(have, p)
				}
			}
			w.shared[f] = have
		}
	}
	return w
}

// carriedPrefixes are the key prefixes grant g carries for the facts of
// its case: visibility.Carried on keys (never AMBER+STRICT; AMBER within
// the cap; RED of any user of the sharer with a RED cap to a named user).
func carriedPrefixes(g visibility.Grant) []any {
	var out []any
	one := map[string]struct{}{"": {}}
	probe := func(m graph.Marking) bool {
		return visibility.Carried(visibility.Grant{Owner: g.Owner, Cap: g.Cap, Named: g.Named, Facts: one}, "",
			graph.Source{Marking: m, Agency: g.Owner, User: "u"})
	}
	if g.Owner == "" {
		return nil
	}
	if probe(graph.TLPAmber) {
		out = append(out, visKey(visibility.Key{Tier: visibility.TierAmber, Agency: g.Owner}))
	}
	if probe(graph.TLPRed) {
		out = append(out, "R|"+keyEsc.Replace(g.Owner)+"|")
	}
	return out
}

// sharedFacts is $vshared: empty for a trusted caller.
func (w *viewer) sharedFacts() map[string]any {
	if w == nil {
		return nil
	}
	return w.shared
}

// signedOut reports a viewer who sees nothing.
func (w *viewer) signedOut() bool { return w != nil && !w.v.SignedIn() }

// pred is the Cypher condition that variable x (a node or relationship)
// is visible to w; always a boolean, never null, so that it may stand in
// all(...) and CASE.
func (w *viewer) pred(x string) string {
	switch {
	case w == nil:
		return "true"
	case w.signedOut():
		return "false"
	case len(w.shared) == 0:
		return "(" + x + ".vpub IS NOT NULL OR any(k IN coalesce(" + x + ".vk, []) WHERE k IN $vk))"
	}
	return "(" + x + ".vpub IS NOT NULL OR any(k IN coalesce(" + x + ".vk, []) WHERE k IN $vk OR " +
		"any(p IN coalesce($vshared[" + x + ".id], []) WHERE k STARTS WITH p)))"
}

// ownPred is pred without the grants: what x's classes alone say.
func (w *viewer) ownPred(x string) string {
	if w == nil || w.signedOut() || len(w.shared) == 0 {
		return w.pred(x)
	}
	return (&viewer{v: w.v, own: w.own}).pred(x)
}

// and joins pred of each variable with AND.
func (w *viewer) and(xs ...string) string {
	if w == nil {
		return "true"
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = w.pred(x)
	}
	return strings.Join(parts, " AND ")
}

// degree is the Cypher expression of node n's degree (edge ends, a
// self-loop twice) as w sees it: from the degree store unless n has a
// relationship some viewer does not see (vmix); then the stored degree
// less the ends of the pairs of classes w does not see (visdeg.go) plus
// those w sees only through a grant (withGrants must have run), or, for a
// node without a table, counted over the visible relationships to
// visible neighbours.
func (w *viewer) degree(n string) string {
	all := "COUNT { (" + n + ")-->() } + COUNT { (" + n + ")<--() }"
	if w == nil {
		return all
	}
	if w.signedOut() {
		return "0"
	}
	p := w.and("dx", "dy")
	count := "COUNT { (" + n + ")-[dx]->(dy) WHERE " + p + " } + COUNT { (" + n + ")<-[dx]-(dy) WHERE " + p + " }"
	exact, extra := n+".vdp IS NULL", ""
	switch {
	case w.extraAll:
		exact = "true"
	case len(w.shared) > 0:
		extra = " + coalesce($vextra[" + n + ".id], 0)"
	}
	hidden := "reduce(s = 0, i IN range(0, size(" + n + ".vdp) - 1) | s + CASE WHEN all(c IN split(" + n + ".vdp[i], '#') " +
		"WHERE c = '' OR any(k IN split(c, ',') WHERE k <> '' AND k IN $vk)) THEN 0 ELSE " + n + ".vdc[i] END)"
	return "CASE WHEN " + n + ".vmix IS NULL THEN " + all + " WHEN " + exact + " THEN " + count + " ELSE " + all + " - " + hidden + extra + " END"
}

// withGrants fills w's degree corrections for its grants (visdeg.go).
func (w *viewer) withGrants(ctx context.Context, tx neo4j.ManagedTransaction, c *grantCache) error {
	if w == nil || len(w.shared) == 0 || w.extra != nil || w.extraAll {
		return nil
	}
	extra, all, err := c.extraEnds(ctx, tx, w, maxGrantEdges)
	if err != nil {
		return err
	}
	w.extra, w.extraAll = extra, all
	return nil
}

// maxGrantEdges bounds the relationships of a viewer's shared nodes read
// for the degree corrections: past it, every mixed node's degree is
// counted (correct, slower).
const maxGrantEdges = 100_000

// params adds w's parameters to p and returns p.
func (w *viewer) params(p map[string]any) map[string]any {
	if w != nil {
		p["vk"], p["vshared"] = w.own, w.shared
		p["vextra"] = w.extra
		if w.extra == nil {
			p["vextra"] = map[string]any{}
		}
	}
	return p
}

// filtered reports whether reads for w differ from a trusted caller's.
func (w *viewer) filtered() bool { return w != nil }

// node returns n as w sees it, or nil.
func (w *viewer) node(n *graph.Node) *graph.Node {
	if w == nil || n == nil {
		return n
	}
	return visibility.Node(w.v, n)
}

// edge returns e as w sees it, or nil (the statements check its
// endpoints).
func (w *viewer) edge(e *graph.Edge) *graph.Edge {
	if w == nil || e == nil {
		return e
	}
	return visibility.Edge(w.v, e)
}
