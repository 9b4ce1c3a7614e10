package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server"
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
