package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/investigate"
)

func personaCases() []suiteCase {
	out := []suiteCase{{"PersonaCluster", testPersonaCluster}, {"PersonaInvalid", testPersonaInvalid}}
	// Judgements are data: each case writes its own, so each is a case of
	// the suite with a store of its own.
	for _, jc := range personaJudgementCases() {
		out = append(out, suiteCase{"PersonaJudgement " + jc.name, func(t *testing.T, e env) {
			b := personaFixture()
			b.Edges = append(b.Edges, jc.judgements...)
			write(t, e.s, b)
			res, err := investigate.PersonaCluster(context.Background(), topology(t, e), jc.q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			checkPersonaResult(t, res, jc.want, false)
		}})
	}
	return out
}

// Node IDs of the persona fixture.
const (
	perA, perB, perC, perD = "person:persona-a", "person:persona-b", "person:persona-c", "person:persona-d"
	perE, perF, perG       = "person:persona-e", "person:persona-f", "person:persona-g"

	perEmail  = "identifier:email:dev@example.com"
	perHandle = "identifier:handle:github/rt-shared"
	perHubIP  = "identifier:ip:192.0.2.1"
	perIP     = "identifier:ip:198.51.100.7"
)

// perWallet is the payout wallet b and c share.
var perWallet = W(0x301)

// personaHubFillers is how many other personas use the hub IP: with a and d,
// 21 personas, more than the default 20 of a weak hub.
const personaHubFillers = 19

// personaFixture: personas a…g and the identifiers they use (USES), a
// payout wallet (CONTROLS) and one SAME_AS data assertion (confidence 60,
// no decision). Weights: email 0.9, wallet 0.85, handle 0.6, ip 0.3, an
// assertion confidence/100; a weak hub 0.
//
//	     email               wallet            SAME_AS 60
//	a ─────────── b ─────────────────── c ┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄ g
//	│ ╲
//	│  ╲ handle + hub IP (shared by a, d and 19 fillers x01…x19)
//	│   d
//	│ ip 198.51.100.7 (0.3 alone)
//	e                        f (nothing shared)
func personaFixture() graph.Batch {
	var b graph.Batch
	for _, p := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindPerson, Key: "persona-" + p, Label: "Persona " + p, Sources: src("fixture")})
	}
	for _, key := range []string{"email:dev@example.com", "handle:github/rt-shared", "ip:192.0.2.1", "ip:198.51.100.7"} {
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindIdentifier, Key: key, Sources: src("fixture")})
	}
	b.Nodes = append(b.Nodes, wallet(0x301, "payout"))
	uses := func(p, id string) graph.Edge {
		return graph.Edge{Kind: graph.EdgeUses, From: p, To: id, Sources: src("fixture")}
	}
	controls := func(p string) graph.Edge {
		return graph.Edge{Kind: graph.EdgeControls, From: p, To: perWallet, Sources: src("fixture")}
	}
	b.Edges = append(b.Edges,
		uses(perA, perEmail), uses(perB, perEmail), controls(perB), controls(perC),
		uses(perA, perHandle), uses(perD, perHandle), uses(perA, perHubIP), uses(perD, perHubIP),
		uses(perA, perIP), uses(perE, perIP),
		graph.Edge{Kind: graph.EdgeSameAs, From: perC, To: perG, Sources: []graph.Source{{Dataset: "fixture", Confidence: 60}}},
	)
	for i := 1; i <= personaHubFillers; i++ {
		x := fmt.Sprintf("persona-x%02d", i)
		b.Nodes = append(b.Nodes, graph.Node{Kind: graph.KindPerson, Key: x, Label: "Filler " + x, Sources: src("fixture")})
		b.Edges = append(b.Edges, uses("person:"+x, perHubIP))
	}
	return b
}

// Judgement times: t1 a DIFFERENT, t2 a later SAME; perCut between them.
var (
	perT1  = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	perT2  = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	perCut = time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC).Unix()
)

func personaUsesID(p, id string) string { return graph.EdgeID(graph.EdgeUses, p, id, "") }
func personaControlsID(p string) string { return graph.EdgeID(graph.EdgeControls, p, perWallet, "") }
func personaJudgementID(a, b string, at time.Time) string {
	return graph.EdgeID(graph.EdgeSameAs, a, b, fmt.Sprintf("judgement-%d", at.UnixNano()))
}

