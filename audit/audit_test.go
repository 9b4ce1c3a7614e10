package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/state"
)

// The suite runs on both record stores: the embedded one, and Neo4j (with
// fresh agency names, so it leaves other logs alone).

func TestEmbedded(t *testing.T) {
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			s, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			c.run(t, s.State(), "")
		})
	}
}

func TestNeo4j(t *testing.T) {
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		if os.Getenv("REDTHREAD_SKIP_NEO4J") == "1" {
			t.Skip("REDTHREAD_SKIP_NEO4J=1: Neo4j tests skipped")
		}
		t.Fatal("NEO4J_URI is not set: this test needs a real Neo4j 5 (make neo4j); set REDTHREAD_SKIP_NEO4J=1 to skip it")
	}
	cfg := neo4jstore.Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"), ConnectTimeout: 10 * time.Second}
	s, err := neo4jstore.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, c := range suite {
		t.Run(c.name, func(t *testing.T) {
			b := make([]byte, 4)
			_, _ = rand.Read(b)
			c.run(t, s.State(), "-"+hex.EncodeToString(b))
		})
	}
}

var suite = []struct {
	name string
	run  func(t *testing.T, st state.Store, suffix string)
}{
	{"NewestFirstAndPaging", testPaging},
	{"Filters", testFilters},
	{"AgenciesApart", testAgencies},
	{"Bounds", testBounds},
	{"ScanBudget", testScanBudget},
	{"CancelledRequest", testCancelled},
}

// clock is a test clock that moves a second per reading.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

var t0 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func newLog(st state.Store) (*Log, *clock) {
	c := &clock{t: t0}
	return New(st, c.now, slog.New(slog.DiscardHandler)), c
}

func record(t *testing.T, l *Log, e Entry) {
	t.Helper()
	if err := l.Record(t.Context(), e); err != nil {
		t.Fatalf("Record(%+v): %v", e, err)
	}
}

func list(t *testing.T, l *Log, agency string, q Query) Page {
	t.Helper()
	p, err := l.List(t.Context(), agency, q)
	if err != nil {
		t.Fatalf("List(%s, %+v): %v", agency, q, err)
	}
	return p
}

// targets are the targets of p's entries, in order.
func targets(p Page) string {
	s := make([]string, len(p.Entries))
	for i, e := range p.Entries {
		s[i] = e.Target
	}
	return strings.Join(s, ",")
}

func testPaging(t *testing.T, st state.Store, suffix string) {
	l, _ := newLog(st)
	fiu := "fiu" + suffix
	if p := list(t, l, fiu, Query{}); len(p.Entries) != 0 || p.Next != "" {
		t.Fatalf("empty log: %+v", p)
	}
	for i := 1; i <= 23; i++ {
		record(t, l, Entry{Agency: fiu, Actor: "ana@fiu.example", Action: "case.view", Target: fmt.Sprint(i), Addr: "192.0.2.7"})
	}
	p := list(t, l, fiu, Query{First: 1})
	e := p.Entries[0]
	want := Entry{Seq: 23, At: t0.Add(23 * time.Second), Agency: fiu, Actor: "ana@fiu.example", Action: "case.view", Target: "23", Outcome: OK, Addr: "192.0.2.7"}
	if e != want {
		t.Fatalf("newest entry %+v, want %+v", e, want)
	}
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		p := list(t, l, fiu, Query{First: 10, After: after})
		got = append(got, targets(p))
		if after = p.Next; after == "" {
			break
		}
	}
	wantPages := []string{"23,22,21,20,19,18,17,16,15,14", "13,12,11,10,9,8,7,6,5,4", "3,2,1"}
	if fmt.Sprint(got) != fmt.Sprint(wantPages) {
		t.Fatalf("pages %q, want %q", got, wantPages)
	}
	// An exactly full last page has no Next.
	if p := list(t, l, fiu, Query{First: 3, After: encodeCursor(4)}); targets(p) != "3,2,1" || p.Next != "" {
		t.Fatalf("last full page: %q next %q", targets(p), p.Next)
	}
	if p := list(t, l, fiu, Query{}); len(p.Entries) != 23 || p.Next != "" {
		t.Fatalf("default page: %d entries, next %q", len(p.Entries), p.Next)
	}
}

