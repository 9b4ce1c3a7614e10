package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/server"
)

// extResponse is a GraphQL answer with its top-level extensions.
type extResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		Cost *struct {
			Complexity *int     `json:"complexity"`
			Limit      *int     `json:"limit"`
			ElapsedMs  *float64 `json:"elapsedMs"`
		} `json:"cost"`
		Warnings []warning `json:"warnings"`
	} `json:"extensions"`
}

type warning struct {
	Code     string  `json:"code"`
	Path     []any   `json:"path"`
	Argument string  `json:"argument"`
	Asked    float64 `json:"asked"`
	Used     float64 `json:"used"`
	Message  string  `json:"message"`
}

// send posts (or GETs) one operation and decodes the answer with its
// extensions.
func send(t *testing.T, ts *httptest.Server, method, q string, vars map[string]any) (int, extResponse) {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequestWithContext(t.Context(), method, ts.URL+"/graphql?query="+url.QueryEscape(q), nil)
	} else {
		b, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
		req, err = http.NewRequestWithContext(t.Context(), method, ts.URL+"/graphql", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out extResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return resp.StatusCode, out
}

func startWithCases(t *testing.T) *httptest.Server {
	t.Helper()
	store := openStore(t)
	cs, err := cases.Open(t.Context(), store.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Cases = cs
	return start(t, store, cfg)
}

// TestClampWarnings: every argument answered with another value than the
// one asked is reported in extensions.warnings, with its path (aliases as
// written), the value asked and the value used; none when within bounds.
func TestClampWarnings(t *testing.T) {
	ts := startWithCases(t)
	type w struct {
		path        string
		arg         string
		asked, used float64
	}
	tests := []struct {
		name  string
		query string
		want  []w
	}{
		{"search first above", `{ search(query: "lazarus", first: 1000) { edges { cursor } } }`, []w{{"search", "first", 1000, 100}}},
		{"search first zero", `{ search(query: "lazarus", first: 0) { edges { cursor } } }`, []w{{"search", "first", 0, 1}}},
		{"search within", `{ search(query: "lazarus", first: 5) { edges { cursor } } }`, nil},
		{"neighbors depth", `{ neighbors(id: "` + idLazarus + `", depth: 9) { truncated } }`, []w{{"neighbors", "depth", 9, 3}}},
		{"neighbors aliased, depth and limit", `{ near: neighbors(id: "` + idLazarus + `", depth: 4, limit: 100000) { truncated } }`,
			[]w{{"near", "depth", 4, 3}, {"near", "limit", 100000, 5000}}},
		{"neighbors filtered depth", `{ neighbors(id: "` + idLazarus + `", depth: 7, minAmount: 1) { truncated } }`, []w{{"neighbors", "depth", 7, 3}}},
		{"neighbors within", `{ neighbors(id: "` + idLazarus + `", depth: 3, limit: 5000) { truncated } }`, nil},
		{"shortestPath store maxHops", `{ shortestPath(from: "` + idIncident + `", to: "` + idC + `", maxHops: 40) { length } }`, []w{{"shortestPath", "maxHops", 40, 12}}},
		{"shortestPath engine maxHops, hubDegree -1", `{ shortestPath(from: "` + idIncident + `", to: "` + idC + `", maxHops: 13, hubDegree: -1, services: THROUGH) { length } }`,
			[]w{{"shortestPath", "hubDegree", -1, 100000}, {"shortestPath", "maxHops", 13, 12}}},
		{"shortestPath hubDegree above", `{ shortestPath(from: "` + idIncident + `", to: "` + idC + `", hubDegree: 1000000) { length } }`, []w{{"shortestPath", "hubDegree", 1000000, 100000}}},
		{"shortestPath hubDegree zero", `{ shortestPath(from: "` + idIncident + `", to: "` + idC + `", hubDegree: 0) { length } }`, []w{{"shortestPath", "hubDegree", 0, 1000}}},
		{"shortestPath within", `{ shortestPath(from: "` + idIncident + `", to: "` + idC + `", maxHops: 12, hubDegree: 100000) { length } }`, nil},
		{"paths limit and maxHops", `{ paths(from: "` + idA + `", to: "` + idC + `", limit: 1000, maxHops: 30) { truncated } }`,
			[]w{{"paths", "limit", 1000, 100}, {"paths", "maxHops", 30, 12}}},
		{"paths limit zero", `{ paths(from: "` + idA + `", to: "` + idC + `", limit: 0) { truncated } }`, []w{{"paths", "limit", 0, 1}}},
		{"paths within", `{ paths(from: "` + idA + `", to: "` + idC + `", limit: 100, maxHops: 12, hubDegree: 5) { truncated } }`, nil},
		{"nearest limit", `{ nearest(from: "` + idA + `", target: {kind: SERVICE}, limit: 500) { truncated } }`, []w{{"nearest", "limit", 500, 100}}},
		{"moneyFlow maxHops zero, limit above", `{ moneyFlow(from: ["` + idIncident + `"], maxHops: 0, limit: 5000, hubDegree: -5) { truncated } }`,
			[]w{{"moneyFlow", "hubDegree", -5, 100000}, {"moneyFlow", "limit", 5000, 1000}, {"moneyFlow", "maxHops", 0, 6}}},
		{"moneyFlow limit zero", `{ moneyFlow(from: ["` + idIncident + `"], limit: 0) { truncated } }`, []w{{"moneyFlow", "limit", 0, 100}}},
		{"moneyFlow within", `{ moneyFlow(from: ["` + idIncident + `"], limit: 1000, maxHops: 12) { truncated } }`, nil},
		{"exposure maxHops", `{ exposure(id: "` + idA + `", maxHops: 40) { truncated } e0: exposure(id: "` + idA + `", maxHops: 0) { truncated } }`,
			[]w{{"e0", "maxHops", 0, 3}, {"exposure", "maxHops", 40, 12}}},
		{"prices first", `{ prices(asset: "ETH", first: 5000) { hasNextPage } }`, []w{{"prices", "first", 5000, 1000}}},
		{"cases first", `{ cases(first: 5000) { id } }`, []w{{"cases", "first", 5000, 1000}}},
		{"cases within", `{ cases(first: 10) { id } }`, nil},
		{"cluster maxMembers and counterparties", `{ cluster(id: "` + idA + `", maxMembers: 50000, counterparties: -3) { size } }`,
			[]w{{"cluster", "counterparties", -3, 10}, {"cluster", "maxMembers", 50000, 10000}}},
		{"cluster maxMembers zero", `{ cluster(id: "` + idA + `", maxMembers: 0) { size } }`, []w{{"cluster", "maxMembers", 0, 10000}}},
		{"personaCluster maxMembers and minScore", `{ personaCluster(id: "` + idPerson + `", maxMembers: 20000, minScore: 0) { truncated } }`,
			[]w{{"personaCluster", "maxMembers", 20000, 10000}, {"personaCluster", "minScore", 0, 0.5}}},
		{"personaCluster within", `{ personaCluster(id: "` + idPerson + `", maxMembers: 10, minScore: 0.7) { truncated } }`, nil},
		{"communities resolution", `{ communities(ids: ["` + idA + `", "` + idB + `"], resolution: 0) { truncated } }`, []w{{"communities", "resolution", 0, 1}}},
		// A field that fails reports nothing of its arguments.
		{"refused field", `{ paths(from: "` + idA + `", to: "` + idC + `", limit: 1000, maxHops: 0) { truncated } }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := send(t, ts, http.MethodPost, tt.query, nil)
			if tt.name != "refused field" && len(out.Errors) > 0 {
				t.Fatalf("errors: %+v", out.Errors)
			}
			var got []w
			for _, x := range out.Extensions.Warnings {
				if x.Code != "ARGUMENT_CLAMPED" || !strings.HasPrefix(x.Message, x.Argument+" ") || !strings.Contains(x.Message, "answered with "+x.Argument) {
					t.Errorf("warning %+v: want code ARGUMENT_CLAMPED and a message naming the argument", x)
				}
				path := make([]string, len(x.Path))
				for i, p := range x.Path {
					path[i], _ = p.(string)
				}
				got = append(got, w{strings.Join(path, "."), x.Argument, x.Asked, x.Used})
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("warnings %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestClampedAnswerFollowsWarning: the value a warning says was used is
// the one the answer was built with.
func TestClampedAnswerFollowsWarning(t *testing.T) {
	ts := startWithCases(t)
	// Two hops from the incident reach B; three reach C (and the exchange
	// needs four): depth 9 answers as depth 3.
	_, out := send(t, ts, http.MethodPost, `{ neighbors(id: "`+idIncident+`", depth: 9, direction: OUT) { nodes { id } } }`, nil)
	var got struct {
		Neighbors struct{ Nodes []struct{ ID string } }
	}
	if err := json.Unmarshal(out.Data, &got); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, n := range got.Neighbors.Nodes {
		ids[n.ID] = true
	}
	if !ids[idC] || ids[idService] || len(out.Extensions.Warnings) != 1 || out.Extensions.Warnings[0].Used != 3 {
		t.Errorf("nodes %v, warnings %+v: want C (3 hops), not the exchange (4), and depth used 3", ids, out.Extensions.Warnings)
	}
}

// TestCostOnEveryAnswer: extensions.cost is on every answer, refusals and
// errors included, over POST and GET.
func TestCostOnEveryAnswer(t *testing.T) {
	cfg := server.DefaultConfig()
	ts := start(t, openStore(t), cfg)
	huge := `{ a: personaCluster(id: "` + idPerson + `") { members { id } } b: personaCluster(id: "` + idPerson + `") { members { id } }
		c: personaCluster(id: "` + idPerson + `") { members { id } } d: personaCluster(id: "` + idPerson + `") { members { id } } }`
	tests := []struct {
		name, method, query string
		code                string
		priced              bool // the complexity is known (the operation was parsed and validated)
	}{
		{"answer", http.MethodPost, `{ stats { nodes } }`, "", true},
		{"answer over GET", http.MethodGet, `{ stats { nodes } }`, "", true},
		{"field error", http.MethodPost, `{ node(id: "not an id") { id } }`, "INVALID_ARGUMENT", true},
		{"parse error", http.MethodPost, `{ stats { nodes `, "GRAPHQL_PARSE_FAILED", false},
		{"validation error", http.MethodPost, `{ stats { nope } }`, "GRAPHQL_VALIDATION_FAILED", false},
		{"complexity refusal", http.MethodPost, huge, "COMPLEXITY_LIMIT_EXCEEDED", true},
		{"mutation over GET", http.MethodGet, `mutation { deleteCase(id: "x") }`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := send(t, ts, tt.method, tt.query, nil)
			if tt.name == "mutation over GET" {
				// Refused by the transport before GraphQL: no cost to report.
				if status != http.StatusMethodNotAllowed {
					t.Fatalf("status %d", status)
				}
				return
			}
			if c := ""; len(out.Errors) > 0 {
				c, _ = out.Errors[0].Extensions["code"].(string)
				if c != tt.code {
					t.Fatalf("code %q, want %q (%+v)", c, tt.code, out.Errors)
				}
			} else if tt.code != "" {
				t.Fatalf("no error, want %s", tt.code)
			}
			cost := out.Extensions.Cost
			if cost == nil || cost.Complexity == nil || cost.Limit == nil || cost.ElapsedMs == nil {
				t.Fatalf("cost %+v: want complexity, limit and elapsedMs", cost)
			}
			if *cost.Limit != cfg.ComplexityLimit || *cost.ElapsedMs <= 0 || *cost.ElapsedMs > 10_000 {
				t.Errorf("limit %d, elapsed %v ms: want %d and a positive time", *cost.Limit, *cost.ElapsedMs, cfg.ComplexityLimit)
			}
			if (*cost.Complexity > 0) != tt.priced {
				t.Errorf("complexity %d, want priced %v", *cost.Complexity, tt.priced)
			}
			if tt.code == "COMPLEXITY_LIMIT_EXCEEDED" && *cost.Complexity <= cfg.ComplexityLimit {
				t.Errorf("refused at complexity %d, within the limit", *cost.Complexity)
			}
		})
	}
}

// TestComplexityRefusalNamesField: a refusal for complexity names the
// field (its response path) and the argument that cost the most.
func TestComplexityRefusalNamesField(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	flow := `moneyFlow(from: ["` + idIncident + `"], limit: 1) { taint }`
	persona := `personaCluster(id: "` + idPerson + `", maxMembers: 10000) { members { id } links { evidence { identifier } judgement { by } } rejected { a } }`
	tests := []struct {
		name, query     string
		field, argument any
		message         string
	}{
		{"a persona cluster's members", `{ f1: ` + flow + ` f2: ` + flow + ` f3: ` + flow + ` p: ` + persona + ` }`, "p", "maxMembers",
			"; the costliest field is p: personaCluster(maxMembers: 10000) at 90001: ask for fewer maxMembers"},
		{"by default", `{ f1: ` + flow + ` f2: ` + flow + ` f3: ` + flow + ` f4: ` + flow + ` personaCluster(id: "` + idPerson + `") { members { id } links { a } rejected { a } } }`,
			"personaCluster", "maxMembers", "; the costliest field is personaCluster (maxMembers by default) at 70001: ask for fewer maxMembers"},
		{"nested list", `{ f1: ` + flow + ` f2: ` + flow + ` f3: ` + flow + ` f4: ` + flow + ` m: moneyFlow(from: ["` + idIncident + `"]) { routes { hops { from } } } }`,
			"m", "limit", "ask for fewer limit"},
		{"no argument lowers it", aliasedField(5, flow), "a0", nil, "; the costliest field is a0: moneyFlow at 40002, the work it may do: send fewer such fields in one operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := send(t, ts, http.MethodPost, tt.query, nil)
			if len(out.Errors) != 1 {
				t.Fatalf("errors %+v, want one", out.Errors)
			}
			e := out.Errors[0]
			x := e.Extensions
			if x["code"] != "COMPLEXITY_LIMIT_EXCEEDED" || x["field"] != tt.field || x["argument"] != tt.argument || x["limit"] != float64(200_000) {
				t.Errorf("extensions %v, want field %v, argument %v, limit 200000", x, tt.field, tt.argument)
			}
			c, _ := x["complexity"].(float64)
			if c <= 200_000 || !strings.HasPrefix(e.Message, "complexity ") || !strings.Contains(e.Message, " is above the limit 200000") || !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q (complexity %v), want it to say %q", e.Message, c, tt.message)
			}
		})
	}
}

func aliasedField(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		b.WriteString(" a" + string(rune('0'+i)) + ": " + field)
	}
	b.WriteString(" }")
	return b.String()
}
