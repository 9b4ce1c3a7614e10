package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/examples/demo"
	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// Key node IDs of the demo case.
const (
	lazarus  = "threat_group:lazarus-group"
	exchange = "service:unnamed-russian-exchange"
	laosCo   = "organization:unnamed-laos-company-munitions-industry-department"
	incident = "incident:coincheck-theft"
)

var articles = []string{"background/000_794974872b93bdd2.txt", "background/002_a272545b318d4cc4.txt"}

type caseGraph struct {
	nodes map[string]*graph.Node
	edges []*graph.Edge
}

func load(t *testing.T) caseGraph {
	t.Helper()
	r := native.NewReader(bytes.NewReader(demo.Data()), demo.FileName)
	recs, rejected, err := native.ReadAll(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range rejected {
		t.Errorf("rejected: %v", re)
	}
	g := caseGraph{nodes: map[string]*graph.Node{}}
	for _, rec := range recs {
		if rec.Node != nil {
			if g.nodes[rec.Node.ID] != nil {
				t.Errorf("%s: node %s defined twice", rec.Pos, rec.Node.ID)
			}
			g.nodes[rec.Node.ID] = rec.Node
		} else {
			g.edges = append(g.edges, rec.Edge)
		}
	}
	if n := len(recs); n < 60 || n > 120 {
		t.Errorf("%d records, want 60–120", n)
	}
	return g
}

func TestRecordsValidAndCited(t *testing.T) {
	g := load(t)
	texts := map[string]string{}
	for _, a := range articles {
		// The articles live in shared/ beside the repository.
		if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", a)); err == nil {
			texts[a] = strings.Join(strings.Fields(string(b)), " ")
		}
	}
	check := func(what string, src []graph.Source) {
		for _, s := range src {
			if !slices.Contains(articles, s.Dataset) || s.Excerpt == "" || s.Marking != graph.TLPClear {
				t.Errorf("%s: source %+v does not cite an article excerpt under TLP:CLEAR", what, s)
			}
			if text, ok := texts[s.Dataset]; ok && !strings.Contains(text, s.Excerpt) {
				t.Errorf("%s: excerpt is not verbatim in %s: %q", what, s.Dataset, s.Excerpt)
			}
		}
	}
	for id, n := range g.nodes {
		check(id, n.Sources)
	}
	for _, e := range g.edges {
		check(e.ID, e.Sources)
		for _, end := range []string{e.From, e.To} {
			if g.nodes[end] == nil {
				t.Errorf("edge %s: endpoint %s is not in the file", e.ID, end)
			}
		}
	}
	if len(texts) == 0 {
		t.Log("background articles not found beside the repository: excerpts not checked verbatim")
	}
}

// TestIllustrativeLayer: the articles name no wallet, transfer, persona or
// identifier, so all of those are marked illustrative, and so is anything
// citing an illustrative source, in its label (nodes) or props (edges).
func TestIllustrativeLayer(t *testing.T) {
	g := load(t)
	synthetic := func(kind string) bool {
		return slices.Contains([]string{"WALLET", "TRANSACTION", "PERSON", "IDENTIFIER", "TRANSFER"}, kind)
	}
	illustrative := func(src []graph.Source) (all, any bool) {
		all = true
		for _, s := range src {
			all = all && s.Illustrative
			any = any || s.Illustrative
		}
		return all, any
	}
	for id, n := range g.nodes {
		all, any := illustrative(n.Sources)
		if synthetic(string(n.Kind)) && !all {
			t.Errorf("%s: a %s must be illustrative", id, n.Kind)
		}
		if any && (!strings.Contains(n.Label, "(illustrative)") || n.Props["illustrative"] != true) {
			t.Errorf("%s: illustrative node must say so in its label and props: %q %v", id, n.Label, n.Props)
		}
		if n.Kind == graph.KindWallet {
			// Addresses are derived, never real: 0x + sha256("redthread-demo/" + name)[:20].
			name, _ := n.Props["derivedFrom"].(string)
			sum := sha256.Sum256([]byte(name))
			if !strings.HasPrefix(name, "redthread-demo/") || !strings.HasSuffix(n.Key, ":0x"+hex.EncodeToString(sum[:20])) {
				t.Errorf("%s: address not derived from props.derivedFrom %q", id, name)
			}
		}
	}
	for _, e := range g.edges {
		all, any := illustrative(e.Sources)
		if synthetic(string(e.Kind)) && !all {
			t.Errorf("%s: a %s edge must be illustrative", e.ID, e.Kind)
		}
		if any && e.Props["illustrative"] != true {
			t.Errorf("%s: illustrative edge must say so in props", e.ID)
		}
	}
}