func testFilters(t *testing.T, st state.Store, suffix string) {
	l, _ := newLog(st)
	a := "fiu" + suffix
	rows := []Entry{
		{Actor: "ana", Action: "signin"},                             // 1  t0+1s
		{Actor: "bo", Action: "signin", Outcome: Failed},             // 2
		{Actor: "ana", Action: "share.create", Target: "s1"},         // 3
		{Actor: "ana", Action: "share.revoke", Target: "s1"},         // 4
		{Actor: "bo", Action: "share.open", Outcome: Denied},         // 5
		{Actor: "token:abc", Action: "token.use"},                    // 6
		{Actor: "ana", Action: "shares.other"},                       // 7: not of the share. family
		{Actor: "admin-token", Action: "user.add", Target: "cy@fiu"}, // 8
	}
	for _, e := range rows {
		e.Agency = a
		record(t, l, e)
	}
	at := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	tests := []struct {
		name string
		q    Query
		want string // sequence numbers, newest first
	}{
		{"all", Query{}, "8,7,6,5,4,3,2,1"},
		{"action", Query{Action: "signin"}, "2,1"},
		{"family", Query{Action: "share."}, "5,4,3"},
		{"actor", Query{Actor: "ana"}, "7,4,3,1"},
		{"outcome", Query{Outcome: Failed}, "2"},
		{"actor and family", Query{Actor: "bo", Action: "share."}, "5"},
		{"since", Query{Since: at(6)}, "8,7,6"},
		{"until", Query{Until: at(3)}, "3,2,1"},
		{"window", Query{Since: at(3), Until: at(5)}, "5,4,3"},
		{"window and actor", Query{Since: at(2), Until: at(7), Actor: "ana"}, "7,4,3"},
		{"until before all", Query{Until: t0}, ""},
		{"since after all", Query{Since: at(9)}, ""},
		{"nobody", Query{Actor: "eve"}, ""},
	}
	for _, tt := range tests {
		p := list(t, l, a, tt.q)
		s := make([]string, len(p.Entries))
		for i, e := range p.Entries {
			s[i] = fmt.Sprint(e.Seq)
		}
		if got := strings.Join(s, ","); got != tt.want || p.Next != "" {
			t.Errorf("%s: %q next %q, want %q", tt.name, got, p.Next, tt.want)
		}
	}
	// Filters page too: the cursor continues the filtered listing.
	p := list(t, l, a, Query{Actor: "ana", First: 2})
	p2 := list(t, l, a, Query{Actor: "ana", First: 2, After: p.Next})
	if targets(p)+"|"+targets(p2) != ",s1|s1," || p2.Next != "" {
		t.Fatalf("filtered pages %q then %q (next %q)", targets(p), targets(p2), p2.Next)
	}
}

func testAgencies(t *testing.T, st state.Store, suffix string) {
	l, _ := newLog(st)
	a, b := "fiu"+suffix, "cyber"+suffix
	record(t, l, Entry{Agency: a, Actor: "ana", Action: "case.view", Target: "a-case"})
	record(t, l, Entry{Agency: b, Actor: "bo", Action: "case.view", Target: "b-case"})
	record(t, l, Entry{Agency: b, Actor: "bo", Action: "share.open", Target: "a-case"})
	if got := targets(list(t, l, a, Query{})); got != "a-case" {
		t.Fatalf("agency a sees %q", got)
	}
	if got := targets(list(t, l, b, Query{})); got != "a-case,b-case" {
		t.Fatalf("agency b sees %q", got)
	}
	if p := list(t, l, "nobody"+suffix, Query{}); len(p.Entries) != 0 {
		t.Fatalf("an agency without entries sees %d", len(p.Entries))
	}
}

