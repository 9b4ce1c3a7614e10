package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

// visQuery is one investigation query of the matrix, its answer summed up
// in short names so that the expectations read as the fixture's drawing.
type visQuery struct {
	name string
	run  func(ctx context.Context, t investigate.Topology) (any, string, error)
	want map[string]string // viewer → summary; absent: ""
}

const visNotFoundAnswer = "NOT_FOUND"

func visPaths(ps []investigate.Path) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = visPathNames(p.Nodes)
	}
	return strings.Join(out, " | ")
}

// everyone but nobody gets s.
func visSigned(s string, except map[string]string) map[string]string {
	out := map[string]string{vAll: s, vA: s, vRed: s, vB: s, vC: s, vCA: s, vCR: s, vNone: visNotFoundAnswer}
	for k, v := range except {
		out[k] = v
	}
	return out
}

func visQueries() []visQuery {
	paths := func(from, to string, limit, hub int) func(context.Context, investigate.Topology) (any, string, error) {
		return func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Paths(ctx, t, investigate.PathsQuery{From: visID[from], To: visID[to], Limit: limit, HubDegree: hub}, investigate.Limits{})
			return r, fmt.Sprintf("%s skipped=%s", visPaths(r.Paths), visNames(r.SkippedHubs)), err
		}
	}
	p13 := "P1 P2 P3 | P1 P4 P5 P3 skipped="
	p13a := "P1 P4 P5 P3 skipped="
	return []visQuery{
		{"paths k", paths("P1", "P3", 3, 0), visSigned(" skipped=", map[string]string{vAll: p13, vRed: p13, vCR: p13, vA: p13a, vCA: p13a})},
		{"shortest", paths("P1", "P3", 1, 0), visSigned(" skipped=", map[string]string{vAll: "P1 P2 P3 skipped=", vRed: "P1 P2 P3 skipped=", vCR: "P1 P2 P3 skipped=", vA: p13a, vCA: p13a})},
		{"paths through a hub", paths("HA", "HB", 1, 4), visSigned("HA H HB skipped=", map[string]string{vAll: " skipped=H", vA: " skipped=H", vRed: " skipped=H"})},
		{"paths from a hidden node", paths("P2", "P3", 1, 0), visSigned(visNotFoundAnswer, map[string]string{vAll: "P2 P3 skipped=", vRed: "P2 P3 skipped=", vCR: "P2 P3 skipped="})},
		{"moneyFlow", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Flow(ctx, t, investigate.FlowQuery{From: []string{visID["F1"]}, To: []string{visID["F3"]}}, investigate.Limits{})
			var routes []string
			for _, rt := range r.Routes {
				var hops []string
				for _, h := range rt.Hops {
					hops = append(hops, fmt.Sprintf("%s>%s:%v", visName[h.From], visName[h.To], h.Transfer.Amount))
				}
				routes = append(routes, strings.Join(hops, " "))
			}
			return r, fmt.Sprintf("routes=%d sent=%v %s", r.RouteCount, r.Sent.Amounts["ETH"], strings.Join(routes, " | ")), err
		}, visSigned("routes=1 sent=10 F1>F2:10 F2>F3:8", map[string]string{
			vAll: "routes=2 sent=1510 F1>F3:500 | F1>F2:10 F2>F3:777.25", vB: "routes=2 sent=1510 F1>F3:500 | F1>F2:10 F2>F3:8",
			vA: "routes=1 sent=10 F1>F2:10 F2>F3:777.25", vRed: "routes=1 sent=10 F1>F2:10 F2>F3:777.25"})},
		{"paths as of a time only a's source was seen by", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Paths(ctx, t, investigate.PathsQuery{From: visID["F2"], To: visID["F3"], MaxHops: 1, AsOf: visT0.Add(36 * time.Hour).Unix()}, investigate.Limits{})
			return r, visPaths(r.Paths), err
		}, visSigned("", map[string]string{vAll: "F2 F3", vA: "F2 F3", vRed: "F2 F3"})},
		{"moneyFlow from a hidden wallet", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Flow(ctx, t, investigate.FlowQuery{From: []string{visID["F4"]}}, investigate.Limits{})
			return r, fmt.Sprintf("routes=%d", r.RouteCount), err
		}, visSigned(visNotFoundAnswer, map[string]string{vAll: "routes=0", vB: "routes=0"})},
		{"nearest", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Nearest(ctx, t, investigate.NearestQuery{From: visID["RW"], Target: investigate.NearestTarget{Kind: graph.KindThreatGroup}}, investigate.Limits{})
			return r, visPaths(r.Paths), err
		}, visSigned("", map[string]string{vAll: "RW RG", vA: "RW RG", vRed: "RW RG"})},
		{"cluster", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Cluster(ctx, t, investigate.ClusterQuery{ID: visID["K1"]}, investigate.Limits{})
			var ms []string
			for _, m := range r.Members {
				ms = append(ms, visName[m.ID])
			}
			slices.Sort(ms)
			return r, strings.Join(ms, " "), err
		}, visSigned("K1 K3", map[string]string{vAll: "K1 K2 K3 K4", vA: "K1 K2 K3", vRed: "K1 K2 K3", vCA: "K1 K2 K3", vCR: "K1 K2 K3", vB: "K1 K3 K4"})},
		{"personaCluster", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.PersonaCluster(ctx, t, investigate.PersonaQuery{Start: visID["Q1"]}, investigate.Limits{})
			var ms []string
			for _, m := range r.Members {
				ms = append(ms, visName[m.ID])
			}
			return r, strings.Join(ms, " "), err
		}, visSigned("Q1", map[string]string{vAll: "Q1 Q2", vA: "Q1 Q2", vRed: "Q1 Q2"})},
		{"exposure", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Exposure(ctx, t, investigate.ExposureQuery{ID: visID["F1"], Direction: graph.Out}, investigate.Limits{})
			if r.Sent == nil {
				return r, "", err
			}
			var cats []string
			for _, c := range r.Sent.Categories {
				cats = append(cats, c.Category)
			}
			slices.Sort(cats)
			return r, fmt.Sprintf("total=%v %s", r.Sent.Total, strings.Join(cats, " ")), err
		}, visSigned("total=10 exchange", map[string]string{vAll: "total=1510 exchange mixer", vB: "total=1510 exchange mixer"})},
		{"communities", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			viewer := visViewerOf(ctx)
			var ids []string
			for _, n := range []string{"P1", "P2", "P3", "P4", "P5"} {
				if visSeen(viewer, n) || viewer == vNone && n == "P1" {
					ids = append(ids, visID[n])
				}
			}
			r, err := investigate.Communities(ctx, t, investigate.CommunitiesQuery{IDs: ids}, investigate.Limits{})
			var cs []string
			for _, c := range r.Components {
				cs = append(cs, visPathNames(visStubs(c)))
			}
			return r, strings.Join(cs, " | "), err
		}, visSigned("P3 P5 | P1", map[string]string{vAll: "P1 P2 P3 P4 P5", vRed: "P1 P2 P3 P4 P5", vCR: "P1 P2 P3 P4 P5", vA: "P1 P3 P4 P5", vCA: "P1 P3 P4 P5"})},
		{"communities with a hidden node", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Communities(ctx, t, investigate.CommunitiesQuery{IDs: []string{visID["P2"]}}, investigate.Limits{})
			return r, fmt.Sprint(len(r.Components)), err
		}, visSigned(visNotFoundAnswer, map[string]string{vAll: "1", vRed: "1", vCR: "1"})},
		{"risk", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Risk(ctx, t, investigate.RiskQuery{IDs: []string{visID["RW"], visID["P2"]}}, investigate.Limits{})
			var fs []string
			for _, n := range r.Nodes {
				for _, f := range n.Flags {
					fs = append(fs, fmt.Sprintf("%s via %s", f.Kind, visName[f.Via]))
				}
			}
			return r, strings.Join(fs, ", "), err
		}, map[string]string{vAll: "ATTRIBUTED via RG", vA: "ATTRIBUTED via RG", vRed: "ATTRIBUTED via RG"}},
		{"neighborhood", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Neighborhood(ctx, t, investigate.NeighborhoodQuery{ID: visID["H"]}, investigate.Limits{})
			var ids []string
			for _, n := range r.Nodes {
				ids = append(ids, n.ID)
			}
			return r, visNames(ids) + " / " + visNames(edgeIDs(r.Edges)), err
		}, visSigned("H HA HB / th1 th2", map[string]string{
			vAll: "H HA HB L3 L4 L5 L6 L7 / th1 th2 thl3 thl4 thl5 thl6 thl7", vA: "H HA HB L3 L4 L5 L6 L7 / th1 th2 thl3 thl4 thl5 thl6 thl7",
			vRed: "H HA HB L3 L4 L5 L6 L7 / th1 th2 thl3 thl4 thl5 thl6 thl7"})},
		{"neighborhood of a hidden node", func(ctx context.Context, t investigate.Topology) (any, string, error) {
			r, err := investigate.Neighborhood(ctx, t, investigate.NeighborhoodQuery{ID: visID["L3"]}, investigate.Limits{})
			return r, fmt.Sprint(len(r.Nodes)), err
		}, visSigned(visNotFoundAnswer, map[string]string{vAll: "2", vA: "2", vRed: "2"})},
	}
}

