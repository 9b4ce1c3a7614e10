package storetest

import (
	"fmt"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// ethKey returns the key of a test wallet; wallet n's ID sorts before wallet
// n+1's.
func ethKey(n int) string { return fmt.Sprintf("eth:0x%040x", n) }

// W returns the node ID of test wallet n.
func W(n int) string { return "wallet:eth:0x" + fmt.Sprintf("%040x", n) }

func src(dataset string) []graph.Source { return []graph.Source{{Dataset: dataset}} }

func wallet(n int, label string) graph.Node {
	return graph.Node{Kind: graph.KindWallet, Key: ethKey(n), Label: label, Sources: src("fixture")}
}

func transfer(from, to int, key string) graph.Edge {
	return graph.Edge{Kind: graph.EdgeTransfer, From: W(from), To: W(to), Key: key, Amount: 1, Asset: "ETH", Sources: src("fixture")}
}

// Node IDs of the flow fixture.
var (
	fa, fb, fc, fd, fe, ff, fg, fh = W(1), W(2), W(3), W(4), W(5), W(6), W(7), W(8)

	fSvc = "service:exchange-x"
	fGrp = "threat_group:lazarus-group"
)

// Edge IDs of the flow fixture.
var (
	eAB1 = graph.EdgeID(graph.EdgeTransfer, fa, fb, "tx1")
	eAB2 = graph.EdgeID(graph.EdgeTransfer, fa, fb, "tx2")
	eAC  = graph.EdgeID(graph.EdgeTransfer, fa, fc, "t-ac")
	eBD  = graph.EdgeID(graph.EdgeTransfer, fb, fd, "t-bd")
	eCD  = graph.EdgeID(graph.EdgeTransfer, fc, fd, "t-cd")
	eDE  = graph.EdgeID(graph.EdgeTransfer, fd, fe, "t-de")
	eFA  = graph.EdgeID(graph.EdgeTransfer, ff, fa, "t-fa")
	eHE  = graph.EdgeID(graph.EdgeTransfer, fh, fe, "t-he")
	eES  = graph.EdgeID(graph.EdgeDepositedAt, fe, fSvc, "")
	eAG  = graph.EdgeID(graph.EdgeAttributedTo, fa, fGrp, "")
)

// flowFixture is the traversal fixture. Wallets a..h are W(1)..W(8), so
// their IDs sort alphabetically; service:… < threat_group:… < wallet:….
//
//	              tx1
//	         ┌──────────┐
//	f ──▶ a ─┤   tx2    ├─▶ b ──▶ d ──▶ e ══▶ (exchange-x)
//	      │  └──────────┘         ▲     ▲
//	      ├──────▶ c ─────────────┘     │
//	      ┆                       h ────┘
//	      ┆
//	      ▼                       g  (isolated)
//	(lazarus-group)
//
//	──▶ TRANSFER    ══▶ DEPOSITED_AT    ┆ ATTRIBUTED_TO
func flowFixture() graph.Batch {
	b := graph.Batch{
		Nodes: []graph.Node{
			{Kind: graph.KindService, Key: "exchange-x", Label: "Exchange X", Sources: src("fixture")},
			{Kind: graph.KindThreatGroup, Key: "Lazarus Group", Label: "Lazarus Group", Sources: src("fixture")},
		},
		Edges: []graph.Edge{
			transfer(1, 2, "tx1"), transfer(1, 2, "tx2"), transfer(1, 3, "t-ac"),
			transfer(2, 4, "t-bd"), transfer(3, 4, "t-cd"), transfer(4, 5, "t-de"),
			transfer(6, 1, "t-fa"), transfer(8, 5, "t-he"),
			{Kind: graph.EdgeDepositedAt, From: fe, To: fSvc, Sources: src("fixture")},
			{Kind: graph.EdgeAttributedTo, From: fa, To: fGrp, Sources: src("fixture")},
		},
	}
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		b.Nodes = append(b.Nodes, wallet(i+1, "wallet "+name))
	}
	return b
}

// Node IDs of the search fixture.
const (
	sLazarus   = "threat_group:lazarus-group"
	sWatchers  = "organization:group-of-lazarus-watchers"
	sGroupie   = "person:lazarus-groupie"
	sBlazarus  = "organization:blazarus-groups"
	sKimsuky   = "threat_group:kimsuky"
	sPak       = "person:pák-jin-hyok"
	sRonin     = "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"
	sEmail     = "identifier:email:kim.dev@example.com"
	peelWallet = 0x100 // peel wallets are W(peelWallet+1) … W(peelWallet+peelCount)
	peelCount  = 12
)