func testBounds(t *testing.T, st state.Store, suffix string) {
	l, _ := newLog(st)
	a := "fiu" + suffix
	long := strings.Repeat("é", MaxDetail) // 2 bytes a rune
	record(t, l, Entry{Agency: a, Actor: "ana\n2026-12-07 forged line", Action: "case.export", Target: strings.Repeat("t", 2*MaxTarget), Detail: long, Addr: "x\x00y"})
	e := list(t, l, a, Query{}).Entries[0]
	if len(e.Detail) != MaxDetail || !strings.HasPrefix(long, e.Detail) || len(e.Target) != MaxTarget {
		t.Errorf("long fields not cut at their bounds: detail %d bytes, target %d", len(e.Detail), len(e.Target))
	}
	if e.Actor != "ana 2026-12-07 forged line" || e.Addr != "x y" {
		t.Errorf("control characters kept: actor %q addr %q", e.Actor, e.Addr)
	}
	bad := []struct {
		name string
		err  error
		arg  string
	}{
		{"no action", l.Record(t.Context(), Entry{Agency: a}), "action"},
		{"action chars", l.Record(t.Context(), Entry{Agency: a, Action: "Sign In"}), "action"},
		{"outcome", l.Record(t.Context(), Entry{Agency: a, Action: "signin", Outcome: "maybe"}), "outcome"},
		{"no agency", l.Record(t.Context(), Entry{Action: "signin"}), "agency"},
		{"agency chars", l.Record(t.Context(), Entry{Agency: "A B", Action: "signin"}), "agency"},
		{"agency long", l.Record(t.Context(), Entry{Agency: strings.Repeat("a", 60), Action: "signin"}), "agency"},
		{"first", listErr(l, a, Query{First: MaxPage + 1}), "first"},
		{"first negative", listErr(l, a, Query{First: -1}), "first"},
		{"cursor", listErr(l, a, Query{After: "bm90IGEgY3Vyc29y"}), "after"},
		{"cursor zero", listErr(l, a, Query{After: encodeCursor(0)}), "after"},
		{"window", listErr(l, a, Query{Since: t0.Add(time.Hour), Until: t0}), "until"},
		{"list action", listErr(l, a, Query{Action: "A"}), "action"},
		{"list outcome", listErr(l, a, Query{Outcome: "meh"}), "outcome"},
		{"list agency", listErr(l, "", Query{}), "agency"},
	}
	for _, tt := range bad {
		if graph.ErrorCode(tt.err) != graph.CodeInvalid || !strings.HasPrefix(graph.ErrorMessage(tt.err), tt.arg) {
			t.Errorf("%s: %v, want INVALID_ARGUMENT naming %s", tt.name, tt.err, tt.arg)
		}
	}
	if n := len(list(t, l, a, Query{}).Entries); n != 1 {
		t.Errorf("refused entries were written: %d entries", n)
	}
}

func listErr(l *Log, agency string, q Query) error {
	_, err := l.List(context.Background(), agency, q)
	return err
}

// testScanBudget: a filter that matches rarely ends a page early, with a
// cursor that continues where the scan stopped.
func testScanBudget(t *testing.T, st state.Store, suffix string) {
	l, _ := newLog(st)
	l.scan = 7
	a := "fiu" + suffix
	for i := 1; i <= 20; i++ {
		action := "token.use"
		if i == 2 || i == 15 {
			action = "signin"
		}
		record(t, l, Entry{Agency: a, Actor: "ana", Action: action, Target: fmt.Sprint(i)})
	}
	var got []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		p := list(t, l, a, Query{Action: "signin", After: after})
		got = append(got, targets(p))
		if after = p.Next; after == "" {
			break
		}
	}
	// 20..14 scanned (15 found), 13..7, 6..1 (2 found, then the end).
	if want := []string{"15", "", "2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages %q, want %q", got, want)
	}
}

// testCancelled: an entry is written even when the request's context is
// already cancelled (the client hung up); a failed write is logged.
func testCancelled(t *testing.T, st state.Store, suffix string) {
	l, _ := newLog(st)
	a := "fiu" + suffix
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	record(t, l, Entry{Agency: a, Actor: "ana", Action: "signin.failed", Outcome: Failed})
	if err := l.Record(ctx, Entry{Agency: a, Actor: "bo", Action: "signin.failed", Outcome: Failed}); err != nil {
		t.Fatalf("Record with a cancelled context: %v", err)
	}
	if got := len(list(t, l, a, Query{Action: "signin.failed"}).Entries); got != 2 {
		t.Fatalf("%d entries, want 2", got)
	}
}

// TestFailureLogged: a store that cannot write makes Record log and return
// its error (the server ignores it).
func TestFailureLogged(t *testing.T) {
	s, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	var buf bytes.Buffer
	l := New(s.State(), nil, slog.New(slog.NewTextHandler(&buf, nil)))
	err = l.Record(t.Context(), Entry{Agency: "fiu", Actor: "ana", Action: "signin"})
	if err == nil || !strings.Contains(buf.String(), "audit: entry not recorded") || !strings.Contains(buf.String(), "action=signin") {
		t.Fatalf("Record on a closed store: %v; log %q", err, buf.String())
	}
	var nilLog *Log
	if err := nilLog.Record(t.Context(), Entry{Agency: "fiu", Action: "signin"}); err != nil {
		t.Fatalf("nil log: %v", err)
	}
	if _, err := nilLog.List(t.Context(), "fiu", Query{}); graph.ErrorCode(err) != graph.CodeUnavailable {
		t.Fatalf("nil log List: %v", err)
	}
}
