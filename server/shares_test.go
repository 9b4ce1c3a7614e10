package server_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/neo4jstore/neo4jtest"
	"github.com/redthread-dev/redthread/graph/state"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server"
)

// The shared case's facts, owned by agency fiu, of several markings:
//
//	W1 (AMBER) ──TRANSFER(AMBER)──▶ W4 (GREEN)
//	W1 ──TRANSFER(AMBER)──▶ W2 (AMBER+STRICT: never carried)
//	W3 (RED, given to fiu's analyst: carried only to a named user)
const (
	shW1 = "wallet:eth:0x5a1e000000000000000000000000000000000001"
	shW2 = "wallet:eth:0x5a1e000000000000000000000000000000000002"
	shW3 = "wallet:eth:0x5a1e000000000000000000000000000000000003"
	shW4 = "wallet:eth:0x5a1e000000000000000000000000000000000004"

	strictLabel = "Strictly-held informant wallet"
	redLabel    = "Red-marked seizure wallet"
	strictNote  = "source: liaison officer, do not share"
)

func shareBatch(redUser string) graph.Batch {
	// A RED record names its user: Neo4j keeps the wallets between runs,
	// and sources of one dataset, record and agency are one source, of
	// which the merge keeps one user by a fixed order (graph.mergeSources):
	// often an earlier run's, whom this run's analyst is not.
	src := func(m graph.Marking, user string) []graph.Source {
		rec := string(m)
		if user != "" {
			rec += "/" + user
		}
		return []graph.Source{{Dataset: "fiu-case-files", Record: rec, Confidence: 80, Marking: m, Agency: "fiu", User: user}}
	}
	wallet := func(id, label string, m graph.Marking, user string) graph.Node {
		return graph.Node{Kind: graph.KindWallet, Key: strings.TrimPrefix(id, "wallet:"), Label: label, Sources: src(m, user)}
	}
	return graph.Batch{
		Nodes: []graph.Node{
			wallet(shW1, "Amber mule wallet", graph.TLPAmber, ""),
			wallet(shW2, strictLabel, graph.TLPAmberStrict, ""),
			wallet(shW3, redLabel, graph.TLPRed, redUser),
			wallet(shW4, "Green exchange wallet", graph.TLPGreen, ""),
		},
		Edges: []graph.Edge{
			{Kind: graph.EdgeTransfer, From: shW1, To: shW4, Amount: 12, Asset: "ETH", Sources: src(graph.TLPAmber, "")},
			{Kind: graph.EdgeTransfer, From: shW1, To: shW2, Amount: 3, Asset: "ETH", Sources: src(graph.TLPAmber, "")},
		},
	}
}

const (
	edgeW1W4 = shW1 + ">TRANSFER>" + shW4
	edgeW1W2 = shW1 + ">TRANSFER>" + shW2
)

// shareWorld is two servers over one store (one file, or one Neo4j), each
// with its own identity, case and share services over the store's records,
// and the tokens of fiu's and police's analysts.
type shareWorld struct {
	a, b            *httptest.Server
	fiu, bo, cy     string // tokens
	boEmail, suffix string
	local           string // the administrator token: agency local
	audit           *audit.Log
}

type storeWithState interface {
	investigate.Store
	state.Provider
}

