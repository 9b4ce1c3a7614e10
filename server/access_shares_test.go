package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// Share links (contract-s3.md "Shares"): a.red shares a's case, which
// holds facts of every marking, with agency c (cap AMBER: s1, s3, s4)
// and with c.named (cap RED: s2).

const (
	qShare = `mutation($case: ID!, $agency: String!, $users: [String!], $cap: Marking, $exp: String) {
		shareCase(caseId: $case, agency: $agency, users: $users, cap: $cap, expiresIn: $exp, allowComments: true) { token url share { id caseId agency users cap expiresAt } } }`
	sharedFields = `share { id caseId agency users cap allowComments expiresAt revokedAt } case { id name view nodeCount } withheld notice comments { by agency text }`
	qOpen        = `query($token: String!) { openShare(token: $token) { ` + sharedFields + ` } }`
	qPreview     = `query($case: ID!, $agency: String!, $cap: Marking) { previewShare(caseId: $case, agency: $agency, cap: $cap) { ` + sharedFields + ` } }`
	qRevoke      = `mutation($id: ID!) { revokeShare(id: $id) { id revokedAt } }`
)

// shareLink is a share made by the fixture.
type shareLink struct{ id, token string }

// shareCase shares a's case as a.red; the error is what went wrong.
func (f *accessFixture) shareCase(t *testing.T, agency string, users []string, cap, exp string) (shareLink, string) {
	t.Helper()
	vars := map[string]any{"case": f.caseID, "agency": f.agency[agency], "cap": cap}
	if users != nil {
		vars["users"] = users
	}
	if exp != "" {
		vars["exp"] = exp
	}
	st, body := f.gql(t, "a.red", qShare, vars)
	var r struct {
		Data struct {
			ShareCase struct {
				Token string
				Share struct{ ID string }
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &r); st != http.StatusOK || err != nil || r.Data.ShareCase.Token == "" {
		return shareLink{}, clip(body)
	}
	return shareLink{r.Data.ShareCase.Share.ID, r.Data.ShareCase.Token}, ""
}

// grant is the oracle's view of c's users through a live share of a's
// case: cap AMBER for the agency, RED for a named user.
func (f *accessFixture) grant(user string, named bool) *who {
	facts := map[string]bool{}
	for _, n := range append(append([]string{}, caseNodes...), caseEdges...) {
		facts[f.id(n)] = true
	}
	w := f.who[user]
	cap := graph.TLPAmber
	if named {
		cap = graph.TLPRed
	}
	w.grant = &grantModel{owner: f.agency["a"], cap: cap, named: named, facts: facts}
	return &w
}

// runShares runs the share cases in order (each depends on the links
// made before it) and returns how many ran.
func (f *accessFixture) runShares(t *testing.T) int {
	var s1, s2, s3, s4 shareLink
	var failed string
	// The links are made outside any subtest, so that -run can pick a step.
	for _, mk := range []struct {
		l     *shareLink
		users []string
		cap   string
		exp   string
	}{{&s1, nil, "TLP_AMBER", ""}, {&s2, []string{f.email["c.named"]}, "TLP_RED", ""}, {&s3, nil, "TLP_AMBER", "1m"}, {&s4, nil, "TLP_AMBER", ""}} {
		var why string
		if *mk.l, why = f.shareCase(t, "c", mk.users, mk.cap, mk.exp); why != "" && failed == "" {
			failed = why
		}
	}
	f.shareClock.add(2 * time.Minute) // s3 expires; the others last days
	with := func(l *shareLink, edit func(string) string) func() map[string]any {
		return func() map[string]any { return map[string]any{"token": edit(l.token)} }
	}
	same := func(tok string) string { return tok }
	cOpen := f.grant("c.analyst", false)
	var denied string // the first denial's message: every other must be it
	deny := func(t *testing.T, _ *accessFixture, body string) {
		var r gqlResponse
		if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Errors) != 1 || string(r.Data) != "null" {
			t.Fatalf("want one error and no data: %s", clip(body))
		}
		if c := r.code(); c != "NOT_FOUND" && c != "FORBIDDEN" {
			t.Errorf("code %q, want NOT_FOUND or FORBIDDEN: %s", c, clip(body))
		}
		msg := r.code() + ": " + r.Errors[0].Message
		if denied == "" {
			denied = msg
		} else if msg != denied {
			t.Errorf("a denial that says why: %q where another said %q", msg, denied)
		}
	}
	type step struct {
		accessCase
		vars   func() map[string]any
		before func(t *testing.T)
	}
	caseVar := func() map[string]any {
		return map[string]any{"case": f.caseID, "agency": f.agency["c"], "cap": "TLP_AMBER"}
	}
	node := func(name string) func() map[string]any {
		return func() map[string]any { return map[string]any{"id": f.id(name)} }
	}
	steps := []step{
		{accessCase: accessCase{name: "share: preview as the recipient", as: "a.red", query: qPreview, view: &who{agency: f.agency["c"], grant: cOpen.grant}, check: wantShared(&who{agency: f.agency["c"], grant: cOpen.grant})}, vars: caseVar},
		{accessCase: accessCase{name: "share: opened without credentials", query: qOpen, status: 401, code: "UNAUTHENTICATED"}, vars: with(&s1, same)},
		{accessCase: accessCase{name: "share: a valid link used by the wrong agency", as: "b.analyst", query: qOpen, status: -1, code: "*", check: deny}, vars: with(&s1, same)},
		{accessCase: accessCase{name: "share: tampered link", as: "c.analyst", query: qOpen, status: -1, code: "*", check: deny}, vars: with(&s1, tamperMAC)},
		{accessCase: accessCase{name: "share: tampered link, last character", as: "c.analyst", query: qOpen, status: -1, code: "*", check: deny}, vars: with(&s1, tamperLast)},
		{accessCase: accessCase{name: "share: truncated link", as: "c.analyst", query: qOpen, status: -1, code: "*", check: deny}, vars: with(&s1, func(s string) string { return s[:max(0, len(s)-6)] })},
		{accessCase: accessCase{name: "share: expired link", as: "c.analyst", query: qOpen, status: -1, code: "*", check: deny}, vars: with(&s3, same)},
		{accessCase: accessCase{name: "share: AMBER+STRICT and unnamed RED facts withheld from the shared case", as: "c.analyst", query: qOpen, view: cOpen, check: wantShared(cOpen)}, vars: with(&s1, same)},
		{accessCase: accessCase{name: "share: the case's AMBER fact reaches the recipient (control)", as: "c.analyst", query: qNode, view: cOpen, check: wantLabel("node", "Amberco")}, vars: node("am")},
		{accessCase: accessCase{name: "share: AMBER+STRICT fact of the case by ID", as: "c.analyst", query: qNode, view: cOpen, twin: "sa", check: wantNull("node")}, vars: node("sa")},
		{accessCase: accessCase{name: "share: RED fact of the case, user not named", as: "c.analyst", query: qNode, view: cOpen, twin: "ra", check: wantNull("node")}, vars: node("ra")},
		{accessCase: accessCase{name: "share: a fact outside the case", as: "c.analyst", query: qNode, view: cOpen, twin: "ao", check: wantNull("node")}, vars: node("ao")},
		{accessCase: accessCase{name: "share: the shared case is not among the recipient's cases", as: "c.analyst", query: `{ cases(first: 100) { id name } }`, view: cOpen, absent: []string{"case"}},
			vars: func() map[string]any { return nil }},
		{accessCase: accessCase{name: "share: the shared case by ID, outside its link", as: "c.analyst", query: `query($id: ID!) { case(id: $id) { id name view nodeCount } }`, view: cOpen, twin: "case"},
			vars: func() map[string]any { return map[string]any{"id": f.caseID} }},
		{accessCase: accessCase{name: "share: the recipient exports the shared case", as: "c.analyst", query: `query($id: ID!) { exportCaseStix(id: $id) }`, view: cOpen, status: -1, code: "*"},
			vars: func() map[string]any { return map[string]any{"id": f.caseID} }},
		{accessCase: accessCase{name: "share: the recipient searches the shared case's facts", as: "c.viewer", query: qSearch, view: f.grant("c.viewer", false), check: wantHits(f, []string{"am"}, false)},
			vars: func() map[string]any { return map[string]any{"q": "amberco" + f.g.sfx, "first": 5} }},
		{accessCase: accessCase{name: "share: RED in a share naming another user", as: "c.analyst", query: qOpen, view: cOpen, status: -1, code: "*"}, vars: with(&s2, same)},
		{accessCase: accessCase{name: "share: RED in a share naming the user (control)", as: "c.named", query: qOpen, view: f.grant("c.named", true), check: wantShared(f.grant("c.named", true))}, vars: with(&s2, same)},
		{accessCase: accessCase{name: "share: opened before revocation (control)", as: "c.analyst", query: qOpen, view: cOpen, check: wantContains(f.caseID)}, vars: with(&s4, same)},
		{accessCase: accessCase{name: "share: revoked by the owner (control)", as: "a.red", query: qRevoke, check: wantContains("revokedAt")}, vars: func() map[string]any { return map[string]any{"id": s4.id} }},
		{accessCase: accessCase{name: "share: replayed after revocation", as: "c.analyst", query: qOpen, status: -1, code: "*", check: deny}, vars: with(&s4, same)},
		{accessCase: accessCase{name: "share: another agency revokes it", as: "b.admin", query: qRevoke, code: "NOT_FOUND"}, vars: func() map[string]any { return map[string]any{"id": s1.id} }},
		{accessCase: accessCase{name: "share: another agency lists the case's shares", as: "b.analyst", query: `query($case: ID!) { shares(caseId: $case) { id agency users } }`, twin: "case", code: "NOT_FOUND"},
			vars: func() map[string]any { return map[string]any{"case": f.caseID} }},
		{accessCase: accessCase{name: "share: another agency shares the case", as: "b.analyst", query: qShare, twin: "case", code: "NOT_FOUND"}, vars: func() map[string]any {
			return map[string]any{"case": f.caseID, "agency": f.agency["b"]}
		}},
		{accessCase: accessCase{name: "share: a viewer shares", as: "a.viewer", query: qShare, status: 403, code: "FORBIDDEN"}, vars: caseVar},
		{accessCase: accessCase{name: "share: every link revoked, the facts are gone", as: "c.analyst", query: qNode, twin: "am", check: wantNull("node")}, vars: node("am"),
			before: func(t *testing.T) {
				for _, l := range []shareLink{s1, s2} {
					if st, body := f.gql(t, "a.red", qRevoke, map[string]any{"id": l.id}); st != http.StatusOK || errorCode(body) != "" {
						t.Fatalf("revoke: %d %s", st, clip(body))
					}
				}
			}},
		{accessCase: accessCase{name: "share: comment through a revoked link", as: "c.analyst", query: `mutation($token: String!) { commentOnShare(token: $token, text: "late") { id } }`, status: -1, code: "*", check: deny}, vars: with(&s1, same)},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if failed != "" {
				t.Fatalf("no share links (shareCase failed: %s)", failed)
			}
			if s.before != nil {
				s.before(t)
			}
			c := s.accessCase
			c.vars = s.vars()
			f.run(t, c)
		})
	}
	return len(steps)
}

