package etlbtc_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/etlbtc"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
)

func render(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	r := etlbtc.NewReader(bytes.NewReader(data), name)
	recs, errs := ingesttest.ReadAll(t, r)
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	// Interleave by line: records and rejections in file order.
	i, j := 0, 0
	for i < len(recs) || j < len(errs) {
		if j < len(errs) && (i == len(recs) || errs[j].Pos.Line < recs[i].Pos.Line) {
			fmt.Fprintf(&out, "reject %s\n", errs[j])
			j++
			continue
		}
		rec := recs[i]
		i++
		if rec.Node != nil {
			fmt.Fprintf(&out, "node %s ", rec.Pos)
			must(t, enc.Encode(rec.Node))
		} else {
			fmt.Fprintf(&out, "edge %s ", rec.Pos)
			must(t, enc.Encode(rec.Edge))
		}
	}
	fmt.Fprint(&out, "skipped ")
	must(t, enc.Encode(r.Skipped()))
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.json", render)
}

const (
	h1 = "a4f3d00dd0d4ff040986653f3f044807ffd848cc6faa4ac355afc396fc266712"
	h2 = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
	p1 = "18oe29NnqTeQpMNevmK23FLYurk87XWMdd"         // P2PKH
	p2 = "bc1qmal8pegzz4z0fq6thmny483h38ltcjlggw4yeh" // P2WPKH
	p3 = "3BTX4FTCrgwL724seRbVP4ETKdvM2N6HMb"         // P2SH
)

// line builds a transaction with one input from in and the given outputs.
func line(in string, outs ...string) string {
	s := `{"hash":"` + h1 + `","block_timestamp":1516935420,"inputs":[{"spent_transaction_hash":"` + h2 + `","spent_output_index":1,"addresses":["` + in + `"],"value":100000000}],"outputs":[`
	for i, o := range outs {
		if i > 0 {
			s += ","
		}
		s += o
	}
	return s + "]}"
}

func out(i int, addr string, sat int64) string {
	return fmt.Sprintf(`{"index":%d,"addresses":["%s"],"value":%d}`, i, addr, sat)
}