func newShareWorld(t *testing.T, open func() storeWithState) shareWorld {
	t.Helper()
	var w shareWorld
	var raw [4]byte
	_, _ = rand.Read(raw[:])
	w.suffix = hex.EncodeToString(raw[:]) // Neo4j keeps users between runs
	serve := func() (*httptest.Server, *identity.Service, storeWithState) {
		st := open()
		ids, err := identity.New(st.State(), identity.Options{Argon2: server.CheapArgon2})
		if err != nil {
			t.Fatal(err)
		}
		if err := ids.Bootstrap(t.Context(), server.TestAdminToken); err != nil {
			t.Fatal(err)
		}
		cs, err := cases.Open(t.Context(), st.State(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := server.DefaultConfig()
		cfg.Identity, cfg.Cases = ids, cs
		cfg.Shares = shares.New(st.State(), cs, ids, shares.Options{})
		cfg.Audit = audit.New(st.State(), nil, nil)
		w.audit = cfg.Audit
		return start(t, st, cfg), ids, st
	}
	var ids *identity.Service
	var st storeWithState
	w.a, ids, st = serve()
	w.b, _, _ = serve()
	for _, a := range []string{"fiu", "police"} {
		if _, err := ids.AddAgency(t.Context(), a, a); err != nil && graph.ErrorCode(err) != graph.CodeConflict {
			t.Fatal(err)
		}
	}
	w.fiu = server.NewTestToken(t, ids, "fiu", "ana-"+w.suffix+"@fiu.example", identity.RoleAnalyst, identity.ScopeRead, identity.ScopeWrite)
	w.boEmail = "bo-" + w.suffix + "@police.example"
	w.bo = server.NewTestToken(t, ids, "police", w.boEmail, identity.RoleAnalyst, identity.ScopeRead, identity.ScopeWrite)
	w.cy = server.NewTestToken(t, ids, "police", "cy-"+w.suffix+"@police.example", identity.RoleAnalyst, identity.ScopeRead, identity.ScopeWrite)
	w.local = server.TestAdminToken
	ana, err := ids.UserByEmail(t.Context(), "ana-"+w.suffix+"@fiu.example")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := st.Write(t.Context(), shareBatch(ana.ID)); err != nil || len(res.Rejected) > 0 {
		t.Fatalf("seed: %v %+v", err, res.Rejected)
	}
	return w
}

// ask posts a GraphQL request with token and returns the raw body and
// the decoded answer.
func ask(t *testing.T, ts *httptest.Server, token, q string, vars map[string]any) (string, gqlResponse) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return string(body), out
}

const sharedCaseFields = `share { id agency cap allowComments openedAt revokedAt }
	case { id agency view } withheld notice comments { by agency text }
	nodes { id label degree } edges { id fromNode { id label } toNode { id label } }`

type sharedCase struct {
	Share struct {
		ID, Agency, Cap string
		AllowComments   bool
		OpenedAt        *string
	}
	Case struct {
		ID, Agency string
		View       json.RawMessage
	}
	Withheld int
	Notice   *string
	Comments []struct{ By, Agency, Text string }
	Nodes    []struct {
		ID, Label string
		Degree    int
	}
	Edges []struct{ ID string }
}

// hidden are what a police analyst must never read through an agency-wide
// share.
var hidden = []string{shW2, strictLabel, strictNote, shW3, redLabel}

func noHidden(t *testing.T, what, body string, except ...string) {
	t.Helper()
	for _, h := range hidden {
		if strings.Contains(body, h) && !contains(except, h) {
			t.Errorf("%s: the answer holds %q: %s", what, h, body)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// runShares walks a share from one server to the other: preview, share,
// open, comment, every kind of bad link, revoke.
func runShares(t *testing.T, w shareWorld) {
	view := map[string]any{"v": 1, "edges": []string{edgeW1W4, edgeW1W2}, "filters": map[string]any{},
		"nodes": []any{
			map[string]any{"id": shW1, "x": 0, "y": 0, "note": "mule"},
			map[string]any{"id": shW2, "x": 1, "y": 0, "note": strictNote},
			map[string]any{"id": shW3, "x": 2, "y": 0},
			map[string]any{"id": shW4, "x": 3, "y": 0},
		},
		"path":     map[string]any{"mode": "shortest", "from": []string{shW1}, "to": []string{shW2}, "params": map[string]any{}},
		"selected": []string{shW2, shW1},
	}
	_, res := ask(t, w.a, w.fiu, `mutation($v: JSON!) { saveCase(name: "Mule ring", view: $v) { id agency } }`, map[string]any{"v": view})
	var saved struct{ SaveCase struct{ ID, Agency string } }
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &saved)
	id := saved.SaveCase.ID
	if saved.SaveCase.Agency != "fiu" {
		t.Fatalf("saved %+v", saved)
	}

	// Before any share, police reach nothing of fiu's case.
	body, res := ask(t, w.b, w.bo, `query($id: ID!) { case(id: $id) { id } cases { id } }`, map[string]any{"id": id})
	if len(res.Errors) > 0 || !jsonEqual(t, res.Data, `{"case":null,"cases":[]}`) {
		t.Fatalf("police before the share: %s", body)
	}

	// The owner previews the case as police will see it.
	body, res = ask(t, w.a, w.fiu, `query($id: ID!) { previewShare(caseId: $id, agency: "police") { `+sharedCaseFields+` } }`, map[string]any{"id": id})
	var pv struct{ PreviewShare sharedCase }
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &pv)
	checkRedacted(t, "preview", pv.PreviewShare, body)

	// Share, on server A.
	body, res = ask(t, w.a, w.fiu, `mutation($id: ID!) { shareCase(caseId: $id, agency: "police", allowComments: true, expiresIn: "3d") {
		token url share { id agency cap expiresAt createdBy } } }`, map[string]any{"id": id})
	var link struct {
		ShareCase struct {
			Token, URL string
			Share      struct{ ID, Agency, Cap, ExpiresAt, CreatedBy string }
		}
	}
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &link)
	tok := link.ShareCase.Token
	if link.ShareCase.URL != "/shared#link="+tok || link.ShareCase.Share.Cap != "TLP_AMBER" || !strings.HasPrefix(link.ShareCase.Share.CreatedBy, "ana-") {
		t.Fatalf("share %s", body)
	}

	// Opened through server B by police.
	const open = `query($t: String!) { openShare(token: $t) { ` + sharedCaseFields + ` } }`
	body, res = ask(t, w.b, w.bo, open, map[string]any{"t": tok})
	var op struct{ OpenShare sharedCase }
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &op)
	checkRedacted(t, "open", op.OpenShare, body)
	if op.OpenShare.Share.OpenedAt == nil {
		t.Errorf("openedAt not set: %s", body)
	}

	// The opening request counts degrees as the recipient sees them with
	// the share, as every later request of theirs does.
	_, res = ask(t, w.b, w.bo, `query($id: ID!) { node(id: $id) { degree } }`, map[string]any{"id": shW1})
	var later struct{ Node struct{ Degree int } }
	mustDecode(t, res.Data, &later)
	if op.OpenShare.Nodes[0].ID != shW1 || op.OpenShare.Nodes[0].Degree != later.Node.Degree {
		t.Errorf("degree of W1 when opening %+v, later %d", op.OpenShare.Nodes[0], later.Node.Degree)
	}

	// Every bad link has one answer.
	parts := strings.Split(tok, ".")
	flipped := []byte(tok)
	flipped[len(flipped)-2] ^= 1
	bad := []struct{ name, server, token, link string }{
		{"tampered", "b", w.bo, string(flipped)},
		{"truncated", "b", w.bo, tok[:len(tok)-6]},
		{"unknown key", "b", w.bo, strings.Join([]string{parts[0], "kzzzz", parts[2], parts[3]}, ".")},
		{"wrong agency", "a", w.local, tok},
		{"the owner agency", "a", w.fiu, tok},
		{"garbage", "b", w.bo, "not a link"},
	}
	var first string
	for _, b := range bad {
		ts := w.a
		if b.server == "b" {
			ts = w.b
		}
		body, res := ask(t, ts, b.token, open, map[string]any{"t": b.link})
		if res.code() != "NOT_FOUND" || res.Data != nil && string(res.Data) != "null" {
			t.Errorf("%s: %s", b.name, body)
			continue
		}
		if first == "" {
			first = res.Errors[0].Message
		} else if res.Errors[0].Message != first {
			t.Errorf("%s: message %q, unlike %q", b.name, res.Errors[0].Message, first)
		}
		noHidden(t, b.name, body)
	}

	// Police comment through B; fiu reads it on A.
	body, res = ask(t, w.b, w.bo, `mutation($t: String!) { commentOnShare(token: $t, text: "W1 also paid our suspect") { by agency text } }`, map[string]any{"t": tok})
	if len(res.Errors) > 0 || !strings.Contains(body, w.boEmail) {
		t.Fatalf("comment: %s", body)
	}
	body, res = ask(t, w.a, w.fiu, `query($id: ID!) { case(id: $id) { comments { by agency text } history { action by } shares { id revokedAt openedAt } } }`, map[string]any{"id": id})
	if len(res.Errors) > 0 || !strings.Contains(body, `"text":"W1 also paid our suspect"`) || !strings.Contains(body, `"agency":"police"`) ||
		!strings.Contains(body, `"action":"shared"`) || !strings.Contains(body, `"action":"commented"`) {
		t.Fatalf("owner's case: %s", body)
	}
	// The recipient sees the comment made through their share.
	if body, _ = ask(t, w.a, w.bo, open, map[string]any{"t": tok}); !strings.Contains(body, "W1 also paid our suspect") {
		t.Errorf("recipient's comments: %s", body)
	}

	// A RED cap to a named user carries W3 to them only.
	body, res = ask(t, w.a, w.fiu, `mutation($id: ID!, $u: [String!]) { shareCase(caseId: $id, agency: "police", users: $u, cap: TLP_RED) { token } }`,
		map[string]any{"id": id, "u": []string{w.boEmail}})
	var named struct{ ShareCase struct{ Token string } }
	if len(res.Errors) > 0 {
		t.Fatal(body)
	}
	mustDecode(t, res.Data, &named)
	body, res = ask(t, w.b, w.bo, open, map[string]any{"t": named.ShareCase.Token})
	if len(res.Errors) > 0 || !strings.Contains(body, redLabel) || strings.Contains(body, strictLabel) {
		t.Errorf("named RED share: %s", body)
	}
	if body, res = ask(t, w.b, w.cy, open, map[string]any{"t": named.ShareCase.Token}); res.code() != "NOT_FOUND" {
		t.Errorf("a user the share does not name: %s", body)
	}

	// Revoked on A: refused on B at the next request, with the same answer.
	body, res = ask(t, w.a, w.fiu, `mutation($s: ID!) { revokeShare(id: $s) { revokedAt } }`, map[string]any{"s": link.ShareCase.Share.ID})
	if len(res.Errors) > 0 || strings.Contains(body, `"revokedAt":null`) {
		t.Fatalf("revoke: %s", body)
	}
	body, res = ask(t, w.b, w.bo, open, map[string]any{"t": tok})
	if res.code() != "NOT_FOUND" || res.Errors[0].Message != first {
		t.Errorf("replayed after revoke: %s", body)
	}
	noHidden(t, "replayed after revoke", body)
	if _, res = ask(t, w.b, w.bo, `mutation($t: String!) { commentOnShare(token: $t, text: "late") { id } }`, map[string]any{"t": tok}); res.code() != "NOT_FOUND" {
		t.Errorf("comment after revoke: %v", res.Errors)
	}
	// Both agencies' audit logs tell the share's story (of this run: the
	// Neo4j keeps the logs of earlier ones).
	// (A denied open names no share: it goes to the opener's log only.)
	for agency, want := range map[string][]string{
		"fiu":    {"share.create ok", "share.open ok", "share.comment ok", "share.revoke ok"},
		"police": {"share.create ok", "share.open ok", "share.comment ok", "share.revoke ok", "share.open denied"},
	} {
		page, err := w.audit.List(t.Context(), agency, audit.Query{Action: "share.", First: 200})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, e := range page.Entries {
			if e.Target == "share:"+link.ShareCase.Share.ID || e.Target == "share link" && strings.Contains(e.Actor, w.suffix) {
				got[e.Action+" "+strings.ToLower(e.Outcome)] = true
			}
		}
		for _, a := range want {
			if !got[a] {
				t.Errorf("audit log of %s lacks %s: %v", agency, a, got)
			}
		}
	}

	// Police cannot revoke fiu's share, nor list its shares.
	if _, res = ask(t, w.b, w.bo, `mutation($s: ID!) { revokeShare(id: $s) { id } }`, map[string]any{"s": link.ShareCase.Share.ID}); res.code() != "NOT_FOUND" {
		t.Errorf("recipient revoked: %v", res.Errors)
	}
	if _, res = ask(t, w.b, w.bo, `query($id: ID!) { shares(caseId: $id) { id } }`, map[string]any{"id": id}); res.code() != "NOT_FOUND" {
		t.Errorf("recipient listed the shares: %v", res.Errors)
	}
}