// Links of the fixture, as the hand calculation gives them.
var (
	perLinkAB = investigate.PersonaLink{A: perA, B: perB, Score: 0.9, Evidence: []investigate.Evidence{
		{Identifier: perEmail, Type: "email", Weight: 0.9, Shared: 2, Edges: []string{personaUsesID(perA, perEmail), personaUsesID(perB, perEmail)}},
	}}
	// The hub IP is listed but adds nothing: 0.6, not 1 − 0.4·0.7 = 0.72.
	perLinkAD = investigate.PersonaLink{A: perA, B: perD, Score: 0.6, Evidence: []investigate.Evidence{
		{Identifier: perHandle, Type: "handle", Weight: 0.6, Shared: 2, Edges: []string{personaUsesID(perA, perHandle), personaUsesID(perD, perHandle)}},
		{Identifier: perHubIP, Type: "ip", Weight: 0, Shared: 2 + personaHubFillers, Hub: true, Edges: []string{personaUsesID(perA, perHubIP), personaUsesID(perD, perHubIP)}},
	}}
	perLinkBC = investigate.PersonaLink{A: perB, B: perC, Score: 0.85, Evidence: []investigate.Evidence{
		{Identifier: perWallet, Type: "wallet", Weight: 0.85, Shared: 2, Edges: []string{personaControlsID(perB), personaControlsID(perC)}},
	}}
	perLinkCG = investigate.PersonaLink{A: perC, B: perG, Score: 0.6, Evidence: []investigate.Evidence{
		{Type: "same_as", Weight: 0.6, Edges: []string{graph.EdgeID(graph.EdgeSameAs, perC, perG, "")}},
	}}
)

func personaMember(id string, hops int) investigate.PersonaMember {
	return investigate.PersonaMember{ID: id, Label: "Persona " + id[len("person:persona-"):], Hops: hops}
}

func testPersonaCluster(t *testing.T, e env) {
	write(t, e.s, personaFixture())
	tests := []struct {
		name      string
		q         investigate.PersonaQuery
		members   []investigate.PersonaMember
		links     []investigate.PersonaLink
		truncated bool
	}{
		// a–b by e-mail, b–c by payout wallet: a chain of three; d by a
		// handle (the hub IP adds nothing); g by the SAME_AS assertion.
		// e shares only an IP (0.3) and the fillers only the hub IP (0).
		{"shared email, payout wallet, chain, weak hub", investigate.PersonaQuery{Start: perA},
			[]investigate.PersonaMember{personaMember(perA, 0), personaMember(perB, 1), personaMember(perD, 1), personaMember(perC, 2), personaMember(perG, 3)},
			[]investigate.PersonaLink{perLinkAB, perLinkAD, perLinkBC, perLinkCG}, false},
		// From c: b (wallet 0.85) and g (assertion 0.6) at one hop; with
		// room for two, the lesser ID, b, stays.
		{"shared payout wallet, cluster full", investigate.PersonaQuery{Start: perC, MaxMembers: 2},
			[]investigate.PersonaMember{personaMember(perC, 0), personaMember(perB, 1)},
			[]investigate.PersonaLink{perLinkBC}, true},
		{"links under the minimum are not followed", investigate.PersonaQuery{Start: perA, MinScore: 0.7},
			[]investigate.PersonaMember{personaMember(perA, 0), personaMember(perB, 1), personaMember(perC, 2)},
			[]investigate.PersonaLink{perLinkAB, perLinkBC}, false},
		{"a shared IP alone does not link", investigate.PersonaQuery{Start: perE},
			[]investigate.PersonaMember{personaMember(perE, 0)}, nil, false},
		{"a weak hub does not link", investigate.PersonaQuery{Start: "person:persona-x01"},
			[]investigate.PersonaMember{{ID: "person:persona-x01", Label: "Filler persona-x01"}}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := investigate.PersonaCluster(context.Background(), topology(t, e), tt.q, investigate.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			want := investigate.PersonaClusterResult{Start: tt.q.Start, Members: tt.members, Links: tt.links}
			checkPersonaResult(t, res, want, tt.truncated)
		})
	}
}

func checkPersonaResult(t *testing.T, got, want investigate.PersonaClusterResult, truncated bool) {
	t.Helper()
	if got.Truncated != truncated || got.Truncated != (len(got.Reasons) > 0) {
		t.Fatalf("truncated %v %q, want %v", got.Truncated, got.Reasons, truncated)
	}
	got.Truncation = investigate.Truncation{}
	sameJSON(t, "persona cluster", got, want)
}

type personaJudgementCase struct {
	name       string
	judgements []graph.Edge
	q          investigate.PersonaQuery
	want       investigate.PersonaClusterResult
}

