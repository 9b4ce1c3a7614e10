package ofaccsv_test

import (
	"bytes"
	"context"
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
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/ofaccsv"
)

const dataDir = "../../../shared/data/ofac"

// render writes what a reader yields, one line per record or rejection,
// and the error that ended it, if any.
func render(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := ingesttest.Lines(&out, ofaccsv.NewReader(bytes.NewReader(data), name)); err != nil {
		fmt.Fprintf(&out, "error %v\n", err)
	}
	return out.Bytes()
}

func fixtures(t testing.TB) []string {
	var files []string
	for _, ext := range []string{"csv", "json", "txt"} {
		m, _ := filepath.Glob("testdata/*." + ext)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ingesttest.Check(t, f+".golden", render(t, filepath.Base(f), data))
		})
	}
}

// readAll returns the records and rejections of one input, and the error
// that ended it, if any.
func readAll(r ingest.Reader) (recs []ingest.Record, rejects []*ingest.RecordError, err error) {
	for {
		rec, err := r.Next()
		var re *ingest.RecordError
		switch {
		case err == io.EOF:
			return recs, rejects, nil
		case errors.As(err, &re):
			rejects = append(rejects, re)
		case err != nil:
			return recs, rejects, err
		default:
			recs = append(recs, rec)
		}
	}
}

func ids(recs []ingest.Record) []string {
	var out []string
	for _, r := range recs {
		if r.Node != nil {
			out = append(out, r.Node.ID)
		} else {
			out = append(out, r.Edge.ID)
		}
	}
	return out
}

const (
	lazarus = "organization:ofac-sdn-27307"
	btcAddr = "wallet:btc:1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"
)

// TestRemarks pins how remarks become records, truncation included.
func TestRemarks(t *testing.T) {
	row := func(remarks string) string {
		return `27307,"LAZARUS GROUP",-0- ,"DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"` + remarks + "\"\r\n"
	}
	pad := func(s string) string { // a remark OFAC cut at 1,000 characters, ending in s
		return strings.Repeat("x", ofaccsv.RemarksCap-len(s)) + s
	}
	tests := []struct {
		name, in      string
		want, without []string // record IDs present, absent
		reject        string   // substring of the only rejection, if any
	}{
		{"address", row("Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V."),
			[]string{lazarus, btcAddr, lazarus + ">CONTROLS>" + btcAddr, btcAddr + ">SANCTIONED_BY>sanction:ofac-27307", lazarus + ">SANCTIONED_BY>sanction:ofac-27307"}, nil, ""},
		{"alt address and alias", row("Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V; alt. Digital Currency Address - ETH 0x098B716B8Aaf21512996dC57EB0615e2383E2f96; a.k.a. 'HIDDEN COBRA'."),
			[]string{btcAddr, "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96"}, nil, ""},
		{"truncated last address", row(pad("; alt. Digital Currency Address - XBT 1AjZPMsnmpdK2R")),
			[]string{lazarus}, []string{btcAddr}, `field "Remarks": "Digital Currency Address - XBT 1AjZPMsnmpdK2R": the remark looks truncated (OFAC cuts Remarks at 1,000 characters)`},
		{"cut after the ticker", row(pad("; alt. Digital Currency Address - XBT")),
			[]string{lazarus}, nil, "the address is cut off: the remark looks truncated"},
		{"cut unchecked chain", row(pad("; Digital Currency Address - XMR 4AbC")),
			[]string{lazarus}, []string{"wallet:xmr:4AbC"}, "XMR addresses have no checksum Redthread checks"},
		{"whole address at the cut", row(pad("; Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V")),
			[]string{btcAddr}, nil, ""},
		{"bad address, not cut", row("Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9v."),
			[]string{lazarus}, nil, `"Digital Currency Address - XBT 1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9v": BTC address`},
		{"lower-case base58", row("Digital Currency Address - TRX tniq9axbp9ejuqhdhrwrfvaa8u3guqzh81."),
			[]string{lazarus}, nil, "fails its base58check checksum"},
		{"cut alias dropped", row(pad("; a.k.a. 'WHOIS HACKIN")), []string{lazarus}, nil, ""},
		{"linked to itself", row("Linked To: LAZARUS GROUP."), []string{lazarus + ">ASSOCIATED_WITH>" + lazarus}, nil, ""},
		{"linked to nobody", row("Linked To: NOBODY."), []string{lazarus}, nil, `Linked To: "NOBODY" names no entry of this file; the edge is left out`},
		{"short row", "1,\"X\"\r\n", nil, nil, "2 columns, want 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rejects, err := readAll(ofaccsv.NewReader(strings.NewReader(tt.in), "sdn.csv"))
			if err != nil {
				t.Fatal(err)
			}
			got := ids(recs)
			for _, id := range tt.want {
				if !slices.Contains(got, id) {
					t.Errorf("missing %s in %v", id, got)
				}
			}
			for _, id := range tt.without {
				if slices.Contains(got, id) {
					t.Errorf("unexpected %s", id)
				}
			}
			switch {
			case tt.reject == "" && len(rejects) > 0:
				t.Errorf("rejections %v, want none", rejects)
			case tt.reject != "" && (len(rejects) != 1 || !strings.Contains(rejects[0].Error(), tt.reject)):
				t.Errorf("rejections %v, want one containing %q", rejects, tt.reject)
			}
			for _, r := range recs {
				if r.Node != nil && r.Node.ID == lazarus && tt.name == "alt address and alias" && !slices.Contains(r.Node.Aliases, "HIDDEN COBRA") {
					t.Errorf("aliases = %v", r.Node.Aliases)
				}
				if r.Node != nil && r.Node.ID == lazarus && tt.name == "cut alias dropped" && len(r.Node.Aliases) > 0 {
					t.Errorf("a cut alias was kept: %v", r.Node.Aliases)
				}
			}
		})
	}
}

