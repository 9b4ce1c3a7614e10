package server_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/neo4jstore/neo4jtest"
	"github.com/redthread-dev/redthread/server"
)

// bulkStores are the stores the bulk tests run on: the embedded one and
// the test Neo4j (held alone meanwhile, as the access matrix does), each
// holding the test graph and fans wallets that A pays.
func bulkStores(t *testing.T, fans int) map[string]func(t *testing.T) investigate.Store {
	return map[string]func(t *testing.T) investigate.Store{
		"embedded": func(t *testing.T) investigate.Store {
			st := openStore(t)
			fanOut(t, st, fans)
			return st
		},
		"neo4j": func(t *testing.T) investigate.Store {
			uri := neo4jtest.Exclusive(t)
			cfg := neo4jstore.Config{URI: uri, User: os.Getenv("NEO4J_USER"), Password: os.Getenv("NEO4J_PASSWORD"), ConnectTimeout: 10 * time.Second}
			st, err := neo4jstore.Open(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			if res, err := st.Write(t.Context(), testBatch()); err != nil || len(res.Rejected) > 0 {
				t.Fatalf("seed: %v %+v", err, res.Rejected)
			}
			fanOut(t, st, fans)
			return st
		},
	}
}

// TestBulkAndListing asks the bulk and listing fields over HTTP on both
// stores and checks each answer against another way to the same facts.
func TestBulkAndListing(t *testing.T) {
	const fans = 25
	for name, open := range bulkStores(t, fans) {
		t.Run(name, func(t *testing.T) {
			ts := start(t, open(t), server.Config{})
			t.Run("nodeList pages in ID order up to totalCount", func(t *testing.T) {
				checkNodeList(t, ts.URL, func(q string, v map[string]any) gqlResponse { return query(t, ts, q, v) })
			})
			t.Run("transfers pages by time then ID", func(t *testing.T) {
				checkTransfers(t, func(q string, v map[string]any) gqlResponse { return query(t, ts, q, v) }, fans)
			})
			t.Run("nodes: per-item errors", func(t *testing.T) {
				checkNodesItems(t, func(q string, v map[string]any) gqlResponse { return query(t, ts, q, v) })
			})
			t.Run("flat records", func(t *testing.T) {
				checkFlatRecords(t, func(q string, v map[string]any) gqlResponse { return query(t, ts, q, v) })
			})
		})
	}
}

type asker func(q string, vars map[string]any) gqlResponse

func mustData(t *testing.T, r gqlResponse, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatal(err)
	}
}

