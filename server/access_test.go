package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The access matrix (issue 17): one table of requests, each denied or
// redacted, run over real HTTP against the real server on the embedded
// store and on Neo4j. Every answer, allowed controls included, is scanned
// for every fact its viewer may not see (access_oracle_test.go); a hidden
// ID must be NOT_FOUND exactly as a missing one is.

func TestAccessEmbedded(t *testing.T) { runAccess(t, embeddedAccessStore) }

func TestAccessNeo4j(t *testing.T) { runAccess(t, neo4jAccessStore) }

// accessCase is one request of the matrix and what must hold of its answer.
type accessCase struct {
	name  string
	as    string // the principal (f.tok's name); "" sends no credentials
	query string
	vars  map[string]any
	// send replaces query: a request of its own (raw HTTP, several
	// steps), its IDs rewritten by r (nil: none) for twins.
	send func(t *testing.T, f *accessFixture, r *strings.Replacer) (int, string)
	// status is the HTTP status wanted (0: 200; -1: check decides); code
	// the first GraphQL error's code ("" none; "*": check decides).
	status int
	code   string
	// view is the oracle's viewer when it is not as's own (a share's grant).
	view *who
	// absent names facts the viewer sees whose IDs this answer must not
	// hold (what a path or flow may only reach through hidden facts).
	absent []string
	// twin names a hidden fact in the request: the answer must be the
	// answer for an ID that does not exist, byte for byte but the ID.
	twin string
	// like names a fact in the request and a visible one the viewer
	// reaches nothing from or through: the answers must be alike but for
	// those IDs (a path through hidden facts answered as no path at all).
	like  [2]string
	check func(t *testing.T, f *accessFixture, body string)
}

func runAccess(t *testing.T, open accessStore) {
	f := newAccessFixture(t, open)
	// Each table is built when its turn comes: caseCases saves cases and
	// ingestCases runs jobs, which must not change what earlier cases count.
	n := 0
	for _, table := range []func(*testing.T, *accessFixture) []accessCase{graphCases, bulkCases, analysisCases, caseCases, authCases, ingestCases} {
		for _, c := range table(t, f) {
			n++
			t.Run(c.name, func(t *testing.T) { f.run(t, c) })
		}
	}
	n += f.runShares(t)
	if n < 50 {
		t.Errorf("the matrix has %d cases, want at least 50", n)
	}
	t.Logf("access matrix: %d cases", n)
}

// run sends c and checks its answer.
func (f *accessFixture) run(t *testing.T, c accessCase) {
	t.Helper()
	status, body := f.send(t, c, nil)
	want := c.status
	if want == 0 {
		want = http.StatusOK
	}
	if status != want && want != -1 {
		t.Errorf("status %d, want %d: %s", status, want, clip(body))
	}
	if got := errorCode(body); got != c.code && c.code != "*" {
		t.Errorf("error code %q, want %q: %s", got, c.code, clip(body))
	}
	f.scan(t, c, body)
	if c.twin != "" {
		hidden := f.id(c.twin)
		missing := nonexistent(hidden)
		_, other := f.send(t, c, strings.NewReplacer(hidden, missing))
		a := strings.ReplaceAll(body, hidden, "<ID>")
		b := strings.ReplaceAll(other, missing, "<ID>")
		if a != b {
			t.Errorf("a hidden ID is answered unlike a missing one:\nhidden:  %s\nmissing: %s", clip(a), clip(b))
		}
	}
	if c.like[0] != "" {
		asked, other := f.id(c.like[0]), f.id(c.like[1])
		_, b := f.send(t, c, strings.NewReplacer(asked, other))
		if x, y := strings.ReplaceAll(body, asked, "<ID>"), strings.ReplaceAll(b, other, "<ID>"); x != y {
			t.Errorf("the answer differs from that for %s, which reaches nothing:\n%s\n%s", c.like[1], clip(x), clip(y))
		}
	}
	if c.check != nil && !t.Failed() {
		c.check(t, f, body)
	}
}

// send sends c's request, its query and variables rewritten by r if any.
func (f *accessFixture) send(t *testing.T, c accessCase, r *strings.Replacer) (int, string) {
	t.Helper()
	if c.send != nil {
		return c.send(t, f, r)
	}
	q, vars := c.query, c.vars
	if r != nil {
		q = r.Replace(q)
		b, _ := json.Marshal(vars)
		vars = nil
		if err := json.Unmarshal([]byte(r.Replace(string(b))), &vars); err != nil {
			t.Fatal(err)
		}
	}
	return f.gql(t, c.as, q, vars)
}

// scan fails c for every hidden fact its answer holds.
func (f *accessFixture) scan(t *testing.T, c accessCase, body string) {
	t.Helper()
	w, ok := f.who[c.as]
	if c.view != nil {
		w = *c.view
	} else if !ok {
		w = who{agency: "\x00nobody"} // no credentials: nothing is theirs
	}
	var needles []needle
	for _, n := range f.g.hidden(w) {
		// The ID asked for may come back as it would for a missing one
		// (the twin comparison checks that).
		if c.twin == "" || n.text != f.id(c.twin) {
			needles = append(needles, n)
		}
	}
	for _, name := range c.absent {
		if name == c.twin {
			continue
		}
		needles = append(needles, needle{f.id(name), "fact " + name + " (this answer must not hold it)"})
	}
	// No answer shows the server's insides.
	for _, s := range []string{"goroutine ", ".go:", "bolt://", "Neo.ClientError", "Neo.DatabaseError", "Neo.TransientError", f.importDir} {
		needles = append(needles, needle{s, "the server's internals"})
	}
	var found []string
	seen := map[string]bool{}
	for _, l := range leaks(body, needles) {
		if !seen[l.text] {
			seen[l.text] = true
			found = append(found, fmt.Sprintf("%q of %s", l.text, l.what))
		}
	}
	if len(found) > 0 {
		t.Errorf("the answer holds hidden facts: %s\nin %s", strings.Join(found, "; "), clip(body))
	}
}

// errorCode is the first GraphQL error's code in body, "" when none.
func errorCode(body string) string {
	var r gqlResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return ""
	}
	return r.code()
}

// data decodes body's data into v, failing on errors.
func data(t *testing.T, body string, v any) {
	t.Helper()
	var r gqlResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("answer %s (%v)", clip(body), err)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("data %s: %v", clip(string(r.Data)), err)
	}
}

func clip(s string) string {
	if len(s) > 1500 {
		return s[:1500] + "…"
	}
	return s
}

// ids returns the "id" values of a list of objects.
func idsOf[T interface{ getID() string }](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.getID()
	}
	return out
}

type idObj struct{ ID string }

func (o idObj) getID() string { return o.ID }

// sameSet reports whether got and want hold the same strings.
func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	m := map[string]int{}
	for _, g := range got {
		m[g]++
	}
	for _, w := range want {
		if m[w] == 0 {
			return false
		}
		m[w]--
	}
	return true
}

func holds(s, sub string) bool { return strings.Contains(s, sub) }

// rewrite applies r to s; a nil r leaves s.
func rewrite(r *strings.Replacer, s string) string {
	if r == nil {
		return s
	}
	return r.Replace(s)
}
