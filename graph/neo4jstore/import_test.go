package neo4jstore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/storetest"
)

// importBatches exercises what Write decides: creations, merges that
// change a record and repeats that do not, within a batch and across
// batches, invalid records, dangling edges, and every field the layout
// folds or derives (labels equal to the key, aliases, validity, props,
// agencies, markings, explicit and derived transaction hashes).
func importBatches() []graph.Batch {
	day := time.Date(2022, 3, 23, 9, 15, 0, 5, time.UTC)
	w := func(n int) string { return storetest.W(n) }
	wallet := func(n int, label string, src ...graph.Source) graph.Node {
		return graph.Node{Kind: graph.KindWallet, Key: strings.TrimPrefix(w(n), "wallet:"), Label: label, Sources: src}
	}
	s := func(ds, rec string) graph.Source { return graph.Source{Dataset: ds, Record: rec} }
	org := graph.Node{Kind: graph.KindOrganization, Key: "Korea Sobaeksu", Label: "Korea Sobaeksu", Aliases: []string{"KSTC"},
		Props: graph.Props{"country": "KP", "note": "line\nbreak, \"quoted\""}, ValidFrom: day, ValidTo: day.AddDate(1, 0, 0),
		Sources: []graph.Source{{Dataset: "ofac", Record: "1", Confidence: 60, Marking: graph.TLPAmber, Agency: "fiu-a", RetrievedAt: day, URL: "https://example.org/x"}}}
	org2 := org
	org2.Label, org2.Aliases = "Sobaeksu United Corp", nil
	org2.Sources = []graph.Source{{Dataset: "stix", Record: "identity--1", Confidence: 50, Marking: graph.TLPGreen, Agency: "fiu-b"}}
	tr := func(from, to int, key, tx string, src ...graph.Source) graph.Edge {
		return graph.Edge{Kind: graph.EdgeTransfer, From: w(from), To: w(to), Key: key, TxHash: tx, Amount: 1.25e-7, Asset: "ETH",
			ValueUSD: 3, Time: day, Sources: src}
	}
	explicit := tr(1, 2, "k1", "0xother", s("etl", "1"))
	explicit.Confidence = 100
	explicit.Props = graph.Props{"logIndex": 3.0}
	explicit.ValidFrom = day
	return []graph.Batch{
		{
			Nodes: []graph.Node{wallet(1, "", s("etl", "w1")), wallet(2, "Hot wallet", s("etl", "w2")), wallet(3, "", s("etl", "w3")), org,
				wallet(1, "", s("tagpack", "t1")), {Kind: "ALIEN", Key: "x", Sources: []graph.Source{s("f", "")}}},
			Edges: []graph.Edge{
				tr(1, 2, "0xabc:0", "0xabc", s("etl", "e1")), explicit, tr(2, 3, "", "0xdef", s("etl", "e3")),
				tr(1, 2, "0xabc:0", "0xabc", s("etl", "e1b")), // merged within the batch
				tr(1, 9, "dangling", "", s("etl", "e4")),
				{Kind: graph.EdgeControls, From: "organization:korea-sobaeksu", To: w(3), Sources: org.Sources},
				{Kind: graph.EdgeUses, From: w(1), To: w(2), Sources: []graph.Source{s("f", "")}}, // invalid kinds
			},
		},
		{ // repeats (unchanged), merges (updated) and new records
			Nodes: []graph.Node{wallet(1, "", s("etl", "w1")), org2, wallet(4, "a \"quoted\"\nlabel", s("etl", "w4"))},
			Edges: []graph.Edge{tr(2, 3, "", "0xdef", s("etl", "e3")), tr(1, 2, "0xabc:0", "0xabc", s("other", "x")), tr(3, 4, "0x1:2", "0x1", s("etl", "e5"))},
		},
		{ // a second merge of records merged already
			Nodes: []graph.Node{org, wallet(2, "Hot wallet 2", s("etl", "w2"))},
			Edges: []graph.Edge{tr(1, 2, "0xabc:0", "0xabc", s("third", "y")), explicit},
		},
	}
}

// TestImportWriterAgreesWithWrite writes the same batches through Write and
// through the import writer: the counts and rejections must be the same,
// and every CSV row must hold exactly the properties Write stored.
func TestImportWriterAgreesWithWrite(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t, testConfig(t))
	dir := t.TempDir()
	iw, err := NewImportWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range importBatches() {
		want, err := s.Write(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := iw.Write(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(want) != fmt.Sprint(got) {
			t.Fatalf("batch %d:\n Write  %v\n import %v", i, want, got)
		}
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	args, err := os.ReadFile(filepath.Join(dir, importArgs))
	if err != nil || !strings.Contains(string(args), "--multiline-fields=true") {
		t.Fatalf("import.args %q (%v): a newline in a field needs the multi-line parser", args, err)
	}

	rows := func(name string, columns []string) map[string]map[string]any {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := bufio.NewReader(f)
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for {
			if _, err := r.Peek(1); err != nil {
				return out
			}
			m, err := readRow(r, columns)
			if err != nil {
				t.Fatal(err)
			}
			id, _ := m["id"].(string)
			if _, dup := out[id]; dup || id == "" {
				t.Fatalf("%s: row %q twice or without an ID", name, id)
			}
			out[id] = m
		}
	}
	stored := func(q string) map[string]map[string]any {
		out := map[string]map[string]any{}
		err := s.read(ctx, "test", func(tx neo4j.ManagedTransaction) error {
			recs, err := run(ctx, tx, q, nil)
			for _, r := range recs {
				m := r.Values[1].(map[string]any)
				for k, v := range r.Values[2].(map[string]any) {
					m[k] = v
				}
				out[r.Values[0].(string)] = m
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Neo4j returns datetimes in their zone; compare instants in UTC.
	norm := func(m map[string]map[string]any) {
		for _, p := range m {
			for k, v := range p {
				if tm, ok := v.(time.Time); ok {
					p[k] = tm.UTC()
				}
			}
		}
	}
	for _, c := range []struct {
		name, file string
		columns    []string
		q          string
	}{
		{"nodes", importNodes, nodeColumns, "MATCH (n:Node) RETURN n.id, properties(n), " +
			"{`:LABEL`: reduce(s = 'Node', l IN [x IN labels(n) WHERE x <> 'Node'] | s + ';' + l)}"},
		{"edges", importEdges, edgeColumns, "MATCH (a)-[r]->(b) RETURN r.id, properties(r), " +
			"{`:START_ID(Node)`: a.id, `:END_ID(Node)`: b.id, `:TYPE`: type(r)}"},
	} {
		got, want := rows(c.file, c.columns), stored(c.q)
		norm(got)
		norm(want)
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, Write stored %d", c.name, len(got), len(want))
		}
		for id, w := range want {
			if !reflect.DeepEqual(got[id], w) {
				t.Errorf("%s %s:\n row   %v\n store %v", c.name, id, got[id], w)
			}
		}
	}
}

// TestImportWriterRefusesUsedDir keeps an import from mixing with another.
func TestImportWriterRefusesUsedDir(t *testing.T) {
	dir := t.TempDir()
	iw, err := NewImportWriter(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewImportWriter(dir); err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("second writer in %s: %v", dir, err)
	}
	for _, name := range []string{importNodes, importEdges, importSchema, importArgs} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if !slices.Equal(nodeColumns[:1], []string{"id:ID(Node)"}) {
		t.Fatal("the node ID column must come first")
	}
}
