package gql

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server/gql/generated"
	"github.com/redthread-dev/redthread/server/gql/model"
)

// defaultComplexityLimit is server.DefaultConfig().ComplexityLimit, the
// limit the prices are set against (the server package imports this one).
const defaultComplexityLimit = 200_000

// cost prices an operation as the server's complexity limit does: parsed
// and validated against the schema, every alias counted.
func cost(t *testing.T, query string, vars map[string]any) int {
	t.Helper()
	es := generated.NewExecutableSchema(generated.Config{Complexity: Complexity(graph.DefaultLimits(), investigate.Limits{})})
	doc, errs := gqlparser.LoadQueryWithRules(es.Schema(), query, nil) // nil: the default rules
	if errs != nil {
		t.Fatalf("invalid query: %v\n%s", errs, query)
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("%d operations in %s", len(doc.Operations), query)
	}
	return PriceOperation(context.Background(), es, doc.Operations[0], vars).Total
}

// aliased repeats field n times under aliases a0, a1, ...
func aliased(n int, field string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, field)
	}
	b.WriteString(" }")
	return b.String()
}

func TestComplexityScalesLists(t *testing.T) {
	l, il := graph.DefaultLimits(), investigate.DefaultLimits()
	engine := il.MaxVisited/nodesPerUnit + il.MaxArcs/arcsPerUnit
	store := l.MaxVisited / storeNodesPerUnit
	c := Complexity(l, investigate.Limits{})
	since := ptr(time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"work at the default limits", EngineWork(investigate.Limits{}), engine},
		{"store work at the default limits", StoreWork(graph.Limits{}), store},
		{"a fifth of the default complexity limit", engine, defaultComplexityLimit / 5},
		{"nodes by ids", c.Query.Nodes(3, []string{"a", "b"}), 1 + 3*2},
		// A wallet's exposure reads up to HubDegree transfers: capped at its
		// share of one investigation per loader batch.
		{"a wallet's risk", c.Wallet.Risk(2), min((4*investigate.RiskFanout+il.HubDegree+9)/10+(4*investigate.RiskFanout+il.HubDegree+99)/100, engine/loaderMaxBatch) + 2},
		{"an entity's risk", c.Entity.Risk(2), (4*investigate.RiskFanout+9)/10 + (4*investigate.RiskFanout+99)/100 + 2},
		{"search default page", c.Query.Search(4, "x", nil, nil, nil), 1 + 4*l.DefaultSearch},
		{"search clamped page", c.Query.Search(4, "x", nil, ptr(10_000), nil), 1 + 4*l.MaxSearch},
		{"neighbors limit", c.Query.Neighbors(5, ptr("x"), nil, nil, nil, nil, nil, nil, nil, nil, nil, ptr(50)), store + 1 + 5*50},
		{"neighbors filtered", c.Query.Neighbors(5, ptr("x"), nil, ptr(2), nil, nil, nil, since, nil, nil, nil, ptr(50)), engine + 1 + 5*50},
		{"neighbors of several", c.Query.Neighbors(5, nil, []string{"a", "b"}, nil, nil, nil, nil, nil, nil, nil, nil, ptr(50)), engine + 1 + 5*52},
		{"nodeList default", c.Query.NodeList(5, nil, nil, nil), 1 + 5*100},
		{"nodeList huge first", c.Query.NodeList(5, nil, ptr(1<<40), nil), 1 + 5*1000},
		{"path hops", c.Query.ShortestPath(2, "a", "b", ptr(3), nil, nil, nil, nil, nil, nil, nil, nil), store + 1 + 2*4},
		{"path as of", c.Query.ShortestPath(2, "a", "b", ptr(3), nil, nil, nil, nil, nil, since, nil, nil), engine + 1 + 2*4},
		{"k paths", c.Query.Paths(2, "a", "b", ptr(3), ptr(10), nil, nil, nil, nil, nil, nil, nil, nil, nil), engine + 1 + 2*4*10},
		{"k paths clamped", c.Query.Paths(2, "a", "b", ptr(3), ptr(1_000_000), nil, nil, nil, nil, nil, nil, nil, nil, nil), engine + 1 + 2*4*il.MaxPaths},
		{"nearest", c.Query.Nearest(2, "a", model.NearestTarget{}, ptr(3), ptr(10), nil, nil, nil, nil, nil, nil, nil), engine + 1 + 2*4*10},
		{"nearest clamped", c.Query.Nearest(2, "a", model.NearestTarget{}, ptr(3), ptr(1_000_000), nil, nil, nil, nil, nil, nil, nil), engine + 1 + 2*4*il.MaxPaths},
		{"money flow routes", c.Query.MoneyFlow(3, nil, nil, nil, nil, nil, nil, nil, nil, ptr(50), nil, nil, nil, nil), engine + 1 + 3*50},
		{"money flow clamped", c.Query.MoneyFlow(3, nil, nil, nil, nil, nil, nil, nil, nil, ptr(1_000_000), nil, nil, nil, nil), engine + 1 + 3*il.MaxRoutes},
		{"tainted: ten per route", c.MoneyFlow.Tainted(4), 1 + 4*10},
		{"route hops", c.FlowRoute.Hops(2), 1 + 2*2*il.MaxHops},
		{"cluster members", c.Query.Cluster(2, "x", nil, ptr(100), nil, nil), engine + 1 + 2*110},
		{"cluster default members", c.Query.Cluster(2, "x", nil, nil, nil, nil), engine + 1 + 2*(il.MaxMembers+10)},
		{"persona members", c.Query.PersonaCluster(2, "x", nil, ptr(1_000_000), nil), engine + 1 + 2*il.MaxMembers},
		{"communities", c.Query.Communities(2, []string{"a", "b", "c"}, nil, nil, nil), engine + 1 + 2*3},
		{"exposure hops", c.Query.Exposure(2, "x", ptr(4), nil, nil, nil, nil, nil), engine + 1 + 2*3*4},
		{"saturates", scaled(math.MaxInt/2, 3), math.MaxInt},
		{"sum saturates", plus(math.MaxInt-1, engine), math.MaxInt},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// The investigation fields, each with a small selection.
var searches = []struct{ name, field string }{
	{"moneyFlow", `moneyFlow(from: ["incident:coincheck-theft"]) { taint }`},
	{"cluster", `cluster(id: "wallet:btc:1abc") { size members { id } }`},
	{"shortestPath asOf", `shortestPath(from: "a:b", to: "c:d", asOf: "2024-01-01T00:00:00Z") { length }`},
	{"shortestPath", `shortestPath(from: "a:b", to: "c:d") { length }`},
	{"paths", `paths(from: "a:b", to: "c:d") { paths { length } }`},
	{"nearest", `nearest(from: "a:b", target: {sanctioned: true}) { paths { length } }`},
	{"personaCluster", `personaCluster(id: "person:x") { members { id } }`},
	{"communities", `communities(ids: ["a:b", "c:d"]) { modularity }`},
	{"exposure", `exposure(id: "wallet:eth:0xaa") { sent { total } }`},
	{"neighbors depth 3", `neighbors(id: "a:b", depth: 3) { nodes { id } }`},
	{"neighbors filtered", `neighbors(id: "a:b", depth: 2, minAmount: 1000) { nodes { id } }`},
}

// TestAliasesAddUp: N aliases of a field cost N times one, and an
// operation holds only a few searches at the default limit.
func TestAliasesAddUp(t *testing.T) {
	for _, s := range searches {
		t.Run(s.name, func(t *testing.T) {
			one := cost(t, aliased(1, s.field), nil)
			for _, n := range []int{2, 10, 100} {
				if got := cost(t, aliased(n, s.field), nil); got != n*one {
					t.Errorf("%d aliases cost %d, want %d × %d", n, got, n, one)
				}
			}
			if fit := defaultComplexityLimit / one; fit < 1 || fit > 4 {
				t.Errorf("one costs %d: %d fit in an operation, want 1 to 4", one, fit)
			}
		})
	}
}

func TestOperationCost(t *testing.T) {
	ui := webDocuments(t)
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		refuse bool
	}{
		{"the UI's moneyFlow", ui["FLOW_QUERY"], map[string]any{"from": []any{"incident:coincheck-theft"}, "maxHops": 12}, false},
		{"the UI's cluster", ui["CLUSTER_QUERY"], map[string]any{"id": "wallet:btc:1abc", "heuristics": []any{"CO_SPEND", "ONE_TIME_CHANGE"}}, false},
		{"the UI's paths, most paths", ui["PATHS_QUERY"], map[string]any{"from": "a:b", "to": "c:d", "maxHops": 12, "limit": 20}, false},
		{"shortestPath as of, the UI's selection", strings.Replace(ui["PATH_QUERY"], "minAmount: $minAmount", "minAmount: $minAmount, asOf: \"2024-01-01T00:00:00Z\"", 1),
			map[string]any{"from": "a:b", "to": "c:d", "maxHops": 12}, false},
		{"three searches", aliased(3, searches[0].field), nil, false},
		{"four searches", aliased(4, searches[0].field), nil, false},
		{"five searches", aliased(5, searches[0].field), nil, true},
		{"a flow and a cluster, the UI's selections", `{ moneyFlow(from: ["incident:x"]) { routes { hops { from to } } tainted { tainted edge { id } } }
			cluster(id: "wallet:btc:1abc") { size members { id hops via partner heuristic } } }`, nil, false},
		// The probes of issue 14: each took the server past 4 GB.
		{"100 aliased moneyFlow", aliased(100, `moneyFlow(from: ["incident:coincheck-theft"], maxHops: 8) { routeCount }`), nil, true},
		{"200 aliased cluster", aliased(200, `cluster(id: "wallet:btc:1abc", heuristics: [CO_SPEND, ONE_TIME_CHANGE]) { size members { id hops via } }`), nil, true},
		{"500 aliased shortestPath asOf", aliased(500, `shortestPath(from: "a:b", to: "c:d", asOf: "2024-01-01T00:00:00Z") { length }`), nil, true},
		{"the UI's moneyFlow asking every route", ui["FLOW_QUERY"], map[string]any{"from": []any{"incident:x"}, "limit": 1000}, true},
		// A STIX export reads up to twice the edge limit of facts, an import writes up to 50,000 records.
		{"four STIX exports", aliased(4, `exportCaseStix(id: "c")`), nil, false},
		{"six STIX exports", aliased(6, `exportCaseStix(id: "c")`), nil, true},
		{"five STIX imports", "mutation " + aliased(5, `importCaseStix(bundle: "{}") { nodes }`), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cost(t, tt.query, tt.vars)
			if refused := got > defaultComplexityLimit; refused != tt.refuse {
				t.Errorf("cost %d against the limit of %d: refused = %v, want %v", got, defaultComplexityLimit, refused, tt.refuse)
			}
		})
	}
}

