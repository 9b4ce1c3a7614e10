package server_test

import (
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/server"
)

// entries lists agency's whole log (newest first) as "action outcome
// actor target" lines.
func (f adminFixture) entries(t *testing.T, agency string) []audit.Entry {
	t.Helper()
	p, err := f.log.List(t.Context(), agency, audit.Query{First: audit.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

func has(es []audit.Entry, action, outcome, actor, target string) int {
	n := 0
	for _, e := range es {
		if e.Action == action && e.Outcome == outcome && e.Actor == actor && (target == "*" || e.Target == target) && e.Addr == "127.0.0.1" {
			n++
		}
	}
	return n
}

// TestAuditTrail: what the issue lists is recorded in the actor's agency's
// log, naming who, what and from where, and never a secret.
func TestAuditTrail(t *testing.T) {
	f := newAdminFixture(t)
	json := map[string]string{"Content-Type": "application/json"}
	raw(t, "POST", f.ts.URL+"/auth/signin", json, `{"email":"analyst@fiu.example","password":"`+f.pw+`"}`)
	raw(t, "POST", f.ts.URL+"/auth/signin", json, `{"email":"analyst@fiu.example","password":"wrong password!"}`)
	raw(t, "POST", f.ts.URL+"/auth/signin", json, `{"email":"nobody@nowhere.example","password":"wrong password!"}`)

	analyst := f.tok["fiu-analyst"]
	for range 3 {
		f.gql(t, analyst, `{ stats { nodes } }`, nil, "")
	}
	var saved struct{ SaveCase struct{ ID string } }
	view := map[string]any{"v": 1, "edges": []string{}, "filters": map[string]any{}, "nodes": []any{map[string]any{"id": idA, "x": 0, "y": 0}}}
	decodeData(t, f.gql(t, analyst, `mutation($view: JSON!) { saveCase(name: "Ring", view: $view) { id } }`, map[string]any{"view": view}, ""), &saved)
	id := saved.SaveCase.ID
	f.gql(t, analyst, `query($id: ID!) { case(id: $id) { name } }`, map[string]any{"id": id}, "")
	f.gql(t, analyst, `query($id: ID!) { exportCaseStix(id: $id) }`, map[string]any{"id": id}, "")
	f.gql(t, f.tok["cyber-analyst"], `mutation($id: ID!) { deleteCase(id: $id) }`, map[string]any{"id": "nosuch"}, "NOT_FOUND")
	f.gql(t, f.tok["fiu-viewer"], `mutation { deleteCase(id: "x") }`, nil, "FORBIDDEN")
	f.gql(t, analyst, `mutation { startIngest(format: "native", path: "missing.jsonl") { id } }`, nil, "NOT_FOUND")
	f.gql(t, f.tok["fiu-admin"], `mutation { addUser(email: "cy@fiu.example", role: VIEWER) { signInPath } }`, nil, "")

	fiu := f.entries(t, "fiu")
	tests := []struct {
		name                           string
		action, outcome, actor, target string
		want                           int
	}{
		{"sign-in", "signin", "ok", "analyst@fiu.example", "analyst@fiu.example", 1},
		{"failed sign-in", "signin.failed", "failed", "analyst@fiu.example", "analyst@fiu.example", 1},
		{"token use, once a minute", "token.use", "ok", "analyst@fiu.example", "*", 1},
		{"case save", "case.save", "ok", "analyst@fiu.example", id, 1},
		{"case view", "case.view", "ok", "analyst@fiu.example", id, 1},
		{"case export", "case.export", "ok", "analyst@fiu.example", id, 1},
		{"refused for the role", "forbidden", "denied", "viewer@fiu.example", "deleteCase", 1},
		{"ingest that could not start", "ingest.start", "denied", "analyst@fiu.example", "", 1},
		{"admin change", "user.add", "ok", "admin@fiu.example", "cy@fiu.example", 1},
	}
	for _, tt := range tests {
		if got := has(fiu, tt.action, tt.outcome, tt.actor, tt.target); got != tt.want {
			t.Errorf("%s: %d entries %s %s %s %s, want %d", tt.name, got, tt.action, tt.outcome, tt.actor, tt.target, tt.want)
		}
	}
	if got := has(f.entries(t, "local"), "signin.failed", "failed", "nobody@nowhere.example", "*"); got != 1 {
		t.Errorf("a failed sign-in of an unknown account: %d entries in local's log", got)
	}
	cyber := f.entries(t, "cyber")
	if got := has(cyber, "case.delete", "denied", "analyst@cyber.example", "nosuch"); got != 1 || len(cyber) != 2 {
		t.Errorf("cyber's log: %+v", cyber)
	}
	for _, e := range append(fiu, cyber...) {
		s := e.Actor + e.Target + e.Detail
		if strings.Contains(s, f.pw) || strings.Contains(s, "wrong password") || strings.Contains(s, strings.Split(analyst, "_")[2]) {
			t.Errorf("entry %+v holds a secret", e)
		}
		if e.Agency != "fiu" && e.Agency != "cyber" {
			t.Errorf("entry %+v in the wrong log", e)
		}
	}

	// The admin reads their log through GraphQL, filtered and paged; the
	// deployment administrator reads any agency's.
	var page struct {
		AuditLog struct {
			Entries []struct{ Action, Actor, Outcome, Addr string }
			Next    *string
		}
	}
	decodeData(t, f.gql(t, f.tok["fiu-admin"], `{ auditLog(action: "signin", first: 1) { entries { action actor outcome addr } next } }`, nil, ""), &page)
	if len(page.AuditLog.Entries) != 1 || page.AuditLog.Entries[0].Action != "signin" || page.AuditLog.Entries[0].Outcome != "OK" || page.AuditLog.Next != nil {
		t.Fatalf("auditLog(action: signin): %+v", page)
	}
	decodeData(t, f.gql(t, f.tok["fiu-admin"], `{ auditLog(first: 2) { entries { action actor outcome addr } next } }`, nil, ""), &page)
	if len(page.AuditLog.Entries) != 2 || page.AuditLog.Next == nil {
		t.Fatalf("auditLog(first: 2): %+v", page)
	}
	next := *page.AuditLog.Next
	decodeData(t, f.gql(t, f.tok["fiu-admin"], `query($after: String) { auditLog(first: 2, after: $after) { entries { action } next } }`, map[string]any{"after": next}, ""), &page)
	if len(page.AuditLog.Entries) != 2 {
		t.Fatalf("second page: %+v", page)
	}
	f.gql(t, f.tok["fiu-admin"], `{ auditLog(first: 201) { next } }`, nil, "INVALID_ARGUMENT")
	f.gql(t, server.TestAdminToken, `{ auditLog(agency: "cyber") { entries { action } } }`, nil, "")
}
