package scenario_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/native"
	"github.com/redthread-dev/redthread/ingest/personas"
	"github.com/redthread-dev/redthread/scenario"
)

func generate(t *testing.T, seed uint64) (string, scenario.Stats) {
	t.Helper()
	sc, err := scenario.ParseScale("S")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := scenario.Generate(context.Background(), dir, scenario.Config{Scale: sc, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// digests hashes every output file.
func digests(t *testing.T, dir string, st scenario.Stats) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range st.Files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		out[f.Name] = hex.EncodeToString(sum[:])
	}
	return out
}

func TestDeterministic(t *testing.T) {
	dirA, a := generate(t, 7)
	dirB, b := generate(t, 7)
	dirC, c := generate(t, 8)
	da, db, dc := digests(t, dirA, a), digests(t, dirB, b), digests(t, dirC, c)
	if len(da) != 7 { // six data files (prices.csv since issue 16) and truth.json
		t.Fatalf("files: %v", a.Files)
	}
	for name, h := range da {
		if db[name] != h {
			t.Errorf("%s differs between two runs with seed 7", name)
		}
		if dc[name] == h {
			t.Errorf("%s is the same with seeds 7 and 8", name)
		}
	}
	if a.Transfers < 50_000 || a.Wallets < 5_000 || a.Wallets > 10_000 {
		t.Errorf("S scale: %d transfers, %d wallets", a.Transfers, a.Wallets)
	}
}

func TestParseScale(t *testing.T) {
	for _, tt := range []struct {
		in      string
		wallets int
		ok      bool
	}{{"S", 10_000, true}, {"m", 1_000_000, true}, {"L", 10_000_000, true}, {"XL", 0, false}, {"", 0, false}} {
		sc, err := scenario.ParseScale(tt.in)
		if (err == nil) != tt.ok || sc.Wallets != tt.wallets {
			t.Errorf("ParseScale(%q) = %+v, %v", tt.in, sc, err)
		}
	}
}

// loadS generates the S scenario (seed 1), loads it through the real
// parsers into a new embedded store and reads its ground truth.
func loadS(t *testing.T) (scenario.Stats, *boltstore.Store, ingest.Result, scenario.Truth) {
	t.Helper()
	dir, st := generate(t, 1)
	store, err := boltstore.Open(t.Context(), t.TempDir(), boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	res, err := ingest.Run(t.Context(), store, scenario.Sources(dir), ingest.Options{BatchSize: 20_000})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, scenario.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	var truth scenario.Truth
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	return st, store, res, truth
}

// TestIngest loads the S output through the real parsers into the embedded
// store: nothing is rejected or dangles, and the ground truth is in the
// graph — every actor wallet, personas sharing identifiers, routes that
// end at services.
func TestIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests 50k transfers")
	}
	ctx := context.Background()
	st, store, res, truth := loadS(t)
	if res.Rejected != 0 {
		t.Fatalf("%d records rejected, first: %v", res.Rejected, res.Report[:min(5, len(res.Report))])
	}
	var transfers int64
	n, err := store.Stats(ctx)
	if err == nil {
		transfers = n.EdgesByKind[graph.EdgeTransfer]
	}
	t.Logf("ingested %+v nodes, %+v edges; TRANSFER edges %d of %d generated", res.Nodes, res.Edges, transfers, st.Transfers)

	if len(truth.Actors) == 0 || len(truth.People) == 0 || len(truth.Routes) == 0 || len(truth.Dormant) == 0 {
		t.Fatalf("thin truth: %d actors, %d people, %d routes, %d dormant", len(truth.Actors), len(truth.People), len(truth.Routes), len(truth.Dormant))
	}
	var ids []string
	for _, a := range truth.Actors {
		for _, w := range a.Wallets {
			ids = append(ids, "wallet:"+w)
		}
	}
	nodes, err := store.Nodes(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if n == nil {
			t.Errorf("actor wallet %s is not in the graph", ids[i])
		}
	}

	// Every person with several personas shares something the graph shows:
	// an identifier used by two of them, or a payout wallet they control.
	multi, linked := 0, 0
	for _, person := range truth.People {
		if len(person.Personas) < 2 {
			continue
		}
		multi++
		if sharesEvidence(ctx, t, store, person.Personas) {
			linked++
		}
	}
	if multi == 0 || linked*10 < multi*7 {
		t.Errorf("%d of %d multi-persona people are linked by a shared identifier or wallet", linked, multi)
	}

	// Laundering routes end at service deposits.
	for _, r := range truth.Routes {
		if r.Incident == "" {
			continue
		}
		last := r.Hops[len(r.Hops)-1]
		if last.Step != "deposit" && last.Step != "otc" && last.Step != "peel" {
			t.Errorf("route %s ends with a %s hop", r.ID, last.Step)
		}
	}
}

// sharesEvidence reports whether two of the personas use one identifier or
// control one wallet.
func sharesEvidence(ctx context.Context, t *testing.T, store graph.Store, personaKeys []string) bool {
	t.Helper()
	seen := map[string]string{}
	for _, k := range personaKeys {
		id := "person:" + k
		res, err := store.Neighbors(ctx, graph.NeighborQuery{ID: id, Direction: graph.Out, EdgeKinds: []graph.EdgeKind{graph.EdgeUses, graph.EdgeControls}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Edges {
			if other, ok := seen[e.To]; ok && other != id {
				return true
			}
			seen[e.To] = id
		}
	}
	return false
}

// TestFilesValidate reads every generated native and personas record: all
// prepared, none rejected.
func TestFilesValidate(t *testing.T) {
	dir, _ := generate(t, 3)
	for _, f := range []struct {
		name   string
		format ingest.Format
	}{{scenario.NativeFile, native.Format}, {scenario.PersonasFile, personas.Format}} {
		fh, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		r := f.format(fh, f.name)
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			n++
		}
		fh.Close()
		if n == 0 {
			t.Errorf("%s: no records", f.name)
		}
	}
	// ETH addresses are lower-case hex, BTC base58check; spot-check a line.
	data, err := os.ReadFile(filepath.Join(dir, scenario.ETHTransactionFile))
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Split(string(data), "\n")[1]
	cols := strings.Split(line, ",")
	if from := cols[5]; from != strings.ToLower(from) || !slices.Contains([]int{42}, len(from)) {
		t.Errorf("from_address %q", from)
	}
}