// TestWebQueriesWithinLimit prices every GraphQL document the web client
// sends (web/src/api.ts) with the variables it sends: its defaults and
// the largest values its forms allow, except the expansion limit, whose
// form allows more than an operation may cost (its largest is checked
// against the price of a neighbourhood below).
func TestWebQueriesWithinLimit(t *testing.T) {
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = fmt.Sprintf("wallet:eth:0x%040x", i)
		}
		return out
	}
	vars := map[string]map[string]any{
		"STATS_QUERY":               nil,
		"SEARCH_QUERY":              {"query": "lazarus", "first": 10},
		"NODE_QUERY":                {"id": "a:b"},
		"NODES_QUERY":               {"ids": ids(500)}, // session.ts FETCH_CHUNK
		"EDGES_QUERY":               {"ids": ids(500)},
		"RISKS_QUERY":               {"ids": ids(500)}, // session.ts FETCH_CHUNK
		"NEIGHBORS_QUERY":           {"id": "a:b", "depth": 2, "direction": "BOTH", "limit": 50, "minAmount": 1000},
		"PATH_QUERY":                {"from": "a:b", "to": "c:d", "direction": "BOTH", "maxHops": 12, "since": "2018-01-01T00:00:00Z"},
		"NEAREST_QUERY":             {"from": "a:b", "target": map[string]any{"sanctioned": true}, "direction": "BOTH", "maxHops": 12, "limit": 20},
		"PATHS_QUERY":               {"from": "a:b", "to": "c:d", "direction": "BOTH", "maxHops": 12, "limit": 20}, // forms.ts K_PATHS_MAX
		"FLOW_QUERY":                {"from": ids(1), "maxHops": 12, "taint": "HAIRCUT"},
		"CLUSTER_QUERY":             {"id": "wallet:btc:1abc", "heuristics": []any{"CO_SPEND", "ONE_TIME_CHANGE"}},
		"PERSONA_CLUSTER_QUERY":     {"id": "person:x", "maxMembers": webConst(t, "api.ts", "PERSONA_MAX_MEMBERS")},
		"CONFIRM_SAME_AS_MUTATION":  {"a": "person:a", "b": "person:b", "reason": "r"},
		"REJECT_SAME_AS_MUTATION":   {"a": "person:a", "b": "person:b", "reason": "r"},
		"SAME_AS_CANDIDATES_QUERY":  {"first": 500},                                        // sameAsDialog.ts: pages grow to 500
		"COMMUNITIES_QUERY":         {"ids": ids(investigate.DefaultLimits().MaxSubgraph)}, // every node on the canvas
		"CASES_QUERY":               nil,
		"CASE_QUERY":                {"id": "c"},
		"SAVE_CASE_MUTATION":        {"name": "n", "view": map[string]any{}},
		"DELETE_CASE_MUTATION":      {"id": "c"},
		"EXPORT_CASE_STIX_QUERY":    {"id": "c"},
		"IMPORT_CASE_STIX_MUTATION": {"bundle": "{}"},
	}
	docs := webDocuments(t)
	if len(docs) < len(vars) {
		t.Fatalf("found %d documents in web/src/api.ts, want at least %d", len(docs), len(vars))
	}
	for name, q := range docs {
		t.Run(name, func(t *testing.T) {
			v, ok := vars[name]
			if !ok {
				t.Fatalf("a new document: add the variables the web client sends with it")
			}
			if got := cost(t, q, v); got > defaultComplexityLimit {
				t.Errorf("costs %d, over the limit of %d", got, defaultComplexityLimit)
			}
		})
	}
	// The expansion form's largest limit (expandForm.ts EXPAND_LIMIT_MAX)
	// must be accepted with the web client's fields.
	forms, err := os.ReadFile("../../web/src/ui/expandForm.ts")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`EXPAND_LIMIT_MAX = (\d+);`).FindSubmatch(forms)
	if m == nil {
		t.Fatal("web/src/ui/expandForm.ts: no EXPAND_LIMIT_MAX")
	}
	largest, _ := strconv.Atoi(string(m[1]))
	if got := cost(t, docs["NEIGHBORS_QUERY"], map[string]any{"id": "a:b", "limit": largest}); got > defaultComplexityLimit {
		t.Errorf("an expansion of the form's largest limit, %d, costs %d, over the limit of %d", largest, got, defaultComplexityLimit)
	}
}

