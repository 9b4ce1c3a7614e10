package boltstore

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/redthread-dev/redthread/graph"
)

// Search tiers, best first; a hit's score is its tier.
const (
	tierSubstring = 1 // the query is a substring of a field
	tierPrefix    = 2 // all query tokens but the last are words, the last a word prefix
	tierWords     = 3 // all query tokens are words of the node's fields
	tierExact     = 4 // the query equals a whole field
)

// fold lower-cases s, strips accents and splits it into tokens of letters
// and digits. ASCII, the bulk of keys and addresses, takes a fast path.
func fold(s string) []string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
		if out, _, err := transform.String(t, s); err == nil {
			s = out
		}
		s = strings.ToLower(s)
		return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	var toks []string
	var b []byte
	for i := 0; i <= len(s); i++ {
		var c byte
		if i < len(s) {
			c = s[i]
		}
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			if len(b) > 0 {
				toks = append(toks, string(b))
				b = b[:0]
			}
		}
	}
	return toks
}

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

// searchFields returns the normalised text of a node and its tokens.
func searchFields(id string, label string, aliases []string) (string, []string) {
	kind, key, _ := graph.ParseNodeID(id)
	fields := append([]string{label, key}, aliases...)
	if kind == graph.KindWallet || kind == graph.KindIdentifier {
		if _, v, ok := strings.Cut(key, ":"); ok {
			fields = append(fields, v)
		}
	}
	var b strings.Builder
	b.WriteByte(0)
	var all []string
	var seen []string
	for _, f := range fields {
		toks := fold(f)
		if len(toks) == 0 {
			continue
		}
		nf := strings.Join(toks, " ")
		if slices.Contains(seen, nf) {
			continue
		}
		seen = append(seen, nf)
		b.WriteString(nf)
		b.WriteByte(0)
		for _, t := range toks {
			if !slices.Contains(all, t) {
				all = append(all, t)
			}
		}
	}
	return b.String(), all
}

// set indexes node i (new when i == len(text)).
func (s *searchIndex) set(i uint32, id, label string, aliases []string) {
	text, toks := searchFields(id, label, aliases)
	var old string
	if int(i) == len(s.text) {
		s.text = append(s.text, text)
	} else {
		old = s.text[i]
		s.text[i] = text
	}
	for _, t := range toks {
		if old != "" && hasToken(old, t, false) {
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

// hasToken reports whether t occurs in text as a whole token, or with
// prefix as the start of one.
func hasToken(text, t string, prefix bool) bool {
	for off := 0; ; {
		j := strings.Index(text[off:], t)
		if j < 0 {
			return false
		}
		j += off
		before := j == 0 || text[j-1] == ' ' || text[j-1] == 0
		end := j + len(t)
		after := prefix || end == len(text) || text[end] == ' ' || text[end] == 0
		if before && after {
			return true
		}
		off = j + 1
	}
}

type searchQuery struct {
	toks []string
	norm string // tokens joined by spaces
}

// tier returns how well node i matches q, 0 for not at all.
func (s *searchIndex) tier(i uint32, q searchQuery) int {
	text := s.text[i]
	if strings.Contains(text, "\x00"+q.norm+"\x00") {
		return tierExact
	}
	n := len(q.toks)
	words := true
	for _, t := range q.toks[:n-1] {
		if !hasToken(text, t, false) {
			words = false
			break
		}
	}
	if words {
		if hasToken(text, q.toks[n-1], false) {
			return tierWords
		}
		if hasToken(text, q.toks[n-1], true) {
			return tierPrefix
		}
	}
	if strings.Contains(text, q.norm) {
		return tierSubstring
	}
	return 0
}

// candidates returns the nodes that may match at tierPrefix or better, with
// repeats removed.
func (s *searchIndex) candidates(q searchQuery) []uint32 {
	var lists [][]uint32
	n := len(q.toks)
	if n > 1 {
		// every such node has all of toks[:n-1] as words: take the rarest
		var best []uint32
		for i, t := range q.toks[:n-1] {
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
		for _, tid := range s.prefixRange(q.toks[0]) {
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

// hit is a scored node.
type hit struct {
	tier int
	node uint32
}

// cursor is the position after the last hit of a page: pages hold hits that
// rank strictly after it, so writes between pages never repeat a hit.
type cursor struct {
	tier int
	id   string
}

func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte("s1:" + strconv.Itoa(c.tier) + ":" + c.id))
}

func decodeCursor(s string) (cursor, error) {
	bad := graph.Errorf(graph.CodeInvalid, "invalid search cursor %q", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	v, ok := strings.CutPrefix(string(b), "s1:")
	t, id, ok2 := strings.Cut(v, ":")
	tier, err := strconv.Atoi(t)
	if !ok || !ok2 || err != nil || tier < tierSubstring || tier > tierExact || id == "" {
		return cursor{}, bad
	}
	return cursor{tier, id}, nil
}

// find returns up to k hits ranking after `after` (nil: from the top) whose
// kinds pass keep, best first; ids orders ties.
func (s *searchIndex) find(q searchQuery, after *cursor, k int, ids []string, keep func(uint32) bool) []hit {
	better := func(a, b hit) bool {
		return a.tier > b.tier || a.tier == b.tier && ids[a.node] < ids[b.node]
	}
	top := make([]hit, 0, k+1)
	offer := func(h hit) {
		if after != nil && (h.tier > after.tier || h.tier == after.tier && ids[h.node] <= after.id) {
			return
		}
		if len(top) == k && !better(h, top[k-1]) {
			return
		}
		pos, _ := slices.BinarySearchFunc(top, h, func(x, h hit) int {
			if better(x, h) {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, pos, h)
		if len(top) > k {
			top = top[:k]
		}
	}
	cands := s.candidates(q)
	for _, i := range cands {
		if t := s.tier(i, q); t > tierSubstring && keep(i) {
			offer(hit{t, i})
		}
	}
	if len(top) == k {
		return top
	}
	// Substring hits rank below every candidate: scan only when the page
	// is not full yet. Candidates cannot be substring-only hits unless
	// they matched nothing better, so skip none of them.
	for i := range s.text {
		n := uint32(i)
		if strings.Contains(s.text[i], q.norm) && keep(n) && s.tier(n, q) == tierSubstring {
			offer(hit{tierSubstring, n})
		}
	}
	return top
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
