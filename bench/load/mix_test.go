package main

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/scenario"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    []weight
		wantErr string
	}{
		{"search=30,node=20", []weight{{opSearch, 30}, {opNode, 20}}, ""},
		{" case=7 , cluster=0 ,", []weight{{opCase, 7}, {opCluster, 0}}, ""},
		{"search", nil, "want op=weight"},
		{"flow=3", nil, "unknown operation"},
		{"node=-1", nil, "0 or more"},
		{"node=x", nil, "whole number"},
		{"node=1,node=2", nil, "twice"},
	}
	for _, tt := range tests {
		got, err := parseMix(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseMix(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseMix(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestDefaultMixSumsTo100(t *testing.T) {
	ws, err := parseMix(defaultMix)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, w := range ws {
		sum += w.w
	}
	if sum != 100 || len(ws) != len(mixOps) {
		t.Errorf("default mix: %d operations summing to %d; want all %d, 100", len(ws), sum, len(mixOps))
	}
}

// Every draw in [0, total) lands on an operation as often as its weight:
// the picker's shares are exact, not approximate.
func TestPickerShares(t *testing.T) {
	tests := [][]weight{
		{{opSearch, 30}, {opNode, 20}, {opNeighbors, 20}, {opPath, 10}, {opFlow, 8}, {opCluster, 5}, {opCase, 7}},
		{{opSearch, 1}},
		{{opSearch, 0}, {opNode, 3}, {opCase, 0}, {opFlow, 1}},
	}
	for _, ws := range tests {
		p, err := newPicker(ws)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for n := range p.total() {
			got[p.at(n)]++
		}
		for _, w := range ws {
			if got[w.op] != w.w {
				t.Errorf("%v: %s drawn %d times in %d, want %d", ws, w.op, got[w.op], p.total(), w.w)
			}
		}
	}
	if _, err := newPicker([]weight{{opSearch, 0}}); err == nil {
		t.Error("a mix of zero weights was accepted")
	}
}

func TestPickerDraws(t *testing.T) {
	ws, _ := parseMix(defaultMix)
	p, _ := newPicker(ws)
	r := rand.New(rand.NewPCG(1, 2))
	got := map[string]int{}
	const n = 100_000
	for range n {
		got[p.pick(r)]++
	}
	for _, w := range ws {
		share := float64(got[w.op]) / n * 100
		if share < float64(w.w)-1 || share > float64(w.w)+1 {
			t.Errorf("%s: %.1f%% of draws, want %d%%", w.op, share, w.w)
		}
	}
}

// generated is the S scenario, written once for the tests that read it.
func generated(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	s, err := scenario.ParseScale("S")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.Generate(context.Background(), dir, scenario.Config{Scale: s, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTargetsFromScenario(t *testing.T) {
	tg, err := loadTargets(generated(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range tg.wallets {
		if !strings.HasPrefix(id, "wallet:btc:") && !strings.HasPrefix(id, "wallet:eth:") {
			t.Fatalf("wallet %q is not a wallet node ID", id)
		}
	}
	for _, p := range tg.pairs {
		if p[0] == p[1] || !strings.HasPrefix(p[0], "wallet:") || !strings.HasPrefix(p[1], "wallet:") {
			t.Fatalf("path pair %q", p)
		}
	}
	for _, want := range []string{"Lazarus Group", "Synthetic designation 1"} {
		if !slices.Contains(tg.terms, want) {
			t.Errorf("search words lack %q", want)
		}
	}
	for _, want := range []string{"incident:synthetic-theft-001", "person:persona-00001", "threat_group:lazarus-group"} {
		if !slices.Contains(tg.nodes, want) {
			t.Errorf("node look-ups lack %q", want)
		}
	}
	if len(tg.incidents) != 3 || len(tg.wallets) < 100 || len(tg.pairs) < 100 || len(tg.clusters) < 10 {
		t.Errorf("%d incidents, %d wallets, %d pairs, %d cluster seeds: fewer than the S scenario holds",
			len(tg.incidents), len(tg.wallets), len(tg.pairs), len(tg.clusters))
	}

	r := rand.New(rand.NewPCG(1, 1))
	for _, op := range append(slices.Clone(mixOps), opHeavy) {
		rq := tg.request(op, r, "case-1")
		if rq.op != op || rq.query == "" {
			t.Errorf("%s: request %+v", op, rq)
		}
		// Every variable the request sets is declared by its document.
		for name := range rq.vars {
			if !strings.Contains(rq.query, "$"+name+":") {
				t.Errorf("%s: variable %s not declared in the query", op, name)
			}
		}
		if _, err := json.Marshal(rq.vars); err != nil {
			t.Errorf("%s: %v", op, err)
		}
	}
	if h := tg.heavy(); !slices.Equal(h.vars["from"].([]string), tg.incidents) {
		t.Errorf("heavy query starts from %v, want every incident", h.vars["from"])
	}
	if v := tg.caseView(150); len(v["nodes"].([]map[string]any)) != 150 {
		t.Errorf("case view holds %d nodes, want 150", len(v["nodes"].([]map[string]any)))
	}
}

func TestLoadTargetsRejectsOtherDirectories(t *testing.T) {
	if _, err := loadTargets(t.TempDir()); err == nil {
		t.Error("an empty directory gave targets")
	}
}
