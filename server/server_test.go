package server_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/introspection"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/server"
)

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