// searchFixture holds nodes that match "lazarus group" at each rank:
//
//	threat_group "Lazarus Group"             exact label (and key)
//	organization "Group of Lazarus Watchers" both words
//	person       "Lazarus Groupie"           "group" is a prefix of a word
//	organization "Blazarus Groups"           substring only
//
// plus an accented name, an alias, a wallet, an email identifier and twelve
// "Peel hop" wallets for pagination.
func searchFixture() graph.Batch {
	b := graph.Batch{Nodes: []graph.Node{
		{Kind: graph.KindThreatGroup, Key: "Lazarus Group", Label: "Lazarus Group", Aliases: []string{"Hidden Cobra", "Guardians of Peace"}, Sources: src("fixture")},
		{Kind: graph.KindOrganization, Key: "group-of-lazarus-watchers", Label: "Group of Lazarus Watchers", Sources: src("fixture")},
		{Kind: graph.KindPerson, Key: "lazarus-groupie", Label: "Lazarus Groupie", Sources: src("fixture")},
		{Kind: graph.KindOrganization, Key: "blazarus-groups", Label: "Blazarus Groups", Sources: src("fixture")},
		{Kind: graph.KindThreatGroup, Key: "kimsuky", Label: "Kimsuky", Sources: src("fixture")},
		{Kind: graph.KindPerson, Key: "Pák Jin Hyok", Label: "PÁK Jin Hyok", Sources: src("fixture")},
		{Kind: graph.KindWallet, Key: "eth:0x098B716B8Aaf21512996dC57EB0615e2383E2f96", Label: "Ronin bridge exploiter", Sources: src("fixture")},
		{Kind: graph.KindIdentifier, Key: "email:kim.dev@example.com", Sources: src("fixture")},
	}}
	for i := 1; i <= peelCount; i++ {
		b.Nodes = append(b.Nodes, wallet(peelWallet+i, fmt.Sprintf("Peel hop %02d", i)))
	}
	return b
}

// fullNode and fullEdge set every field, for round trips.
func fullNode() graph.Node {
	return graph.Node{
		Kind:    graph.KindOrganization,
		Key:     "Korea Sobaeksu Trading Company",
		Label:   "Korea Sobaeksu Trading Company",
		Aliases: []string{"Sobaeksu", "KSTC"},
		Props:   graph.Props{"country": "KP", "employees": 12, "ratio": 0.25, "tags": []any{"front", "it-workers"}, "nested": map[string]any{"k": "v"}},
		Sources: []graph.Source{
			{Dataset: "ofac-sdn-2023-07-06", Record: "ent_num 44000", Job: "job-1", RetrievedAt: time.Date(2023, 7, 6, 12, 0, 0, 0, time.UTC),
				URL: "https://ofac.treasury.gov/recent-actions/20230706", Excerpt: "KOREA SOBAEKSU TRADING COMPANY", Confidence: graph.ConfidenceAuthority,
				Marking: graph.TLPClear, Agency: ""},
			{Dataset: "agency-notes", Record: "n-7", Confidence: graph.ConfidenceForensic, Marking: graph.TLPAmber, Agency: "fiu-x", Illustrative: true},
		},
		ValidFrom: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC),
		ValidTo:   time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC),
	}
}

func fullEdge() graph.Edge {
	return graph.Edge{
		Kind: graph.EdgeTransfer, From: W(1), To: W(2), Key: "0xfeed:3",
		Amount: 1234.5678, Asset: "usdt", ValueUSD: 1234.12, Time: time.Date(2022, 3, 23, 9, 15, 0, 0, time.UTC),
		TxHash: "0xfeed", Props: graph.Props{"logIndex": 3, "token": "0xdac17f958d2ee523a2206206994597c13d831ec7"},
		Sources:    []graph.Source{{Dataset: "blockchain-etl/token_transfers", Record: "0xfeed:3", RetrievedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}},
		Confidence: graph.ConfidenceOwnership, Marking: graph.TLPGreen,
		ValidFrom: time.Date(2022, 3, 23, 0, 0, 0, 0, time.UTC),
	}
}