// wantWithheld: the shared case says facts were withheld.
func wantWithheld(t *testing.T, _ *accessFixture, body string) {
	var d map[string]struct {
		Withheld int
		Notice   *string
	}
	data(t, body, &d)
	for k, s := range d {
		if s.Withheld == 0 || s.Notice == nil || !strings.Contains(*s.Notice, "withheld") {
			t.Errorf("%s: withheld %d, notice %v: want facts withheld, and said", k, s.Withheld, s.Notice)
		}
	}
}

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// tamperMAC changes one character inside the link's MAC (its last 43).
func tamperMAC(tok string) string {
	i := len(tok) - 10
	if i < 0 {
		return tok + "x"
	}
	c := byte('A')
	if tok[i] == 'A' {
		c = 'Q'
	}
	return tok[:i] + string(c) + tok[i+1:]
}

// tamperLast changes the lowest bit of the last character: for a 32-byte
// MAC in unpadded base64url, a bit no byte holds, which a lenient
// decoder ignores.
func tamperLast(tok string) string {
	if tok == "" {
		return "x"
	}
	i := strings.IndexByte(b64url, tok[len(tok)-1])
	if i < 0 {
		return tok[:len(tok)-1] + "A"
	}
	return tok[:len(tok)-1] + string(b64url[i^1])
}