// visViewerOf names the matrix viewer ctx carries.
func visViewerOf(ctx context.Context) string {
	v, _ := ctx.Value(visViewerName{}).(string)
	return v
}

type visViewerName struct{}

// visStubs makes nodes of IDs, for visPathNames.
func visStubs(ids []string) []*graph.Node {
	out := make([]*graph.Node, len(ids))
	for i, id := range ids {
		out[i] = &graph.Node{ID: id}
	}
	return out
}

// visEngine runs every investigation query as the viewer, through a
// topology the store opened for them, and the same-actor candidates
// through the store.
func visEngine(ctx context.Context, t *testing.T, e env, name string, scan visScan) {
	ctx = context.WithValue(ctx, visViewerName{}, name)
	for _, q := range visQueries() {
		top, release, err := e.s.Topology(ctx)
		if err != nil {
			t.Fatalf("Topology: %v", err)
		}
		answer, got, err := q.run(ctx, top)
		release()
		switch {
		case graph.ErrorCode(err) == graph.CodeNotFound:
			got = visNotFoundAnswer
		case err != nil:
			t.Errorf("%s: %v", q.name, err)
			continue
		default:
			scan(q.name, answer)
		}
		if got != q.want[name] {
			t.Errorf("%s: %q, want %q", q.name, got, q.want[name])
		}
	}
	want := ""
	if name == vAll || name == vB {
		want = "X TG"
	}
	for what, run := range map[string]func() (investigate.SameAsResult, error){
		"sameAsCandidates": func() (investigate.SameAsResult, error) {
			return investigate.SameAsCandidates(ctx, e.s, investigate.SameAsQuery{}, investigate.Limits{})
		},
		"sameAsCandidatesOf": func() (investigate.SameAsResult, error) {
			return investigate.SameAsCandidatesOf(ctx, e.s, []string{visID["X"], visID["P2"]}, investigate.Limits{})
		},
	} {
		res, err := run()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		scan(what, res)
		var pairs []string
		for _, c := range res.Candidates {
			pairs = append(pairs, visName[c.A.ID]+" "+visName[c.B.ID])
		}
		if got := strings.Join(pairs, ", "); got != want {
			t.Errorf("%s: %q, want %q", what, got, want)
		}
	}
}
