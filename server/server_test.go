package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/introspection"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server"
	"github.com/redthread-dev/redthread/web"
)

// The test graph, a theft and its laundering trail:
//
//	incident:test-heist ──STOLE──▶ A ──TRANSFER──▶ B ──TRANSFER──▶ C ──DEPOSITED_AT──▶ service:test-exchange
//	        │
//	        └──ATTRIBUTED_TO──▶ threat_group:lazarus-group ◀──PART_OF── person:park-jin-hyok
const (
	addrA = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"
	addrB = "0xa4b2fd68593b6f34e51cb9edb66e71c1b4ab449e"
	addrC = "0x0fa09c3a328792253f8dee7116848723b72a6d2e"

	idIncident = "incident:test-heist"
	idLazarus  = "threat_group:lazarus-group"
	idPerson   = "person:park-jin-hyok"
	idService  = "service:test-exchange"
	idA        = "wallet:eth:" + addrA
	idB        = "wallet:eth:" + addrB
	idC        = "wallet:eth:" + addrC
	txAB       = "0x1d0f1c6b0a5d2f3e4c5b6a7980a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3"
)

var heistTime = time.Date(2025, 2, 21, 14, 13, 35, 0, time.UTC)

func testBatch() graph.Batch {
	src := []graph.Source{{Dataset: "redthread-server-test", Record: "1", Confidence: 60, Marking: graph.TLPGreen}}
	return graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindIncident, Key: "test-heist", Label: "Test heist", Sources: src, ValidFrom: heistTime},
			{Kind: graph.KindThreatGroup, Key: "lazarus-group", Label: "Lazarus Group", Aliases: []string{"APT38", "Hidden Cobra"}, Sources: src},
			{Kind: graph.KindPerson, Key: "park-jin-hyok", Label: "Park Jin Hyok", Sources: src},
			{Kind: graph.KindService, Key: "test-exchange", Label: "Test Exchange", Sources: src},
			{Kind: graph.KindWallet, Key: "eth:" + addrA, Label: "Heist receiver", Props: graph.Props{"role": "receiver", "hops": 0.0}, Sources: src},
			{Kind: graph.KindWallet, Key: "eth:" + addrB, Label: "Exploiter one", Sources: src},
			{Kind: graph.KindWallet, Key: "eth:" + addrC, Label: "Exploiter two", Sources: src},
		},
		Edges: []graph.Edge{
			{Kind: graph.EdgeStole, From: idIncident, To: idA, Sources: src},
			{Kind: graph.EdgeAttributedTo, From: idIncident, To: idLazarus, Sources: src},
			{Kind: graph.EdgePartOf, From: idPerson, To: idLazarus, Sources: src},
			{Kind: graph.EdgeTransfer, From: idA, To: idB, Amount: 401346.77, Asset: "ETH", ValueUSD: 1.1e9, Time: heistTime, TxHash: txAB, Sources: src},
			{Kind: graph.EdgeTransfer, From: idB, To: idC, Amount: 10000, Asset: "ETH", Time: heistTime.Add(time.Hour), Sources: src},
			{Kind: graph.EdgeDepositedAt, From: idC, To: idService, Sources: src},
		},
	}
}

func openStore(t testing.TB) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	res, err := st.Write(t.Context(), testBatch())
	if err != nil {
		t.Fatalf("seed store: %v", err)
	}
	if len(res.Rejected) > 0 {
		t.Fatalf("seed store: rejected %+v", res.Rejected)
	}
	return st
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// start serves store with cfg over real HTTP, with the test identity
// service (server.NewTestIdentity) unless cfg has one; ts.Client() sends the
// test administrator token.
func start(t *testing.T, store investigate.Store, cfg server.Config) *httptest.Server {
	t.Helper()
	return server.ServeTest(t, server.New(store, server.WithTestAuth(t, cfg), testLogger(t)).Handler())
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// post sends one GraphQL request and decodes the answer.
func post(t *testing.T, ts *httptest.Server, accept string, body map[string]any) (*http.Response, gqlResponse) {
	t.Helper()
	return postAs(t, ts, "", accept, body)
}

// postAs is post with the bearer token given (empty: the client's).
func postAs(t *testing.T, ts *httptest.Server, token, accept string, body map[string]any) (*http.Response, gqlResponse) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return resp, out
}

