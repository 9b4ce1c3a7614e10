package investigate

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Persona resolution links PERSON nodes (IT-worker personas) that share
// identifiers: two personas logging in with one e-mail address are probably
// one operator. Each piece of shared evidence has a weight, the chance that
// it alone means "same operator", and a link's score combines them as
// independent evidence: 1 − Π(1 − w).
//
// The weights, from how hard an identifier is to share by accident:
//
//	email   0.9   an inbox is personal; shared ones are rare
//	photo   0.9   the same profile photo (photohash identifiers)
//	phone   0.85  a number is personal, but recycled and shared in families
//	wallet  0.85  a payout wallet (CONTROLS); facilitators collect for several workers
//	handle  0.6   a platform account; teams share them
//	domain  0.5   a portfolio or company domain
//	url     0.5   likewise
//	ip      0.3   VPNs, proxies, laptop farms and carrier NAT share addresses
//
// So at the default minimum score of 0.5 one shared e-mail, phone, photo,
// wallet, handle or domain links two personas and one shared IP does not
// (two do: 0.51). An identifier shared by more than HubShared personas is a
// weak hub (a VPN exit, a recruiter's inbox): it is listed as evidence with
// weight 0 and links nothing.
var personaWeights = map[string]float64{
	"email": 0.9, "photo": 0.9, "phone": 0.85, "wallet": 0.85,
	"handle": 0.6, "domain": 0.5, "url": 0.5, "ip": 0.3,
}

// Evidence types besides the identifier types above.
const (
	EvidenceSameAs    = "same_as"   // a SAME_AS edge without a decision: a data source asserts it
	EvidenceJudgement = "judgement" // an analyst's latest judgement is SAME
)

// Defaults of a PersonaQuery.
const (
	DefaultPersonaMinScore  = 0.5
	DefaultPersonaHubShared = 20
)

// PersonaQuery asks for the persona cluster around one PERSON node.
type PersonaQuery struct {
	Start      string
	MaxMembers int     // 0 means Limits.MaxMembers; larger is clamped to it
	MinScore   float64 // links scoring less are neither followed nor listed; 0 means 0.5
	HubShared  int     // identifiers shared by more personas are weak hubs; 0 means 20
	AsOf       int64   // ignore facts (judgements too) first seen after it; 0: no cut-off
}

// PersonaMember is a persona of the cluster, Hops links from the start.
type PersonaMember struct {
	ID    string
	Label string
	Hops  int
}

// Evidence is one reason two personas are linked.
type Evidence struct {
	// Identifier is the shared IDENTIFIER or payout WALLET; empty for a
	// SAME_AS edge.
	Identifier string
	// Type is the identifier's type (email, phone, handle, ip, domain,
	// photo, url), wallet, same_as or judgement.
	Type string
	// Weight is what the evidence adds to the score: the type's weight, 0
	// for a weak hub, confidence/100 for a SAME_AS assertion, 1 for a SAME
	// judgement.
	Weight float64
	// Shared is how many personas use the identifier (0 for SAME_AS); more
	// than the query's HubShared makes it a weak Hub.
	Shared int
	Hub    bool
	// Edges are the IDs of the edges that show it, sorted: each persona's
	// USES or CONTROLS edge to the identifier, or the SAME_AS edge.
	Edges []string
	// Note explains a judgement: "confirmed by <by>: <reason>".
	Note string
}

// JudgementDecision is what an analyst decided about two personas.
type JudgementDecision string

// Judgement decisions.
const (
	JudgementSame      JudgementDecision = "SAME"
	JudgementDifferent JudgementDecision = "DIFFERENT"
)

// JudgementInfo is the judgement in force for a pair of personas: the
// latest by At (ties by edge key).
type JudgementInfo struct {
	Decision JudgementDecision
	By       string
	Reason   string
	At       time.Time
	Edge     string // the SAME_AS edge that records it
}

// PersonaLink is a link between two personas, A < B by ID.
type PersonaLink struct {
	A, B      string
	Score     float64 // 1 − Π(1 − w) over the evidence, rounded to 9 decimals
	Evidence  []Evidence
	Judgement *JudgementInfo // the judgement in force, if any
}

// PersonaClusterResult is the answer to a PersonaQuery.
type PersonaClusterResult struct {
	Start string
	// Members are sorted by (Hops, ID); the start is first, at 0 hops.
	Members []PersonaMember
	// Links are every link between two members that scores at least
	// MinScore or that an analyst judged SAME, sorted by (A, B).
	Links []PersonaLink
	// Rejected are the links at members whose judgement in force is
	// DIFFERENT, whatever their evidence (Score says what it was), sorted
	// by (A, B). They are not followed.
	Rejected []PersonaLink
	Truncation
}

