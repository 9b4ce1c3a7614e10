package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/server"
)

// TestCases saves, lists, reopens, updates and deletes a case over
// GraphQL, with the real case store in the embedded graph store's file.
func TestCases(t *testing.T) {
	store := openStore(t)
	cs, err := cases.Open(t.Context(), store.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Cases = cs
	cfg.Identity = server.NewTestIdentity(t)
	ts := start(t, store, cfg)
	// Who saves is the token's user, never a client's argument.
	analyst := server.NewTestToken(t, cfg.Identity, "fiu", "analyst-1@fiu.example", identity.RoleAnalyst, identity.ScopeRead, identity.ScopeWrite)

	view := map[string]any{"v": 1, "nodes": []any{map[string]any{"id": "threat_group:lazarus-group", "x": 1.5, "y": -2}}, "edges": []any{}, "filters": map[string]any{}}
	const save = `mutation($id: ID, $name: String!, $view: JSON!, $v: Int) {
		saveCase(id: $id, name: $name, view: $view, expectedVersion: $v) { id name version nodeCount createdBy view } }`
	var saved struct {
		SaveCase struct {
			ID        string
			Name      string
			Version   int
			NodeCount int
			CreatedBy string
			View      json.RawMessage
		}
	}
	res := queryAs(t, ts, analyst, save, map[string]any{"name": "Coincheck laundering", "view": view})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	mustDecode(t, res.Data, &saved)
	c := saved.SaveCase
	if c.ID == "" || c.Version != 1 || c.NodeCount != 1 || c.CreatedBy != "analyst-1@fiu.example" || !jsonEqual(t, c.View, `{"v":1,"nodes":[{"id":"threat_group:lazarus-group","x":1.5,"y":-2}],"edges":[],"filters":{}}`) {
		t.Fatalf("saved %+v", c)
	}

	// Cases belong to the saver's agency (issue 17): the table runs as the
	// analyst of fiu; the administrator token's agency (local) reaches none
	// of fiu's cases, each answered as a missing one.
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  string // JSON data, or
		code  string // an error code
		other bool   // asked by the administrator token (agency local)
	}{
		{"another agency's case is null", `query($id: ID!) { case(id: $id) { name } }`, map[string]any{"id": c.ID}, `{"case":null}`, "", true},
		{"another agency lists none", `{ cases { name } }`, nil, `{"cases":[]}`, "", true},
		{"another agency cannot save it", save, map[string]any{"id": c.ID, "name": "taken", "view": view}, "", "NOT_FOUND", true},
		{"another agency cannot delete it", `mutation($id: ID!) { deleteCase(id: $id) }`, map[string]any{"id": c.ID}, "", "NOT_FOUND", true},
		{"reopen", `query($id: ID!) { case(id: $id) { name version view } }`, map[string]any{"id": c.ID},
			`{"case":{"name":"Coincheck laundering","version":1,"view":{"v":1,"nodes":[{"id":"threat_group:lazarus-group","x":1.5,"y":-2}],"edges":[],"filters":{}}}}`, "", false},
		{"list without views", `{ cases { name nodeCount view } }`, nil, `{"cases":[{"name":"Coincheck laundering","nodeCount":1,"view":null}]}`, "", false},
		{"update", save, map[string]any{"id": c.ID, "name": "Coincheck → Russia", "view": view, "v": 1}, "", "", false},
		{"stale update", save, map[string]any{"id": c.ID, "name": "stale", "view": view, "v": 1}, "", "CONFLICT", false},
		{"not an object", save, map[string]any{"name": "x", "view": []any{1}}, "", "INVALID_ARGUMENT", false},
		{"empty name", save, map[string]any{"name": " ", "view": view}, "", "INVALID_ARGUMENT", false},
		{"unknown case", `{ case(id: "nosuch") { id } }`, nil, `{"case":null}`, "", false},
		{"delete", `mutation($id: ID!) { deleteCase(id: $id) }`, map[string]any{"id": c.ID}, `{"deleteCase":true}`, "", false},
		{"delete again", `mutation($id: ID!) { deleteCase(id: $id) }`, map[string]any{"id": c.ID}, "", "NOT_FOUND", false},
		{"gone", `{ cases { id } }`, nil, `{"cases":[]}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := analyst
			if tt.other {
				token = ""
			}
			res := queryAs(t, ts, token, tt.query, tt.vars)
			if tt.code != "" {
				if res.code() != tt.code {
					t.Fatalf("code %q (%v), want %s", res.code(), res.Errors, tt.code)
				}
				return
			}
			if len(res.Errors) > 0 {
				t.Fatal(res.Errors)
			}
			if tt.want != "" && !jsonEqual(t, res.Data, tt.want) {
				t.Errorf("got %s, want %s", res.Data, tt.want)
			}
		})
	}

	// Without a case store the API says why.
	bare := start(t, openStore(t), server.DefaultConfig())
	if res := query(t, bare, `{ cases { id } }`, nil); res.code() != "UNAVAILABLE" || !strings.Contains(res.Errors[0].Message, "keeps no records") {
		t.Errorf("no case store: %v", res.Errors)
	}
}

// TestExpansionAPI covers what the visualizer's expand dialog needs: node
// degrees (the hub warning), filtered neighbours and edges by ID.
func TestExpansionAPI(t *testing.T) {
	ts := start(t, demoServer(t), server.DefaultConfig())
	const lazarus = "threat_group:lazarus-group"
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, data json.RawMessage)
	}{
		{"degree", `{ node(id: "` + lazarus + `") { degree } neighbors(id: "` + lazarus + `", limit: 5000) { edges { id } } }`, func(t *testing.T, d json.RawMessage) {
			var v struct {
				Node      struct{ Degree int }
				Neighbors struct{ Edges []struct{ ID string } }
			}
			mustDecode(t, d, &v)
			if v.Node.Degree == 0 || v.Node.Degree != len(v.Neighbors.Edges) {
				t.Errorf("degree %d, %d edges at depth 1", v.Node.Degree, len(v.Neighbors.Edges))
			}
		}},
		{"filtered by node kind", `{ neighbors(id: "` + lazarus + `", nodeKinds: [INCIDENT]) { nodes { id kind } truncated } }`, func(t *testing.T, d json.RawMessage) {
			var v struct {
				Neighbors struct{ Nodes []struct{ ID, Kind string } }
			}
			mustDecode(t, d, &v)
			if len(v.Neighbors.Nodes) < 2 || v.Neighbors.Nodes[0].ID != lazarus {
				t.Fatalf("nodes %v", v.Neighbors.Nodes)
			}
			for _, n := range v.Neighbors.Nodes[1:] {
				if n.Kind != "INCIDENT" {
					t.Errorf("%s is a %s", n.ID, n.Kind)
				}
			}
		}},
		{"filtered by value and time", `{ neighbors(id: "service:unnamed-russian-exchange", depth: 2, minAmount: 1000000, since: "2023-01-01T00:00:00Z", until: "2023-12-31T00:00:00Z") {
			edges { kind valueUSD time } } }`, func(t *testing.T, d json.RawMessage) {
			var v struct {
				Neighbors struct {
					Edges []struct {
						Kind     string
						ValueUSD *float64
						Time     *string
					}
				}
			}
			mustDecode(t, d, &v)
			transfers := 0
			for _, e := range v.Neighbors.Edges {
				if e.ValueUSD != nil && *e.ValueUSD < 1e6 {
					t.Errorf("%s of %v USD passed minAmount", e.Kind, *e.ValueUSD)
				}
				if e.Time != nil && (*e.Time < "2023" || *e.Time > "2023-12-31") {
					t.Errorf("%s at %s passed the window", e.Kind, *e.Time)
				}
				if e.Kind == "TRANSFER" {
					transfers++
				}
			}
			if transfers == 0 {
				t.Error("no transfer reached the exchange's wallets")
			}
		}},
		{"edges by id", `{ neighbors(id: "` + lazarus + `", limit: 3) { edges { id } } }`, func(t *testing.T, d json.RawMessage) {
			var v struct {
				Neighbors struct{ Edges []struct{ ID string } }
			}
			mustDecode(t, d, &v)
			ids := []string{"threat_group:nobody>ASSOCIATED_WITH>threat_group:lazarus-group"}
			for _, e := range v.Neighbors.Edges {
				ids = append(ids, e.ID)
			}
			res := query(t, ts, `query($ids: [ID!]!) { edges(ids: $ids) { id } }`, map[string]any{"ids": ids})
			if len(res.Errors) > 0 {
				t.Fatal(res.Errors)
			}
			var got struct{ Edges []*struct{ ID string } }
			mustDecode(t, res.Data, &got)
			if len(got.Edges) != len(ids) || got.Edges[0] != nil {
				t.Fatalf("edges %v for %v", got.Edges, ids)
			}
			for i, e := range got.Edges[1:] {
				if e == nil || e.ID != ids[i+1] {
					t.Errorf("edge %d: %v, want %s", i+1, e, ids[i+1])
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := query(t, ts, tt.query, nil)
			if len(res.Errors) > 0 {
				t.Fatal(res.Errors)
			}
			tt.check(t, res.Data)
		})
	}
	for _, bad := range []string{
		`{ neighbors(id: "` + lazarus + `", since: "2019-01-01T00:00:00Z", until: "2018-01-01T00:00:00Z") { truncated } }`,
		`{ neighbors(id: "` + lazarus + `", minAmount: -1) { truncated } }`,
		`{ edges(ids: ["not an edge"]) { id } }`,
	} {
		if res := query(t, ts, bad, nil); res.code() != "INVALID_ARGUMENT" {
			t.Errorf("%s: %v, want INVALID_ARGUMENT", bad, res.Errors)
		}
	}
}
