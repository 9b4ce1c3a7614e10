package investigate

import (
	"context"
	"maps"
	"slices"

	"github.com/redthread-dev/redthread/graph"
)

// Same-actor candidates of a few entities, such as those an ingest job has
// just written: each one's names are looked up with the store's search
// instead of reading every entity, so the work grows with the entities
// asked about, not with the graph.

// sameAsSearchUpTo is the most entities looked up by search: for more (an
// ActorPack job writes thousands) one scan of every actor, as
// SameAsCandidates reads them, costs less than a search a name.
const sameAsSearchUpTo = 200

// SameAsLookupStore is what SameAsCandidatesOf reads: the entities by ID,
// their namesakes by search (or every actor by list), then the judgements
// through a Topology.
type SameAsLookupStore interface {
	SameAsStore
	Nodes(ctx context.Context, ids []string) ([]*graph.Node, error)
	Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error)
}

// SameAsCandidatesOf returns, in one answer, the same-actor candidates
// (SameAsCandidates' rules and order) that hold one of the entities ids:
// IDs of other kinds, vessels and missing nodes are passed over. Up to
// sameAsSearchUpTo entities, each name is searched for once (a name
// matching more entities than a search page holds is said in the
// truncation); beyond, every actor is read, at most Limits.MaxVisited.
func SameAsCandidatesOf(ctx context.Context, st SameAsLookupStore, ids []string, l Limits) (SameAsResult, error) {
	var res SameAsResult
	l = l.OrDefaults()
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	var ents []sameAsEntity
	var err error
	if len(ids) > sameAsSearchUpTo {
		ents, err = listEntities(ctx, st, SameAsKinds, l.MaxVisited, &res.Truncation)
	} else {
		ents, err = sameAsLookup(ctx, st, ids, &res.Truncation)
	}
	if err != nil {
		return res, err
	}
	focused := make([]bool, len(ents))
	for i, e := range ents {
		_, focused[i] = slices.BinarySearch(ids, e.node.ID)
	}
	pairs, matches, hubs := matchNames(ents, [2]string{}, focused)
	if hubs > 0 {
		res.Add(graph.CauseNameHub, "%d names shared by more than %d entities were not matched on", hubs, SameAsNameHub)
	}
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
		if j := judged[p]; j == nil || j.Decision != JudgementDifferent {
			res.Candidates = append(res.Candidates, sameAsCandidate(ents[p.a], ents[p.b], matches[p], j))
		}
	}
	return res, nil
}

// sameAsLookup reads the entities ids and, by search, their namesakes, in
// ID order.
func sameAsLookup(ctx context.Context, st SameAsLookupStore, ids []string, trunc *Truncation) ([]sameAsEntity, error) {
	nodes, err := st.Nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]*graph.Node{}
	searched := map[string]bool{}
	for _, n := range nodes {
		if n == nil || !slices.Contains(SameAsKinds, n.Kind) || notAnActor(n) {
			continue
		}
		byID[n.ID] = n
		for _, name := range append([]string{n.Label}, n.Aliases...) {
			for _, k := range nameKeys(name) {
				if searched[k.folded] {
					continue
				}
				searched[k.folded] = true
				if err := sameAsNamesakes(ctx, st, k.folded, byID, trunc); err != nil {
					return nil, err
				}
			}
		}
	}
	ents := make([]sameAsEntity, 0, len(byID))
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		ents = append(ents, newSameAsEntity(byID[id]))
	}
	return ents, nil
}

// sameAsNamesakes adds to byID the actors a search for a folded name finds
// (one page of the store's largest; matchNames keeps those whose names
// fold alike).
func sameAsNamesakes(ctx context.Context, st SameAsLookupStore, folded string, byID map[string]*graph.Node, trunc *Truncation) error {
	page, err := st.Search(ctx, graph.SearchQuery{Text: folded, Kinds: SameAsKinds, Limit: sameAsSearchPage})
	if err != nil {
		return err
	}
	if page.HasMore {
		trunc.Add(graph.CauseMatchLimit, "a name matched more than %d entities: only the best %d were compared", len(page.Hits), len(page.Hits))
	}
	for _, h := range page.Hits {
		if h.Node != nil && !notAnActor(h.Node) && byID[h.Node.ID] == nil {
			byID[h.Node.ID] = h.Node
		}
	}
	return nil
}

// sameAsSearchPage asks for the largest page a store gives by default
// (graph.DefaultLimits.MaxSearch): a name shared by more entities than
// that is far beyond a hub.
const sameAsSearchPage = 100
