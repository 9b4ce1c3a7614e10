package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/server"
)

// TestReasonCodes: a truncated answer says why in reasonCode (its first
// cause) and reasonCodes (every cause, one per sentence of reason), each
// cause the one given where the answer was cut; an answer that is not
// truncated has none.
func TestReasonCodes(t *testing.T) {
	servers := map[string]*httptest.Server{}
	for name, limit := range map[string]func(*graph.Limits, *investigate.Limits){
		"open":     func(*graph.Limits, *investigate.Limits) {},
		"visits":   func(l *graph.Limits, _ *investigate.Limits) { l.MaxVisited = 2 },
		"edges":    func(l *graph.Limits, _ *investigate.Limits) { l.MaxEdges = 1 },
		"subgraph": func(_ *graph.Limits, il *investigate.Limits) { il.MaxSubgraph = 1 },
		"arcs":     func(_ *graph.Limits, il *investigate.Limits) { il.MaxArcs = 1 },
		"few":      func(_ *graph.Limits, il *investigate.Limits) { il.MaxVisited = 2 },
	} {
		cfg := server.DefaultConfig()
		cfg.Limits, cfg.Investigate = graph.DefaultLimits(), investigate.DefaultLimits()
		limit(&cfg.Limits, &cfg.Investigate)
		st, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{Limits: cfg.Limits})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if _, err := st.Write(t.Context(), testBatch()); err != nil {
			t.Fatal(err)
		}
		servers[name] = start(t, st, cfg)
	}
	tests := []struct {
		name  string
		srv   string
		query string
		want  []string // reasonCodes; reasonCode is the first
	}{
		{"store neighbourhood over its limit", "open", `{ f: neighbors(id: "` + idLazarus + `", limit: 1) { truncated reason reasonCode reasonCodes } }`, []string{"NODE_LIMIT"}},
		{"engine neighbourhood over its limit", "open", `{ f: neighbors(id: "` + idLazarus + `", limit: 1, asOf: "2030-01-01T00:00:00Z") { truncated reason reasonCode reasonCodes } }`, []string{"NODE_LIMIT"}},
		{"store path around hubs", "open", `{ f: shortestPath(from: "` + idIncident + `", to: "` + idC + `", hubDegree: 1) { truncated reason reasonCode reasonCodes } }`, []string{"HUB_SKIPPED"}},
		{"engine paths around hubs", "open", `{ f: paths(from: "` + idIncident + `", to: "` + idC + `", hubDegree: 1) { truncated reason reasonCode reasonCodes } }`, []string{"HUB_SKIPPED"}},
		{"more paths asked than allowed", "open", `{ f: paths(from: "` + idA + `", to: "` + idC + `", limit: 1000) { truncated reason reasonCode reasonCodes } }`, []string{"PATH_LIMIT"}},
		{"more routes asked than allowed", "open", `{ f: moneyFlow(from: ["` + idIncident + `"], limit: 5000) { truncated reason reasonCode reasonCodes } }`, []string{"ROUTE_LIMIT"}},
		{"store search over its visit limit", "visits", `{ f: neighbors(id: "` + idIncident + `", depth: 3) { truncated reason reasonCode reasonCodes } }`, []string{"VISIT_LIMIT"}},
		{"subgraph over its edge limit", "edges", `{ f: neighbors(id: "` + idLazarus + `") { truncated reason reasonCode reasonCodes } }`, []string{"EDGE_LIMIT"}},
		{"communities over the subgraph limit", "subgraph", `{ f: communities(ids: ["` + idA + `", "` + idB + `"]) { truncated reason reasonCode reasonCodes } }`, []string{"SUBGRAPH_LIMIT"}},
		{"engine over its arc limit", "arcs", `{ f: paths(from: "` + idA + `", to: "` + idService + `") { truncated reason reasonCode reasonCodes } }`, []string{"ARC_LIMIT"}},
		{"engine over its visit limit", "few", `{ f: paths(from: "` + idIncident + `", to: "` + idService + `") { truncated reason reasonCode reasonCodes } }`, []string{"VISIT_LIMIT"}},
		{"not truncated", "open", `{ f: neighbors(id: "` + idLazarus + `") { truncated reason reasonCode reasonCodes } }`, nil},
		{"not truncated flow", "open", `{ f: moneyFlow(from: ["` + idIncident + `"]) { truncated reason reasonCode reasonCodes } }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := servers[tt.srv]
			_, out := send(t, ts, http.MethodPost, tt.query, nil)
			if len(out.Errors) > 0 {
				t.Fatalf("errors %+v", out.Errors)
			}
			var got struct {
				F struct {
					Truncated   bool
					Reason      *string
					ReasonCode  *string
					ReasonCodes []string
				}
			}
			if err := json.Unmarshal(out.Data, &got); err != nil {
				t.Fatal(err)
			}
			f := got.F
			if f.ReasonCodes == nil {
				t.Fatalf("reasonCodes null: %s", out.Data)
			}
			if !slices.Equal(f.ReasonCodes, tt.want) && (len(f.ReasonCodes) != 0 || tt.want != nil) {
				t.Errorf("reasonCodes %v (reason %v), want %v", f.ReasonCodes, deref(f.Reason), tt.want)
			}
			if tt.want == nil {
				if f.Truncated || f.ReasonCode != nil || f.Reason != nil {
					t.Errorf("truncated %v, code %v, reason %v: want none", f.Truncated, f.ReasonCode, f.Reason)
				}
				return
			}
			if !f.Truncated || f.ReasonCode == nil || *f.ReasonCode != tt.want[0] || f.Reason == nil {
				t.Errorf("truncated %v, reasonCode %v, reason %v: want %s", f.Truncated, deref(f.ReasonCode), deref(f.Reason), tt.want[0])
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
