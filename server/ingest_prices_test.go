package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestIngestPricesOverAPI ingests a price table over the API: the job
// reports prices apart from nodes and edges, the bad row by line and
// column, and the graph does not grow.
func TestIngestPricesOverAPI(t *testing.T) {
	store := openStore(t)
	dir := t.TempDir()
	table := "date,asset,usd_close,source_url\n2024-01-02,ETH,2350.5,https://example.org/eth\n2024-01-02,BTC,45000,\n2024-01-03,ETH,free,\n"
	if err := os.WriteFile(filepath.Join(dir, "closes.csv"), []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startWithJobs(t, store, store, dir)
	nodes0, edges0 := stats(t, ts)
	const fields = `id state rejected rejections { line field code } progress { records nodesCreated edgesCreated pricesCreated pricesUpdated pricesUnchanged }`
	var job struct {
		ID, State  string
		Rejected   int
		Rejections []struct {
			Line  *int
			Field *string
			Code  string
		}
		Progress struct{ Records, NodesCreated, EdgesCreated, PricesCreated, PricesUpdated, PricesUnchanged int }
	}
	decode := func(r gqlResponse, field string) {
		t.Helper()
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", field, r.Errors)
		}
		var data map[string]json.RawMessage
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data[field], &job); err != nil {
			t.Fatal(err)
		}
	}
	decode(query(t, ts, `mutation { startIngest(format: "prices", path: "closes.csv") { `+fields+` } }`, nil), "startIngest")
	deadline := time.Now().Add(30 * time.Second)
	for job.State != "SUCCEEDED" {
		if time.Now().After(deadline) || job.State == "FAILED" || job.State == "CANCELLED" {
			t.Fatalf("job = %+v", job)
		}
		time.Sleep(10 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
		decode(query(t, ts, `query($id: ID!) { ingestJob(id: $id) { `+fields+` } }`, map[string]any{"id": job.ID}), "ingestJob")
	}
	p := job.Progress
	if p.PricesCreated != 2 || p.PricesUpdated+p.PricesUnchanged+p.NodesCreated+p.EdgesCreated != 0 || p.Records != 3 {
		t.Errorf("progress %+v, want 2 prices created", p)
	}
	if job.Rejected != 1 || len(job.Rejections) != 1 || *job.Rejections[0].Line != 4 || *job.Rejections[0].Field != "usd_close" {
		t.Errorf("rejections %+v, want line 4 usd_close", job.Rejections)
	}
	if n, e := stats(t, ts); n != nodes0 || e != edges0 {
		t.Errorf("the graph grew: %d nodes %d edges, was %d and %d", n, e, nodes0, edges0)
	}

	// The table, read back a page at a time, each close citing its source.
	var out struct {
		Prices struct {
			Prices []struct {
				Asset, Day string
				UsdClose   float64
				Source     struct{ Dataset, Record, URL string }
			}
			HasNextPage bool
			EndCursor   *string
		}
	}
	r := query(t, ts, `{ prices(asset: "eth", from: "2024-01-01T00:00:00Z", first: 5) { prices { asset day usdClose source { dataset record url } } hasNextPage endCursor } }`, nil)
	if err := json.Unmarshal(r.Data, &out); err != nil || len(r.Errors) > 0 {
		t.Fatalf("prices: %v %+v", err, r.Errors)
	}
	ps := out.Prices.Prices
	if len(ps) != 1 || ps[0].Asset != "ETH" || ps[0].Day != "2024-01-02" || ps[0].UsdClose != 2350.5 || out.Prices.HasNextPage ||
		ps[0].Source.Dataset != "prices:closes.csv" || ps[0].Source.Record != "ETH:2024-01-02" || ps[0].Source.URL != "https://example.org/eth" || *out.Prices.EndCursor != "2024-01-02" {
		t.Errorf("prices %+v", out.Prices)
	}
	for _, q := range []string{
		`{ prices(asset: "") { hasNextPage } }`,
		`{ prices(asset: "ETH", after: "yesterday") { hasNextPage } }`,
		`{ prices(asset: "ETH", from: "2024-02-01T00:00:00Z", to: "2024-01-01T00:00:00Z") { hasNextPage } }`,
	} {
		if r := query(t, ts, q, nil); r.code() != "INVALID_ARGUMENT" {
			t.Errorf("%s: %+v, want INVALID_ARGUMENT", q, r.Errors)
		}
	}
}
