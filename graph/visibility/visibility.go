// Package visibility decides who sees which source of a fact: TLP 2.0
// within one deployment (issue 17). It is pure: no store, no clock, no
// request. The caller resolves who is asking (Viewer) and which live shares
// reach them (Grant); the stores apply Visible inside their traversals, and
// graph.ViewNode/ViewEdge redact one record to its visible sources.
package visibility

import (
	"github.com/redthread-dev/redthread/graph"
)

// HomeAgency owns the restricted sources that name no agency: those loaded
// before agencies existed, on what was then a one-agency deployment, whose
// bootstrap agency is "local" (REDTHREAD_ADMIN_TOKEN, serve --demo). An
// unowned CLEAR or GREEN source is public data, visible to every
// signed-in user whatever this says.
const HomeAgency = "local"

// Viewer is who is asking: a signed-in user of an agency, or a token acting
// for one. The zero Viewer is nobody signed in and sees nothing.
type Viewer struct {
	Agency string // the caller's agency; required to see anything
	User   string // the caller's user ID; required to see a RED source
	// DeploymentAdmin grants management powers (agencies, users, tokens)
	// and nothing more: TLP binds the deployment's operator like anyone
	// else, so an admin reads facts under the same rules as their agency's
	// users. See Visible.
	DeploymentAdmin bool
	Grants          []Grant // live shares that reach this viewer
}

// Grant is one case shared with the viewer, resolved by the caller from a
// live share (not expired, not revoked, its link verified): the receiving
// agency is the viewer's, or the viewer is among the users it names.
type Grant struct {
	Case  string // the shared case's ID (for audit and the withheld notice)
	Owner string // the sharing agency: only its own sources are carried
	// Cap is the most restrictive marking the share carries (AMBER by
	// default); AMBER+STRICT is never carried whatever the cap, RED only
	// to a named user.
	Cap graph.Marking
	// Named reports that the share names this viewer as a user, not only
	// their agency: what a RED source needs.
	Named bool
	// Facts holds the IDs of the case's nodes and edges: a share carries
	// nothing outside its case.
	Facts map[string]struct{}
}

// SignedIn reports whether v is someone: every identity belongs to an
// agency.
func (v Viewer) SignedIn() bool { return v.Agency != "" }

// owner is the agency a source belongs to for the rules below.
func owner(s graph.Source) string {
	if s.Agency == "" {
		return HomeAgency
	}
	return s.Agency
}

// marking is the source's marking; an unprepared empty one is CLEAR, as
// graph.PrepareNode makes it, and an unknown one is treated as RED (fail
// closed).
func marking(s graph.Source) graph.Marking {
	switch {
	case s.Marking == "":
		return graph.TLPClear
	case !s.Marking.Valid():
		return graph.TLPRed
	}
	return s.Marking
}

// Own reports whether v sees s by their own standing, without any share:
//
//	CLEAR, GREEN   every signed-in user of the deployment
//	AMBER          the owning agency's users
//	AMBER+STRICT   the owning agency's users
//	RED            the user it was given to (Source.User, the ingesting
//	               user), never their whole agency
func Own(v Viewer, s graph.Source) bool {
	if !v.SignedIn() {
		return false
	}
	switch marking(s) {
	case graph.TLPClear, graph.TLPGreen:
		return true
	case graph.TLPAmber, graph.TLPAmberStrict:
		return owner(s) == v.Agency
	case graph.TLPRed:
		return s.User != "" && v.User != "" && s.User == v.User && owner(s) == v.Agency
	}
	return false
}

// Carried reports whether grant g carries source s of fact (a node or edge
// ID) to its viewer: the fact is in the shared case, the source is the
// sharing agency's own, its marking is within the cap, never AMBER+STRICT,
// and RED only to a user the share names.
func Carried(g Grant, fact string, s graph.Source) bool {
	if _, ok := g.Facts[fact]; !ok || owner(s) != g.Owner {
		return false
	}
	m := marking(s)
	capRank := g.Cap.Rank()
	if g.Cap == "" {
		capRank = graph.TLPAmber.Rank()
	}
	switch {
	case m.Rank() > capRank, m == graph.TLPAmberStrict:
		return false
	case m == graph.TLPRed:
		return g.Named
	}
	return true
}

// Visible reports whether v sees source s of fact: by their own standing
// or through one of their grants. A fact (node or edge) is visible when
// one of its sources is.
func Visible(v Viewer, fact string, s graph.Source) bool {
	if Own(v, s) {
		return true
	}
	if !v.SignedIn() {
		return false
	}
	for i := range v.Grants {
		if Carried(v.Grants[i], fact, s) {
			return true
		}
	}
	return false
}

// Sees returns the predicate graph.ViewNode and graph.ViewEdge take for
// fact: which of its sources v sees.
func Sees(v Viewer, fact string) func(graph.Source) bool {
	return func(s graph.Source) bool { return Visible(v, fact, s) }
}

// Node returns n as v sees it (graph.ViewNode), or nil when v sees none of
// its sources.
func Node(v Viewer, n *graph.Node) *graph.Node { return graph.ViewNode(n, Sees(v, n.ID)) }

// Edge returns e as v sees it (graph.ViewEdge), or nil. The caller also
// hides an edge whose endpoints v does not see.
func Edge(v Viewer, e *graph.Edge) *graph.Edge { return graph.ViewEdge(e, Sees(v, e.ID)) }