// Judgement returns the SAME_AS edge that records an analyst's judgement
// that personas a and b are (SAME) or are not (DIFFERENT) one operator.
// Judgements are never merges: each is its own edge, from the lesser to the
// greater ID, keyed by its time, so a later judgement overrides an earlier
// one and the history stays. The edge's sources put its first-seen time at
// at, so as-of queries see the judgements made by then. Its marking is
// TLP:AMBER, as for an agency's own records in the personas format: an
// analyst's work names the analyst and is not public unless shared. The
// edge's ID is filled in by graph.PrepareEdge or the store's Write.
func Judgement(a, b string, decision JudgementDecision, by, reason string, at time.Time) graph.Edge {
	if b < a {
		a, b = b, a
	}
	at = at.UTC()
	key := "judgement-" + strconv.FormatInt(at.UnixNano(), 10)
	return graph.Edge{
		Kind: graph.EdgeSameAs, From: a, To: b, Key: key,
		Props: graph.Props{"decision": string(decision), "by": by, "reason": reason, "at": at.Format(time.RFC3339Nano)},
		Sources: []graph.Source{{
			Dataset: "analyst-judgement", Record: key, RetrievedAt: at,
			Confidence: graph.ConfidenceOwnership, Marking: graph.TLPAmber,
		}},
	}
}

// PersonaCluster walks the link graph breadth-first from q.Start, one
// batch of round trips per level: the level's personas' identifiers,
// wallets and SAME_AS edges; the personas sharing those; the SAME_AS edges.
// A link is followed when its score reaches MinScore, or when the judgement
// in force is SAME; a DIFFERENT judgement removes that one link (the two
// personas may still meet through others). Identifiers with more edges than
// Limits.HubDegree are not expanded: they are weak hubs however many of
// their users are personas.
func PersonaCluster(ctx context.Context, t Topology, q PersonaQuery, l Limits) (PersonaClusterResult, error) {
	res := PersonaClusterResult{Start: q.Start}
	l = l.OrDefaults()
	switch {
	case q.Start == "":
		return res, graph.Errorf(graph.CodeInvalid, "a persona cluster needs a start node")
	case math.IsNaN(q.MinScore) || q.MinScore < 0 || q.MinScore > 1:
		return res, graph.Errorf(graph.CodeInvalid, "minScore must be between 0 and 1, got %v", q.MinScore)
	case q.MaxMembers < 0:
		return res, graph.Errorf(graph.CodeInvalid, "maxMembers cannot be negative")
	case q.HubShared < 0:
		return res, graph.Errorf(graph.CodeInvalid, "hubShared cannot be negative")
	}
	ps := &personaSearch{
		q: q, minScore: cmp.Or(q.MinScore, DefaultPersonaMinScore), hubShared: cmp.Or(q.HubShared, DefaultPersonaHubShared),
		maxMembers: cmp.Or(q.MaxMembers, l.MaxMembers), hubDegree: l.HubDegree,
		v:     newView(ctx, t, l, &res.Truncation),
		items: map[uint32]*sharedItem{}, itemsOf: map[uint32][]uint32{},
		sameAs: map[personaPair][]uint32{}, sameAsOf: map[uint32][]uint32{}, sameAsEdge: map[uint32]*graph.Edge{},
		links: map[personaPair]*pairLink{}, hops: map[uint32]int{},
	}
	ps.maxMembers = min(ps.maxMembers, l.MaxMembers)
	hs, err := ps.v.resolve(ctx, []string{q.Start}, q.AsOf)
	if err != nil {
		return res, err
	}
	start := hs[0]
	if k := ps.v.info.of(start).Kind; k != graph.KindPerson {
		return res, graph.Errorf(graph.CodeInvalid, "persona clusters start at a PERSON node; %s is a %s", q.Start, k)
	}
	ps.hops[start] = 0
	ps.members = []uint32{start}
	if err := ps.walk(ctx, start); err != nil && !errors.Is(err, errBudget) {
		return PersonaClusterResult{}, err
	}
	if err := ps.answer(ctx, &res); err != nil {
		return PersonaClusterResult{}, err
	}
	return res, nil
}

// personaPair is two personas, a before b by ID.
type personaPair struct{ a, b uint32 }

// sharedItem is an identifier or payout wallet and the personas using it.
type sharedItem struct {
	typ     string
	users   map[uint32][]uint32 // persona → its USES or CONTROLS edges to the item
	persons int
}