// wantShared: the shared case holds exactly the case's facts w sees,
// counts only those, and says how many were withheld.
func wantShared(w *who) func(*testing.T, *accessFixture, string) {
	return func(t *testing.T, f *accessFixture, body string) {
		wantWithheld(t, f, body)
		var d map[string]struct {
			Case struct {
				View struct {
					Nodes []idObj
					Edges []string
				}
				NodeCount int
			}
			Withheld int
		}
		data(t, body, &d)
		nodes, edges := f.g.visibleNodes(*w), f.g.visibleEdges(*w)
		var wantN, wantE []string
		hidden := 0
		for _, n := range caseNodes {
			if nodes[f.id(n)] {
				wantN = append(wantN, f.id(n))
			} else {
				hidden++
			}
		}
		for _, e := range caseEdges {
			if edges[f.id(e)] {
				wantE = append(wantE, f.id(e))
			} else {
				hidden++
			}
		}
		for k, s := range d {
			if !sameSet(idsOf(s.Case.View.Nodes), wantN) || !sameSet(s.Case.View.Edges, wantE) {
				t.Errorf("%s: the case's view holds %v and %v, want %v and %v", k, idsOf(s.Case.View.Nodes), s.Case.View.Edges, wantN, wantE)
			}
			if s.Case.NodeCount != len(wantN) {
				t.Errorf("%s: nodeCount %d counts nodes withheld: the recipient sees %d", k, s.Case.NodeCount, len(wantN))
			}
			if s.Withheld != hidden {
				t.Errorf("%s: withheld %d, want %d", k, s.Withheld, hidden)
			}
		}
	}
}
