package native_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/native"
)

// render writes what a reader yields, one line per record or rejection.
func render(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	return ingesttest.Render(t, native.NewReader(bytes.NewReader(data), name))
}

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.jsonl", render)
}

const (
	w1  = "wallet:eth:0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
	w2  = "wallet:eth:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"
	src = `"sources":[{"dataset":"x"}]`
)

// TestErrors pins the message of each kind of rejection: file, line, field
// and reason.
func TestErrors(t *testing.T) {
	edge := func(extra string) string {
		return `{"type":"edge","kind":"TRANSFER","from":"` + w1 + `","to":"` + w2 + `",` + extra + `}`
	}
	tests := []struct {
		name, line, want string
	}{
		{"unknown kind", `{"type":"node","kind":"WALET","key":"a",` + src + `}`, `f.jsonl:1: field "kind": unknown node kind "WALET"`},
		{"unknown field", `{"type":"node","kind":"PERSON","key":"a","lable":"x",` + src + `}`, `f.jsonl:1: field "lable": unknown field in a node record`},
		{"edge field on node", `{"type":"node","kind":"PERSON","key":"a","amount":1,` + src + `}`, `f.jsonl:1: field "amount": unknown field in a node record`},
		{"no sources", `{"type":"node","kind":"PERSON","key":"a"}`, `f.jsonl:1: field "sources": at least one source is required: every fact cites where it comes from`},
		{"source field", `{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x"},{"dataset":"y","confidense":5}]}`, `f.jsonl:1: field "sources[1].confidense": unknown field in a source record`},
		{"source dataset", `{"type":"node","kind":"PERSON","key":"a","sources":[{"url":"http://x"}]}`, `f.jsonl:1: field "sources[0].dataset": missing: name the document or dataset the fact comes from`},
		{"source marking", `{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x","marking":"WHITE"}]}`, `f.jsonl:1: field "sources[0].marking": "WHITE" is not a TLP 2.0 marking (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED)`},
		{"confidence range", `{"type":"node","kind":"PERSON","key":"a","confidence":101,` + src + `}`, `f.jsonl:1: field "confidence": want an integer 0–100, got 101`},
		{"confidence fraction", `{"type":"node","kind":"PERSON","key":"a","confidence":50.5,` + src + `}`, `f.jsonl:1: field "confidence": want an integer 0–100, got 50.5`},
		{"confidence type", `{"type":"node","kind":"PERSON","key":"a","confidence":"high",` + src + `}`, `f.jsonl:1: field "confidence": want an integer 0–100, got a string`},
		{"date", `{"type":"node","kind":"PERSON","key":"a","validFrom":"2018-13-01",` + src + `}`, `f.jsonl:1: field "validFrom": "2018-13-01" is neither a date (YYYY-MM-DD) nor an RFC 3339 time`},
		{"validity", `{"type":"node","kind":"PERSON","key":"a","validFrom":"2019-01-01","validTo":"2018-12-31T23:59:59Z",` + src + `}`, `f.jsonl:1: field "validTo": before validFrom`},
		{"duplicate", `{"type":"node","kind":"PERSON","key":"a","key":"b",` + src + `}`, `f.jsonl:1: field "key": given twice`},
		{"duplicate in source", `{"type":"node","kind":"PERSON","key":"a","sources":[{"dataset":"x"},{"dataset":"y","record":"1","record":"2"}]}`, `f.jsonl:1: field "sources[1].record": given twice`},
		{"duplicate escaped", `{"type":"node","kind":"PERSON","k\u0065y":"a","key":"b",` + src + `}`, `f.jsonl:1: field "key": given twice`},
		{"trailing", `{"type":"node","kind":"PERSON","key":"a",` + src + `} {}`, `f.jsonl:1: invalid JSON: data after the object`},
		{"truncated", `{"type":"node","kind":"PERSON"`, `f.jsonl:1: invalid JSON: unexpected end of line`},
		{"syntax", `{"type":"node",,}`, `f.jsonl:1: invalid JSON at byte 15: invalid character ',' looking for beginning of object key string`},
		{"not object", `["node"]`, `f.jsonl:1: a record must be a JSON object`},
		{"no type", `{"kind":"PERSON","key":"a",` + src + `}`, `f.jsonl:1: field "type": missing: want "node" or "edge"`},
		{"bad type", `{"type":"Node","kind":"PERSON","key":"a",` + src + `}`, `f.jsonl:1: field "type": "Node": want "node" or "edge"`},
		{"no key", `{"type":"node","kind":"PERSON",` + src + `}`, `f.jsonl:1: field "key": missing`},
		{"wallet key", `{"type":"node","kind":"WALLET","key":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",` + src + `}`, `f.jsonl:1: field "key": wallet key "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" must be CHAIN:address`},
		{"eip55", `{"type":"node","kind":"WALLET","key":"eth:0x5AAEB6053f3e94c9b9a09f33669435e7ef1beaed",` + src + `}`, `f.jsonl:1: field "key": wallet key "eth:0x5AAEB6053f3e94c9b9a09f33669435e7ef1beaed": EVM address "0x5AAEB6053f3e94c9b9a09f33669435e7ef1beaed" fails its EIP-55 checksum`},
		{"id mismatch", `{"type":"node","kind":"PERSON","id":"person:b","key":"a",` + src + `}`, `f.jsonl:1: field "id": "person:b" does not match kind PERSON and key "a" (want "person:a")`},
		{"edge kind", `{"type":"edge","kind":"SENT","from":"` + w1 + `","to":"` + w2 + `",` + src + `}`, `f.jsonl:1: field "kind": unknown edge kind "SENT"`},
		{"no from", `{"type":"edge","kind":"TRANSFER","to":"` + w2 + `",` + src + `}`, `f.jsonl:1: field "from": missing: want a node ID such as wallet:eth:0x… or threat_group:lazarus-group`},
		{"bad from", `{"type":"edge","kind":"TRANSFER","from":"lazarus","to":"` + w2 + `",` + src + `}`, `f.jsonl:1: field "from": "lazarus" is not a node ID (want e.g. wallet:eth:0x..., threat_group:lazarus-group)`},
		{"endpoint kinds", `{"type":"edge","kind":"STOLE","from":"` + w1 + `","to":"incident:x",` + src + `}`, `f.jsonl:1: STOLE edge cannot start at a WALLET node`},
		{"negative", edge(`"amount":-1,` + src), `f.jsonl:1: field "amount": cannot be negative`},
		{"amount type", edge(`"valueUSD":"1e6",` + src), `f.jsonl:1: field "valueUSD": want a number, got a string`},
		{"edge key", edge(`"key":"a#b",` + src), `f.jsonl:1: field "key": "a#b" contains a reserved character ('>', '#' or a newline)`},
		{"time", edge(`"time":"2018-01-26 02:57",` + src), `f.jsonl:1: field "time": "2018-01-26 02:57" is neither a date (YYYY-MM-DD) nor an RFC 3339 time`},
		{"source not object", edge(`"sources":["x"]`), `f.jsonl:1: field "sources[0]": want a source object, got a string`},
		{"illustrative", edge(`"sources":[{"dataset":"x","illustrative":"yes"}]`), `f.jsonl:1: field "sources[0].illustrative": want true or false, got a string`},
		{"node field on edge", edge(`"label":"x",` + src), `f.jsonl:1: field "label": unknown field in an edge record`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := native.NewReader(strings.NewReader(tt.line+"\n"), "f.jsonl")
			rec, err := r.Next()
			var re *ingest.RecordError
			if !errors.As(err, &re) {
				t.Fatalf("Next() = %+v, %v; want a *RecordError", rec, err)
			}
			if got := re.Error(); got != tt.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tt.want)
			}
			if _, err := r.Next(); err != io.EOF {
				t.Errorf("after the bad line: %v, want io.EOF", err)
			}
		})
	}
}

