package investigate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
	"github.com/redthread-dev/redthread/ingest"
)

// TestPersonaClusterDemo resolves the demo case's IT-worker personas: A–B
// share an e-mail, B–C a phone, C–D a GitHub handle and A–D a payout
// wallet, so from any of them the four are one cluster, every link with
// its evidence.
func TestPersonaClusterDemo(t *testing.T) {
	ctx := context.Background()
	s := storeWith(t, graph.Batch{})
	job, err := ingest.Run(ctx, s, []ingest.Source{demo.Source()}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Rejected != 0 {
		t.Fatalf("demo load: %s", job.Summary())
	}
	const (
		a, b, c, d = "person:illustrative-it-worker-persona-a", "person:illustrative-it-worker-persona-b",
			"person:illustrative-it-worker-persona-c", "person:illustrative-it-worker-persona-d"
		email  = "identifier:email:appdev.studio@example.com"
		phone  = "identifier:phone:+8562055550142"
		handle = "identifier:handle:github/rt-demo-mobiledev"
		payout = "wallet:eth:0xc0f0b99e4c604c6970d1a7f9de4ad50fc43b6d19"
	)
	uses := func(p, id string) string { return graph.EdgeID(graph.EdgeUses, p, id, "") }
	controls := func(p string) string { return graph.EdgeID(graph.EdgeControls, p, payout, "") }
	links := []investigate.PersonaLink{
		{A: a, B: b, Score: 0.9, Evidence: []investigate.Evidence{{Identifier: email, Type: "email", Weight: 0.9, Shared: 2, Edges: []string{uses(a, email), uses(b, email)}}}},
		{A: a, B: d, Score: 0.85, Evidence: []investigate.Evidence{{Identifier: payout, Type: "wallet", Weight: 0.85, Shared: 2, Edges: []string{controls(a), controls(d)}}}},
		{A: b, B: c, Score: 0.85, Evidence: []investigate.Evidence{{Identifier: phone, Type: "phone", Weight: 0.85, Shared: 2, Edges: []string{uses(b, phone), uses(c, phone)}}}},
		{A: c, B: d, Score: 0.6, Evidence: []investigate.Evidence{{Identifier: handle, Type: "handle", Weight: 0.6, Shared: 2, Edges: []string{uses(c, handle), uses(d, handle)}}}},
	}
	label := func(p string) string { return "IT-worker persona " + strings.ToUpper(p[len(p)-1:]) + " (illustrative)" }
	m := func(p string, hops int) investigate.PersonaMember {
		return investigate.PersonaMember{ID: p, Label: label(p), Hops: hops}
	}
	tests := []struct {
		start   string
		members []investigate.PersonaMember
	}{
		{a, []investigate.PersonaMember{m(a, 0), m(b, 1), m(d, 1), m(c, 2)}},
		{b, []investigate.PersonaMember{m(b, 0), m(a, 1), m(c, 1), m(d, 2)}},
		{c, []investigate.PersonaMember{m(c, 0), m(b, 1), m(d, 1), m(a, 2)}},
		{d, []investigate.PersonaMember{m(d, 0), m(a, 1), m(c, 1), m(b, 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.start, func(t *testing.T) {
			res, err := investigate.PersonaCluster(ctx, topologyOf(t, s), investigate.PersonaQuery{Start: tt.start}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := investigate.PersonaClusterResult{Start: tt.start, Members: tt.members, Links: links}
			sameAsJSON(t, res, want)
		})
	}
}

func sameAsJSON(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Fatalf("got\n%s\nwant\n%s", g, w)
	}
}

func TestJudgement(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 30, 0, 123, time.FixedZone("KST", 9*3600))
	for _, tt := range []struct {
		a, b     string
		decision investigate.JudgementDecision
	}{
		{"person:x", "person:y", investigate.JudgementSame},
		{"person:y", "person:x", investigate.JudgementDifferent}, // stored from the lesser ID
	} {
		e := investigate.Judgement(tt.a, tt.b, tt.decision, "analyst-7", "same photo", at)
		key := fmt.Sprintf("judgement-%d", at.UnixNano())
		if e.Kind != graph.EdgeSameAs || e.From != "person:x" || e.To != "person:y" || e.Key != key {
			t.Fatalf("edge %s %s→%s key %s", e.Kind, e.From, e.To, e.Key)
		}
		wantProps := graph.Props{"decision": string(tt.decision), "by": "analyst-7", "reason": "same photo", "at": "2024-05-01T03:30:00.000000123Z"}
		sameAsJSON(t, e.Props, wantProps)
		wantSrc := []graph.Source{{Dataset: "analyst-judgement", Record: key, RetrievedAt: at.UTC(), Confidence: 100, Marking: graph.TLPAmber}}
		sameAsJSON(t, e.Sources, wantSrc)
		if err := graph.PrepareEdge(&e); err != nil || e.ID != graph.EdgeID(graph.EdgeSameAs, "person:x", "person:y", key) {
			t.Fatalf("PrepareEdge: %v, id %s", err, e.ID)
		}
	}
}

// personaBatch is a batch of personas p0…pn-1 and what they share.
func personaBatch(n int, shared ...func(b *graph.Batch)) graph.Batch {
	var b graph.Batch
	for i := range n {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindPerson, Key: fmt.Sprint("p", i), Label: fmt.Sprint("P", i), Sources: []graph.Source{{Dataset: "test"}}})
	}
	for _, f := range shared {
		f(&b)
	}
	return b
}