// TestErrors pins each kind of rejection: file, line, JSON path and reason.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"checksum", line(p1, out(0, "3BTX4FTCrgwL724seRbVP4ETKdvM2N6HMc", 1)), `f.json:1: field "outputs[0].addresses[0]": BTC address: address "3BTX4FTCrgwL724seRbVP4ETKdvM2N6HMc" fails its base58check checksum (wrong case or a typo?)`},
		{"lower-cased base58", line(strings.ToLower(p1), out(0, p2, 1)), `f.json:1: field "inputs[0].addresses[0]": BTC address: address "18oe29nnqteqpmnevmk23flyurk87xwmdd": character 'l' is not base58`},
		{"bad number", line(p1, `{"index":0,"addresses":["`+p2+`"],"value":"abc"}`), `f.json:1: field "outputs[0].value": want a non-negative integer, got abc`},
		{"fraction", line(p1, `{"index":0,"addresses":["`+p2+`"],"value":1.5}`), `f.json:1: field "outputs[0].value": want a non-negative integer, got 1.5`},
		{"negative", line(p1, out(0, p2, -1)), `f.json:1: field "outputs[0].value": want a non-negative integer, got -1`},
		{"beyond supply", line(p1, out(0, p2, 2_100_000_000_000_001)), `f.json:1: field "outputs[0].value": 2100000000000001 is out of range (at most 2100000000000000)`},
		{"missing value", line(p1, `{"index":0,"addresses":["`+p2+`"]}`), `f.json:1: field "outputs[0].value": missing`},
		{"overspend", line(p1, out(0, p2, 100000001)), `f.json:1: field "inputs": input value 100000000 sat is below the output value 100000001 sat (not an enriched export?)`},
		{"duplicate output", line(p1, out(0, p2, 1), out(0, p3, 1)), `f.json:1: field "outputs[1].index": 0 given twice`},
		{"no hash", `{"inputs":[],"outputs":[]}`, `f.json:1: field "hash": missing`},
		{"bad hash", `{"hash":"abc","inputs":[],"outputs":[]}`, `f.json:1: field "hash": "abc" is not a transaction hash (64 hex digits)`},
		{"no outputs", `{"hash":"` + h1 + `","inputs":[]}`, `f.json:1: field "outputs": missing`},
		{"no spent index", `{"hash":"` + h1 + `","inputs":[{"spent_transaction_hash":"` + h2 + `","addresses":["` + p1 + `"],"value":1}],"outputs":[]}`, `f.json:1: field "inputs[0].spent_output_index": missing`},
		{"no spent tx", `{"hash":"` + h1 + `","inputs":[{"spent_output_index":0,"addresses":["` + p1 + `"],"value":1}],"outputs":[]}`, `f.json:1: field "inputs[0].spent_transaction_hash": missing`},
		{"addresses type", `{"hash":"` + h1 + `","inputs":[],"outputs":[{"addresses":"` + p1 + `","value":1}]}`, `f.json:1: field "outputs.addresses": want []string, got a JSON string`},
		{"time", `{"hash":"` + h1 + `","block_timestamp":"yesterday","inputs":[],"outputs":[]}`, `f.json:1: field "block_timestamp": "yesterday" is neither unix seconds, "2006-01-02 15:04:05 UTC" nor RFC 3339`},
		{"syntax", `{"hash":`, `f.json:1: invalid JSON at byte 8: unexpected end of JSON input`},
		{"not an object", `[1]`, `f.json:1: a transaction must be a JSON object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := ingesttest.ReadAll(t, etlbtc.NewReader(strings.NewReader(tt.line+"\n"), "f.json"))
			if len(errs) != 1 || len(recs) != 0 {
				t.Fatalf("got %d records and rejections %v, want one rejection and nothing else", len(recs), errs)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// edges returns a transaction's edges of kind by key and from.
func edges(recs []ingest.Record, kind graph.EdgeKind) map[string]*graph.Edge {
	m := map[string]*graph.Edge{}
	for _, r := range recs {
		if r.Edge != nil && r.Edge.Kind == kind {
			m[r.Edge.From+" "+r.Edge.Key] = r.Edge
		}
	}
	return m
}

// TestTransfers checks the derivation rule on small transactions.
func TestTransfers(t *testing.T) {
	in := func(i int, addr string, sat int64, addrs ...string) string {
		list := `"` + addr + `"`
		for _, a := range addrs {
			list += `,"` + a + `"`
		}
		return fmt.Sprintf(`{"spent_transaction_hash":"%s","spent_output_index":%d,"addresses":[%s],"value":%d}`, h2, i, list, sat)
	}
	tx := func(ins []string, outs ...string) string {
		return `{"hash":"` + h1 + `","inputs":[` + strings.Join(ins, ",") + `],"outputs":[` + strings.Join(outs, ",") + `]}`
	}
	type want struct {
		from, to string
		amount   float64
	}
	tests := []struct {
		name string
		line string
		want []want // TRANSFER edges
	}{
		{"change skipped", tx([]string{in(0, p1, 1e8)}, out(0, p2, 6e7), out(1, p1, 39990000)), []want{{p1, p2, 0.6}}},
		{"proportional", tx([]string{in(0, p1, 3e7), in(1, p2, 1e7)}, out(0, p3, 4e7)), []want{{p1, p3, 0.3}, {p2, p3, 0.1}}},
		{"same address twice sums", tx([]string{in(0, p1, 1e7), in(1, p1, 1e7), in(2, p2, 2e7)}, out(0, p3, 4e7)), []want{{p1, p3, 0.2}, {p2, p3, 0.2}}},
		{"fee not transferred", tx([]string{in(0, p1, 1e8)}, out(0, p2, 99990000)), []want{{p1, p2, 0.9999}}},
		{"multisig input pays no transfer but counts in the total", tx([]string{in(0, p1, 5e7), in(1, p2, 5e7, p3)}, out(0, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 1e8)), []want{{p1, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 0.5}}},
		{"multisig output receives no transfer", tx([]string{in(0, p1, 1e8)}, fmt.Sprintf(`{"index":0,"addresses":["%s","%s"],"value":100000000}`, p2, p3)), nil},
		{"all change", tx([]string{in(0, p1, 1e8)}, out(0, p1, 1e8)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := ingesttest.ReadAll(t, etlbtc.NewReader(strings.NewReader(tt.line), "f.json"))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			got := edges(recs, graph.EdgeTransfer)
			if len(got) != len(tt.want) {
				t.Fatalf("%d transfers, want %d: %v", len(got), len(tt.want), got)
			}
			for _, w := range tt.want {
				var e *graph.Edge
				for _, g := range got {
					if g.From == "wallet:btc:"+w.from && g.To == "wallet:btc:"+w.to {
						e = g
					}
				}
				if e == nil || math.Abs(e.Amount-w.amount) > 1e-12 || e.Asset != "BTC" || e.TxHash != h1 {
					t.Errorf("transfer %s → %s: %+v, want %v BTC", w.from, w.to, e, w.amount)
				}
			}
		})
	}
}

// TestInputsForClustering: every input keeps an INPUT edge keyed by its
// outpoint, with what co-spend clustering needs; multisig inputs are marked.
func TestInputsForClustering(t *testing.T) {
	data := `{"hash":"` + h1 + `","block_timestamp":"2018-01-26T02:57:00Z","inputs":[` +
		`{"index":0,"spent_transaction_hash":"` + h2 + `","spent_output_index":1,"addresses":["` + p1 + `"],"value":5,"type":"pubkeyhash"},` +
		`{"index":1,"spent_transaction_hash":"` + h2 + `","spent_output_index":2,"addresses":["` + p2 + `","` + p3 + `"],"value":5,"type":"multisig"}` +
		`],"outputs":[]}`
	recs, errs := ingesttest.ReadAll(t, etlbtc.NewReader(strings.NewReader(data), "f.json"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ins := edges(recs, graph.EdgeInput)
	single := ins["wallet:btc:"+p1+" "+h2+":1"]
	if single == nil || single.To != "transaction:btc:"+h1 || single.Props["jointlyHeld"] != nil || single.Props["spentOutputIndex"] != int64(1) ||
		single.Time != time.Date(2018, 1, 26, 2, 57, 0, 0, time.UTC) || single.Amount != 5e-8 {
		t.Errorf("single-address input %+v", single)
	}
	for _, a := range []string{p2, p3} {
		e := ins["wallet:btc:"+a+" "+h2+":2"]
		if e == nil || e.Props["jointlyHeld"] != 2 {
			t.Errorf("multisig input for %s: %+v", a, e)
		}
	}
}

// TestIngest loads the fixtures through the runner into the embedded store
// and checks the graph, then that a second run changes nothing.
func TestIngest(t *testing.T) {
	ctx := t.Context()
	st := ingesttest.OpenStore(t)
	srcs := []ingest.Source{etlbtc.File("testdata/transactions.json"), etlbtc.File("testdata/bigquery.json")}
	res := ingesttest.Load(t, st, ingest.Options{}, srcs...)
	if res.Rejected != 0 {
		t.Fatalf("first run rejected: %+v", res.Report)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 5 transactions; wallets A B C D E F G H T; edges: inputs 0+2+4+1+1,
	// outputs 1+2+1+3+1 (multisig: one per address), transfers 2+2+1+1.
	wantNodes := map[graph.NodeKind]int64{graph.KindTransaction: 5, graph.KindWallet: 9}
	wantEdges := map[graph.EdgeKind]int64{graph.EdgeInput: 8, graph.EdgeOutput: 8, graph.EdgeTransfer: 6}
	if fmt.Sprint(stats.NodesByKind) != fmt.Sprint(wantNodes) || fmt.Sprint(stats.EdgesByKind) != fmt.Sprint(wantEdges) {
		t.Errorf("stats %v %v, want %v %v", stats.NodesByKind, stats.EdgesByKind, wantNodes, wantEdges)
	}
	const (
		a    = "wallet:btc:18oe29NnqTeQpMNevmK23FLYurk87XWMdd"
		b    = "wallet:btc:bc1qmal8pegzz4z0fq6thmny483h38ltcjlggw4yeh"
		c    = "wallet:btc:3BTX4FTCrgwL724seRbVP4ETKdvM2N6HMb"
		tapr = "wallet:btc:bc1pucetwz2mp0ejcfs05nznn60a0wzj6r0y2n5mufhjf5xklywsd8fss05hpd"
	)
	payHash := txHash("pay")
	tests := []struct {
		id     string
		amount float64
		time   string
	}{
		{a + ">TRANSFER>" + c + "#" + payHash + ":0", 0.42, "2022-03-29T12:10:00Z"},
		{b + ">TRANSFER>" + c + "#" + payHash + ":0", 0.28, "2022-03-29T12:10:00Z"},
		{a + ">INPUT>transaction:btc:" + payHash + "#" + txHash("coinbase") + ":0", 0.6, "2022-03-29T12:10:00Z"},
		{"transaction:btc:" + payHash + ">OUTPUT>" + a + "#1", 0.2999, "2022-03-29T12:10:00Z"},
		{tapr + ">TRANSFER>" + b + "#" + txHash("bq") + ":0", 0.3998, "2022-03-29T12:40:00Z"},
	}
	for _, tt := range tests {
		e, err := st.Edge(ctx, tt.id)
		if err != nil {
			t.Errorf("edge %s: %v", tt.id, err)
			continue
		}
		if math.Abs(e.Amount-tt.amount) > 1e-12 || e.Asset != "BTC" || e.Time.Format(time.RFC3339) != tt.time || e.Confidence != 100 {
			t.Errorf("edge %s: %v %s at %s; want %v at %s", tt.id, e.Amount, e.Asset, e.Time.Format(time.RFC3339), tt.amount, tt.time)
		}
	}
	// The change output back to A is not a transfer.
	if _, err := st.Edge(ctx, a+">TRANSFER>"+a+"#"+payHash+":1"); graph.ErrorCode(err) != graph.CodeNotFound {
		t.Errorf("change output became a transfer: %v", err)
	}
	n, err := st.Node(ctx, "transaction:btc:"+payHash)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(n.Props["feeSat"], n.Props["inputAddresses"]) != "10000 2" {
		t.Errorf("transaction props %v", n.Props)
	}

	again := ingesttest.Load(t, st, ingest.Options{}, srcs...)
	if ingesttest.Changed(again) != 0 || again.Rejected != 0 {
		t.Errorf("second run changed the store: %+v", again)
	}
	stats2, err := st.Stats(ctx)
	if err != nil || fmt.Sprint(stats2) != fmt.Sprint(stats) {
		t.Errorf("stats after the second run %+v, %v; want %+v", stats2, err, stats)
	}
}

// txHash is the hash of a labelled fixture transaction (testdata/README.md).
func txHash(label string) string {
	sum := sha256.Sum256([]byte("tx" + label))
	return hex.EncodeToString(sum[:])
}

// FuzzBTC: the reader never panics, always ends, yields only prepared
// records whose edges name nodes it yielded before, and positions every
// rejection.
func FuzzBTC(f *testing.F) {
	for _, file := range []string{"testdata/transactions.json", "testdata/bigquery.json", "testdata/malformed.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for l := range bytes.Lines(data) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := etlbtc.NewReader(bytes.NewReader(data), "fuzz.json")
		seen := map[string]bool{}
		lines := bytes.Count(data, []byte("\n")) + 1
		rejects := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			switch {
			case errors.As(err, &re):
				if rejects++; rejects > lines || re.Pos.File != "fuzz.json" || re.Pos.Line < 1 || re.Pos.Line > lines {
					t.Fatalf("rejection %d of %d lines: %v", rejects, lines, re)
				}
			case err != nil:
				t.Fatalf("read error on an in-memory file: %v", err)
			case rec.Node != nil:
				n := *rec.Node
				if err := graph.PrepareNode(&n); err != nil || n.ID != rec.Node.ID {
					t.Fatalf("node %+v does not prepare: %v", rec.Node, err)
				}
				seen[n.ID] = true
			case rec.Edge != nil:
				e := *rec.Edge
				if err := graph.PrepareEdge(&e); err != nil || e.ID != rec.Edge.ID {
					t.Fatalf("edge %+v does not prepare: %v", rec.Edge, err)
				}
				if !seen[e.From] || !seen[e.To] {
					t.Fatalf("edge %s dangles", e.ID)
				}
				if math.IsNaN(e.Amount) || math.IsInf(e.Amount, 0) || e.Amount < 0 || e.Amount > 21e6 {
					t.Fatalf("edge %s amount %v", e.ID, e.Amount)
				}
				if _, err := json.Marshal(rec.Edge); err != nil {
					t.Fatalf("edge %s does not encode: %v", e.ID, err)
				}
			default:
				t.Fatalf("empty record")
			}
		}
	})
}

// benchFile is n generated two-input, two-output transactions.
func benchFile(n int) []byte {
	addrs := make([]string, 5000)
	for i := range addrs {
		h := fmt.Appendf(nil, "%020d", i)
		addrs[i] = graph.Base58CheckAddress(0, h)
	}
	var b bytes.Buffer
	for i := range n {
		a1, a2, a3, a4 := addrs[i%5000], addrs[(i*7)%5000], addrs[(i*13+1)%5000], addrs[(i*31+2)%5000]
		fmt.Fprintf(&b, `{"hash":"%064x","block_number":%d,"block_timestamp":%d,"is_coinbase":false,"inputs":[`+
			`{"index":0,"spent_transaction_hash":"%064x","spent_output_index":0,"addresses":["%s"],"value":%d,"type":"pubkeyhash"},`+
			`{"index":1,"spent_transaction_hash":"%064x","spent_output_index":1,"addresses":["%s"],"value":%d,"type":"pubkeyhash"}],"outputs":[`+
			`{"index":0,"addresses":["%s"],"value":%d,"type":"pubkeyhash"},{"index":1,"addresses":["%s"],"value":%d,"type":"pubkeyhash"}],`+
			`"input_value":0,"output_value":0,"fee":1000}`+"\n",
			i+1, 730000+i/2000, 1648555200+i, i+1e6, a1, 60000000+i, i+2e6, a2, 40000000, a3, 70000000, a4, 29999000+i)
	}
	return b.Bytes()
}

// BenchmarkParse reports transactions (lines) per second, parse only.
func BenchmarkParse(b *testing.B) {
	const rows = 100_000
	data := benchFile(rows)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r := etlbtc.NewReader(bytes.NewReader(data), "bench.json")
		txs := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if rec.Node != nil && rec.Node.Kind == graph.KindTransaction {
				txs++
			}
		}
		if txs != rows {
			b.Fatalf("%d transactions, want %d", txs, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestIllustrative: a line's "illustrative": true marks every source of
// its records (wallets, transaction, edges); absent or false marks none.
func TestIllustrative(t *testing.T) {
	base := line(p1, out(0, p2, 6e7))
	tests := []struct {
		name, line string
		want       bool
	}{
		{"marked", strings.TrimSuffix(base, "}") + `,"illustrative":true}`, true},
		{"false", strings.TrimSuffix(base, "}") + `,"illustrative":false}`, false},
		{"absent", base, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := ingesttest.ReadAll(t, etlbtc.NewReader(strings.NewReader(tt.line+"\n"), "f.json"))
			if len(errs) > 0 || len(recs) < 4 {
				t.Fatalf("records %v, rejections %v", recs, errs)
			}
			for _, r := range recs {
				var ss []graph.Source
				if r.Node != nil {
					ss = r.Node.Sources
				} else {
					ss = r.Edge.Sources
				}
				if len(ss) != 1 || ss[0].Illustrative != tt.want {
					t.Errorf("sources %+v, want illustrative %v", ss, tt.want)
				}
			}
		})
	}
}
