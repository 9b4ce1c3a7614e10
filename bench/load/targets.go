package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/redthread-dev/redthread/scenario"
)

// targets are what requests are drawn from: real IDs and names from the
// generated scenario, so that every request finds something and does real
// work.
type targets struct {
	nodes     []string    // node look-ups: route wallets, personas, incidents, groups, services
	wallets   []string    // neighbourhood starts: wallets on laundering and payroll routes
	pairs     [][2]string // shortestPath ends: two wallets a few transfers apart on one route
	flowFrom  [][]string  // moneyFlow sources: an incident, or one theft wallet
	clusters  []string    // cluster seeds: wallets an actor controls
	terms     []string    // search words: names of groups, services, sanctioned entities and personas; address prefixes
	incidents []string    // the heavy queries start from all of them
}

// maxPairGap is how many hops apart on a route the two ends of a path
// request are at most: close enough for a path within the request's
// maxHops.
const maxPairGap = 4

// loadTargets reads the scenario that `redthread generate` wrote in dir:
// truth.json for the routes and actors, entities.jsonl for names and
// sanctions, personas.csv for persona names.
func loadTargets(dir string) (*targets, error) {
	var truth scenario.Truth
	b, err := os.ReadFile(filepath.Join(dir, scenario.TruthFile))
	if err != nil {
		return nil, fmt.Errorf("scenario truth: %w", err)
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		return nil, fmt.Errorf("scenario truth: %w", err)
	}
	t := &targets{}
	seen := map[string]bool{}
	addWallet := func(key string) {
		id := "wallet:" + key
		if !seen[id] {
			seen[id] = true
			t.wallets = append(t.wallets, id)
		}
	}
	for _, r := range truth.Routes {
		for i, h := range r.Hops {
			addWallet(h.From)
			addWallet(h.To)
			for j := i + 1; j < len(r.Hops) && j <= i+maxPairGap; j++ {
				if from, to := "wallet:"+h.From, "wallet:"+r.Hops[j].To; from != to {
					t.pairs = append(t.pairs, [2]string{from, to})
				}
			}
		}
	}
	for _, a := range truth.Actors {
		for _, w := range a.Wallets {
			t.clusters = append(t.clusters, "wallet:"+w)
		}
		if a.Kind == "theft" {
			t.incidents = append(t.incidents, "incident:"+a.ID)
			t.flowFrom = append(t.flowFrom, []string{"incident:" + a.ID})
			for _, w := range a.Wallets[:min(len(a.Wallets), 5)] {
				t.flowFrom = append(t.flowFrom, []string{"wallet:" + w})
			}
		}
	}
	for _, p := range truth.People {
		for _, w := range p.Wallets {
			addWallet(w)
		}
	}
	t.nodes = slices.Clone(t.wallets)
	for _, w := range t.wallets[:min(len(t.wallets), 200)] {
		// An address prefix, as an investigator pastes part of one.
		if addr := w[strings.LastIndexByte(w, ':')+1:]; len(addr) > 10 {
			t.terms = append(t.terms, addr[:10])
		}
	}
	if err := t.readEntities(filepath.Join(dir, scenario.NativeFile)); err != nil {
		return nil, err
	}
	if err := t.readPersonas(filepath.Join(dir, scenario.PersonasFile)); err != nil {
		return nil, err
	}
	return t, t.check()
}

// readEntities adds the named nodes (groups, services, incidents,
// organisations, people) to the look-ups and their names, and those of
// sanctioned entities, to the search words.
func (t *targets) readEntities(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("scenario entities: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	type record struct {
		Type, ID, Kind, Label, From string
	}
	labels := map[string]string{}
	var sanctioned []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("scenario entities: %w", err)
		}
		switch {
		case r.Type == "node":
			labels[r.ID] = r.Label
			switch r.Kind {
			case "THREAT_GROUP", "SERVICE", "INCIDENT", "ORGANIZATION", "PERSON", "SANCTION":
				t.nodes = append(t.nodes, r.ID)
				t.terms = append(t.terms, r.Label)
			}
		case r.Type == "edge" && r.Kind == "SANCTIONED_BY":
			sanctioned = append(sanctioned, r.From)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("scenario entities: %w", err)
	}
	for _, id := range sanctioned {
		if l := labels[id]; l != "" {
			t.terms = append(t.terms, l)
		}
	}
	return nil
}

// readPersonas adds personas to the look-ups and their names to the
// search words.
func (t *targets) readPersonas(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("scenario personas: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: nothing to lose
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("scenario personas: %w", err)
	}
	typ, persona, name := slices.Index(header, "type"), slices.Index(header, "persona"), slices.Index(header, "name")
	if typ < 0 || persona < 0 || name < 0 {
		return fmt.Errorf("scenario personas: header %q lacks type, persona or name", header)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("scenario personas: %w", err)
		}
		if len(rec) > name && rec[typ] == "persona" && rec[persona] != "" {
			t.nodes = append(t.nodes, "person:"+rec[persona])
			t.terms = append(t.terms, rec[name])
		}
	}
}

func (t *targets) check() error {
	for _, p := range []struct {
		name string
		n    int
	}{
		{"nodes", len(t.nodes)}, {"wallets", len(t.wallets)}, {"path pairs", len(t.pairs)},
		{"flow sources", len(t.flowFrom)}, {"cluster seeds", len(t.clusters)}, {"search words", len(t.terms)},
		{"incidents", len(t.incidents)},
	} {
		if p.n == 0 {
			return fmt.Errorf("scenario: no %s found: is it a `redthread generate` output?", p.name)
		}
	}
	return nil
}
