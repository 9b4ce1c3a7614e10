package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Bounds of a listing.
const (
	DefaultPage = 50   // entries of a page when the query asks for none
	MaxPage     = 200  // entries of a page at most
	MaxScan     = 5000 // log entries one List reads at most; a page with filters that match rarely ends early, with a cursor
	batch       = 250  // entries read from the store at a time
)

// Query selects and pages entries. Zero fields select everything.
type Query struct {
	Action  string    // an action ("case.view"), or a family ending in '.' ("share.")
	Actor   string    // exactly this actor
	Outcome string    // OK, Denied or Failed
	Since   time.Time // entries at or after
	Until   time.Time // entries at or before
	First   int       // page size: 0 is DefaultPage, at most MaxPage
	After   string    // the Next cursor of the previous page
}

// Page is one page of entries, newest first.
type Page struct {
	Entries []Entry
	// Next continues after the last entry of this page (older entries);
	// empty when the log has no more. A page may hold fewer than First
	// entries and still have a Next when its scan budget ran out.
	Next string
}

// List returns a page of agency's entries matching q, newest first.
// Entries are in the order they were appended; the time filters assume
// that order is the order of their times (one clock per server; servers
// of one deployment keep theirs in step).
func (l *Log) List(ctx context.Context, agency string, q Query) (Page, error) {
	if l == nil {
		return Page{}, graph.Errorf(graph.CodeUnavailable, "audit: no audit log is configured")
	}
	name, err := logName(agency)
	if err != nil {
		return Page{}, err
	}
	first, before, err := checkQuery(q)
	if err != nil {
		return Page{}, err
	}
	r := reader{l: l, log: name}
	if before == 0 {
		head, err := r.head(ctx)
		if err != nil {
			return Page{}, err
		}
		before = head + 1
	}
	if !q.Until.IsZero() {
		last, err := r.lastUntil(ctx, q.Until, before-1)
		if err != nil {
			return Page{}, err
		}
		before = min(before, last+1)
	}
	return r.scan(ctx, q, first, before)
}

// checkQuery checks q and returns its page size and the sequence number
// its cursor continues before (0: from the newest entry).
func checkQuery(q Query) (first int, before int64, err error) {
	switch {
	case q.First < 0 || q.First > MaxPage:
		return 0, 0, graph.Errorf(graph.CodeInvalid, "first: want 1 to %d, got %d", MaxPage, q.First)
	case q.First == 0:
		q.First = DefaultPage
	}
	if q.Action != "" && checkAction(q.Action) != nil {
		return 0, 0, graph.Errorf(graph.CodeInvalid, "action: want an action such as case.view or a family such as share.")
	}
	if len(q.Actor) > MaxActor {
		return 0, 0, graph.Errorf(graph.CodeInvalid, "actor: longer than %d bytes", MaxActor)
	}
	switch q.Outcome {
	case "", OK, Denied, Failed:
	default:
		return 0, 0, graph.Errorf(graph.CodeInvalid, "outcome: want ok, denied or failed")
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return 0, 0, graph.Errorf(graph.CodeInvalid, "until: before since")
	}
	if q.After != "" {
		if before, err = decodeCursor(q.After); err != nil {
			return 0, 0, err
		}
	}
	return q.First, before, nil
}

// matches reports whether e passes q's action, actor and outcome filters.
func (q Query) matches(e Entry) bool {
	switch {
	case q.Action != "" && !actionMatches(q.Action, e.Action):
		return false
	case q.Actor != "" && e.Actor != q.Actor:
		return false
	case q.Outcome != "" && e.Outcome != q.Outcome:
		return false
	}
	return true
}

// actionMatches reports whether action is want, or of the family want
// names with a trailing '.'.
func actionMatches(want, action string) bool {
	if strings.HasSuffix(want, ".") {
		return strings.HasPrefix(action, want)
	}
	return action == want
}

const cursorPrefix = "audit1:"

func encodeCursor(before int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(before, 10)))
}

func decodeCursor(c string) (int64, error) {
	bad := graph.Errorf(graph.CodeInvalid, "after: not a cursor of the audit log")
	if len(c) > 64 {
		return 0, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, bad
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(string(b), cursorPrefix), 10, 64)
	if err != nil || n < 1 {
		return 0, bad
	}
	return n, nil
}

// reader reads one agency's log.
type reader struct {
	l   *Log
	log string
}

// at returns the first entry numbered n or later (ok false: none).
func (r reader) at(ctx context.Context, n int64) (Entry, bool, error) {
	es, err := r.l.st.Read(ctx, r.log, n-1, 1)
	if err != nil {
		return Entry{}, false, fmt.Errorf("audit: read: %w", err)
	}
	if len(es) == 0 {
		return Entry{}, false, nil
	}
	e, err := decode(es[0].Seq, es[0].Value)
	return e, true, err
}

// head returns the number of the newest entry (0: none) by galloping and
// bisecting over Read, about 2·log2(n) reads: the store keeps no count.
func (r reader) head(ctx context.Context) (int64, error) {
	has := func(n int64) (bool, error) {
		_, ok, err := r.at(ctx, n)
		return ok, err
	}
	lo, hi := int64(0), int64(1) // an entry at or after lo (0: vacuous); none at or after hi
	for {
		ok, err := has(hi)
		if err != nil || !ok {
			if err != nil {
				return 0, err
			}
			break
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := has(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// lastUntil returns the number of the newest entry at or before until
// among entries 1..upto (0: none), bisecting on their times.
func (r reader) lastUntil(ctx context.Context, until time.Time, upto int64) (int64, error) {
	lo, hi := int64(0), upto+1 // entry lo is at or before until (0: vacuous); entry hi is after it (upto+1: vacuous)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		e, ok, err := r.at(ctx, mid)
		if err != nil {
			return 0, err
		}
		if ok && !e.At.After(until) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// scan walks back from entry before-1, collecting up to first matches.
func (r reader) scan(ctx context.Context, q Query, first int, before int64) (Page, error) {
	var page Page
	scanned := 0
	for before > 1 && scanned < r.l.scan {
		w := min(int64(batch), before-1, int64(r.l.scan-scanned))
		es, err := r.l.st.Read(ctx, r.log, before-1-w, int(w))
		if err != nil {
			return Page{}, fmt.Errorf("audit: read: %w", err)
		}
		if len(es) == 0 {
			return page, nil
		}
		for i := len(es) - 1; i >= 0; i-- {
			if es[i].Seq >= before {
				continue
			}
			scanned++
			e, err := decode(es[i].Seq, es[i].Value)
			if err != nil {
				r.l.logger.WarnContext(ctx, "audit: unreadable entry skipped", "log", r.log, "seq", es[i].Seq, "err", err)
				continue
			}
			if !q.Since.IsZero() && e.At.Before(q.Since) {
				return page, nil
			}
			if q.matches(e) {
				page.Entries = append(page.Entries, e)
				if len(page.Entries) == first {
					if e.Seq > 1 {
						page.Next = encodeCursor(e.Seq)
					}
					return page, nil
				}
			}
		}
		before = es[0].Seq
	}
	if before > 1 {
		page.Next = encodeCursor(before)
	}
	return page, nil
}

func decode(seq int64, b []byte) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, fmt.Errorf("audit: decode entry %d: %w", seq, err)
	}
	e.Seq = seq
	return e, nil
}