// TestAccepts checks the normalisations the format promises.
func TestAccepts(t *testing.T) {
	tests := []struct {
		name, line string
		check      func(t *testing.T, r ingest.Record)
	}{
		{"date only", `{"type":"node","kind":"PERSON","key":"a","validFrom":"2018-01-26",` + src + `}`, func(t *testing.T, r ingest.Record) {
			if want := time.Date(2018, 1, 26, 0, 0, 0, 0, time.UTC); !r.Node.ValidFrom.Equal(want) {
				t.Errorf("validFrom = %v, want %v", r.Node.ValidFrom, want)
			}
		}},
		{"time zone to UTC", `{"type":"edge","kind":"TRANSFER","from":"` + w1 + `","to":"` + w2 + `","time":"2018-01-26T11:57:00+09:00",` + src + `}`, func(t *testing.T, r ingest.Record) {
			if got := r.Edge.Time.Format(time.RFC3339); got != "2018-01-26T02:57:00Z" {
				t.Errorf("time = %s", got)
			}
		}},
		{"checksummed endpoint", `{"type":"edge","kind":"TRANSFER","from":"wallet:ETH:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","to":"` + w2 + `","txHash":"0xAB",` + src + `}`, func(t *testing.T, r ingest.Record) {
			if r.Edge.From != w1 || r.Edge.ID != w1+">TRANSFER>"+w2+"#0xAB" {
				t.Errorf("from = %s, id = %s", r.Edge.From, r.Edge.ID)
			}
		}},
		{"nulls are absent", `{"type":"node","kind":"PERSON","key":"A B","label":null,"props":null,"aliases":null,` + src + `}`, func(t *testing.T, r ingest.Record) {
			if r.Node.ID != "person:a-b" || r.Node.Label != "a-b" || r.Node.Props != nil {
				t.Errorf("node = %+v", r.Node)
			}
		}},
		{"source defaults", `{"type":"node","kind":"PERSON","key":"a","confidence":60,"marking":"TLP:GREEN","sources":[{"dataset":"x"}]}`, func(t *testing.T, r ingest.Record) {
			s := r.Node.Sources[0]
			if s.Confidence != 60 || s.Marking != graph.TLPGreen || r.Node.Marking != graph.TLPGreen {
				t.Errorf("source = %+v", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, errs, err := native.ReadAll(context.Background(), native.NewReader(strings.NewReader(tt.line), "f.jsonl"))
			if err != nil || len(errs) > 0 || len(recs) != 1 {
				t.Fatalf("ReadAll: %d records, rejections %v, err %v", len(recs), errs, err)
			}
			tt.check(t, recs[0])
		})
	}
}

func TestLongLine(t *testing.T) {
	long := `{"type":"node","kind":"PERSON","key":"a","label":"` + strings.Repeat("x", native.MaxLineBytes) + `",` + src + "}\n"
	in := long + `{"type":"node","kind":"PERSON","key":"b",` + src + "}\n"
	recs, errs, err := native.ReadAll(context.Background(), native.NewReader(strings.NewReader(in), "f.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Pos.Line != 1 || !strings.Contains(errs[0].Error(), "line too long") {
		t.Errorf("rejections = %v, want line 1 too long", errs)
	}
	if len(recs) != 1 || recs[0].Node.ID != "person:b" || recs[0].Pos.Line != 2 {
		t.Errorf("records = %+v, want person:b on line 2", recs)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := native.NewReader(io.MultiReader(strings.NewReader(`{"type":"node","kind":"PERSON","key":"a",`+src+"}\n"), iotestErr{boom}), "f.jsonl")
	if _, err := r.Next(); err != nil {
		t.Fatalf("first record: %v", err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Errorf("Next() = %v, want the read error", err)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// FuzzParse: the reader never panics, always ends, and every record it
// yields is valid; everything else is a positioned rejection.
func FuzzParse(f *testing.F) {
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
		r := native.NewReader(bytes.NewReader(data), "fuzz.jsonl")
		lines := bytes.Count(data, []byte("\n")) + 1
		for i := 0; ; i++ {
			if i > lines {
				t.Fatalf("more results than lines")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
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
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../examples/demo/dprk.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	records := 0
	for b.Loop() {
		recs, errs, err := native.ReadAll(context.Background(), native.NewReader(bytes.NewReader(data), "dprk.jsonl"))
		if err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
		records += len(recs)
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
