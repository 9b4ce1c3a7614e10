package ftm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ftm"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/ofaccsv"
)

const (
	dataDir = "../../../shared/data/ofac"
	ftmFile = "ofac_dprk_ru_exchanges_mixers_ftm.jsonl"
)

// render writes what a reader yields, one line per record or rejection.
func render(t *testing.T, r ingest.Reader) []string {
	t.Helper()
	var out []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		var re *ingest.RecordError
		var b []byte
		switch {
		case errors.As(err, &re):
			out = append(out, "reject "+re.Error())
			continue
		case err != nil:
			t.Fatalf("read: %v", err)
		case rec.Node != nil:
			b, err = marshal(rec.Node)
			out = append(out, fmt.Sprintf("node %s %s", rec.Pos, b))
		default:
			b, err = marshal(rec.Edge)
			out = append(out, fmt.Sprintf("edge %s %s", rec.Pos, b))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return bytes.TrimSpace(buf.Bytes()), err
}

// TestGolden renders each fixture read in two passes (File, Bytes), and
// checks that one pass over a stream (Format) yields the same records.
func TestGolden(t *testing.T) {
	ctx := context.Background()
	ingesttest.Golden(t, "testdata/*.jsonl", func(t *testing.T, name string, data []byte) []byte {
		r, err := ftm.Bytes(name, data).Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lines := render(t, r)
		got := []byte(strings.Join(lines, "\n") + "\n")
		stream := render(t, ftm.Format(bytes.NewReader(data), name))
		slices.Sort(lines)
		slices.Sort(stream)
		if !slices.Equal(lines, stream) {
			t.Errorf("one pass differs from two:\n one: %q\n two: %q", stream, lines)
		}
		return got
	})
}

// TestEntities pins what each schema becomes.
func TestEntities(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // record IDs
		reject   string
	}{
		{"OFAC company", `{"id":"ofac-sdn-22985","schema":"Company","properties":{"name":["CHEIL CREDIT BANK"]}}`,
			[]string{"organization:ofac-sdn-22985"}, ""},
		{"OFAC person", `{"id":"ofac-sdn-28263","schema":"Person","properties":{"name":["Yinyin TIAN"]}}`,
			[]string{"person:ofac-sdn-28263"}, ""},
		{"OFAC sanction", `{"id":"ofac-f5692af673b69632","schema":"Sanction","properties":{"entity":["ofac-sdn-27307"],"authority":["Office of Foreign Assets Control"],"program":["DPRK3"],"authorityId":["27307"]}}
{"id":"ofac-sdn-27307","schema":"Organization","properties":{"name":["LAZARUS GROUP"]}}`,
			[]string{"sanction:ofac-27307", "organization:ofac-sdn-27307>SANCTIONED_BY>sanction:ofac-27307"}, ""},
		{"other authority", `{"id":"eu-1","schema":"Sanction","properties":{"authority":["EU"],"authorityId":["27307"]}}`,
			[]string{"sanction:eu-1"}, ""},
		{"wallet and holder", `{"id":"w","schema":"CryptoWallet","properties":{"publicKey":["0x098B716B8Aaf21512996dC57EB0615e2383E2f96"],"currency":["USDT"],"holder":["h"]}}
{"id":"h","schema":"Organization","properties":{"name":["H"]}}`,
			[]string{"wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96", "organization:h>CONTROLS>wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"}, ""},
		{"lower-cased base58", `{"id":"w","schema":"CryptoWallet","properties":{"publicKey":["12qtd5bfwrsdnsazy76uve1xycgntojh9h"],"currency":["XBT"]}}`,
			nil, `f.jsonl:1: field "properties.publicKey": CryptoWallet w: BTC address: address "12qtd5bfwrsdnsazy76uve1xycgntojh9h" fails its base58check checksum (wrong case or a typo?) (the address is all lower-case`},
		{"unknown reference", `{"id":"w","schema":"CryptoWallet","properties":{"publicKey":["1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"],"currency":["XBT"],"holder":["ghost"]}}`,
			[]string{"wallet:btc:1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"}, `f.jsonl:1: field "properties.holder": references "ghost", which no entity of this file defines`},
		{"unknown schema", `{"id":"a","schema":"Address","properties":{}}`, nil, `f.jsonl:1: field "schema": Address a: "Address" is not a schema this format loads`},
		{"no id", `{"schema":"Person","properties":{}}`, nil, `f.jsonl:1: field "id": missing: every entity has an id`},
		{"property type", `{"id":"p","schema":"Person","properties":{"name":[1]}}`, nil, `f.jsonl:1: field "properties.name[0]": want a string or an entity with an id`},
		{"properties type", `{"id":"p","schema":"Person","properties":[]}`, nil, `f.jsonl:1: field "properties": want map[string][]json.RawMessage, got a JSON array`},
		{"payment", `{"id":"p1","schema":"Payment","properties":{"payer":["a"],"beneficiary":["b"],"amount":["10"],"currency":["usd"],"date":["2024-01-02"]}}
{"id":"a","schema":"Person","properties":{"name":["A"]}}
{"id":"b","schema":"Company","properties":{"name":["B"]}}`,
			[]string{"person:a>PAYS>organization:b#p1"}, ""},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, pass := range []string{"two passes", "one pass"} {
				r := ftm.Format(strings.NewReader(tt.in), "f.jsonl")
				if pass == "two passes" {
					var err error
					if r, err = ftm.Bytes("f.jsonl", []byte(tt.in)).Open(ctx); err != nil {
						t.Fatal(err)
					}
				}
				var got []string
				var rejects []string
				for {
					rec, err := r.Next()
					if err == io.EOF {
						break
					}
					var re *ingest.RecordError
					switch {
					case errors.As(err, &re):
						rejects = append(rejects, re.Error())
					case err != nil:
						t.Fatal(err)
					case rec.Node != nil:
						got = append(got, rec.Node.ID)
					default:
						got = append(got, rec.Edge.ID)
					}
				}
				for _, id := range tt.want {
					if !slices.Contains(got, id) {
						t.Errorf("%s: missing %s in %v", pass, id, got)
					}
				}
				switch {
				case tt.reject == "" && len(rejects) > 0:
					t.Errorf("%s: rejections %v", pass, rejects)
				case tt.reject != "" && (len(rejects) != 1 || !strings.HasPrefix(rejects[0], tt.reject)):
					t.Errorf("%s: rejections %q, want one starting %q", pass, rejects, tt.reject)
				}
			}
		})
	}
}