// pairLink is a link being built, with edge handles still to name.
type pairLink struct {
	pair      personaPair
	evidence  []pendingEvidence
	score     float64
	judgement *JudgementInfo
}

type pendingEvidence struct {
	Evidence
	edges []uint32
}

func (l *pairLink) followed(minScore float64) bool {
	if l.judgement != nil {
		return l.judgement.Decision == JudgementSame
	}
	return l.score >= minScore
}

type personaSearch struct {
	q          PersonaQuery
	minScore   float64
	hubShared  int
	maxMembers int
	hubDegree  int
	v          *view

	items      map[uint32]*sharedItem
	itemsOf    map[uint32][]uint32       // persona → its items, in ID order
	sameAs     map[personaPair][]uint32  // SAME_AS edges between two personas
	sameAsOf   map[uint32][]uint32       // persona → personas it has SAME_AS edges with
	sameAsEdge map[uint32]*graph.Edge    // loaded SAME_AS edges
	links      map[personaPair]*pairLink // every pair at an expanded persona
	hops       map[uint32]int            // members
	members    []uint32                  // in order of admission
	tooLarge   int                       // identifiers not expanded
}

func (ps *personaSearch) pairOf(a, b uint32) personaPair {
	if ps.v.byID(a, b) > 0 {
		a, b = b, a
	}
	return personaPair{a, b}
}

// walk admits members level by level until no followed link leads to a new
// persona or the cluster is full. Every member is expanded, so the links
// between members are complete.
func (ps *personaSearch) walk(ctx context.Context, start uint32) error {
	frontier := []uint32{start}
	for level := 0; len(frontier) > 0; level++ {
		fresh, err := ps.expand(ctx, frontier)
		if err != nil {
			return err
		}
		var next []uint32
		seen := map[uint32]bool{}
		for _, l := range fresh {
			if !l.followed(ps.minScore) {
				continue
			}
			for _, x := range []uint32{l.pair.a, l.pair.b} {
				if _, ok := ps.hops[x]; !ok && !seen[x] {
					seen[x] = true
					next = append(next, x)
				}
			}
		}
		ps.v.sortByID(next)
		if room := ps.maxMembers - len(ps.members); len(next) > room {
			ps.v.trunc.Add(graph.CauseMemberLimit, "the cluster reached %d members, its limit", ps.maxMembers)
			next = next[:room]
		}
		if err := ps.v.b.visit(len(next)); err != nil {
			return err
		}
		for _, x := range next {
			ps.hops[x] = level + 1
			ps.members = append(ps.members, x)
		}
		frontier = next
	}
	return nil
}

var (
	personaArcKinds = []graph.EdgeKind{graph.EdgeUses, graph.EdgeControls, graph.EdgeSameAs}
	itemArcKinds    = []graph.EdgeKind{graph.EdgeUses, graph.EdgeControls}
)

// expand reads the identifiers, wallets and SAME_AS edges of personas, the
// personas sharing them, and returns the links at these personas not built
// before, in pair order.
func (ps *personaSearch) expand(ctx context.Context, personas []uint32) ([]*pairLink, error) {
	v := ps.v
	lists, err := v.expand(ctx, personas, Filter{Dir: graph.Both, Kinds: personaArcKinds, AsOf: ps.q.AsOf})
	if err != nil {
		return nil, err
	}
	var newItems, newSameAs []uint32
	for i, u := range personas {
		for _, a := range lists[i] {
			o := a.Other(u)
			switch kind := v.info.of(o).Kind; {
			case a.Kind == graph.EdgeSameAs && kind == graph.KindPerson && o != u:
				p := ps.pairOf(u, o)
				if !slices.Contains(ps.sameAs[p], a.Edge) {
					ps.sameAs[p] = append(ps.sameAs[p], a.Edge)
					newSameAs = append(newSameAs, a.Edge)
				}
				if !slices.Contains(ps.sameAsOf[u], o) {
					ps.sameAsOf[u] = append(ps.sameAsOf[u], o)
				}
			case a.From == u && (a.Kind == graph.EdgeUses && kind == graph.KindIdentifier || a.Kind == graph.EdgeControls && kind == graph.KindWallet):
				if !slices.Contains(ps.itemsOf[u], o) {
					ps.itemsOf[u] = append(ps.itemsOf[u], o)
				}
				if _, ok := ps.items[o]; !ok {
					ps.items[o] = &sharedItem{typ: itemType(v.id(o), kind), users: map[uint32][]uint32{}}
					newItems = append(newItems, o)
				}
			}
		}
	}
	if err := ps.expandItems(ctx, newItems); err != nil {
		return nil, err
	}
	if err := ps.loadSameAs(ctx, newSameAs); err != nil {
		return nil, err
	}

	var fresh []*pairLink
	for _, u := range personas {
		var partners []uint32
		for _, it := range ps.itemsOf[u] {
			for p := range ps.items[it].users {
				partners = append(partners, p)
			}
		}
		partners = append(partners, ps.sameAsOf[u]...)
		for _, o := range partners {
			if o == u {
				continue
			}
			p := ps.pairOf(u, o)
			if _, ok := ps.links[p]; ok {
				continue
			}
			l := ps.link(p, u)
			ps.links[p] = l
			fresh = append(fresh, l)
		}
	}
	slices.SortFunc(fresh, func(x, y *pairLink) int {
		return cmp.Or(v.byID(x.pair.a, y.pair.a), v.byID(x.pair.b, y.pair.b))
	})
	return fresh, nil
}

