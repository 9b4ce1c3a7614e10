// Package audit is the deployment's append-only audit log: who did what,
// when and from where. Entries live in the record store's logs
// (graph/state Append/Read), one log per agency, so several servers over
// one Neo4j write and read one log, and nothing can rewrite an entry.
//
// Recording never fails a request: Record logs a failed write with slog
// and returns the error for callers that care (tests). Listing is newest
// first, by pages of at most MaxPage entries, each scanning at most
// MaxScan entries of the log, with an opaque cursor for the next page.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/state"
)

// Bounds of an entry's fields, in bytes. Longer text is cut (at a rune
// boundary) rather than refused: an audit entry is written after the fact
// and must not fail because a client sent a long value.
const (
	MaxActor  = 320
	MaxAction = 64
	MaxTarget = 512
	MaxDetail = 1024
	MaxAddr   = 128
)

// Outcomes of an entry.
const (
	OK     = "ok"
	Denied = "denied"
	Failed = "failed"
)

// writeTimeout bounds one Record; it runs even when the request's context
// is cancelled (a client that hangs up after a failed sign-in is audited).
const writeTimeout = 5 * time.Second

// Entry is one audit entry.
type Entry struct {
	// Seq is the entry's number in its agency's log (set by List; Record
	// ignores it).
	Seq     int64     `json:"-"`
	At      time.Time `json:"at"`
	Agency  string    `json:"agency"`           // whose log it belongs to
	Actor   string    `json:"actor"`            // user email, "token:<id>" or "admin-token"
	Action  string    `json:"action"`           // e.g. "signin", "case.view", "user.add"
	Target  string    `json:"target,omitempty"` // case ID, user email, job ID...
	Outcome string    `json:"outcome"`          // OK, Denied or Failed
	Detail  string    `json:"detail,omitempty"` // short, no secrets
	Addr    string    `json:"addr,omitempty"`   // client address
}

// Log is the audit log over a record store.
type Log struct {
	st     state.Store
	now    func() time.Time
	logger *slog.Logger
	scan   int // entries one List reads at most (MaxScan; smaller in tests)
}

// New returns the log over st. now defaults to time.Now, logger to
// slog.Default().
func New(st state.Store, now func() time.Time, logger *slog.Logger) *Log {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{st: st, now: now, logger: logger, scan: MaxScan}
}

// logName is the record store log of an agency's entries.
func logName(agency string) (string, error) {
	name := "audit-" + agency
	if agency == "" || state.CheckName("agency", name) != nil {
		return "", graph.Errorf(graph.CodeInvalid, "agency: want an agency slug (a-z, 0-9, '-')")
	}
	return name, nil
}

// Record appends e to its agency's log. A zero At is now; an empty
// Outcome is OK. A failure is logged with slog and returned; callers in
// request paths ignore it, so an audit failure never fails a request. A
// nil Log records nothing.
func (l *Log) Record(ctx context.Context, e Entry) error {
	if l == nil {
		return nil
	}
	err := l.record(ctx, e)
	if err != nil {
		l.logger.ErrorContext(ctx, "audit: entry not recorded", "agency", clean(e.Agency, 64), "action", clean(e.Action, MaxAction),
			"actor", clean(e.Actor, MaxActor), "target", clean(e.Target, MaxTarget), "err", err)
	}
	return err
}

func (l *Log) record(ctx context.Context, e Entry) error {
	name, err := logName(e.Agency)
	if err != nil {
		return err
	}
	e, err = normalise(e, l.now)
	if err != nil {
		return err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit: encode: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if _, err := l.st.Append(ctx, name, b); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// normalise checks e's action and outcome and bounds its text.
func normalise(e Entry, now func() time.Time) (Entry, error) {
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = e.At.UTC()
	if e.Outcome == "" {
		e.Outcome = OK
	}
	switch e.Outcome {
	case OK, Denied, Failed:
	default:
		return e, graph.Errorf(graph.CodeInvalid, "outcome: want ok, denied or failed")
	}
	if err := checkAction(e.Action); err != nil {
		return e, err
	}
	e.Seq = 0
	e.Actor = clean(e.Actor, MaxActor)
	e.Target = clean(e.Target, MaxTarget)
	e.Detail = clean(e.Detail, MaxDetail)
	e.Addr = clean(e.Addr, MaxAddr)
	return e, nil
}

// checkAction accepts 1 to MaxAction bytes of a-z, 0-9, '.', '_' and '-'.
func checkAction(a string) error {
	if a == "" || len(a) > MaxAction {
		return graph.Errorf(graph.CodeInvalid, "action: want 1 to %d characters", MaxAction)
	}
	for _, c := range a {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '_' && c != '-' {
			return graph.Errorf(graph.CodeInvalid, "action: only a-z, 0-9, '.', '_' and '-' are allowed")
		}
	}
	return nil
}

// clean makes s valid UTF-8 without control characters (so an entry
// cannot forge a line in a log viewer) and cuts it to max bytes at a rune
// boundary.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return ' '
			}
			return r
		}, s)
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