// TestRealFile loads the real FtM file whole, twice, and then with the
// OFAC SDN CSV and the attributed address list: OFAC entities, designations
// and wallets from both formats are the same nodes.
func TestRealFile(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the real files")
	}
	ctx := context.Background()
	s := ingesttest.OpenStore(t)
	src := ftm.File(filepath.Join(dataDir, ftmFile))
	res := ingesttest.Load(t, s, ingest.Options{MaxReport: -1}, src)
	t.Logf("%s: %d records read, loaded %d nodes and %d edges, rejected %d", ftmFile, res.Records, res.Nodes.Created, res.Edges.Created, res.Rejected)
	lower := 0
	for _, re := range res.Report {
		if strings.Contains(re.Reason(), "all lower-case") {
			lower++
		}
	}
	// 402 entities: the 68 wallets lower-cased upstream (Tron, legacy
	// Bitcoin) are rejected, and with them the holder edges they would
	// carry. USDT on Bitcoin addresses (Omni) loads as BTC wallets.
	if res.Nodes.Created != 326 || res.Edges.Created != 307 || res.Rejected != 68 || lower != 68 {
		t.Errorf("nodes %d, edges %d, rejected %d (%d lower-cased); want 326, 307, 68 (68)", res.Nodes.Created, res.Edges.Created, res.Rejected, lower)
	}
	again := ingesttest.Load(t, s, ingest.Options{}, src)
	if ingesttest.Changed(again) != 0 {
		t.Errorf("second run changed the store: nodes %+v, edges %+v", again.Nodes, again.Edges)
	}

	both, err := ingest.Run(ctx, s, []ingest.Source{
		ofaccsv.File(filepath.Join(dataDir, "sdn-2024-05-03.csv")),
		ofaccsv.File(filepath.Join(dataDir, "ofac_sdn_20260820_crypto_addresses_attributed.csv")),
	}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("then the OFAC CSVs: nodes %+v, edges %+v, rejected %d", both.Nodes, both.Edges, both.Rejected)

	const (
		lazarus = "organization:ofac-sdn-27307"
		wallet  = "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"
	)
	for _, c := range []struct {
		id   string
		want []string // datasets
	}{
		{lazarus, []string{"ftm:" + ftmFile, "ofac-csv:sdn-2024-05-03.csv"}},
		{"sanction:ofac-27307", []string{"ftm:" + ftmFile, "ofac-csv:ofac_sdn_20260820_crypto_addresses_attributed.csv", "ofac-csv:sdn-2024-05-03.csv"}},
		{wallet, []string{"ftm:" + ftmFile, "ofac-csv:ofac_sdn_20260820_crypto_addresses_attributed.csv", "ofac-csv:sdn-2024-05-03.csv"}},
		{"person:ofac-sdn-28263", []string{"ftm:" + ftmFile, "ofac-csv:sdn-2024-05-03.csv"}},
	} {
		n, err := s.Node(ctx, c.id)
		if err != nil {
			t.Errorf("%s: %v", c.id, err)
			continue
		}
		if got := datasets(n.Sources); !slices.Equal(got, c.want) {
			t.Errorf("%s: sources from %v, want %v", c.id, got, c.want)
		}
	}
	for _, c := range []struct {
		id   string
		want []string
	}{
		{lazarus + ">CONTROLS>" + wallet, []string{"ftm:" + ftmFile, "ofac-csv:sdn-2024-05-03.csv"}},
		{lazarus + ">SANCTIONED_BY>sanction:ofac-27307", []string{"ftm:" + ftmFile, "ofac-csv:sdn-2024-05-03.csv"}},
	} {
		e, err := s.Edge(ctx, c.id)
		if err != nil {
			t.Errorf("%s: %v", c.id, err)
			continue
		}
		if got := datasets(e.Sources); !slices.Equal(got, c.want) {
			t.Errorf("%s: sources from %v, want %v", c.id, got, c.want)
		}
	}

	// Merging is order-independent: the files loaded again, in another
	// order, leave every record as it is, although they disagree on names
	// and properties of the entities they share.
	for _, round := range [][]ingest.Source{
		{src, ofaccsv.File(filepath.Join(dataDir, "sdn-2024-05-03.csv")), ofaccsv.File(filepath.Join(dataDir, "ofac_sdn_20260820_crypto_addresses_attributed.csv"))},
		{ofaccsv.File(filepath.Join(dataDir, "ofac_sdn_20260820_crypto_addresses_attributed.csv")), src, ofaccsv.File(filepath.Join(dataDir, "sdn-2024-05-03.csv"))},
	} {
		for _, one := range round {
			res := ingesttest.Load(t, s, ingest.Options{}, one)
			if ingesttest.Changed(res) != 0 {
				t.Errorf("%s again changed the store: nodes %+v, edges %+v", one.Name(), res.Nodes, res.Edges)
			}
		}
	}
}

func datasets(src []graph.Source) []string {
	var out []string
	for _, s := range src {
		if !slices.Contains(out, s.Dataset) {
			out = append(out, s.Dataset)
		}
	}
	slices.Sort(out)
	return out
}

// FuzzFTM: the reader never panics, always ends, and yields only valid
// records or positioned rejections, in one pass and in two.
func FuzzFTM(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.jsonl")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for line := range bytes.Lines(data) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte("\n")) + 1
		two, err := ftm.Bytes("fuzz.jsonl", data).Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []ingest.Reader{two, ftm.Format(bytes.NewReader(data), "fuzz.jsonl")} {
			for i := 0; ; i++ {
				if i > 10*(len(data)+10) {
					t.Fatal("reader does not end")
				}
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				var re *ingest.RecordError
				if errors.As(err, &re) {
					if re.Pos.File != "fuzz.jsonl" || re.Pos.Line < 1 || re.Pos.Line > lines || re.Err == nil {
						t.Fatalf("badly positioned rejection: %+v", re)
					}
					continue
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				ingesttest.CheckRecord(t, rec)
			}
		}
	})
}
