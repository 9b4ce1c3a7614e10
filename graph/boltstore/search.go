package boltstore

import (
	"slices"
	"strings"
	"sync"

	"github.com/redthread-dev/redthread/graph/search"
)

// searchIndex finds nodes by label, aliases, key and (for wallets and
// identifiers) the bare address or value. Each node keeps one string of its
// normalised fields, "\x00f1\x00f2\x00" with tokens joined by spaces, which
// decides tiers exactly; posting lists per token only nominate candidates.
// Postings only grow: a node whose label changes keeps its old postings,
// which is harmless because candidates are re-checked against the text, and
// cheap where removing from a million-entry posting list would not be.
type searchIndex struct {
	text     []string // per node
	tokenID  map[string]uint32
	tokens   []string   // by token id
	postings [][]uint32 // by token id; may hold stale entries and repeats

	// sorted holds token ids in token order for prefix ranges; tokens added
	// since the last sort wait in pending and are merged in by the first
	// search that needs them (under sortMu: searches share the read lock).
	sortMu  sync.Mutex
	sorted  []uint32
	pending []uint32
}

func newSearchIndex() *searchIndex {
	return &searchIndex{tokenID: map[string]uint32{}}
}

// setFields indexes node i (new when i == len(text)) under the text and
// tokens search.Fields gave for it.
func (s *searchIndex) setFields(i uint32, text string, toks []string) {
	var old string
	if int(i) == len(s.text) {
		s.text = append(s.text, text)
	} else {
		old = s.text[i]
		s.text[i] = text
	}
	for _, t := range toks {
		if old != "" && search.HasToken(old, t, false) {
			continue // already posted
		}
		tid, ok := s.tokenID[t]
		if !ok {
			tid = uint32(len(s.tokens))
			s.tokenID[t] = tid
			s.tokens = append(s.tokens, t)
			s.postings = append(s.postings, nil)
			s.pending = append(s.pending, tid)
		}
		s.postings[tid] = append(s.postings[tid], i)
	}
}

// candidates returns the nodes that may match at tierPrefix or better, with
// repeats removed.
func (s *searchIndex) candidates(q search.Query) []uint32 {
	var lists [][]uint32
	n := len(q.Tokens)
	if n > 1 {
		// every such node has all of toks[:n-1] as words: take the rarest
		var best []uint32
		for i, t := range q.Tokens[:n-1] {
			tid, ok := s.tokenID[t]
			if !ok {
				return nil
			}
			if p := s.postings[tid]; i == 0 || len(p) < len(best) {
				best = p
			}
		}
		lists = append(lists, best)
	} else {
		for _, tid := range s.prefixRange(q.Tokens[0]) {
			lists = append(lists, s.postings[tid])
		}
	}
	var out []uint32
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// prefixRange returns the ids of tokens starting with p.
func (s *searchIndex) prefixRange(p string) []uint32 {
	s.sortMu.Lock()
	defer s.sortMu.Unlock()
	s.sortPending()
	lo, _ := slices.BinarySearchFunc(s.sorted, p, func(tid uint32, p string) int { return strings.Compare(s.tokens[tid], p) })
	hi := lo
	for hi < len(s.sorted) && strings.HasPrefix(s.tokens[s.sorted[hi]], p) {
		hi++
	}
	return s.sorted[lo:hi:hi]
}

// sortPending merges the tokens added since the last search into the sorted
// list: one sort of the new tokens and a linear merge, paid by the first
// search after a write instead of by every write.
func (s *searchIndex) sortPending() {
	if len(s.pending) == 0 {
		return
	}
	cmp := func(a, b uint32) int { return strings.Compare(s.tokens[a], s.tokens[b]) }
	slices.SortFunc(s.pending, cmp)
	merged := make([]uint32, 0, len(s.sorted)+len(s.pending))
	i, j := 0, 0
	for i < len(s.sorted) && j < len(s.pending) {
		if cmp(s.sorted[i], s.pending[j]) <= 0 {
			merged = append(merged, s.sorted[i])
			i++
		} else {
			merged = append(merged, s.pending[j])
			j++
		}
	}
	merged = append(append(merged, s.sorted[i:]...), s.pending[j:]...)
	s.sorted, s.pending = merged, nil
}

// find returns up to k hits ranking after `after` (nil: from the top) that
// keep accepts, best first; ids orders ties. text gives a node's text as
// the viewer sees it (s.text, but for a node whose sources differ in
// visibility): postings hold every source's words and only nominate.
func (s *searchIndex) find(q search.Query, after *search.Cursor, k int, ids []string, keep func(uint32) bool, text func(uint32) string) []search.Hit[uint32] {
	top := search.NewTop[uint32](k, after)
	for _, i := range s.candidates(q) {
		if !keep(i) {
			continue
		}
		if t := q.Tier(text(i)); t > search.TierSubstring {
			top.Offer(search.Hit[uint32]{Tier: t, ID: ids[i], Ref: i})
		}
	}
	if top.Full() {
		return top.Hits()
	}
	// Substring hits rank below every candidate: scan only when the page
	// is not full yet. Candidates cannot be substring-only hits unless
	// they matched nothing better, so skip none of them.
	for i := range s.text {
		n := uint32(i)
		if strings.Contains(s.text[i], q.Norm) && keep(n) && q.Tier(text(n)) == search.TierSubstring {
			top.Offer(search.Hit[uint32]{Tier: search.TierSubstring, ID: ids[i], Ref: n})
		}
	}
	return top.Hits()
}

func (s *searchIndex) memoryBytes() int {
	n := 0
	for _, t := range s.text {
		n += len(t) + 16
	}
	for _, t := range s.tokens {
		n += 2*len(t) + 16 + 48 // string, map key, map overhead
	}
	for _, p := range s.postings {
		n += 4*cap(p) + 24
	}
	return n + 4*(cap(s.sorted)+cap(s.pending))
}
