package investigate

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/graph"
)

// Same-actor candidates: entities that different sources name alike. MITRE
// ATT&CK's "Lazarus Group" threat group and OFAC's "LAZARUS GROUP"
// organization are two nodes (their kinds differ, so their keys do), yet
// share a name and the aliases HIDDEN COBRA and Guardians of Peace. A
// candidate is a proposal with its evidence, never a merge: an analyst
// confirms or rejects it with the persona judgements (Judgement), a rejected
// pair is not proposed again, a confirmed one shows its judgement.

// Defaults and bounds of a SameAsQuery.
const (
	DefaultSameAsFirst = 50
	MaxSameAsFirst     = 500
	// A folded name shared by more entities than this is too common to mean
	// anything ("unknown", "ministry"): it proposes nothing and is counted.
	SameAsNameHub = 20
	// Names folding to fewer letters and digits are too short to match on.
	sameAsMinName = 3
	// judgementDataset is the dataset of analyst judgements: not a source
	// of names.
	judgementDataset = "analyst-judgement"
)

// SameAsKinds are the kinds whose nodes name actors.
var SameAsKinds = []graph.NodeKind{graph.KindThreatGroup, graph.KindOrganization, graph.KindPerson, graph.KindService}

// SameAsQuery asks for one page of same-actor candidates.
type SameAsQuery struct {
	Kinds []graph.NodeKind // empty means SameAsKinds
	First int              // 0 means DefaultSameAsFirst; at most MaxSameAsFirst
	After string           // cursor of the last candidate of the previous page
}

// NameMatch is one name the two entities share: each one's own spelling
// (a label or an alias) and the folded form they agree on. Domain: one
// spelling is a bare web domain whose name is the other's ("sinbad.io" and
// "SINBAD", DomainName).
type NameMatch struct {
	A, B   string
	Folded string
	Domain bool
}

// SameAsCandidate is two entities from different sources that share names,
// A before B by ID.
type SameAsCandidate struct {
	A, B                 *graph.Node
	DatasetsA, DatasetsB []string
	Matches              []NameMatch
	// Judgement is the analyst's judgement in force on the pair, if SAME
	// (a DIFFERENT one removes the candidate).
	Judgement *JudgementInfo
	Cursor    string
}

// SameAsResult is one page of candidates, by (A, B) ID.
type SameAsResult struct {
	Candidates []SameAsCandidate
	HasMore    bool
	Truncation
}

// SameAsStore is what SameAsCandidates reads: the nodes by kind, then the
// judgements through a Topology (Store is one).
type SameAsStore interface {
	ListNodes(ctx context.Context, q graph.ListQuery) (graph.ListResult, error)
	Opener
}

type sameAsEntity struct {
	node     *graph.Node
	datasets []string
}

type sameAsPair struct{ a, b int }

// SameAsCandidates lists entities of the query's kinds whose names or
// aliases fold alike and whose sources share no dataset, with the
// judgements in force. It reads every entity of those kinds,
// at most Limits.MaxVisited (the answer says when it stopped short), so a
// page costs a scan: fine for actor kinds, which are few beside wallets.
func SameAsCandidates(ctx context.Context, st SameAsStore, q SameAsQuery, l Limits) (SameAsResult, error) {
	var res SameAsResult
	l = l.OrDefaults()
	kinds := q.Kinds
	if len(kinds) == 0 {
		kinds = SameAsKinds
	}
	first := cmp.Or(q.First, DefaultSameAsFirst)
	if first < 1 || first > MaxSameAsFirst {
		return res, graph.Errorf(graph.CodeInvalid, "first must be between 1 and %d, got %d", MaxSameAsFirst, q.First)
	}
	after, err := sameAsAfter(q.After)
	if err != nil {
		return res, err
	}
	for _, k := range kinds {
		if !k.Valid() {
			return res, graph.Errorf(graph.CodeInvalid, "unknown node kind %q", k)
		}
	}
	ents, err := listEntities(ctx, st, kinds, l.MaxVisited, &res.Truncation)
	if err != nil {
		return res, err
	}
	pairs, matches, hubs := matchNames(ents, after, nil)
	if hubs > 0 {
		res.Add(graph.CauseNameHub, "%d names shared by more than %d entities were not matched on", hubs, SameAsNameHub)
	}
	// Opened after the listing: a view holds the store's read lock, which
	// ListNodes takes too, and a read lock taken twice can deadlock behind a writer.
	t, release, err := st.Topology(ctx)
	if err != nil {
		return res, err
	}
	judged, err := sameAsJudgements(ctx, t, ents, pairs)
	release()
	if err != nil {
		return res, err
	}
	for _, p := range pairs {
		j := judged[p]
		if j != nil && j.Decision == JudgementDifferent {
			continue
		}
		if len(res.Candidates) == first {
			res.HasMore = true
			break
		}
		res.Candidates = append(res.Candidates, sameAsCandidate(ents[p.a], ents[p.b], matches[p], j))
	}
	return res, nil
}

