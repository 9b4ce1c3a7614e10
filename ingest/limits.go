package ingest

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
)

// DefaultMaxValueBytes bounds one value of a record (a label, a key, a
// property, a source's excerpt) unless Options say otherwise: far above
// any value of the real sources (an ATT&CK description is a few kB), far
// below what would make one node a burden to store and serve.
const DefaultMaxValueBytes = 64 << 10

// MaxRecordBytes bounds what a format reader holds of one record of its
// input (a CSV row, a STIX object, a JSON value of an OFAC list), so that a
// hostile file cannot make it buffer gigabytes: the record is rejected
// unread past this size and the reader goes on with the next one when the
// format allows it. It is larger than DefaultMaxValueBytes because a record
// may carry big cells a format does not keep (an Ethereum transaction's
// input data).
const MaxRecordBytes = 16 << 20

// MaxExcerpt is the most bytes of a value a rejection quotes.
const MaxExcerpt = 120

// maxReason bounds a reported rejection's reason, whatever a format put in
// it.
const maxReason = 512

// Excerpt returns s cut to at most n bytes (on a character boundary) with
// "…" after, or s when it is short enough.
func Excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// TooLarge returns the LIMIT_EXCEEDED error of something (what: "the
// value", "the row"...) of size bytes over limit; atLeast says that only
// the first size bytes were read.
func TooLarge(what string, size int64, atLeast bool, limit int64) *graph.Error {
	if atLeast {
		return graph.Errorf(graph.CodeLimit, "%s is larger than %s, the limit", what, FormatBytes(limit))
	}
	if size < 1<<10 {
		return graph.Errorf(graph.CodeLimit, "%s is %d bytes, over the limit of %s", what, size, FormatBytes(limit))
	}
	return graph.Errorf(graph.CodeLimit, "%s is %s (%d bytes), over the limit of %s", what, FormatBytes(size), size, FormatBytes(limit))
}

// IsTooLarge reports whether err is a size limit's error (TooLarge).
func IsTooLarge(err error) bool {
	var ge *graph.Error
	return errors.As(err, &ge) && ge.Code == graph.CodeLimit
}

// FormatBytes writes n in binary units: 512 B, 64 KiB, 1.5 GiB.
func FormatBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v, u = v/1024, u+1
	}
	if u == 0 || v == float64(int64(v)) {
		return fmt.Sprintf("%d %s", int64(v), units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

// Code classifies the rejection: the code of its *graph.Error (a size
// limit is LIMIT_EXCEEDED, a dangling edge NOT_FOUND), INVALID_ARGUMENT
// for any other reason a format gives.
func (e *RecordError) Code() graph.Code {
	var ge *graph.Error
	if errors.As(e.Err, &ge) {
		return ge.Code
	}
	return graph.CodeInvalid
}

// bounded returns the rejection as a report keeps it: ID and field cut to
// MaxExcerpt, every quoted value in the reason too, the reason to
// maxReason, and the cause replaced by its coded message, so that a huge
// value a format quoted or wrapped is neither kept nor shown.
func (e RecordError) bounded() RecordError {
	return RecordError{
		Pos: e.Pos, ID: Excerpt(e.ID, MaxExcerpt), Field: Excerpt(e.Field, MaxExcerpt),
		Err: &graph.Error{Code: e.Code(), Message: BoundReason(e.Reason())},
	}
}

// BoundReason cuts every double-quoted passage of a message (a value a
// format quoted with %q) to MaxExcerpt bytes, and the message to a few
// hundred bytes.
func BoundReason(s string) string {
	if len(s) <= MaxExcerpt {
		return s
	}
	var b strings.Builder
	for len(s) > 0 && b.Len() <= maxReason {
		i := strings.IndexByte(s, '"')
		if i < 0 || i > maxReason {
			b.WriteString(s[:min(len(s), maxReason+1)]) // cut below
			break
		}
		b.WriteString(s[:i+1])
		s = s[i+1:]
		end := quoteEnd(s)
		if end > MaxExcerpt {
			b.WriteString(strings.TrimSuffix(Excerpt(s[:end], MaxExcerpt), "…"))
			b.WriteString(`…"`)
			s = s[min(end+1, len(s)):]
			continue
		}
		b.WriteString(s[:min(end+1, len(s))])
		s = s[min(end+1, len(s)):]
	}
	return Excerpt(b.String(), maxReason)
}

// quoteEnd returns the index of the quote that closes the Go-quoted text s
// starts with, or len(s) when none does.
func quoteEnd(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(s)
}