// checkRedacted checks what police see of the case: W1 and W4 and the
// edge between them; W2 (AMBER+STRICT), W3 (RED), the edge to W2, W2's
// note and the path ending at W2 withheld, counted, not described.
func checkRedacted(t *testing.T, what string, sc sharedCase, body string) {
	t.Helper()
	noHidden(t, what, body)
	if sc.Withheld != 3 || sc.Notice == nil || *sc.Notice != "3 facts withheld under the sharing agency's markings" {
		t.Errorf("%s: withheld %d, notice %v", what, sc.Withheld, sc.Notice)
	}
	var ids []string
	for _, n := range sc.Nodes {
		ids = append(ids, n.ID)
	}
	if strings.Join(ids, " ") != shW1+" "+shW4 || len(sc.Edges) != 1 || sc.Edges[0].ID != edgeW1W4 {
		t.Errorf("%s: nodes %v, edges %+v", what, ids, sc.Edges)
	}
	if sc.Case.Agency != "fiu" || !jsonEqual(t, sc.Case.View, `{"v":1,"edges":["`+edgeW1W4+`"],"filters":{},"selected":["`+shW1+`"],
		"nodes":[{"id":"`+shW1+`","x":0,"y":0,"note":"mule"},{"id":"`+shW4+`","x":3,"y":0}]}`) {
		t.Errorf("%s: case %s %s", what, sc.Case.Agency, sc.Case.View)
	}
}

// TestSharesEmbedded runs the share walk with two servers over one
// embedded store.
func TestSharesEmbedded(t *testing.T) {
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	runShares(t, newShareWorld(t, func() storeWithState { return st }))
}

// TestSharesTwoServersOverOneNeo4j: a case shared on one server is opened,
// commented and revoked through another, each with its own connection to
// one Neo4j (NEO4J_URI; REDTHREAD_SKIP_NEO4J=1 skips it).
func TestSharesTwoServersOverOneNeo4j(t *testing.T) {
	uri := neo4jtest.Shared(t)
	runShares(t, newShareWorld(t, func() storeWithState {
		st, err := neo4jstore.Open(t.Context(), neo4jstore.Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"), ConnectTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		return st
	}))
}
