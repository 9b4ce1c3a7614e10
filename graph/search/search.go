// Package search holds the text matching and ranking rules every graph
// store follows, so that the embedded store and Neo4j return the same hits
// in the same order: how text is folded into tokens, which fields of a node
// are searched, the four match tiers, the order of hits (tier, then ID) and
// the pagination cursor. Stores differ only in how they find candidates.
package search

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/redthread-dev/redthread/graph"
)

// Match tiers, best first; a hit's score is its tier.
const (
	TierSubstring = 1 // the query is a substring of a field
	TierPrefix    = 2 // all query tokens but the last are words, the last a word prefix
	TierWords     = 3 // all query tokens are words of the node's fields
	TierExact     = 4 // the query equals a whole field
)

// Fold lower-cases s, strips accents and splits it into tokens of letters
// and digits. ASCII, the bulk of keys and addresses, takes a fast path.
func Fold(s string) []string {
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

// Fields returns the searchable text of a node and its distinct tokens.
// The text holds the node's label, key, aliases and (for wallets and
// identifiers) the bare address or value, each folded to tokens joined by
// spaces, as "\x00f1\x00f2\x00"; it decides tiers exactly (see Query.Tier).
func Fields(id string, label string, aliases []string) (text string, tokens []string) {
	kind, key, _ := graph.ParseNodeID(id)
	fields := append([]string{label, key}, aliases...)
	if kind == graph.KindWallet || kind == graph.KindIdentifier {
		if _, v, ok := strings.Cut(key, ":"); ok {
			fields = append(fields, v)
		}
	}
	var b strings.Builder
	b.WriteByte(0)
	var seen []string
	for _, f := range fields {
		toks := Fold(f)
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
			if !slices.Contains(tokens, t) {
				tokens = append(tokens, t)
			}
		}
	}
	return b.String(), tokens
}

// HasToken reports whether t occurs in text (as built by Fields) as a whole
// token, or with prefix as the start of one.
func HasToken(text, t string, prefix bool) bool {
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

// Query is a folded search text.
type Query struct {
	Tokens []string
	Norm   string // Tokens joined by spaces
}

// ParseQuery folds text into a Query; text without letters or digits is
// an INVALID_ARGUMENT error.
func ParseQuery(text string) (Query, error) {
	toks := Fold(text)
	if len(toks) == 0 {
		return Query{}, graph.Errorf(graph.CodeInvalid, "search text %q has no letters or digits", text)
	}
	return Query{Tokens: toks, Norm: strings.Join(toks, " ")}, nil
}

// Tier returns how well a node whose Fields text is text matches q, 0 for
// not at all. A node matches at TierPrefix or better exactly when every
// token but the last is one of its tokens and the last starts one of them;
// it matches at all exactly when that holds or text contains q.Norm.
func (q Query) Tier(text string) int {
	if strings.Contains(text, "\x00"+q.Norm+"\x00") {
		return TierExact
	}
	n := len(q.Tokens)
	words := true
	for _, t := range q.Tokens[:n-1] {
		if !HasToken(text, t, false) {
			words = false
			break
		}
	}
	if words {
		if HasToken(text, q.Tokens[n-1], false) {
			return TierWords
		}
		if HasToken(text, q.Tokens[n-1], true) {
			return TierPrefix
		}
	}
	if strings.Contains(text, q.Norm) {
		return TierSubstring
	}
	return 0
}

// Request is a graph.SearchQuery checked and resolved against limits, the
// same way in every store.
type Request struct {
	Query Query
	Limit int     // page size, defaulted and clamped
	After *Cursor // nil on the first page
}

// ParseRequest checks q: its text, a non-negative limit (0 means
// limits.DefaultSearch, clamped to limits.MaxSearch) and its cursor.
func ParseRequest(q graph.SearchQuery, limits graph.Limits) (Request, error) {
	var r Request
	var err error
	if r.Query, err = ParseQuery(q.Text); err != nil {
		return r, err
	}
	if q.Limit < 0 {
		return r, graph.Errorf(graph.CodeInvalid, "negative search limit %d", q.Limit)
	}
	r.Limit = limits.SearchSize(q.Limit)
	if q.After != "" {
		c, err := ParseCursor(q.After)
		if err != nil {
			return r, err
		}
		r.After = &c
	}
	return r, nil
}

// Cursor is the position after the last hit of a page: pages hold hits that
// rank strictly after it, so writes between pages never repeat a hit.
type Cursor struct {
	Tier int
	ID   string
}

// String encodes the cursor as an opaque token.
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte("s1:" + strconv.Itoa(c.Tier) + ":" + c.ID))
}

// ParseCursor decodes a cursor made by Cursor.String; anything else is an
// INVALID_ARGUMENT error.
func ParseCursor(s string) (Cursor, error) {
	bad := graph.Errorf(graph.CodeInvalid, "invalid search cursor %q", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	v, ok := strings.CutPrefix(string(b), "s1:")
	t, id, ok2 := strings.Cut(v, ":")
	tier, err := strconv.Atoi(t)
	if !ok || !ok2 || err != nil || tier < TierSubstring || tier > TierExact || id == "" {
		return Cursor{}, bad
	}
	return Cursor{tier, id}, nil
}

// Before reports whether a hit at tier with id ranks before (is better
// than) one at c: higher tier first, then lower ID.
func Before(tier int, id string, c Cursor) bool {
	return tier > c.Tier || tier == c.Tier && id < c.ID
}

// Hit is a ranked node; Ref carries what the store needs to load it.
type Hit[T any] struct {
	Tier int
	ID   string
	Ref  T
}

// Top collects the k best hits ranking after a cursor, best first.
type Top[T any] struct {
	k     int
	after *Cursor
	hits  []Hit[T]
}

// NewTop returns a collector of the k best hits after `after` (nil: from
// the top).
func NewTop[T any](k int, after *Cursor) *Top[T] {
	return &Top[T]{k: k, after: after, hits: make([]Hit[T], 0, k+1)}
}

// Offer considers a hit.
func (t *Top[T]) Offer(h Hit[T]) {
	if t.after != nil && !Before(t.after.Tier, t.after.ID, Cursor{h.Tier, h.ID}) {
		return
	}
	if len(t.hits) == t.k && !Before(h.Tier, h.ID, Cursor{t.hits[t.k-1].Tier, t.hits[t.k-1].ID}) {
		return
	}
	pos, _ := slices.BinarySearchFunc(t.hits, h, func(x, h Hit[T]) int {
		if Before(x.Tier, x.ID, Cursor{h.Tier, h.ID}) {
			return -1
		}
		return 1
	})
	t.hits = slices.Insert(t.hits, pos, h)
	if len(t.hits) > t.k {
		t.hits = t.hits[:t.k]
	}
}

// Full reports whether k hits are held: lower-ranked candidates can then
// only be refused.
func (t *Top[T]) Full() bool { return len(t.hits) == t.k }

// Worst returns the lowest-ranked hit held; ok is false when none is.
func (t *Top[T]) Worst() (h Hit[T], ok bool) {
	if len(t.hits) == 0 {
		return h, false
	}
	return t.hits[len(t.hits)-1], true
}

// Hits returns the hits held, best first.
func (t *Top[T]) Hits() []Hit[T] { return t.hits }