// webConst reads a numeric constant of a web client file (export const
// NAME = 123;), so that the prices follow the client's own bounds.
func webConst(t *testing.T, file, name string) int {
	t.Helper()
	src, err := os.ReadFile("../../web/src/" + file)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(name + ` = ([\d_]+);`).FindSubmatch(src)
	if m == nil {
		t.Fatalf("web/src/%s: no %s", file, name)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(string(m[1]), "_", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// webDocuments returns the GraphQL documents of the web client by the name
// of their constant in web/src/api.ts (const FLOW_QUERY = graphql(`query
// MoneyFlow …`)), each as the client sends it: the text GraphQL Code
// Generator wrote for the operation in web/src/gql/graphql.ts
// (MoneyFlowDocument), with the fragments it spreads.
func webDocuments(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile("../../web/src/api.ts")
	if err != nil {
		t.Fatal(err)
	}
	generated, err := os.ReadFile("../../web/src/gql/graphql.ts")
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)export const (\\w+)Document = new TypedDocumentString\\(`([^`]*)`").FindAllStringSubmatch(string(generated), -1) {
		texts[m[1]] = m[2]
	}
	operation := regexp.MustCompile(`^\s*(?:query|mutation)\s+(\w+)`)
	docs := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)const (\\w+) = graphql\\(`([^`]*)`\\)").FindAllStringSubmatch(string(src), -1) {
		op := operation.FindStringSubmatch(m[2])
		if op == nil {
			continue // a fragment
		}
		text, ok := texts[op[1]]
		if !ok {
			t.Fatalf("web/src/gql/graphql.ts has no %sDocument for %s: run make generate", op[1], m[1])
		}
		docs[m[1]] = text
	}
	return docs
}

// TestDocumentedQueriesWithinLimit prices every GraphQL operation of the
// README's and docs/'s ```graphql blocks as written (placeholders such as
// "person:…" are strings; `{…}` stands for an object): each must pass.
func TestDocumentedQueriesWithinLimit(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```graphql\n(.*?)```")
	priced := 0
	for _, f := range append(files, "../../README.md") {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range block.FindAllStringSubmatch(string(src), -1) {
			text := strings.ReplaceAll(m[1], "{…}", "{}")
			doc, perr := parser.ParseQuery(&ast.Source{Input: text})
			if perr != nil {
				continue // a signature, not an operation
			}
			for _, op := range doc.Operations {
				var b strings.Builder
				formatter.NewFormatter(&b).FormatQueryDocument(&ast.QueryDocument{Operations: ast.OperationList{op}, Fragments: doc.Fragments})
				priced++
				got := cost(t, b.String(), nil)
				if got > defaultComplexityLimit {
					t.Errorf("%s: costs %d, over the limit of %d:\n%s", filepath.Base(f), got, defaultComplexityLimit, b.String())
				}
			}
		}
	}
	if priced < 15 {
		t.Errorf("priced %d documented operations, want the README's and docs' (at least 15)", priced)
	}
}