// TestMoney checks the money layer's arithmetic and timing: deposits at the
// Russian exchange sum to the article's 21.9 M USD, and stolen funds and
// persona pay reach them along transfers that never go back in time.
func TestMoney(t *testing.T) {
	g := load(t)
	controls := func(owner string) []string {
		var out []string
		for _, e := range g.edges {
			if e.Kind == graph.EdgeControls && e.From == owner {
				out = append(out, e.To)
			}
		}
		return out
	}
	deposits := controls(exchange)
	var sum float64
	for _, e := range g.edges {
		if e.Kind == graph.EdgeTransfer && slices.Contains(deposits, e.To) {
			sum += e.ValueUSD
		}
		if e.Kind == graph.EdgeTransfer && (e.Amount <= 0 || e.ValueUSD <= 0 || e.Asset == "" || e.Time.IsZero() || e.TxHash == "") {
			t.Errorf("transfer %s lacks amount, asset, USD value, time or hash", e.ID)
		}
	}
	if math.Abs(sum-21.9e6) > 0.5 {
		t.Errorf("deposits at the exchange sum to %.0f USD, want 21,900,000", sum)
	}
	var stolen, payouts []string
	for _, e := range g.edges {
		if e.Kind == graph.EdgeStole {
			stolen = append(stolen, e.To)
		}
		if e.Kind == graph.EdgeControls && strings.HasPrefix(e.From, "person:") {
			payouts = append(payouts, e.To)
		}
	}
	for name, starts := range map[string][]string{"stolen funds": stolen, "persona pay": payouts} {
		if !slices.ContainsFunc(starts, func(w string) bool { return reachesInTime(g, w, deposits) }) {
			t.Errorf("%s never reach an exchange deposit along time-respecting transfers", name)
		}
	}
}

// reachesInTime reports whether a chain of transfers, each no earlier than
// the one before, leads from start to one of targets. A bridge carries funds
// from its wallet on one chain to its wallet on another: wallets controlled
// by one bridge count as one place.
func reachesInTime(g caseGraph, start string, targets []string) bool {
	type state struct {
		at    string
		since int64
	}
	bridged := map[string][]string{} // wallet → the other wallets of its bridge
	for _, c := range g.edges {
		if c.Kind != graph.EdgeControls || g.nodes[c.From].Props["category"] != "bridge" {
			continue
		}
		for _, d := range g.edges {
			if d.Kind == graph.EdgeControls && d.From == c.From && d.To != c.To {
				bridged[c.To] = append(bridged[c.To], d.To)
			}
		}
	}
	queue := []state{{start, math.MinInt64}}
	seen := map[state]bool{}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if seen[s] {
			continue
		}
		seen[s] = true
		for _, w := range bridged[s.at] {
			queue = append(queue, state{w, s.since})
		}
		for _, e := range g.edges {
			if e.Kind != graph.EdgeTransfer || e.From != s.at || e.Time.Unix() < s.since {
				continue
			}
			if slices.Contains(targets, e.To) {
				return true
			}
			queue = append(queue, state{e.To, e.Time.Unix()})
		}
	}
	return false
}

// TestPaths: the shortest path from Lazarus to the Russian exchange, in
// either direction over every edge, is no longer than one that follows only
// the money (attribution, theft, transfers, deposits, service wallets), so a
// shortest-path query shows the laundering route; and every persona reaches
// the Laos company.
func TestPaths(t *testing.T) {
	g := load(t)
	all := distance(g, lazarus, exchange, nil)
	money := distance(g, lazarus, exchange, []graph.EdgeKind{graph.EdgeAttributedTo, graph.EdgeStole, graph.EdgeTransfer, graph.EdgeDepositedAt, graph.EdgeControls})
	if all < 0 || all != money {
		t.Errorf("Lazarus → exchange: shortest path %d hops, along the money %d", all, money)
	}
	if all > graph.DefaultLimits().MaxHops {
		t.Errorf("Lazarus → exchange takes %d hops, more than the %d a path query allows", all, graph.DefaultLimits().MaxHops)
	}
	t.Logf("Lazarus → exchange: %d hops", all)
	for id, n := range g.nodes {
		if n.Kind == graph.KindPerson {
			if d := distance(g, id, laosCo, nil); d < 0 {
				t.Errorf("%s does not reach the Laos company", id)
			}
		}
	}
}

// distance is a breadth-first search ignoring edge direction; -1 when to
// cannot be reached.
func distance(g caseGraph, from, to string, kinds []graph.EdgeKind) int {
	dist := map[string]int{from: 0}
	queue := []string{from}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		if at == to {
			return dist[at]
		}
		for _, e := range g.edges {
			if kinds != nil && !slices.Contains(kinds, e.Kind) {
				continue
			}
			if e.From != at && e.To != at {
				continue
			}
			next := e.Other(at)
			if _, seen := dist[next]; !seen {
				dist[next] = dist[at] + 1
				queue = append(queue, next)
			}
		}
	}
	return -1
}

func TestSource(t *testing.T) {
	src := demo.Source()
	if src.Name() != demo.FileName || src.Size() != int64(len(demo.Data())) {
		t.Errorf("source %s of %d bytes", src.Name(), src.Size())
	}
	var _ ingest.Source = src //nolint:staticcheck // the point: src is an ingest.Source at compile time
}