// itemType is the evidence type of an identifier (the TYPE of its
// TYPE:value key, which its ID carries) or a wallet.
func itemType(id string, kind graph.NodeKind) string {
	if kind == graph.KindWallet {
		return "wallet"
	}
	_, key, _ := graph.ParseNodeID(id)
	typ, _, _ := strings.Cut(key, ":")
	if typ == "photohash" {
		return "photo"
	}
	return typ
}

// expandItems finds the personas using each item, in one batch.
func (ps *personaSearch) expandItems(ctx context.Context, items []uint32) error {
	v := ps.v
	var todo []uint32
	for _, it := range items {
		if v.info.of(it).Kind == graph.KindIdentifier && v.info.of(it).Degree > ps.hubDegree {
			ps.tooLarge++
			continue
		}
		todo = append(todo, it)
	}
	lists, err := v.expand(ctx, todo, Filter{Dir: graph.In, Kinds: itemArcKinds, AsOf: ps.q.AsOf})
	if err != nil {
		return err
	}
	for i, it := range todo {
		si := ps.items[it]
		for _, a := range lists[i] {
			if a.To == it && v.info.of(a.From).Kind == graph.KindPerson {
				si.users[a.From] = append(si.users[a.From], a.Edge)
			}
		}
		si.persons = len(si.users)
	}
	return nil
}

// loadSameAs loads SAME_AS edges, whose props tell judgements from
// assertions.
func (ps *personaSearch) loadSameAs(ctx context.Context, edges []uint32) error {
	if len(edges) == 0 {
		return nil
	}
	es, err := ps.v.edges(ctx, edges)
	if err != nil {
		return err
	}
	for i, e := range edges {
		ps.sameAsEdge[e] = es[i]
	}
	return nil
}

// link builds the link of a pair from its end u, just expanded: u's items
// and SAME_AS edges, and the users of each item, are complete, so one build
// is the whole link.
func (ps *personaSearch) link(p personaPair, u uint32) *pairLink {
	l := &pairLink{pair: p}
	for _, it := range ps.itemsOf[u] {
		si := ps.items[it]
		if si.users[p.a] == nil || si.users[p.b] == nil {
			continue
		}
		ev := pendingEvidence{Evidence: Evidence{Identifier: ps.v.id(it), Type: si.typ, Shared: si.persons}}
		ev.edges = append(slices.Clone(si.users[p.a]), si.users[p.b]...)
		if si.persons > ps.hubShared {
			ev.Hub = true
		} else {
			ev.Weight = personaWeights[si.typ]
		}
		l.evidence = append(l.evidence, ev)
	}
	for _, h := range ps.sameAs[p] {
		e := ps.sameAsEdge[h]
		j, ok, isJudgement := judgementOf(e)
		switch {
		case !isJudgement:
			l.evidence = append(l.evidence, pendingEvidence{
				Evidence: Evidence{Type: EvidenceSameAs, Weight: float64(e.Confidence) / 100, Edges: []string{e.ID}},
			})
		case ok && (l.judgement == nil || laterJudgement(j, l.judgement)):
			l.judgement = j
		}
	}
	l.score = personaScore(l.evidence)
	if j := l.judgement; j != nil && j.Decision == JudgementSame {
		l.evidence = append(l.evidence, pendingEvidence{Evidence: Evidence{
			Type: EvidenceJudgement, Weight: 1, Edges: []string{j.Edge}, Note: "confirmed by " + j.By + ": " + j.Reason,
		}})
		l.score = 1
	}
	return l
}

