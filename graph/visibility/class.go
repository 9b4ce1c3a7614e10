package visibility

import (
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// What the stores keep per fact so that a query tests visibility with an
// array load and a bit test instead of evaluating Visible per source per
// arc (docs/design/visibility.md §3): a fact's class is the set of its
// sources' visibility keys, interned in a Classes table; a View compiles
// one viewer against the table once per query.

// Tier is the part of a marking the rules read.
type Tier uint8

// Tiers, in the order the rules give them.
const (
	TierPublic Tier = iota // CLEAR, GREEN: every signed-in user
	TierAmber              // the owning agency, and shares up to the cap
	TierStrict             // AMBER+STRICT: the owning agency only
	TierRed                // the named user only
)

// Key is what Visible reads of one source: its tier, owning agency (the
// home agency for an unowned restricted source) and, for RED, its user.
// The zero Key is public.
type Key struct {
	Tier   Tier
	Agency string // empty for public
	User   string // RED only
}

// KeyOf returns s's visibility key.
func KeyOf(s graph.Source) Key {
	switch marking(s) {
	case graph.TLPClear, graph.TLPGreen:
		return Key{}
	case graph.TLPAmber:
		return Key{Tier: TierAmber, Agency: owner(s)}
	case graph.TLPAmberStrict:
		return Key{Tier: TierStrict, Agency: owner(s)}
	}
	return Key{Tier: TierRed, Agency: owner(s), User: s.User}
}

func (k Key) compare(o Key) int {
	if k.Tier != o.Tier {
		return int(k.Tier) - int(o.Tier)
	}
	if c := strings.Compare(k.Agency, o.Agency); c != 0 {
		return c
	}
	return strings.Compare(k.User, o.User)
}

// ClassOf returns the class of a fact with sources src: its sources' keys,
// sorted and distinct, or just the public key when any source is public (a
// fact one source shares openly exists for everyone; what each viewer sees
// of it is the claims' business, graph.ViewNode).
func ClassOf(src []graph.Source) []Key {
	keys := make([]Key, 0, len(src))
	for _, s := range src {
		k := KeyOf(s)
		if k == (Key{}) {
			return []Key{{}}
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, Key.compare)
	return slices.Compact(keys)
}

// Classes numbers classes densely; class 0 is the public one. A store
// keeps one table, adds to it as facts arrive (under its write lock) and
// rebuilds it on open; numbers need not be stable across opens unless the
// store persists them.
type Classes struct {
	list [][]Key
	ids  map[string]uint32
}

// NewClasses returns a table holding the public class as 0.
func NewClasses() *Classes {
	c := &Classes{ids: map[string]uint32{}}
	c.Intern([]Key{{}})
	return c
}

func classKey(keys []Key) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteByte(byte(k.Tier))
		b.WriteString(k.Agency)
		b.WriteByte(0)
		b.WriteString(k.User)
		b.WriteByte(0)
	}
	return b.String()
}

// Intern returns the number of the class keys (as ClassOf gives it),
// adding it when new.
func (c *Classes) Intern(keys []Key) uint32 {
	ck := classKey(keys)
	if id, ok := c.ids[ck]; ok {
		return id
	}
	id := uint32(len(c.list))
	c.list = append(c.list, slices.Clone(keys))
	c.ids[ck] = id
	return id
}

// Of returns the number of the class of a fact with sources src.
func (c *Classes) Of(src []graph.Source) uint32 { return c.Intern(ClassOf(src)) }

// Len returns how many classes there are.
func (c *Classes) Len() int { return len(c.list) }

// Keys returns class id's keys; nil for an unknown id.
func (c *Classes) Keys(id uint32) []Key {
	if int(id) >= len(c.list) {
		return nil
	}
	return slices.Clone(c.list[id])
}

// sourceOf is a source with key k, for evaluating the rules on keys.
func sourceOf(k Key) graph.Source {
	s := graph.Source{Agency: k.Agency, User: k.User}
	switch k.Tier {
	case TierPublic:
		s.Marking = graph.TLPClear
	case TierAmber:
		s.Marking = graph.TLPAmber
	case TierStrict:
		s.Marking = graph.TLPAmberStrict
	default:
		s.Marking = graph.TLPRed
	}
	return s
}

// View is a viewer compiled against a class table: which classes they see
// by their own standing, and which each grant carries for the facts in its
// case. It is read-only and serves one query; classes added to the table
// after Compile are not seen (fail closed) until the next.
type View struct {
	own     []bool
	grants  []Grant
	carries [][]bool // per grant, per class
	byFact  map[string][]int
}

// Compile builds v's view of the classes in c: O(classes × keys).
func Compile(v Viewer, c *Classes) *View {
	facts := 0
	for _, g := range v.Grants {
		facts += len(g.Facts)
	}
	w := &View{own: make([]bool, c.Len()), grants: v.Grants, byFact: make(map[string][]int, facts)}
	w.carries = make([][]bool, len(v.Grants))
	for id, keys := range c.list {
		for _, k := range keys {
			if Own(v, sourceOf(k)) {
				w.own[id] = true
				break
			}
		}
	}
	if !v.SignedIn() {
		w.grants, w.carries = nil, nil
		return w
	}
	backing := make([]int, 0, facts)
	for gi, g := range v.Grants {
		w.carries[gi] = make([]bool, c.Len())
		for id, keys := range c.list {
			for _, k := range keys {
				if carriedKey(g, k) {
					w.carries[gi][id] = true
					break
				}
			}
		}
		for f := range g.Facts {
			if l, ok := w.byFact[f]; ok {
				w.byFact[f] = append(l, gi)
				continue
			}
			// one backing array for the common case of a fact in one grant:
			// a query compiles this, and a case holds hundreds of facts
			backing = append(backing, gi)
			w.byFact[f] = backing[len(backing)-1 : len(backing) : len(backing)]
		}
	}
	return w
}

// carriedKey is Carried for a source with key k, the fact being in g's
// case.
func carriedKey(g Grant, k Key) bool {
	return Carried(Grant{Owner: g.Owner, Cap: g.Cap, Named: g.Named, Facts: map[string]struct{}{"": {}}}, "", sourceOf(k))
}

// SeesClass reports whether the viewer sees facts of class id by their own
// standing: the test a store makes per arc before anything else.
func (w *View) SeesClass(id uint32) bool { return int(id) < len(w.own) && w.own[id] }

// Sees reports whether the viewer sees fact, of class id: by their own
// standing, or through a grant whose case holds the fact and carries a
// source of its class.
func (w *View) Sees(id uint32, fact string) bool {
	if w.SeesClass(id) {
		return true
	}
	for _, gi := range w.byFact[fact] {
		if int(id) < len(w.carries[gi]) && w.carries[gi][id] {
			return true
		}
	}
	return false
}

// SharedFacts returns the IDs of the facts some grant may carry, for a
// store that tests by handle to resolve once per query.
func (w *View) SharedFacts() []string {
	out := make([]string, 0, len(w.byFact))
	for f := range w.byFact {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}