// share makes personas ps use the identifier key (or control the wallet
// key, for a wallet:... key).
func share(key string, ps ...int) func(b *graph.Batch) {
	return func(b *graph.Batch) {
		kind, edge := graph.KindIdentifier, graph.EdgeUses
		if k, ok := strings.CutPrefix(key, "wallet:"); ok {
			kind, edge, key = graph.KindWallet, graph.EdgeControls, k
		}
		n := graph.Node{Kind: kind, Key: key, Sources: []graph.Source{{Dataset: "test"}}}
		if err := graph.PrepareNode(&n); err != nil {
			panic(err)
		}
		b.Nodes = append(b.Nodes, n)
		for _, p := range ps {
			b.Edges = append(b.Edges, graph.Edge{Kind: edge, From: fmt.Sprint("person:p", p), To: n.ID, Sources: []graph.Source{{Dataset: "test"}}})
		}
	}
}

func sameAs(a, b int, props graph.Props, confidence int) func(b *graph.Batch) {
	return func(bt *graph.Batch) {
		bt.Edges = append(bt.Edges, graph.Edge{Kind: graph.EdgeSameAs, From: fmt.Sprint("person:p", a), To: fmt.Sprint("person:p", b),
			Props: props, Sources: []graph.Source{{Dataset: "test", Confidence: confidence}}})
	}
}

