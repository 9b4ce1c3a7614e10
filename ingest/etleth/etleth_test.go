package etleth_test

import (
	"bytes"
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
	"github.com/redthread-dev/redthread/ingest/etleth"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
)

// render writes what a reader yields, one line per record or rejection,
// then the skip counts.
func render(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	r := etleth.NewReader(bytes.NewReader(data), name, etleth.Options{})
	out := bytes.NewBuffer(ingesttest.Render(t, r))
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	fmt.Fprintf(out, "kind %s skipped ", r.Kind())
	if err := enc.Encode(r.Skipped()); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.csv", render)
}

const (
	txHead    = "hash,from_address,to_address,value,block_timestamp\n"
	tokenHead = "token_address,from_address,to_address,value,transaction_hash,log_index\n"
	hash      = "0x628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02"
	addrA     = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
	addrB     = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"
	usdt      = "0xdac17f958d2ee523a2206206994597c13d831ec7"
)

// TestErrors pins each kind of rejection: file, line, column and reason.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"short address", txHead + hash + ",0x12," + addrB + ",1,1\n", `f.csv:2: field "from_address": EVM address "0x12" must be 0x followed by 40 hex digits`},
		{"eip55", txHead + hash + "," + addrA + ",0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359,1,1\n", `f.csv:2: field "to_address": EVM address "0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359" fails its EIP-55 checksum`},
		{"float value", txHead + hash + "," + addrA + "," + addrB + ",1.5e18,1\n", `f.csv:2: field "value": "1.5e18" is not a non-negative integer`},
		{"missing value", txHead + hash + "," + addrA + "," + addrB + ",,1\n", `f.csv:2: field "value": missing`},
		{"hash", txHead + "0xabc," + addrA + "," + addrB + ",1,1\n", `f.csv:2: field "hash": "0xabc" is not a transaction hash (0x and 64 hex digits)`},
		{"time", txHead + hash + "," + addrA + "," + addrB + ",1,26/01/2018\n", `f.csv:2: field "block_timestamp": "26/01/2018" is neither unix seconds, "2006-01-02 15:04:05 UTC" nor RFC 3339`},
		{"field count", txHead + hash + "," + addrA + "," + addrB + ",1\n", `f.csv:2: row has 4 fields, the header 5`},
		{"missing column", "hash,to_address,value\n" + hash + "," + addrB + ",1\n", `f.csv:1: field "from_address": missing column in a transactions.csv header`},
		{"token missing column", "token_address,from_address,to_address,value,transaction_hash\n", `f.csv:1: field "log_index": missing column in a token_transfers.csv header`},
		{"unknown header", "address,label\n", `f.csv:1: header has neither hash (transactions.csv) nor token_address (token_transfers.csv)`},
		{"duplicate column", "hash,value,value\n", `f.csv:1: field "value": column given twice in the header`},
		{"empty", "", `f.csv:1: empty file: want a transactions.csv or token_transfers.csv header`},
		{"log index", tokenHead + usdt + "," + addrA + "," + addrB + ",1," + hash + ",-1\n", `f.csv:2: field "log_index": "-1" is not a non-negative integer`},
		{"token address", tokenHead + "0xdAC17F958D2ee523a2206206994597C13D831ec8," + addrA + "," + addrB + ",1," + hash + ",1\n", `f.csv:2: field "token_address": EVM address "0xdAC17F958D2ee523a2206206994597C13D831ec8" fails its EIP-55 checksum`},
		{"token burn without recipient", tokenHead + usdt + "," + addrA + ",,1," + hash + ",1\n", `f.csv:2: field "to_address": missing: a token transfer has a recipient`},
		{"illustrative", "hash,from_address,to_address,value,illustrative\n" + hash + "," + addrA + "," + addrB + ",1,yes\n", `f.csv:2: field "illustrative": "yes": want true, false or empty`},
		{"bare quote", txHead + hash + `,a"b,` + addrB + ",1,1\n", `f.csv:2: malformed CSV: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs := ingesttest.ReadAll(t, etleth.NewReader(strings.NewReader(tt.data), "f.csv", etleth.Options{}))
			if len(errs) != 1 || len(recs) != 0 {
				t.Fatalf("got %d records and rejections %v, want one rejection", len(recs), errs)
			}
			if got := errs[0].Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// TestIllustrative: the illustrative column marks every source of its
// row's records (both wallets and the transfer); false or empty marks none.
func TestIllustrative(t *testing.T) {
	tests := []struct {
		head, row string
		want      bool
	}{
		{"hash,from_address,to_address,value,illustrative\n", hash + "," + addrA + "," + addrB + ",1,true\n", true},
		{"hash,from_address,to_address,value,illustrative\n", hash + "," + addrA + "," + addrB + ",1,\n", false},
		{"token_address,from_address,to_address,value,transaction_hash,log_index,illustrative\n", usdt + "," + addrA + "," + addrB + ",5," + hash + ",1,TRUE\n", true},
		{"token_address,from_address,to_address,value,transaction_hash,log_index,illustrative\n", usdt + "," + addrA + "," + addrB + ",5," + hash + ",1,false\n", false},
		{txHead, hash + "," + addrA + "," + addrB + ",1,1\n", false},
	}
	for _, tt := range tests {
		recs, errs := ingesttest.ReadAll(t, etleth.NewReader(strings.NewReader(tt.head+tt.row), "f.csv", etleth.Options{}))
		if len(errs) > 0 || len(recs) != 3 {
			t.Fatalf("%q: records %v, rejections %v", tt.row, recs, errs)
		}
		for _, r := range recs {
			var ss []graph.Source
			if r.Node != nil {
				ss = r.Node.Sources
			} else {
				ss = r.Edge.Sources
			}
			if len(ss) != 1 || ss[0].Illustrative != tt.want {
				t.Errorf("%q: sources %+v, want illustrative %v", tt.row, ss, tt.want)
			}
		}
	}
}

// TestAmounts checks the wei and token-unit scaling: exact decimal
// arithmetic rounded once, raw value kept as a string.
func TestAmounts(t *testing.T) {
	tests := []struct {
		name, file, value string
		opts              etleth.Options
		amount            float64
		asset             string
	}{
		{"one wei", txHead, "1", etleth.Options{}, 1e-18, "ETH"},
		{"1.5 ether", txHead, "1500000000000000000", etleth.Options{}, 1.5, "ETH"},
		{"0.1 ether rounds once", txHead, "100000000000000000", etleth.Options{}, 0.1, "ETH"},
		{"beyond 2^64 wei", txHead, "173600000000000000000000", etleth.Options{}, 173600, "ETH"},
		{"USDT, 6 decimals", tokenHead, "1000000000", etleth.Options{}, 1000, "USDT"},
		{"unknown token raw", tokenHead, "123", etleth.Options{Tokens: map[string]etleth.Token{}}, 123, "ERC20:0XDAC17F958D2EE523A2206206994597C13D831EC7"},
		{"custom token map, mixed-case key", tokenHead, "2500", etleth.Options{Tokens: map[string]etleth.Token{"0xdAC17F958D2ee523a2206206994597C13D831ec7": {"TETHER", 3}}}, 2.5, "TETHER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := hash + "," + addrA + "," + addrB + "," + tt.value + ",1\n"
			if tt.file == tokenHead {
				row = usdt + "," + addrA + "," + addrB + "," + tt.value + "," + hash + ",7\n"
			}
			recs, errs := ingesttest.ReadAll(t, etleth.NewReader(strings.NewReader(tt.file+row), "f.csv", tt.opts))
			if len(errs) > 0 || len(recs) != 3 || recs[2].Edge == nil {
				t.Fatalf("records %v, rejections %v; want two wallets and a transfer", recs, errs)
			}
			e := recs[2].Edge
			if e.Amount != tt.amount || e.Asset != tt.asset || e.Props["valueRaw"] != tt.value {
				t.Errorf("amount %v %s raw %v, want %v %s raw %s", e.Amount, e.Asset, e.Props["valueRaw"], tt.amount, tt.asset, tt.value)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2018, 1, 26, 2, 57, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1516935420", want, true},
		{"2018-01-26 02:57:00 UTC", want, true},
		{"2018-01-26 02:57:00.000000 UTC", want, true},
		{"2018-01-26 02:57:00+00", want, true},
		{"2018-01-26T11:57:00+09:00", want, true},
		{"2018-01-26T02:57:00Z", want, true},
		{"", time.Time{}, true},
		{"99999999999999", time.Time{}, false},
		{"9999-12-31T23:59:59-01:00", time.Time{}, false}, // year 10000 in UTC
		{"-1", time.Time{}, false},
		{"2018-01-26", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := etleth.ParseTime(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestWalletsOnce: a wallet is emitted the first time the reader meets it,
// before the edge that needs it.
func TestWalletsOnce(t *testing.T) {
	h2 := strings.Replace(hash, "0x6", "0x7", 1)
	data := txHead + hash + "," + addrA + "," + addrB + ",1,1\n" + h2 + "," + addrB + "," + addrA + ",2,2\n"
	recs, errs := ingesttest.ReadAll(t, etleth.NewReader(strings.NewReader(data), "dir/f.csv", etleth.Options{}))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var kinds []string
	for _, r := range recs {
		if r.Node != nil {
			kinds = append(kinds, "node "+r.Node.ID)
			if s := r.Node.Sources[0]; s.Dataset != "etl-eth:f.csv" || s.Record != r.Node.Key || s.Confidence != 100 {
				t.Errorf("wallet source %+v", s)
			}
		} else {
			kinds = append(kinds, "edge "+r.Edge.Key)
		}
	}
	want := []string{"node wallet:eth:" + addrA, "node wallet:eth:" + addrB, "edge " + hash, "edge " + h2}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("records\n got %v\nwant %v", kinds, want)
	}
}

// TestIngest loads the fixtures through the runner into the embedded store
// and checks the graph, then that a second run changes nothing.
func TestIngest(t *testing.T) {
	ctx := t.Context()
	st := ingesttest.OpenStore(t)
	srcs := []ingest.Source{etleth.File("testdata/transactions.csv"), etleth.File("testdata/token_transfers.csv")}
	res := ingesttest.Load(t, st, ingest.Options{}, srcs...)
	if res.Rejected != 0 || res.Edges.Created != 7 {
		t.Fatalf("first run: %+v", res)
	}
	stats, err := st.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Nodes != 5 || stats.NodesByKind[graph.KindWallet] != 5 || stats.Edges != 7 || stats.EdgesByKind[graph.EdgeTransfer] != 7 {
		t.Errorf("stats %+v", stats)
	}
	const (
		a = "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
		b = "wallet:eth:0xae8168215515d9ae5a62828ef37825632e2480f3"
		c = "wallet:eth:0xa1fc08205e103fd5198b682eeab91a09d149c32e"
		d = "wallet:eth:0x0a7f8428f309568197f2297fab537a26192f80a5"
	)
	tests := []struct {
		id     string
		amount float64
		asset  string
		time   string
	}{
		{a + ">TRANSFER>" + b + "#0x628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02", 1.5, "ETH", "2022-03-29T12:00:00Z"},
		{b + ">TRANSFER>" + c + "#0xc44474038d459e40e4714afefa7bf8dae9f9834b22f5e8ec1dd434ecb62b512e", 1e-18, "ETH", "2022-03-29T12:00:13Z"},
		{a + ">TRANSFER>" + d + "#0xf413e43d74f8178745c1acb48b2741438ab9ddccf3ed0a4dd451b0419f7ba837", 173600, "ETH", "2022-03-29T12:14:05Z"},
		{b + ">TRANSFER>" + c + "#0xa2f1a68a3cf7bab14245ba34e6a348b6822aceb4a9ec7ad04a86c2c93ca1a28a:17", 1000, "USDT", "2022-03-29T12:00:30Z"},
		{c + ">TRANSFER>" + d + "#0x8a37b83c96f1aa17d63d5db633defe9edaca1d3958f2eae81c94b48be948e4f6:4", 250000, "USDT", "2022-03-29T12:13:20Z"},
		{d + ">TRANSFER>" + b + "#0x3e6558d0cb97f9bd3e8a25ae442f7ef7d95de26e56b6fd69df10be97e8a21563:0", 1.2345678901234568e29, "ERC20:0X1E6D7838035F42904A5073E1858A32E7C85A5F05", "2022-03-29T12:15:00Z"},
	}
	for _, tt := range tests {
		e, err := st.Edge(ctx, tt.id)
		if err != nil {
			t.Errorf("edge %s: %v", tt.id, err)
			continue
		}
		if e.Amount != tt.amount || e.Asset != tt.asset || e.Time.Format(time.RFC3339) != tt.time || e.Confidence != 100 {
			t.Errorf("edge %s: amount %v %s at %s, confidence %d; want %v %s at %s", tt.id, e.Amount, e.Asset, e.Time.Format(time.RFC3339), e.Confidence, tt.amount, tt.asset, tt.time)
		}
	}
	// The mint from the zero address has no timestamp (empty cell).
	mint, err := st.Edge(ctx, "wallet:eth:0x0000000000000000000000000000000000000000>TRANSFER>"+c+"#0xef46a230cfb0c087fdd8883bc989a3eaa253428f9f6033335e0cee7173c42a92:1")
	if err != nil || mint.Amount != 5 || !mint.Time.IsZero() {
		t.Errorf("mint: %+v, %v", mint, err)
	}
	nb, err := st.Node(ctx, b)
	if err != nil || len(nb.Sources) != 2 {
		t.Errorf("wallet %s: %+v, %v; want one source per file", b, nb, err)
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

// fuzz checks what every reader output must satisfy: no panic, an end,
// prepared records whose edges only name wallets already yielded, and
// positioned rejections.
func fuzz(t *testing.T, data []byte) {
	r := etleth.NewReader(bytes.NewReader(data), "fuzz.csv", etleth.Options{})
	seen := map[string]bool{}
	lines := bytes.Count(data, []byte("\n")) + 2
	for i := 0; ; i++ {
		if i > 3*lines {
			t.Fatalf("more results than lines allow")
		}
		rec, err := r.Next()
		if err == io.EOF {
			return
		}
		var re *ingest.RecordError
		switch {
		case errors.As(err, &re):
			if re.Pos.File != "fuzz.csv" || re.Pos.Line < 1 {
				t.Fatalf("rejection without a position: %v", re)
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
			if math.IsNaN(e.Amount) || math.IsInf(e.Amount, 0) || e.Amount <= 0 {
				t.Fatalf("edge %s amount %v", e.ID, e.Amount)
			}
			if _, err := json.Marshal(rec.Edge); err != nil {
				t.Fatalf("edge %s does not encode: %v", e.ID, err)
			}
		default:
			t.Fatalf("empty record")
		}
	}
}

func seeds(f *testing.F, file, header string) {
	data, err := os.ReadFile(file)
	if err != nil {
		f.Fatal(err)
	}
	body, _ := bytes.CutPrefix(data, []byte(header))
	f.Add(body)
	for line := range bytes.Lines(body) {
		f.Add(line)
	}
}

// FuzzEthTransactions fuzzes the rows of a transactions.csv under the
// ethereum-etl header.
func FuzzEthTransactions(f *testing.F) {
	const head = "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n"
	seeds(f, "testdata/transactions.csv", head)
	f.Fuzz(func(t *testing.T, body []byte) { fuzz(t, append([]byte(head), body...)) })
}

// FuzzEthTokenTransfers fuzzes whole token_transfers files, header included,
// so that header detection is fuzzed too.
func FuzzEthTokenTransfers(f *testing.F) {
	data, err := os.ReadFile("testdata/token_transfers.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(tokenHead + usdt + "," + addrA + "," + addrB + ",1," + hash + ",1\n"))
	f.Fuzz(fuzz)
}

// benchFile is n generated rows of a transactions or token_transfers file.
func benchFile(n int, tokens bool) []byte {
	var b bytes.Buffer
	if tokens {
		b.WriteString("token_address,from_address,to_address,value,transaction_hash,log_index,block_number,block_timestamp\n")
	} else {
		b.WriteString("hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n")
	}
	for i := range n {
		from := fmt.Sprintf("0x%040x", i%5000+1)
		to := fmt.Sprintf("0x%040x", (i*7919)%20000+1)
		h := fmt.Sprintf("0x%064x", i+1)
		ts := 1648555200 + i
		if tokens {
			fmt.Fprintf(&b, "%s,%s,%s,%d,%s,%d,%d,%d\n", usdt, from, to, 1000000+i, h, i%50, 14442835+i/100, ts)
		} else {
			fmt.Fprintf(&b, "%s,%d,0x%064x,%d,%d,%s,%s,%d,21000,38000000000,0x,%d,,,0\n", h, i, i/100, 14442835+i/100, i%100, from, to, 1500000000000000000+i, ts)
		}
	}
	return b.Bytes()
}

func benchParse(b *testing.B, tokens bool) {
	const rows = 100_000
	data := benchFile(rows, tokens)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r := etleth.NewReader(bytes.NewReader(data), "bench.csv", etleth.Options{})
		edges := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if rec.Edge != nil {
				edges++
			}
		}
		if edges != rows {
			b.Fatalf("%d edges, want %d", edges, rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkParseTransactions(b *testing.B)   { benchParse(b, false) }
func BenchmarkParseTokenTransfers(b *testing.B) { benchParse(b, true) }