type nodePage struct {
	NodeList struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct {
				ID         string
				Props      map[string]any
				Properties []struct {
					Key   string
					Value any
				}
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

func checkNodeList(t *testing.T, _ string, q asker) {
	for _, kind := range []string{"WALLET", "INCIDENT"} {
		var ids []string
		var total int
		var after any
		for pages := 0; ; pages++ {
			var d nodePage
			mustData(t, q(`query($k: NodeKind, $a: String) { nodeList(kind: $k, first: 7, after: $a) { totalCount edges { cursor node { id props properties { key value } } } pageInfo { hasNextPage endCursor } } }`,
				map[string]any{"k": kind, "a": after}), &d)
			total = d.NodeList.TotalCount
			for _, e := range d.NodeList.Edges {
				ids = append(ids, e.Node.ID)
				if !strings.HasPrefix(e.Node.ID, strings.ToLower(kind)+":") {
					t.Errorf("%s listed for %s", e.Node.ID, kind)
				}
				// props holds what properties lists.
				if len(e.Node.Props) != len(e.Node.Properties) {
					t.Errorf("%s: props %v, properties %v", e.Node.ID, e.Node.Props, e.Node.Properties)
				}
				for _, p := range e.Node.Properties {
					if fmt.Sprint(e.Node.Props[p.Key]) != fmt.Sprint(p.Value) {
						t.Errorf("%s: props[%s] = %v, properties say %v", e.Node.ID, p.Key, e.Node.Props[p.Key], p.Value)
					}
				}
			}
			if !d.NodeList.PageInfo.HasNextPage {
				break
			}
			if pages > total {
				t.Fatalf("more pages than nodes")
			}
			after = *d.NodeList.PageInfo.EndCursor
		}
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("%s: not in ID order or repeated: %v", kind, ids)
		}
		if len(ids) != total {
			t.Errorf("%s: %d listed, totalCount %d", kind, len(ids), total)
		}
		var st struct {
			Stats struct {
				NodesByKind []struct {
					Kind  string
					Count int
				}
			}
		}
		mustData(t, q(`{ stats { nodesByKind { kind count } } }`, nil), &st)
		for _, k := range st.Stats.NodesByKind {
			if k.Kind == kind && k.Count != total {
				t.Errorf("%s: stats %d, totalCount %d", kind, k.Count, total)
			}
		}
	}
	var d nodePage
	mustData(t, q(`{ nodeList(first: 1000) { totalCount edges { node { id } } } }`, nil), &d)
	var st struct{ Stats struct{ Nodes int } }
	mustData(t, q(`{ stats { nodes } }`, nil), &st)
	if d.NodeList.TotalCount != st.Stats.Nodes {
		t.Errorf("every kind: totalCount %d, stats %d", d.NodeList.TotalCount, st.Stats.Nodes)
	}
}

func checkTransfers(t *testing.T, q asker, fans int) {
	// Every transfer of A and B, read through neighbors, ordered by time
	// (seconds) then ID: what transfers must page through.
	var nb struct {
		Neighbors struct {
			Edges []struct {
				ID, Kind, From, To string
				Time               *time.Time
			}
		}
	}
	mustData(t, q(`query($ids: [ID!]) { neighbors(ids: $ids, edgeKinds: [TRANSFER], limit: 1000) { edges { id kind from to time } } }`, map[string]any{"ids": []string{idA, idB}}), &nb)
	type rec struct {
		sec int64
		id  string
	}
	var want []rec
	for _, e := range nb.Neighbors.Edges {
		if e.From == idA || e.To == idA || e.From == idB || e.To == idB {
			want = append(want, rec{e.Time.Unix(), e.ID})
		}
	}
	slices.SortFunc(want, func(a, b rec) int {
		if a.sec != b.sec {
			return int(a.sec - b.sec)
		}
		return strings.Compare(a.id, b.id)
	})
	if len(want) != fans+2 {
		t.Fatalf("%d transfers of A and B by neighbors, want %d", len(want), fans+2)
	}
	var got []string
	var after any
	for pages := 0; pages <= len(want); pages++ {
		var d struct {
			Transfers struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		mustData(t, q(`query($w: [ID!]!, $a: String) { transfers(wallets: $w, first: 4, after: $a) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"w": []string{idB, idA, idA}, "a": after}), &d)
		if d.Transfers.TotalCount != len(want) {
			t.Errorf("totalCount %d, want %d", d.Transfers.TotalCount, len(want))
		}
		for _, e := range d.Transfers.Edges {
			got = append(got, e.Node.ID)
		}
		if !d.Transfers.PageInfo.HasNextPage {
			break
		}
		after = *d.Transfers.PageInfo.EndCursor
	}
	var wantIDs []string
	for _, r := range want {
		wantIDs = append(wantIDs, r.id)
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("transfers %v\nwant %v", got, wantIDs)
	}
	// Direction, window, asset.
	var d struct {
		Transfers struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID, From string } }
		}
	}
	mustData(t, q(`query($w: [ID!]!) { transfers(wallets: $w, direction: IN, asset: "eth") { totalCount edges { node { id from } } } }`, map[string]any{"w": []string{idB}}), &d)
	if d.Transfers.TotalCount != 1 || d.Transfers.Edges[0].Node.From != idA {
		t.Errorf("B's incoming: %+v", d.Transfers)
	}
	mustData(t, q(`query($w: [ID!]!) { transfers(wallets: $w, asset: "BTC") { totalCount edges { node { id } } } }`, map[string]any{"w": []string{idA}}), &d)
	if d.Transfers.TotalCount != 0 {
		t.Errorf("A has no BTC transfer: %+v", d.Transfers)
	}
}

func checkNodesItems(t *testing.T, q asker) {
	ids := []string{idA, "not an id", idLazarus, "wallet:eth:0x" + strings.Repeat("0", 40), idA}
	r := q(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
	var d struct{ Nodes []*struct{ ID string } }
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatalf("data: %s: %v", r.Data, err)
	}
	if len(d.Nodes) != 5 || d.Nodes[0] == nil || d.Nodes[0].ID != idA || d.Nodes[1] != nil || d.Nodes[2] == nil || d.Nodes[2].ID != idLazarus || d.Nodes[3] != nil || d.Nodes[4] == nil {
		t.Errorf("nodes: %s", r.Data)
	}
	if len(r.Errors) != 1 || r.code() != "INVALID_ARGUMENT" || fmt.Sprint(r.Errors[0].Path) != "[nodes 1]" || !strings.Contains(r.Errors[0].Message, "ids[1]") {
		t.Errorf("errors: %+v", r.Errors)
	}
}

func checkFlatRecords(t *testing.T, q asker) {
	var p struct {
		ShortestPath struct {
			Nodes []struct{ ID string }
			Edges []struct {
				ID, From, To string
				Amount       *float64
			}
			Hops []struct {
				Index          int
				From, To, Edge string
				Forward        bool
				Amount         *float64
			}
		}
	}
	mustData(t, q(`query($f: ID!, $t: ID!) { shortestPath(from: $f, to: $t, direction: BOTH) { nodes { id } edges { id from to amount } hops { index from to edge forward amount } } }`,
		map[string]any{"f": idC, "t": idIncident}), &p)
	sp := p.ShortestPath
	if len(sp.Hops) != len(sp.Edges) || len(sp.Hops) == 0 {
		t.Fatalf("hops %+v for edges %+v", sp.Hops, sp.Edges)
	}
	for i, h := range sp.Hops {
		e := sp.Edges[i]
		if h.Index != i || h.From != sp.Nodes[i].ID || h.To != sp.Nodes[i+1].ID || h.Edge != e.ID || h.Forward != (e.From == h.From) || !sameFloat(h.Amount, e.Amount) {
			t.Errorf("hop %d %+v, edge %+v", i, h, e)
		}
	}
	if sp.Hops[0].Forward {
		t.Errorf("C to the incident walks B→C backwards: %+v", sp.Hops[0])
	}
	var f struct {
		MoneyFlow struct {
			Routes []struct {
				Sink string
				Hops []struct {
					From, To string
					Edge     *struct{ ID string }
					Amount   *struct {
						Asset  string
						Amount float64
					}
					TaintedAmount *struct{ Amount float64 }
				}
			}
			HopRecords []struct {
				Route, Hop     int
				From, To, Sink string
				Edge, Asset    *string
				Amount         *float64
				TaintedAmt     *float64 `json:"taintedAmount"`
			}
		}
	}
	mustData(t, q(`query($f: [ID!]!) { moneyFlow(from: $f, maxHops: 4) { routes { sink hops { from to edge { id } amount { asset amount } taintedAmount { amount } } } hopRecords { route hop from to sink edge asset amount taintedAmount } } }`,
		map[string]any{"f": []string{idIncident}}), &f)
	mf := f.MoneyFlow
	n := 0
	for r, rt := range mf.Routes {
		for h, hop := range rt.Hops {
			if n >= len(mf.HopRecords) {
				t.Fatalf("fewer records than hops")
			}
			rec := mf.HopRecords[n]
			n++
			if rec.Route != r || rec.Hop != h || rec.From != hop.From || rec.To != hop.To || rec.Sink != rt.Sink ||
				(hop.Edge != nil) != (rec.Edge != nil) || (hop.Edge != nil && *rec.Edge != hop.Edge.ID) ||
				(hop.Amount != nil && (rec.Amount == nil || *rec.Amount != hop.Amount.Amount || *rec.Asset != hop.Amount.Asset)) ||
				(hop.TaintedAmount != nil && (rec.TaintedAmt == nil || *rec.TaintedAmt != hop.TaintedAmount.Amount)) {
				t.Errorf("record %+v for route %d hop %d %+v", rec, r, h, hop)
			}
		}
	}
	if n == 0 || n != len(mf.HopRecords) {
		t.Errorf("%d records for %d hops", len(mf.HopRecords), n)
	}
}

// TestBulkHostile: oversized, repeated and malformed arguments get a
// coded error naming the argument, never an answer beyond the bounds.
func TestBulkHostile(t *testing.T) {
	ts := start(t, openStore(t), server.Config{})
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, query string
		vars        map[string]any
		code, says  string
	}{
		{"nodes: 20,001 IDs", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many(20001, func(int) string { return "x" })}, "LIMIT_EXCEEDED", "20001 node IDs"},
		{"neighbors: 1,001 ids", `query($ids: [ID!]) { neighbors(ids: $ids) { nodes { id } } }`, map[string]any{"ids": many(1001, func(i int) string { return fmt.Sprintf("wallet:eth:0x%040x", i) })}, "INVALID_ARGUMENT", "ids: 1001 IDs"},
		{"neighbors: both id and ids", `{ neighbors(id: "` + idA + `", ids: ["` + idB + `"]) { nodes { id } } }`, nil, "INVALID_ARGUMENT", "exactly one of id and ids"},
		{"neighbors: neither", `{ neighbors(depth: 1) { nodes { id } } }`, nil, "INVALID_ARGUMENT", "exactly one of id and ids"},
		{"neighbors: empty ids", `{ neighbors(ids: []) { nodes { id } } }`, nil, "INVALID_ARGUMENT", "ids: at least one"},
		{"neighbors: a malformed one", `{ neighbors(ids: ["` + idA + `", "nope"]) { nodes { id } } }`, nil, "INVALID_ARGUMENT", "ids[1]"},
		{"transfers: 1,001 wallets", `query($w: [ID!]!) { transfers(wallets: $w) { totalCount } }`, map[string]any{"w": many(1001, func(i int) string { return fmt.Sprintf("wallet:eth:0x%040x", i) })}, "INVALID_ARGUMENT", "wallets: 1001 IDs"},
		{"transfers: not a wallet", `{ transfers(wallets: ["` + idA + `", "` + idLazarus + `"]) { totalCount } }`, nil, "INVALID_ARGUMENT", "wallets[1]"},
		{"transfers: no wallet", `{ transfers(wallets: []) { totalCount } }`, nil, "INVALID_ARGUMENT", "wallets: at least one"},
		{"transfers: until before since", `{ transfers(wallets: ["` + idA + `"], since: "2025-02-01T00:00:00Z", until: "2025-01-01T00:00:00Z") { totalCount } }`, nil, "INVALID_ARGUMENT", "until"},
		{"transfers: negative minAmount", `{ transfers(wallets: ["` + idA + `"], minAmount: -1) { totalCount } }`, nil, "INVALID_ARGUMENT", "minAmount"},
		{"transfers: first 0", `{ transfers(wallets: ["` + idA + `"], first: 0) { totalCount } }`, nil, "INVALID_ARGUMENT", "first must be between 1 and 1000"},
		{"transfers: first 1001", `{ transfers(wallets: ["` + idA + `"], first: 1001) { totalCount } }`, nil, "INVALID_ARGUMENT", "first must be between 1 and 1000"},
		{"transfers: garbage cursor", `{ transfers(wallets: ["` + idA + `"], after: "%%%") { totalCount } }`, nil, "INVALID_ARGUMENT", "not a transfers cursor"},
		{"transfers: negative time in cursor", `{ transfers(wallets: ["` + idA + `"], after: "` + b64("t1:-5:"+idA+">TRANSFER>"+idB) + `") { totalCount } }`, nil, "INVALID_ARGUMENT", "not a transfers cursor"},
		{"transfers: a nodeList cursor", `{ transfers(wallets: ["` + idA + `"], after: "` + b64("l1:"+idA) + `") { totalCount } }`, nil, "INVALID_ARGUMENT", "not a transfers cursor"},
		{"nodeList: first -1", `{ nodeList(first: -1) { totalCount } }`, nil, "INVALID_ARGUMENT", "first must be between 1 and 1000"},
		{"nodeList: first 2^31-1", `{ nodeList(first: 2147483647) { totalCount } }`, nil, "INVALID_ARGUMENT", "first must be between 1 and 1000"},
		{"nodeList: garbage cursor", `{ nodeList(after: "!!") { totalCount } }`, nil, "INVALID_ARGUMENT", "not a nodeList cursor"},
		{"nodeList: a cursor of no node", `{ nodeList(after: "` + b64("l1:nokind") + `") { totalCount } }`, nil, "INVALID_ARGUMENT", "not a nodeList cursor"},
		{"nodeList: a search cursor", `{ nodeList(after: "` + b64("s1:0:"+idA) + `") { totalCount } }`, nil, "INVALID_ARGUMENT", "not a nodeList cursor"},
		{"nodeList: a huge cursor", `query($a: String) { nodeList(after: $a) { totalCount } }`, map[string]any{"a": strings.Repeat("A", 200000)}, "INVALID_ARGUMENT", "not a nodeList cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := query(t, ts, tt.query, tt.vars)
			if r.code() != tt.code || !strings.Contains(r.Errors[0].Message, tt.says) {
				t.Fatalf("want %s saying %q: %+v", tt.code, tt.says, r.Errors)
			}
			if len(r.Errors[0].Message) > 400 {
				t.Errorf("the message quotes too much back: %d bytes", len(r.Errors[0].Message))
			}
			if string(r.Data) != "null" && !strings.Contains(string(r.Data), "null") {
				t.Errorf("data with an error: %s", r.Data)
			}
		})
	}

	t.Run("nodes: 20,000 malformed IDs give 101 errors, not 20,000", func(t *testing.T) {
		r := query(t, ts, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many(20000, func(int) string { return "x" })})
		if len(r.Errors) != 101 || !strings.Contains(r.Errors[100].Message, "19900 more malformed IDs") {
			t.Fatalf("%d errors, last %+v", len(r.Errors), r.Errors[len(r.Errors)-1])
		}
		var d struct{ Nodes []*struct{ ID string } }
		mustDecode(t, r.Data, &d)
		if len(d.Nodes) != 20000 || d.Nodes[0] != nil {
			t.Errorf("%d items", len(d.Nodes))
		}
	})
	t.Run("duplicates count once", func(t *testing.T) {
		var d struct {
			N struct{ Nodes []struct{ ID string } }
			T struct{ TotalCount int }
			L []*struct{ ID string }
		}
		mustData(t, query(t, ts, `{ n: neighbors(ids: ["`+idA+`", "`+idA+`", "wallet:ETH:0x`+strings.ToUpper(addrA[2:])+`"], limit: 1) { nodes { id } }
			t: transfers(wallets: ["`+idA+`", "`+idA+`"]) { totalCount }
			l: nodes(ids: ["`+idA+`", "`+idA+`"]) { id } }`, nil), &d)
		if len(d.N.Nodes) != 2 || d.T.TotalCount != 1 || len(d.L) != 2 || d.L[1] == nil {
			t.Errorf("%+v", d)
		}
	})
}

func sameFloat(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