func sameAsCandidate(a, b sameAsEntity, ms []NameMatch, j *JudgementInfo) SameAsCandidate {
	return SameAsCandidate{
		A: a.node, B: b.node, DatasetsA: a.datasets, DatasetsB: b.datasets, Matches: ms, Judgement: j,
		Cursor: base64.RawURLEncoding.EncodeToString([]byte(a.node.ID + "\x00" + b.node.ID)),
	}
}

// sameAsAfter decodes a cursor into the pair it names.
func sameAsAfter(cursor string) ([2]string, error) {
	if cursor == "" {
		return [2]string{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	a, b, ok := strings.Cut(string(raw), "\x00")
	if err != nil || !ok || a == "" || b == "" {
		return [2]string{}, graph.Errorf(graph.CodeInvalid, "after is not a cursor of sameAsCandidates")
	}
	return [2]string{a, b}, nil
}

// listEntities reads every node of the kinds, in ID order, at most max.
func listEntities(ctx context.Context, ls SameAsStore, kinds []graph.NodeKind, max int, trunc *Truncation) ([]sameAsEntity, error) {
	var out []sameAsEntity
	after := ""
	for {
		page, err := ls.ListNodes(ctx, graph.ListQuery{Kinds: kinds, After: after, Limit: min(graph.MaxListNodes, max-len(out)+1)})
		if err != nil {
			return nil, err
		}
		for _, n := range page.Nodes {
			if len(out) == max {
				trunc.Add(graph.CauseVisitLimit, "only the first %d entities were read", max)
				return out, nil
			}
			if notAnActor(n) {
				continue
			}
			out = append(out, newSameAsEntity(n))
		}
		if !page.HasMore || len(page.Nodes) == 0 {
			return out, nil
		}
		after = page.Nodes[len(page.Nodes)-1].ID
	}
}

// newSameAsEntity is a node with the datasets that name it, sorted.
func newSameAsEntity(n *graph.Node) sameAsEntity {
	var ds []string
	for _, s := range n.Sources {
		if s.Dataset != judgementDataset && s.Dataset != "" {
			ds = append(ds, s.Dataset)
		}
	}
	slices.Sort(ds)
	return sameAsEntity{node: n, datasets: slices.Compact(ds)}
}

// matchNames pairs entities (by index, in ID order since ents are) that
// share a folded name and no dataset, after the cursor pair; with focus,
// only pairs holding a focused entity, and only their names' hubs counted.
func matchNames(ents []sameAsEntity, after [2]string, focus []bool) ([]sameAsPair, map[sameAsPair][]NameMatch, int) {
	focused := func(i int) bool { return focus == nil || focus[i] }
	type use struct {
		ent    int
		name   string
		domain bool
	}
	byName := map[string][]use{}
	for i, e := range ents {
		for _, name := range append([]string{e.node.Label}, e.node.Aliases...) {
			for _, k := range nameKeys(name) {
				us := byName[k.folded]
				if len(us) > 0 && us[len(us)-1].ent == i {
					continue // one entity's label and alias alike
				}
				byName[k.folded] = append(us, use{i, name, k.domain})
			}
		}
	}
	matches := map[sameAsPair][]NameMatch{}
	hubs := 0
	for folded, us := range byName {
		if !slices.ContainsFunc(us, func(u use) bool { return focused(u.ent) }) {
			continue
		}
		if len(us) > SameAsNameHub {
			hubs++
			continue
		}
		for x := range us {
			for y := x + 1; y < len(us); y++ {
				a, b := us[x], us[y]
				na, nb := ents[a.ent].node, ents[b.ent].node
				if a.ent == b.ent || !focused(a.ent) && !focused(b.ent) || a.domain && b.domain || !Judgeable(na.Kind, nb.Kind) || sharesDataset(ents[a.ent].datasets, ents[b.ent].datasets) {
					continue
				}
				p := sameAsPair{a.ent, b.ent}
				ida, idb := na.ID, nb.ID
				if cmp.Or(cmp.Compare(ida, after[0]), cmp.Compare(idb, after[1])) <= 0 {
					continue // on an earlier page
				}
				matches[p] = append(matches[p], NameMatch{A: a.name, B: b.name, Folded: folded, Domain: a.domain || b.domain})
			}
		}
	}
	pairs := make([]sameAsPair, 0, len(matches))
	for p, ms := range matches {
		pairs = append(pairs, p)
		slices.SortFunc(ms, func(x, y NameMatch) int {
			return cmp.Or(cmp.Compare(x.Folded, y.Folded), cmp.Compare(x.A, y.A), cmp.Compare(x.B, y.B))
		})
	}
	slices.SortFunc(pairs, func(x, y sameAsPair) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	return pairs, matches, hubs
}

// Judgeable reports whether nodes of two kinds can be judged one actor: two
// personas (a person), or two of threat group, organization and service (a
// group that sources file under different kinds).
func Judgeable(a, b graph.NodeKind) bool {
	actor := func(k graph.NodeKind) bool {
		return k == graph.KindThreatGroup || k == graph.KindOrganization || k == graph.KindService
	}
	return a == graph.KindPerson && b == graph.KindPerson || actor(a) && actor(b)
}

func sharesDataset(a, b []string) bool {
	for _, d := range a {
		if _, ok := slices.BinarySearch(b, d); ok {
			return true
		}
	}
	return len(a) == 0 || len(b) == 0 // no source named: nothing says they differ
}

// sameAsJudgements reads the SAME_AS edges at the candidates' entities and
// returns the judgement in force on each candidate pair that has one.
func sameAsJudgements(ctx context.Context, t Topology, ents []sameAsEntity, pairs []sameAsPair) (map[sameAsPair]*JudgementInfo, error) {
	out := map[sameAsPair]*JudgementInfo{}
	if len(pairs) == 0 {
		return out, nil
	}
	idx := map[string]int{}
	var ids []string
	for _, p := range pairs {
		for _, i := range []int{p.a, p.b} {
			if _, ok := idx[ents[i].node.ID]; !ok {
				idx[ents[i].node.ID] = i
				ids = append(ids, ents[i].node.ID)
			}
		}
	}
	hs, err := t.Resolve(ctx, ids)
	if err != nil {
		return nil, err
	}
	live := hs[:0:0]
	for _, h := range hs {
		if h != None {
			live = append(live, h)
		}
	}
	lists, err := t.Expand(ctx, live, Filter{Dir: graph.Both, Kinds: []graph.EdgeKind{graph.EdgeSameAs}})
	if err != nil {
		return nil, err
	}
	var edges []uint32
	for _, as := range lists {
		for _, a := range as {
			edges = append(edges, a.Edge)
		}
	}
	slices.Sort(edges)
	edges = slices.Compact(edges)
	es, err := t.Edges(ctx, edges)
	if err != nil {
		return nil, err
	}
	want := map[sameAsPair]bool{}
	for _, p := range pairs {
		want[p] = true
	}
	for _, e := range es {
		if e == nil {
			continue
		}
		a, okA := idx[e.From]
		b, okB := idx[e.To]
		if !okA || !okB {
			continue
		}
		p := sameAsPair{min(a, b), max(a, b)}
		j, ok, _ := judgementOf(e)
		if want[p] && ok && (out[p] == nil || laterJudgement(j, out[p])) {
			out[p] = j
		}
	}
	return out, nil
}