// TestPersonaScores checks each evidence type's weight, their combination
// 1 − Π(1 − w), and which scores reach the default minimum of 0.5.
func TestPersonaScores(t *testing.T) {
	tests := []struct {
		name   string
		b      graph.Batch
		score  float64 // of p0–p1; 0: no link at all
		linked bool    // at the default minimum score
		types  []string
	}{
		{"email", personaBatch(2, share("email:x@example.com", 0, 1)), 0.9, true, []string{"email"}},
		{"phone", personaBatch(2, share("phone:+85620555501", 0, 1)), 0.85, true, []string{"phone"}},
		{"photo hash", personaBatch(2, share("photohash:9f86d081884c7d65", 0, 1)), 0.9, true, []string{"photo"}},
		{"payout wallet", personaBatch(2, share("wallet:eth:0x00000000000000000000000000000000000000aa", 0, 1)), 0.85, true, []string{"wallet"}},
		{"handle", personaBatch(2, share("handle:telegram/x", 0, 1)), 0.6, true, []string{"handle"}},
		{"domain, exactly the minimum", personaBatch(2, share("domain:x.example", 0, 1)), 0.5, true, []string{"domain"}},
		{"url", personaBatch(2, share("url:https://x.example/me", 0, 1)), 0.5, true, []string{"url"}},
		{"one IP", personaBatch(2, share("ip:192.0.2.1", 0, 1)), 0.3, false, []string{"ip"}},
		{"two IPs: 1 − 0.7²", personaBatch(2, share("ip:192.0.2.1", 0, 1), share("ip:192.0.2.2", 0, 1)), 0.51, true, []string{"ip", "ip"}},
		{"email and phone: 1 − 0.1·0.15", personaBatch(2, share("email:x@example.com", 0, 1), share("phone:+85620555501", 0, 1)), 0.985, true, []string{"email", "phone"}},
		{"SAME_AS assertion at confidence 40", personaBatch(2, sameAs(0, 1, nil, 40)), 0.4, false, []string{"same_as"}},
		{"SAME_AS assertion and an IP: 1 − 0.6·0.7", personaBatch(2, sameAs(1, 0, nil, 40), share("ip:192.0.2.1", 0, 1)), 0.58, true, []string{"same_as", "ip"}},
		{"a decision that is neither SAME nor DIFFERENT counts for nothing", personaBatch(2, sameAs(0, 1, graph.Props{"decision": "MAYBE"}, 100)), 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storeWith(t, tt.b)
			all, err := investigate.PersonaCluster(context.Background(), topologyOf(t, s), investigate.PersonaQuery{Start: "person:p0", MinScore: 1e-9}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			switch {
			case tt.score == 0 && len(all.Links) != 0:
				t.Fatalf("links %+v, want none", all.Links)
			case tt.score != 0 && (len(all.Links) != 1 || all.Links[0].Score != tt.score):
				t.Fatalf("links %+v, want one scoring %v", all.Links, tt.score)
			case tt.score != 0:
				for _, e := range all.Links[0].Evidence {
					types = append(types, e.Type)
					if len(e.Edges) != 2 && e.Type != "same_as" || len(e.Edges) != 1 && e.Type == "same_as" {
						t.Fatalf("evidence %+v: edges", e)
					}
				}
			}
			if !slices.Equal(types, tt.types) {
				t.Fatalf("evidence types %q, want %q", types, tt.types)
			}
			def, err := investigate.PersonaCluster(context.Background(), topologyOf(t, s), investigate.PersonaQuery{Start: "person:p0"}, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if linked := len(def.Members) == 2; linked != tt.linked {
				t.Fatalf("members %+v at the default minimum, want linked %v", def.Members, tt.linked)
			}
		})
	}
}

// TestPersonaHubs: an identifier shared by more than HubShared personas
// links nobody but is still listed; one with more edges than the hub
// degree is not even read, and the answer says so.
func TestPersonaHubs(t *testing.T) {
	// p0–p1 share a handle; the three of them share an e-mail.
	s := storeWith(t, personaBatch(3, share("email:team@example.com", 0, 1, 2), share("handle:github/x", 0, 1)))
	tests := []struct {
		name      string
		q         investigate.PersonaQuery
		l         investigate.Limits
		members   int
		scoreP0P1 float64
		truncated bool
	}{
		{"three personas are not a hub by default", investigate.PersonaQuery{Start: "person:p0"}, investigate.Limits{}, 3, 1 - 0.1*0.4, false},
		{"more than HubShared: a weak hub", investigate.PersonaQuery{Start: "person:p0", HubShared: 2}, investigate.Limits{}, 2, 0.6, false},
		{"exactly HubShared is not", investigate.PersonaQuery{Start: "person:p0", HubShared: 3}, investigate.Limits{}, 3, 1 - 0.1*0.4, false},
		{"more edges than the hub degree: not read", investigate.PersonaQuery{Start: "person:p0"}, investigate.Limits{HubDegree: 2}, 2, 0.6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := investigate.PersonaCluster(context.Background(), topologyOf(t, s), tt.q, tt.l)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Members) != tt.members || res.Truncated != tt.truncated {
				t.Fatalf("%d members, truncated %v %q", len(res.Members), res.Truncated, res.Reasons)
			}
			l := res.Links[0]
			if l.A != "person:p0" || l.B != "person:p1" || fmt.Sprintf("%.9f", l.Score) != fmt.Sprintf("%.9f", tt.scoreP0P1) {
				t.Fatalf("first link %+v, want p0–p1 at %v", l, tt.scoreP0P1)
			}
			for _, e := range l.Evidence {
				if e.Type == "email" && e.Hub != (tt.q.HubShared == 2) {
					t.Fatalf("email evidence %+v", e)
				}
			}
		})
	}
}
