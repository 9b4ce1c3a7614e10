package server_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/server/gql"
)

// demoServer serves the demo case from a real embedded store over HTTP.
func demoServer(t *testing.T) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := ingest.Run(t.Context(), st, []ingest.Source{demo.Source()}, ingest.Options{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	return st
}

const (
	personaA = "person:illustrative-it-worker-persona-a"
	personaB = "person:illustrative-it-worker-persona-b"
)

// TestInvestigationQueries asks each investigation query over GraphQL,
// as a notebook would, and checks what the demo case exists to show.
func TestInvestigationQueries(t *testing.T) {
	ts := start(t, demoServer(t), server.DefaultConfig())
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		check func(t *testing.T, data map[string]any)
	}{
		{"moneyFlow", `query($from: [ID!]!) { moneyFlow(from: $from, maxHops: 8) {
			taint stolen routeCount tainted { edge { id } tainted } sinks { node { id } category valueUSD routes summary amounts { asset amount } }
			routes { value sink hops { from to service value tainted edge { id } } } truncated } }`,
			map[string]any{"from": []string{"incident:coincheck-theft"}},
			func(t *testing.T, d map[string]any) {
				f := d["moneyFlow"].(map[string]any)
				var ru map[string]any
				for _, s := range f["sinks"].([]any) {
					if s := s.(map[string]any); s["node"].(map[string]any)["id"] == "service:unnamed-russian-exchange" {
						ru = s
					}
				}
				if f["taint"] != "HAIRCUT" || f["stolen"] != 534e6 || ru == nil || ru["valueUSD"].(float64) < 21.8e6 ||
					!strings.HasPrefix(ru["summary"].(string), "of USD 534 M stolen, USD 21.9 M reached Unnamed Russian exchange") {
					t.Errorf("moneyFlow: %v", f)
				}
				if len(f["tainted"].([]any)) == 0 {
					t.Error("no tainted transfers listed")
				}
				crossed := false
				for _, r := range f["routes"].([]any) {
					for _, h := range r.(map[string]any)["hops"].([]any) {
						if h := h.(map[string]any); h["service"] == "service:illustrative-bridge" && h["edge"] == nil {
							crossed = true
						}
					}
				}
				if !crossed {
					t.Error("no route crosses the bridge")
				}
			}},
		{"paths", `{ paths(from: "wallet:eth:0x04f270eb088d8d948db1e882c3d5eb6929e3dae4", to: "service:unnamed-russian-exchange", maxHops: 10, limit: 2) {
			paths { length nodes { id } } skippedHubs truncated } }`, nil,
			func(t *testing.T, d map[string]any) {
				ps := d["paths"].(map[string]any)["paths"].([]any)
				if len(ps) != 2 || ps[0].(map[string]any)["length"].(float64) != 9 {
					t.Errorf("paths: %v", d)
				}
			}},
		{"shortestPath filtered", `query($since: Time) { shortestPath(from: "wallet:eth:0x04f270eb088d8d948db1e882c3d5eb6929e3dae4",
			to: "wallet:eth:0x722fe2d5766d8a2dd7c6adabbeb2b1d2599dba53", edgeKinds: [TRANSFER], direction: BOTH, maxHops: 12, since: $since) { length truncated } }`,
			map[string]any{"since": "2023-01-01T00:00:00Z"},
			func(t *testing.T, d map[string]any) {
				// Since 2023 the 2018 transfers drop out: no path.
				if d["shortestPath"].(map[string]any)["length"].(float64) != 0 {
					t.Errorf("shortestPath: %v", d)
				}
			}},
		{"shortestPath unfiltered", `{ shortestPath(from: "wallet:eth:0x04f270eb088d8d948db1e882c3d5eb6929e3dae4",
			to: "wallet:eth:0x722fe2d5766d8a2dd7c6adabbeb2b1d2599dba53", edgeKinds: [TRANSFER], direction: OUT, maxHops: 12) { length } }`, nil,
			func(t *testing.T, d map[string]any) {
				// Without the window: hot wallet → theft → two laundering hops → mixer pool.
				if d["shortestPath"].(map[string]any)["length"].(float64) != 4 {
					t.Errorf("shortestPath: %v", d)
				}
			}},
		{"exposure", `{ exposure(id: "wallet:eth:0xcd8ca24f4c7cae2b7e7c2804bce4d9f6ac37403f", maxHops: 4, direction: OUT) {
			received { total } sent { total unattributed categories { category share routes { nodes value } } } } }`, nil,
			func(t *testing.T, d map[string]any) {
				e := d["exposure"].(map[string]any)
				if e["received"] != nil || len(e["sent"].(map[string]any)["categories"].([]any)) == 0 {
					t.Errorf("exposure: %v", e)
				}
			}},
		{"cluster", `{ cluster(id: "wallet:eth:0xcd8ca24f4c7cae2b7e7c2804bce4d9f6ac37403f") { size members { id hops via } received sent counterparties { id received sent } } }`, nil,
			func(t *testing.T, d map[string]any) {
				// An Ethereum account spends alone: a cluster of one.
				c := d["cluster"].(map[string]any)
				if c["size"].(float64) != 1 || c["sent"].(float64) <= 0 || len(c["counterparties"].([]any)) == 0 {
					t.Errorf("cluster: %v", c)
				}
			}},
		{"personaCluster", `query($id: ID!) { personaCluster(id: $id) { members { id hops } links { a b score evidence { identifier type weight edges } } rejected { a b } } }`,
			map[string]any{"id": personaA},
			func(t *testing.T, d map[string]any) {
				p := d["personaCluster"].(map[string]any)
				if len(p["members"].([]any)) != 4 || len(p["links"].([]any)) < 3 {
					t.Errorf("personaCluster: %v", p)
				}
			}},
		{"communities", `{ communities(ids: ["person:illustrative-it-worker-persona-a", "person:illustrative-it-worker-persona-b",
			"identifier:email:appdev.studio@example.com", "threat_group:lazarus-group"]) { components modularity communities { id members } hidden } }`, nil,
			func(t *testing.T, d map[string]any) {
				c := d["communities"].(map[string]any)
				if len(c["components"].([]any)) == 0 {
					t.Errorf("communities: %v", c)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := query(t, ts, tt.query, tt.vars)
			if len(out.Errors) > 0 {
				t.Fatalf("errors: %+v", out.Errors)
			}
			var data map[string]any
			if err := json.Unmarshal(out.Data, &data); err != nil {
				t.Fatal(err)
			}
			tt.check(t, data)
		})
	}
}

// TestSameAsJudgements: rejecting a link takes a persona out of the
// cluster, with the judgement shown; confirming it again brings it back.
func TestSameAsJudgements(t *testing.T) {
	ts := start(t, demoServer(t), server.DefaultConfig())
	members := func() (int, []any) {
		out := query(t, ts, `query($id: ID!) { personaCluster(id: $id) { members { id } rejected { a b judgement { decision by reason edge } } } }`, map[string]any{"id": personaA})
		if len(out.Errors) > 0 {
			t.Fatalf("errors: %+v", out.Errors)
		}
		var d struct {
			PersonaCluster struct {
				Members  []any `json:"members"`
				Rejected []any `json:"rejected"`
			} `json:"personaCluster"`
		}
		if err := json.Unmarshal(out.Data, &d); err != nil {
			t.Fatal(err)
		}
		return len(d.PersonaCluster.Members), d.PersonaCluster.Rejected
	}
	before, _ := members()
	judge := func(op string) map[string]any {
		out := query(t, ts, `mutation($a: ID!, $b: ID!) { `+op+`(a: $a, b: $b, reason: "test") { decision by reason edge } }`,
			map[string]any{"a": personaB, "b": personaA})
		if len(out.Errors) > 0 {
			t.Fatalf("%s: %+v", op, out.Errors)
		}
		var d map[string]map[string]any
		if err := json.Unmarshal(out.Data, &d); err != nil {
			t.Fatal(err)
		}
		return d[op]
	}
	j := judge("rejectSameAs")
	// by is who the request ran as: here the test administrator token.
	if j["decision"] != "DIFFERENT" || j["by"] != gql.DeploymentAdmin || !strings.HasPrefix(j["edge"].(string), personaA+">SAME_AS>"+personaB+"#judgement-") {
		t.Errorf("judgement %v", j)
	}
	after, rejected := members()
	if len(rejected) != 1 || after > before {
		t.Errorf("after rejecting: %d members (was %d), rejected %v", after, before, rejected)
	}
	if j := judge("confirmSameAs"); j["decision"] != "SAME" {
		t.Errorf("judgement %v", j)
	}
	if again, rejected := members(); again != before || len(rejected) != 0 {
		t.Errorf("after confirming: %d members (want %d), rejected %v", again, before, rejected)
	}
	for _, tt := range []struct{ name, q, code string }{
		{"same persona", `mutation { confirmSameAs(a: "` + personaA + `", b: "` + personaA + `", reason: "y") { edge } }`, "INVALID_ARGUMENT"},
		{"not a persona", `mutation { confirmSameAs(a: "` + personaA + `", b: "threat_group:lazarus-group", reason: "y") { edge } }`, "INVALID_ARGUMENT"},
		{"no reason", `mutation { rejectSameAs(a: "` + personaA + `", b: "` + personaB + `", reason: "") { edge } }`, "INVALID_ARGUMENT"},
		{"unknown", `mutation { rejectSameAs(a: "` + personaA + `", b: "person:nobody", reason: "y") { edge } }`, "NOT_FOUND"},
		{"bad taint", `{ moneyFlow(from: ["incident:coincheck-theft"], taint: LIFO) { routeCount } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"no source", `{ moneyFlow(from: []) { routeCount } }`, "INVALID_ARGUMENT"},
		{"candidates page", `{ sameAsCandidates(first: 0) { hasNextPage } }`, "INVALID_ARGUMENT"},
		{"candidates cursor", `{ sameAsCandidates(after: "not a cursor") { hasNextPage } }`, "INVALID_ARGUMENT"},
		{"persona and group", `mutation { confirmSameAs(a: "threat_group:lazarus-group", b: "` + personaB + `", reason: "y") { edge } }`, "INVALID_ARGUMENT"},
	} {
		if out := query(t, ts, tt.q, nil); out.code() != tt.code {
			t.Errorf("%s: code %q, want %s (%+v)", tt.name, out.code(), tt.code, out.Errors)
		}
	}
}