func query(t *testing.T, ts *httptest.Server, q string, vars map[string]any) gqlResponse {
	t.Helper()
	_, out := post(t, ts, "application/json", map[string]any{"query": q, "variables": vars})
	return out
}

// queryAs is query with a bearer token of its own.
func queryAs(t *testing.T, ts *httptest.Server, token, q string, vars map[string]any) gqlResponse {
	t.Helper()
	_, out := postAs(t, ts, token, "application/json", map[string]any{"query": q, "variables": vars})
	return out
}

// jsonEqual compares JSON documents by value.
func jsonEqual(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("decode %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

func TestQueries(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	upperA := "wallet:ETH:0x" + strings.ToUpper(addrA[2:])

	tests := []struct {
		name     string
		query    string
		vars     map[string]any
		want     string // data, compared as JSON; empty to skip
		wantCode string // extensions.code of the first error; empty for none
		check    func(t *testing.T, data json.RawMessage)
	}{
		{
			name:  "stats",
			query: `{ stats { nodes edges nodesByKind { kind count } edgesByKind { kind count } } }`,
			check: func(t *testing.T, data json.RawMessage) {
				var d struct {
					Stats struct {
						Nodes, Edges int
						NodesByKind  []struct {
							Kind  string
							Count int
						}
						EdgesByKind []struct {
							Kind  string
							Count int
						}
					}
				}
				mustDecode(t, data, &d)
				if d.Stats.Nodes != 7 || d.Stats.Edges != 6 {
					t.Errorf("stats = %d nodes, %d edges; want 7, 6", d.Stats.Nodes, d.Stats.Edges)
				}
				counts := map[string]int{}
				for _, k := range d.Stats.NodesByKind {
					counts["node "+k.Kind] = k.Count
				}
				for _, k := range d.Stats.EdgesByKind {
					counts["edge "+k.Kind] = k.Count
				}
				want := map[string]int{"node WALLET": 3, "node INCIDENT": 1, "node SANCTION": 0, "edge TRANSFER": 2, "edge STOLE": 1}
				for k, n := range want {
					if counts[k] != n {
						t.Errorf("%s count = %d, want %d", k, counts[k], n)
					}
				}
				if len(d.Stats.NodesByKind) != len(graph.NodeKinds()) || len(d.Stats.EdgesByKind) != len(graph.EdgeKinds()) {
					t.Errorf("by-kind lists have %d and %d entries, want every kind", len(d.Stats.NodesByKind), len(d.Stats.EdgesByKind))
				}
			},
		},
		{
			name: "wallet node with chain, address, properties sorted, sources",
			query: `query($id: ID!) { node(id: $id) { __typename id kind key label aliases confidence marking validFrom
				properties { key value } sources { dataset record confidence marking illustrative job }
				... on Wallet { chain address } } }`,
			vars: map[string]any{"id": idA},
			want: `{"node": {"__typename": "Wallet", "id": "` + idA + `", "kind": "WALLET", "key": "eth:` + addrA + `",
				"label": "Heist receiver", "aliases": [], "confidence": 60, "marking": "TLP_GREEN", "validFrom": null,
				"properties": [{"key": "hops", "value": 0}, {"key": "role", "value": "receiver"}],
				"sources": [{"dataset": "redthread-server-test", "record": "1", "confidence": 60, "marking": "TLP_GREEN", "illustrative": false, "job": null}],
				"chain": "ETH", "address": "` + addrA + `"}}`,
		},
		{
			name:  "node ID is normalised",
			query: `query($id: ID!) { node(id: $id) { id } }`,
			vars:  map[string]any{"id": upperA},
			want:  `{"node": {"id": "` + idA + `"}}`,
		},
		{
			name:  "entity node with aliases and time",
			query: `{ lazarus: node(id: "threat_group:lazarus-group") { __typename kind label aliases } heist: node(id: "incident:test-heist") { validFrom validTo } }`,
			want: `{"lazarus": {"__typename": "Entity", "kind": "THREAT_GROUP", "label": "Lazarus Group", "aliases": ["APT38", "Hidden Cobra"]},
				"heist": {"validFrom": "2025-02-21T14:13:35Z", "validTo": null}}`,
		},
		{
			name:  "missing node is null without error",
			query: `{ node(id: "person:nobody") { id } }`,
			want:  `{"node": null}`,
		},
		{
			name:     "malformed node ID",
			query:    `{ node(id: "lazarus") { id } }`,
			wantCode: "INVALID_ARGUMENT",
		},
		{
			name:  "nodes in the order asked, null where missing",
			query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
			vars:  map[string]any{"ids": []string{idC, "person:nobody", idIncident, idA}},
			want:  `{"nodes": [{"id": "` + idC + `"}, null, {"id": "` + idIncident + `"}, {"id": "` + idA + `"}]}`,
		},
		{
			name: "edge with endpoints through the loader",
			query: `query($id: ID!) { edge(id: $id) { id kind from to amount asset valueUSD time txHash confidence marking
				fromNode { id label } toNode { ... on Wallet { address } } } }`,
			vars: map[string]any{"id": graph.EdgeID(graph.EdgeTransfer, idA, idB, txAB)},
			want: `{"edge": {"id": "` + graph.EdgeID(graph.EdgeTransfer, idA, idB, txAB) + `", "kind": "TRANSFER", "from": "` + idA + `", "to": "` + idB + `",
				"amount": 401346.77, "asset": "ETH", "valueUSD": 1.1e9, "time": "2025-02-21T14:13:35Z", "txHash": "` + txAB + `",
				"confidence": 60, "marking": "TLP_GREEN",
				"fromNode": {"id": "` + idA + `", "label": "Heist receiver"}, "toNode": {"address": "` + addrB + `"}}}`,
		},
		{
			name:  "missing edge is null",
			query: `{ edge(id: "person:a>USES>identifier:email:a@b.com") { id } }`,
			want:  `{"edge": null}`,
		},
		{
			name:     "malformed edge ID",
			query:    `{ edge(id: "person:a>LIKES>person:b") { id } }`,
			wantCode: "INVALID_ARGUMENT",
		},
		{
			name:  "neighbors out, depth 1",
			query: `{ neighbors(id: "incident:test-heist", direction: OUT) { nodes { id } edges { kind } truncated reason } }`,
			check: subgraphCheck([]string{idIncident, idA, idLazarus}, []string{"ATTRIBUTED_TO", "STOLE"}, false),
		},
		{
			name:  "neighbors out, depth 2",
			query: `{ neighbors(id: "incident:test-heist", direction: OUT, depth: 2) { nodes { id } edges { kind } truncated reason } }`,
			check: subgraphCheck([]string{idIncident, idA, idLazarus, idB}, []string{"ATTRIBUTED_TO", "STOLE", "TRANSFER"}, false),
		},
		{
			name:  "neighbors in",
			query: `{ neighbors(id: "threat_group:lazarus-group", direction: IN) { nodes { id } edges { kind } truncated reason } }`,
			check: subgraphCheck([]string{idLazarus, idIncident, idPerson}, []string{"ATTRIBUTED_TO", "PART_OF"}, false),
		},
		{
			name:  "neighbors default direction is both",
			query: `{ neighbors(id: "threat_group:lazarus-group") { nodes { id } edges { kind } truncated reason } }`,
			check: subgraphCheck([]string{idLazarus, idIncident, idPerson}, []string{"ATTRIBUTED_TO", "PART_OF"}, false),
		},
		{
			name:  "neighbors by edge kind, depth clamped to the maximum",
			query: `query($id: ID!) { neighbors(id: $id, depth: 99, edgeKinds: [TRANSFER]) { nodes { id } edges { kind } truncated reason } }`,
			vars:  map[string]any{"id": idA},
			check: subgraphCheck([]string{idA, idB, idC}, []string{"TRANSFER", "TRANSFER"}, false),
		},
		{
			name:  "neighbors truncated at the limit",
			query: `{ neighbors(id: "incident:test-heist", direction: OUT, limit: 1) { nodes { id } edges { kind } truncated reason } }`,
			check: func(t *testing.T, data json.RawMessage) {
				var d struct{ Neighbors subgraph }
				mustDecode(t, data, &d)
				if !d.Neighbors.Truncated || d.Neighbors.Reason == nil || len(d.Neighbors.Nodes) != 2 {
					t.Errorf("neighbors = %+v; want the start and 1 node, truncated with a reason", d.Neighbors)
				}
			},
		},
		{
			name:  "neighbor edges resolve their endpoints",
			query: `{ neighbors(id: "incident:test-heist", direction: OUT, depth: 2) { edges { from fromNode { id } to toNode { id } } } }`,
			check: func(t *testing.T, data json.RawMessage) {
				var d struct {
					Neighbors struct {
						Edges []struct {
							From, To string
							FromNode *struct{ ID string }
							ToNode   *struct{ ID string }
						}
					}
				}
				mustDecode(t, data, &d)
				if len(d.Neighbors.Edges) == 0 {
					t.Fatal("no edges")
				}
				for _, e := range d.Neighbors.Edges {
					if e.FromNode == nil || e.FromNode.ID != e.From || e.ToNode == nil || e.ToNode.ID != e.To {
						t.Errorf("edge %s→%s resolved to %+v → %+v", e.From, e.To, e.FromNode, e.ToNode)
					}
				}
			},
		},
		{
			name:     "neighbors of a malformed ID",
			query:    `{ neighbors(id: "nope") { truncated } }`,
			wantCode: "INVALID_ARGUMENT",
		},
		{
			name: "shortest path found, following edges forward by default",
			query: `{ shortestPath(from: "incident:test-heist", to: "service:test-exchange") {
				length truncated nodes { id } edges { kind from to } } }`,
			want: `{"shortestPath": {"length": 4, "truncated": false,
				"nodes": [{"id": "` + idIncident + `"}, {"id": "` + idA + `"}, {"id": "` + idB + `"}, {"id": "` + idC + `"}, {"id": "` + idService + `"}],
				"edges": [{"kind": "STOLE", "from": "` + idIncident + `", "to": "` + idA + `"},
				          {"kind": "TRANSFER", "from": "` + idA + `", "to": "` + idB + `"},
				          {"kind": "TRANSFER", "from": "` + idB + `", "to": "` + idC + `"},
				          {"kind": "DEPOSITED_AT", "from": "` + idC + `", "to": "` + idService + `"}]}}`,
		},
		{
			name:  "shortest path against the edges is empty by default",
			query: `{ shortestPath(from: "service:test-exchange", to: "incident:test-heist") { length nodes { id } edges { id } } }`,
			want:  `{"shortestPath": {"length": 0, "nodes": [], "edges": []}}`,
		},
		{
			name:  "shortest path ignoring direction",
			query: `{ shortestPath(from: "service:test-exchange", to: "person:park-jin-hyok", direction: BOTH) { length } }`,
			want:  `{"shortestPath": {"length": 6}}`,
		},
		{
			name:  "shortest path beyond maxHops is empty",
			query: `{ shortestPath(from: "incident:test-heist", to: "service:test-exchange", maxHops: 2) { length nodes { id } edges { id } } }`,
			want:  `{"shortestPath": {"length": 0, "nodes": [], "edges": []}}`,
		},
		{
			name:     "shortest path from a malformed ID",
			query:    `{ shortestPath(from: "wallet:eth:0x12", to: "incident:test-heist") { length } }`,
			wantCode: "INVALID_ARGUMENT",
		},
		{
			name:     "unknown field fails validation",
			query:    `{ nope }`,
			wantCode: "GRAPHQL_VALIDATION_FAILED",
		},
		{
			name:     "syntax error fails parsing",
			query:    `{ stats {`,
			wantCode: "GRAPHQL_PARSE_FAILED",
		},
		{
			name:  "GraphiQL's introspection query passes the default limits",
			query: introspection.Query,
			check: func(t *testing.T, data json.RawMessage) {
				if !bytes.Contains(data, []byte(`"name":"Wallet"`)) {
					t.Errorf("introspection lacks the Wallet type: %.200s", data)
				}
			},
		},
		{
			name:  "introspection is enabled",
			query: `{ __schema { queryType { name } } }`,
			want:  `{"__schema": {"queryType": {"name": "Query"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := query(t, ts, tt.query, tt.vars)
			if got := resp.code(); got != tt.wantCode {
				t.Fatalf("error code = %q (%+v), want %q", got, resp.Errors, tt.wantCode)
			}
			if tt.wantCode == "" && len(resp.Errors) > 0 {
				t.Fatalf("errors: %+v", resp.Errors)
			}
			if tt.wantCode != "" && resp.Errors[0].Message == "" {
				t.Errorf("error without a message: %+v", resp.Errors[0])
			}
			if tt.want != "" && !jsonEqual(t, resp.Data, tt.want) {
				t.Errorf("data = %s\nwant %s", resp.Data, tt.want)
			}
			if tt.check != nil {
				tt.check(t, resp.Data)
			}
		})
	}
}

type subgraph struct {
	Nodes     []struct{ ID string }
	Edges     []struct{ Kind string }
	Truncated bool
	Reason    *string
}

func subgraphCheck(wantNodes, wantEdgeKinds []string, truncated bool) func(*testing.T, json.RawMessage) {
	return func(t *testing.T, data json.RawMessage) {
		t.Helper()
		var d struct{ Neighbors subgraph }
		mustDecode(t, data, &d)
		var nodes, kinds []string
		for _, n := range d.Neighbors.Nodes {
			nodes = append(nodes, n.ID)
		}
		for _, e := range d.Neighbors.Edges {
			kinds = append(kinds, e.Kind)
		}
		slices.Sort(nodes)
		slices.Sort(kinds)
		if !slices.Equal(nodes, slices.Sorted(slices.Values(wantNodes))) {
			t.Errorf("nodes = %v, want %v", nodes, wantNodes)
		}
		if !slices.Equal(kinds, wantEdgeKinds) {
			t.Errorf("edge kinds = %v, want %v", kinds, wantEdgeKinds)
		}
		if d.Neighbors.Truncated != truncated {
			t.Errorf("truncated = %v, want %v", d.Neighbors.Truncated, truncated)
		}
	}
}

func mustDecode(t *testing.T, data json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

func TestSearchPagination(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	const q = `query($after: String) { search(query: "exploiter", kinds: [WALLET], first: 1, after: $after) {
		edges { cursor score node { id ... on Wallet { chain } } }
		pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	type page struct {
		Search struct {
			Edges []struct {
				Cursor string
				Score  float64
				Node   struct{ ID, Chain string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
	var seen []string
	var after any
	for i := range 3 {
		resp := query(t, ts, q, map[string]any{"after": after})
		if len(resp.Errors) > 0 {
			t.Fatalf("page %d: %+v", i, resp.Errors)
		}
		var p page
		mustDecode(t, resp.Data, &p)
		s := p.Search
		if len(s.Edges) != 1 {
			t.Fatalf("page %d has %d edges, want 1: %s", i, len(s.Edges), resp.Data)
		}
		e := s.Edges[0]
		seen = append(seen, e.Node.ID)
		if e.Node.Chain != "ETH" || e.Score <= 0 || e.Cursor == "" {
			t.Errorf("page %d edge = %+v", i, e)
		}
		if s.PageInfo.EndCursor == nil || *s.PageInfo.EndCursor != e.Cursor || s.PageInfo.StartCursor == nil || *s.PageInfo.StartCursor != e.Cursor {
			t.Errorf("page %d pageInfo cursors = %v, %v; want the edge's cursor %q", i, s.PageInfo.StartCursor, s.PageInfo.EndCursor, e.Cursor)
		}
		if s.PageInfo.HasPreviousPage != (i > 0) {
			t.Errorf("page %d hasPreviousPage = %v", i, s.PageInfo.HasPreviousPage)
		}
		if !s.PageInfo.HasNextPage {
			if i != 1 {
				t.Errorf("page %d is the last, want 2 pages", i)
			}
			break
		}
		after = *s.PageInfo.EndCursor
	}
	slices.Sort(seen)
	if want := []string{idC, idB}; !slices.Equal(seen, slices.Sorted(slices.Values(want))) {
		t.Errorf("pages found %v, want %v once each", seen, want)
	}
}

func TestLimits(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.ComplexityLimit = 200
	cfg.DepthLimit = 4
	ts := start(t, openStore(t), cfg)

	tests := []struct {
		name       string
		accept     string
		query      string
		wantCode   string
		wantStatus int
	}{
		{
			name:       "within the limits",
			accept:     "application/graphql-response+json",
			query:      `{ search(query: "exploiter", first: 5) { edges { node { id } } } }`,
			wantStatus: http.StatusOK,
		},
		{
			name:       "complexity scaled by first",
			accept:     "application/graphql-response+json",
			query:      `{ search(query: "exploiter", first: 100) { edges { node { id label } } } }`,
			wantCode:   "COMPLEXITY_LIMIT_EXCEEDED",
			wantStatus: http.StatusBadRequest,
		},
		{
			name:       "complexity scaled by limit, legacy JSON answers 200",
			accept:     "application/json",
			query:      `{ neighbors(id: "incident:test-heist", limit: 1000) { nodes { id } } }`,
			wantCode:   "COMPLEXITY_LIMIT_EXCEEDED",
			wantStatus: http.StatusOK,
		},
		{
			name:       "too deep",
			accept:     "application/graphql-response+json",
			query:      `{ neighbors(id: "incident:test-heist", limit: 1) { edges { fromNode { sources { dataset } } } } }`,
			wantCode:   "DEPTH_LIMIT_EXCEEDED",
			wantStatus: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			httpResp, resp := post(t, ts, tt.accept, map[string]any{"query": tt.query})
			if httpResp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", httpResp.StatusCode, tt.wantStatus)
			}
			if got := resp.code(); got != tt.wantCode {
				t.Errorf("code = %q (%+v), want %q", got, resp.Errors, tt.wantCode)
			}
			if tt.wantCode != "" && len(resp.Data) > 0 && string(resp.Data) != "null" {
				t.Errorf("refused operation returned data %s", resp.Data)
			}
		})
	}
}

func TestQueryDeadline(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.QueryTimeout = time.Nanosecond // past before any resolver starts
	ts := start(t, openStore(t), cfg)
	resp := query(t, ts, `{ stats { nodes } node(id: "incident:test-heist") { id } }`, nil)
	if resp.code() != "TIMEOUT" {
		t.Fatalf("errors = %+v, want TIMEOUT", resp.Errors)
	}
	for _, e := range resp.Errors {
		if e.Extensions["code"] != "TIMEOUT" || e.Message != "the query ran past its deadline" {
			t.Errorf("error %+v, want TIMEOUT with the deadline message", e)
		}
	}
}

// panicky is a store whose Stats panics, standing in for a resolver bug.
type panicky struct{ *boltstore.Store }

func (panicky) Stats(context.Context) (graph.Stats, error) { panic("boom: secret detail") }

func TestPanicIsInternal(t *testing.T) {
	var logs syncBuffer
	ts := server.ServeTest(t, server.New(panicky{openStore(t)}, server.WithTestAuth(t, server.DefaultConfig()), slog.New(slog.NewTextHandler(&logs, nil))).Handler())
	resp := query(t, ts, `{ stats { nodes } }`, nil)
	if resp.code() != "INTERNAL" || resp.Errors[0].Message != "internal error" {
		t.Fatalf("errors = %+v, want INTERNAL without details", resp.Errors)
	}
	if !strings.Contains(logs.String(), `msg="panic in graphql resolver" panic="boom: secret detail"`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

// syncBuffer is a log destination safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLog(t *testing.T) {
	var logs syncBuffer
	ts := server.ServeTest(t, server.New(openStore(t), server.WithTestAuth(t, server.DefaultConfig()), slog.New(slog.NewTextHandler(&logs, nil))).Handler())
	_, resp := post(t, ts, "", map[string]any{"query": `query HeistStats { stats { nodes } }`, "operationName": "HeistStats"})
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	ts.Close() // waits for the handler, and so for its log line
	for _, want := range []string{`msg="http request" method=POST path=/graphql status=200 duration=`, "operation=HeistStats"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q lacks %q", logs.String(), want)
		}
	}
}

func TestHTTP(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.CORSOrigins = []string{"https://notebook.example"}
	ts := start(t, openStore(t), cfg)
	sameOrigin := start(t, openStore(t), server.DefaultConfig())
	closed, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	unhealthy := start(t, closed, server.DefaultConfig())

	_, uiBuilt := web.Assets()
	uiStatus, uiType, uiBody := http.StatusServiceUnavailable, "text/plain", "UI not built: run make web"
	if uiBuilt {
		uiStatus, uiType, uiBody = http.StatusOK, "text/html", "<"
	}
	bigQuery := `{ stats { nodes } }` + strings.Repeat(" ", 10<<20)
	statsQuery := "/graphql?query=" + strings.ReplaceAll("{ stats { nodes } }", " ", "%20")

	tests := []struct {
		name       string
		server     *httptest.Server
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantType   string            // Content-Type prefix
		wantBody   string            // substring
		wantHeader map[string]string // "" means absent
	}{
		{name: "healthz", server: ts, method: "GET", path: "/healthz",
			wantStatus: 200, wantType: "application/json", wantBody: `{"status":"ok"}`},
		{name: "healthz with a failing store", server: unhealthy, method: "GET", path: "/healthz",
			wantStatus: 503, wantType: "application/json", wantBody: `"code":"`},
		{name: "GraphiQL for a browser", server: ts, method: "GET", path: "/graphql", header: map[string]string{"Accept": "text/html,application/xhtml+xml"},
			wantStatus: 200, wantType: "text/html", wantBody: "graphiql"},
		{name: "GraphQL over GET", server: ts, method: "GET", path: statsQuery, header: map[string]string{"Accept": "application/json"},
			wantStatus: 200, wantType: "application/json", wantBody: `{"data":{"stats":{"nodes":7}}}`},
		{name: "POST answers application/json by default", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Content-Type": "application/json"}, body: `{"query":"{ stats { nodes } }"}`,
			wantStatus: 200, wantType: "application/json", wantBody: `"nodes":7`},
		{name: "POST answers graphql-response+json when accepted", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}, body: `{"query":"{ stats { nodes } }"}`,
			wantStatus: 200, wantType: "application/graphql-response+json", wantBody: `"nodes":7`},
		{name: "request body too large", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Content-Type": "application/json"}, body: `{"query":"` + bigQuery + `"}`,
			wantStatus: 413, wantType: "application/json", wantBody: "LIMIT_EXCEEDED"},
		{name: "CORS preflight from a configured origin", server: ts, method: "OPTIONS", path: "/graphql",
			header:     map[string]string{"Origin": "https://notebook.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://notebook.example"}},
		{name: "CORS preflight from another origin", server: ts, method: "OPTIONS", path: "/graphql",
			header:     map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			wantStatus: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "CORS POST from a configured origin", server: ts, method: "POST", path: "/graphql",
			header: map[string]string{"Origin": "https://notebook.example", "Content-Type": "application/json"}, body: `{"query":"{ stats { nodes } }"}`,
			wantStatus: 200, wantBody: `"nodes":7`, wantHeader: map[string]string{"Access-Control-Allow-Origin": "https://notebook.example"}},
		{name: "no CORS by default", server: sameOrigin, method: "OPTIONS", path: "/graphql",
			header:     map[string]string{"Origin": "https://notebook.example", "Access-Control-Request-Method": "POST"},
			wantStatus: 200, wantHeader: map[string]string{"Access-Control-Allow-Origin": "", "Allow": "OPTIONS, GET, POST"}},
		{name: "web UI", server: ts, method: "GET", path: "/",
			wantStatus: uiStatus, wantType: uiType, wantBody: uiBody},
		{name: "web UI route", server: ts, method: "GET", path: "/case/demo",
			wantStatus: uiStatus, wantType: uiType, wantBody: uiBody},
		{name: "no UI under the API path", server: ts, method: "GET", path: "/graphql/x",
			wantStatus: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, tt.server.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := tt.server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d; body %.300s", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantType)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body = %.300s, want it to contain %q", body, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestPersistedQueries(t *testing.T) {
	ts := start(t, openStore(t), server.DefaultConfig())
	const q = `{ stats { edges } }`
	sum := sha256.Sum256([]byte(q))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	_, resp := post(t, ts, "", map[string]any{"extensions": ext})
	if resp.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash: errors = %+v, want PERSISTED_QUERY_NOT_FOUND", resp.Errors)
	}
	if _, resp = post(t, ts, "", map[string]any{"query": q, "extensions": ext}); len(resp.Errors) > 0 {
		t.Fatalf("register: %+v", resp.Errors)
	}
	_, resp = post(t, ts, "", map[string]any{"extensions": ext})
	if len(resp.Errors) > 0 || !jsonEqual(t, resp.Data, `{"stats": {"edges": 6}}`) {
		t.Fatalf("by hash: data %s, errors %+v", resp.Data, resp.Errors)
	}
}

func TestServeShutsDownWhenCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(openStore(t), server.DefaultConfig(), testLogger(t))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve returned %v after cancel, want nil", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("listener still accepts connections after shutdown")
	}
}