// TestDetect: each variant is recognised from its content, and a file that
// is none of them ends with an error saying so.
func TestDetect(t *testing.T) {
	tests := []struct {
		name, file, in string
		want           string // a record ID, or the error
	}{
		{"legacy", "sdn.csv", `27307,"LAZARUS GROUP",-0- ,"DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ` + "\r\n", lazarus},
		{"entities", "e.csv", "sdn_uid,sdn_name,sdn_type,programs,title,call_sign,vess_type,tonnage,grt,vess_flag,vess_owner,remarks\n27307,LAZARUS GROUP,entity,DPRK3,,,,,,,,\n", lazarus},
		{"addresses", "a.csv", "sdn_uid,sdn_name,sdn_type,programs,currency,address\n27307,LAZARUS GROUP,entity,DPRK3,XBT,1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V\n", lazarus + ">CONTROLS>" + btcAddr},
		{"linked", "l.csv", "src_uid,src_name,src_programs,dst_name,dst_uid\n1,A,SDGT,B,2\n", "sanction:ofac-1>ASSOCIATED_WITH>sanction:ofac-2"},
		{"attributed", "x.csv", "sdn_uid,sdn_name,programs,currency,address_lower,address_case_recovered,case_source,akas\n27307,LAZARUS GROUP,DPRK3,XBT,x,1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V,sdn_2024_or_0xB10C,\n", btcAddr + ">SANCTIONED_BY>sanction:ofac-27307"},
		{"named list", "evm.csv", "address,name\n0x098B716B8Aaf21512996dC57EB0615e2383E2f96,LAZARUS GROUP\n", "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96>SANCTIONED_BY>sanction:ofac-sdn-list"},
		{"text list", "sanctioned_addresses_XBT.txt", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V\n", btcAddr + ">SANCTIONED_BY>sanction:ofac-sdn-list"},
		{"json list", "lists/sanctioned_addresses_XBT.json", "[\n  \"1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V\"\n]\n", btcAddr},
		{"sdn json", "s.json", `{"addresses":{"0x098b716b8aaf21512996dc57eb0615e2383e2f96":{"type":"Digital Currency Address - ETH","entries":[{"entity":"LAZARUS GROUP","program":"DPRK3","uid":"27307"}]}}}`, "wallet:eth:0x098b716b8aaf21512996dc57eb0615e2383e2f96>SANCTIONED_BY>sanction:ofac-27307"},
		{"list without currency", "list.txt", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V\n", "does not say its currency"},
		{"unknown header", "x.csv", "foo,bar\n1,2\n", `not an OFAC file this format knows: first line "foo,bar"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, rejects, err := readAll(ofaccsv.NewReader(strings.NewReader(tt.in), tt.file))
			if len(rejects) > 0 {
				t.Errorf("rejections: %v", rejects)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %v, want %q", err, tt.want)
				}
				return
			}
			if got := ids(recs); !slices.Contains(got, tt.want) {
				t.Errorf("records %v, want %s", got, tt.want)
			}
		})
	}
	t.Run("AddressListFormat", func(t *testing.T) {
		recs, _, err := readAll(ofaccsv.AddressListFormat("xbt")(strings.NewReader("1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V\n"), "-"))
		if err != nil || !slices.Contains(ids(recs), btcAddr) {
			t.Errorf("records %v, err %v", ids(recs), err)
		}
	})
}

// realFiles are the OFAC files of ../shared/data, with what a whole load
// of each must give: records written and rejected.
var realFiles = []struct {
	path             string
	nodes, edges     int // distinct nodes and edges written
	rejected         int
	lowercasedReject int // rejections because upstream lower-cased the address
}{
	{"sdn-2024-05-03.csv", 30212, 21896, 18, 0},
	{"ofac_sdn_20240503_dprk_cyber_entities.csv", 1780, 1628, 27, 0},
	{"ofac_sdn_20240503_crypto_addresses.csv", 392, 621, 7, 0},
	{"ofac_sdn_20240503_linked_to_edges.csv", 6141, 5645, 730, 0},
	{"ofac_sdn_20260820_crypto_addresses_attributed.csv", 732, 657, 309, 308},
	{"evm-addresses-2026-06-25.csv", 98, 97, 0, 0},
	{"sanctioned-addresses-2026-08-20.json", 308, 254, 707, 707},
	{"addresses-by-currency/sanctioned_addresses_XBT.txt", 435, 434, 1, 0},
	{"addresses-by-currency/sanctioned_addresses_XBT.json", 435, 434, 1, 0},
	{"addresses-by-currency/sanctioned_addresses_ETH.txt", 153, 152, 0, 0},
	{"addresses-by-currency/sanctioned_addresses_USDT.json", 27, 26, 0, 0},
}

// TestRealFiles loads every real file whole into the embedded store, twice:
// the second run must change nothing.
func TestRealFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the real OFAC files")
	}
	for _, f := range realFiles {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			path := filepath.Join(dataDir, f.path)
			s := ingesttest.OpenStore(t)
			res := ingesttest.Load(t, s, ingest.Options{MaxReport: -1}, ofaccsv.File(path))
			lower := 0
			for _, re := range res.Report {
				if strings.Contains(re.Reason(), "lower-cased upstream") {
					lower++
				}
			}
			t.Logf("%s: %d records read, loaded %d nodes and %d edges (created), rejected %d (%d lower-cased upstream)",
				f.path, res.Records, res.Nodes.Created, res.Edges.Created, res.Rejected, lower)
			if res.Nodes.Created != f.nodes || res.Edges.Created != f.edges {
				t.Errorf("created %d nodes, %d edges; want %d, %d", res.Nodes.Created, res.Edges.Created, f.nodes, f.edges)
			}
			if res.Rejected != f.rejected || lower != f.lowercasedReject {
				t.Errorf("rejected %d (%d lower-cased), want %d (%d)", res.Rejected, lower, f.rejected, f.lowercasedReject)
			}
			again := ingesttest.Load(t, s, ingest.Options{}, ofaccsv.File(path))
			if ingesttest.Changed(again) != 0 || again.Rejected != res.Rejected {
				t.Errorf("second run changed the store: nodes %+v, edges %+v, rejected %d", again.Nodes, again.Edges, again.Rejected)
			}
		})
	}
}

// TestRealGraph loads the SDN CSV with the attributed and list files and
// checks the graph investigators rely on.
func TestRealGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the real OFAC files")
	}
	ctx := context.Background()
	s := ingesttest.OpenStore(t)
	var srcs []ingest.Source
	for _, f := range []string{"sdn-2024-05-03.csv", "ofac_sdn_20260820_crypto_addresses_attributed.csv",
		"sanctioned-addresses-2026-08-20.json", "evm-addresses-2026-06-25.csv", "addresses-by-currency/sanctioned_addresses_XBT.txt"} {
		srcs = append(srcs, ofaccsv.File(filepath.Join(dataDir, f)))
	}
	res := ingesttest.Load(t, s, ingest.Options{MaxReport: -1}, srcs...)
	t.Logf("together: %d records, nodes %+v, edges %+v, rejected %d", res.Records, res.Nodes, res.Edges, res.Rejected)

	// Find, from the file itself, a DPRK3 entry with a Bitcoin address.
	entNum, addr := dprkBitcoinEntry(t)
	entity, wallet := "organization:ofac-sdn-"+entNum, "wallet:btc:"+addr
	if _, err := s.Node(ctx, entity); err != nil {
		entity = "person:ofac-sdn-" + entNum
	}
	for _, id := range []string{
		entity + ">CONTROLS>" + wallet,
		wallet + ">SANCTIONED_BY>sanction:ofac-" + entNum,
		entity + ">SANCTIONED_BY>sanction:ofac-" + entNum,
	} {
		if _, err := s.Edge(ctx, id); err != nil {
			t.Errorf("edge %s: %v", id, err)
		}
	}
	// The same address from the SDN CSV, the attributed CSV and the
	// per-currency list is one node with a source from each.
	w, err := s.Node(ctx, wallet)
	if err != nil {
		t.Fatal(err)
	}
	if got := datasets(w.Sources); !slices.Equal(got, []string{
		"ofac-csv:ofac_sdn_20260820_crypto_addresses_attributed.csv", "ofac-csv:sanctioned_addresses_XBT.txt", "ofac-csv:sdn-2024-05-03.csv"}) {
		t.Errorf("%s sources from %v", wallet, got)
	}
	// Linked To: Hasan NASRALLAH is linked to HIZBALLAH.
	if e, err := s.Edge(ctx, "person:ofac-sdn-2686>ASSOCIATED_WITH>organization:ofac-sdn-4697"); err != nil {
		t.Errorf("Linked To edge: %v", err)
	} else if e.Props["relation"] != "linked to" {
		t.Errorf("Linked To edge props %v", e.Props)
	}
	// Lower-cased base58 addresses are rejected with their reason.
	var lower []ingest.RecordError
	for _, re := range res.Report {
		if strings.Contains(re.Reason(), "lower-cased upstream") {
			lower = append(lower, re)
		}
	}
	if len(lower) != 308+707 {
		t.Errorf("%d lower-cased rejections, want %d", len(lower), 308+707)
	}
	if len(lower) > 0 && !strings.Contains(lower[0].Error(), "checksum") && !strings.Contains(lower[0].Error(), "not base58") {
		t.Errorf("reason does not say why: %v", lower[0])
	}
}

// dprkBitcoinEntry returns the ent_num and first XBT address of a DPRK3
// entry of the real SDN CSV.
func dprkBitcoinEntry(t *testing.T) (string, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "sdn-2024-05-03.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if !strings.Contains(line, "DPRK3") {
			continue
		}
		_, rest, ok := strings.Cut(line, "Digital Currency Address - XBT ")
		if !ok {
			continue
		}
		addr, _, _ := strings.Cut(rest, ";")
		if strings.HasPrefix(addr, "1") || strings.HasPrefix(addr, "3") {
			num, _, _ := strings.Cut(line, ",")
			return num, addr
		}
	}
	t.Fatal("no DPRK3 entry with an XBT address")
	return "", ""
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

// FuzzOFACCSV: the reader never panics, always ends, and yields only valid
// records or positioned rejections.
func FuzzOFACCSV(f *testing.F) {
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(file), data)
		for line := range bytes.Lines(data) {
			f.Add(filepath.Base(file), line)
		}
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		r := ofaccsv.NewReader(bytes.NewReader(data), name)
		for i := 0; ; i++ {
			if i > 100*(len(data)+10) {
				t.Fatal("reader does not end")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			if errors.As(err, &re) {
				if re.Pos.File != name || re.Err == nil {
					t.Fatalf("badly positioned rejection: %+v", re)
				}
				continue
			}
			if err != nil {
				if _, err2 := r.Next(); err2 == nil {
					t.Fatalf("records after the error %v", err)
				}
				return
			}
			checkRecord(t, rec)
		}
	})
}

func checkRecord(t *testing.T, rec ingest.Record) {
	t.Helper()
	ingesttest.CheckRecord(t, rec)
}