// personaJudgementCases add analyst judgements (SAME_AS edges made by
// investigate.Judgement) to the persona fixture.
func personaJudgementCases() []personaJudgementCase {
	different := investigate.Judgement(perB, perA, investigate.JudgementDifferent, "analyst-1", "different handwriting", perT1)
	same := investigate.Judgement(perA, perB, investigate.JudgementSame, "analyst-2", "same voice on calls", perT2)
	sameCF := investigate.Judgement(perF, perC, investigate.JudgementSame, "analyst-2", "one passport photo", perT2)
	sameThenDifferent := []graph.Edge{
		investigate.Judgement(perA, perB, investigate.JudgementSame, "analyst-1", "same handwriting", perT1),
		investigate.Judgement(perA, perB, investigate.JudgementDifferent, "analyst-2", "two people on the call", perT2),
	}
	differentInfo := &investigate.JudgementInfo{Decision: investigate.JudgementDifferent, By: "analyst-1", Reason: "different handwriting", At: perT1, Edge: personaJudgementID(perA, perB, perT1)}
	rejectedAB := perLinkAB
	rejectedAB.Judgement = differentInfo
	confirmedAB := investigate.PersonaLink{A: perA, B: perB, Score: 1, Evidence: []investigate.Evidence{
		{Type: "judgement", Weight: 1, Edges: []string{personaJudgementID(perA, perB, perT2)}, Note: "confirmed by analyst-2: same voice on calls"},
		perLinkAB.Evidence[0],
	}, Judgement: &investigate.JudgementInfo{Decision: investigate.JudgementSame, By: "analyst-2", Reason: "same voice on calls", At: perT2, Edge: personaJudgementID(perA, perB, perT2)}}
	// c and f share nothing: the judgement alone joins them.
	confirmedCF := investigate.PersonaLink{A: perC, B: perF, Score: 1, Evidence: []investigate.Evidence{
		{Type: "judgement", Weight: 1, Edges: []string{personaJudgementID(perC, perF, perT2)}, Note: "confirmed by analyst-2: one passport photo"},
	}, Judgement: &investigate.JudgementInfo{Decision: investigate.JudgementSame, By: "analyst-2", Reason: "one passport photo", At: perT2, Edge: personaJudgementID(perC, perF, perT2)}}
	reversedAB := perLinkAB
	reversedAB.Judgement = &investigate.JudgementInfo{Decision: investigate.JudgementDifferent, By: "analyst-2", Reason: "two people on the call", At: perT2, Edge: personaJudgementID(perA, perB, perT2)}

	tests := []personaJudgementCase{
		// The DIFFERENT judgement removes a–b whatever the e-mail says: b
		// and what lies beyond it drop out, d stays.
		{"different undoes a link", []graph.Edge{different}, investigate.PersonaQuery{Start: perA},
			investigate.PersonaClusterResult{Start: perA, Members: []investigate.PersonaMember{personaMember(perA, 0), personaMember(perD, 1)},
				Links: []investigate.PersonaLink{perLinkAD}, Rejected: []investigate.PersonaLink{rejectedAB}}},
		{"later same overrides earlier different", []graph.Edge{different, same, sameCF}, investigate.PersonaQuery{Start: perA},
			investigate.PersonaClusterResult{Start: perA,
				Members: []investigate.PersonaMember{personaMember(perA, 0), personaMember(perB, 1), personaMember(perD, 1), personaMember(perC, 2), personaMember(perF, 3), personaMember(perG, 3)},
				Links:   []investigate.PersonaLink{confirmedAB, perLinkAD, perLinkBC, confirmedCF, perLinkCG}}},
		{"as of before the later same", []graph.Edge{different, same, sameCF}, investigate.PersonaQuery{Start: perA, AsOf: perCut},
			investigate.PersonaClusterResult{Start: perA, Members: []investigate.PersonaMember{personaMember(perA, 0), personaMember(perD, 1)},
				Links: []investigate.PersonaLink{perLinkAD}, Rejected: []investigate.PersonaLink{rejectedAB}}},
		// From c, b is still reached (wallet); the rejected a–b is listed
		// at member b.
		{"later different overrides earlier same", sameThenDifferent, investigate.PersonaQuery{Start: perC},
			investigate.PersonaClusterResult{Start: perC, Members: []investigate.PersonaMember{personaMember(perC, 0), personaMember(perB, 1), personaMember(perG, 1)},
				Links: []investigate.PersonaLink{perLinkBC, perLinkCG}, Rejected: []investigate.PersonaLink{reversedAB}}},
	}
	return tests
}

func testPersonaInvalid(t *testing.T, e env) {
	write(t, e.s, personaFixture())
	ctx := context.Background()
	_, err := investigate.PersonaCluster(ctx, topology(t, e), investigate.PersonaQuery{Start: "person:nobody"}, investigate.Limits{})
	wantCode(t, "unknown start", err, graph.CodeNotFound)
	for name, q := range map[string]investigate.PersonaQuery{
		"no start":            {},
		"start is a wallet":   {Start: perWallet},
		"min score above one": {Start: perA, MinScore: 1.5},
		"negative members":    {Start: perA, MaxMembers: -1},
		"negative hub":        {Start: perA, HubShared: -1},
	} {
		_, err := investigate.PersonaCluster(ctx, topology(t, e), q, investigate.Limits{})
		wantCode(t, name, err, graph.CodeInvalid)
	}
}