// judgementOf reads a SAME_AS edge: isJudgement when it has a decision
// prop, ok when that decision is SAME or DIFFERENT (an unknown decision
// counts neither way).
func judgementOf(e *graph.Edge) (j *JudgementInfo, ok, isJudgement bool) {
	d, has := e.Props["decision"]
	if !has {
		return nil, false, false
	}
	s, _ := d.(string)
	dec := JudgementDecision(strings.ToUpper(strings.TrimSpace(s)))
	if dec != JudgementSame && dec != JudgementDifferent {
		return nil, false, true
	}
	str := func(k string) string { s, _ := e.Props[k].(string); return s }
	at, err := time.Parse(time.RFC3339Nano, str("at"))
	if err != nil {
		at = graph.FirstSeen(e.Sources)
	}
	return &JudgementInfo{Decision: dec, By: str("by"), Reason: str("reason"), At: at.UTC(), Edge: e.ID}, true, true
}

// laterJudgement reports whether a overrides b: later, or as late with the
// greater edge ID (the key, for one pair).
func laterJudgement(a, b *JudgementInfo) bool {
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	return a.Edge > b.Edge
}

// personaScore combines evidence as independent: 1 − Π(1 − w), rounded to
// 9 decimals so that a single 0.5 scores exactly 0.5 against MinScore.
func personaScore(evidence []pendingEvidence) float64 {
	miss := 1.0
	for _, e := range evidence {
		miss *= 1 - e.Weight
	}
	return math.Round((1-miss)*1e9) / 1e9
}

// answer names the members, links and edges, in two batches.
func (ps *personaSearch) answer(ctx context.Context, res *PersonaClusterResult) error {
	v := ps.v
	if ps.tooLarge > 0 {
		res.Add(graph.CauseHubSkipped, "%d identifiers with more than %d edges were not expanded (weak hubs)", ps.tooLarge, ps.hubDegree)
	}
	var kept []*pairLink
	var edges []uint32
	for _, l := range ps.links {
		_, aIn := ps.hops[l.pair.a]
		_, bIn := ps.hops[l.pair.b]
		rejected := l.judgement != nil && l.judgement.Decision == JudgementDifferent
		if rejected && (aIn || bIn) || !rejected && aIn && bIn && l.followed(ps.minScore) {
			kept = append(kept, l)
			for _, e := range l.evidence {
				edges = append(edges, e.edges...)
			}
		}
	}
	slices.Sort(edges)
	edges = slices.Compact(edges)
	edgeID := map[uint32]string{}
	if len(edges) > 0 {
		es, err := v.edges(ctx, edges)
		if err != nil {
			return err
		}
		for i, h := range edges {
			edgeID[h] = es[i].ID
		}
	}
	for _, l := range kept {
		out := PersonaLink{A: v.id(l.pair.a), B: v.id(l.pair.b), Score: l.score, Judgement: l.judgement}
		for _, e := range l.evidence {
			ev := e.Evidence
			for _, h := range e.edges {
				ev.Edges = append(ev.Edges, edgeID[h])
			}
			slices.Sort(ev.Edges)
			ev.Edges = slices.Compact(ev.Edges)
			out.Evidence = append(out.Evidence, ev)
		}
		slices.SortFunc(out.Evidence, func(x, y Evidence) int {
			return cmp.Or(cmp.Compare(y.Weight, x.Weight), cmp.Compare(x.Type, y.Type), cmp.Compare(x.Identifier, y.Identifier),
				slices.Compare(x.Edges, y.Edges))
		})
		if l.judgement != nil && l.judgement.Decision == JudgementDifferent {
			res.Rejected = append(res.Rejected, out)
		} else {
			res.Links = append(res.Links, out)
		}
	}
	byPair := func(x, y PersonaLink) int { return cmp.Or(cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B)) }
	slices.SortFunc(res.Links, byPair)
	slices.SortFunc(res.Rejected, byPair)

	nodes, err := v.nodes(ctx, ps.members)
	if err != nil {
		return err
	}
	for i, u := range ps.members {
		m := PersonaMember{ID: v.id(u), Hops: ps.hops[u]}
		if nodes[i] != nil {
			m.Label = nodes[i].Label
		}
		res.Members = append(res.Members, m)
	}
	slices.SortFunc(res.Members, func(x, y PersonaMember) int { return cmp.Or(cmp.Compare(x.Hops, y.Hops), cmp.Compare(x.ID, y.ID)) })
	return nil
}
