package prices_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/redthread-dev/redthread/ingest"
	"github.com/redthread-dev/redthread/ingest/ingesttest"
	"github.com/redthread-dev/redthread/ingest/prices"
)

func TestGolden(t *testing.T) {
	ingesttest.Golden(t, "testdata/*.csv", func(t *testing.T, name string, data []byte) []byte {
		return ingesttest.Render(t, prices.NewReader(bytes.NewReader(data), name))
	})
}

// TestRows checks single rows: what is read, and what is rejected with
// which column.
func TestRows(t *testing.T) {
	for _, tt := range []struct {
		name, csv, want string
	}{
		{"price", "date,asset,usd_close\n2024-01-02,eth,2350.5\n", "ETH 2024-01-02 2350.5 prices:f.csv ETH:2024-01-02"},
		{"columns in any order, extra ignored", "usd_close,note,asset,date\n3,x,btc,2024-01-02\n", "BTC 2024-01-02 3 prices:f.csv BTC:2024-01-02"},
		{"bad date", "date,asset,usd_close\n02/01/2024,ETH,1\n", `f.csv:2: field "date": "02/01/2024": want an ISO date such as 2024-01-22`},
		{"zero", "date,asset,usd_close\n2024-01-02,ETH,0\n", `f.csv:2: field "usd_close": "0": want a USD close above 0 such as 2301.17`},
		{"infinite", "date,asset,usd_close\n2024-01-02,ETH,+Inf\n", `f.csv:2: field "usd_close": "+Inf": want a USD close above 0 such as 2301.17`},
		{"too early", "date,asset,usd_close\n2001-01-02,ETH,1\n", `f.csv:2: field "date": day: 2001-01-02 is before 2009 or in the future`},
		{"no header", "2024-01-02,ETH,1\n", `f.csv:1: field "date": missing column in the header: want date,asset,usd_close (then optional source, source_url, illustrative)`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := prices.NewReader(bytes.NewReader([]byte(tt.csv)), "dir/f.csv").Next()
			var got string
			var re *ingest.RecordError
			switch {
			case errors.As(err, &re):
				re.Pos.File = "f.csv"
				got = re.Error()
			case err != nil:
				t.Fatal(err)
			default:
				p := rec.Price
				got = p.Asset + " " + p.Day.Format("2006-01-02") + " " + ftoa(p.USD) + " " + p.Source.Dataset + " " + p.Source.Record
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// TestIngest loads a table into a real store through the runner: prices
// are counted apart from nodes and edges, a second run changes nothing,
// bad rows are reported by line and column.
func TestIngest(t *testing.T) {
	s := ingesttest.OpenStore(t)
	ctx := context.Background()
	src := prices.File("testdata/malformed.csv")
	res, err := ingest.Run(ctx, s, []ingest.Source{src}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Prices != (ingest.Counts{Created: 2}) || res.Nodes.Total()+res.Edges.Total() != 0 || res.Rejected != 10 {
		t.Errorf("first run: prices %+v, nodes %+v, edges %+v, %d rejected", res.Prices, res.Nodes, res.Edges, res.Rejected)
	}
	res, err = ingest.Run(ctx, s, []ingest.Source{src}, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Prices != (ingest.Counts{Unchanged: 2}) {
		t.Errorf("second run: prices %+v, want 2 unchanged", res.Prices)
	}
}

// FuzzParse: the reader never panics, ends, and yields only valid prices
// or positioned rejections.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/valid.csv", "testdata/malformed.csv", "testdata/noheader.csv"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := prices.NewReader(bytes.NewReader(data), "fuzz.csv")
		limit := bytes.Count(data, []byte("\n")) + 2
		for i := 0; ; i++ {
			if i > limit {
				t.Fatal("more results than rows allow")
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *ingest.RecordError
			if errors.As(err, &re) {
				if re.Pos.File != "fuzz.csv" || re.Err == nil {
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
