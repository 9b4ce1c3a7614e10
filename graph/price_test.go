package graph

import (
	"testing"
	"time"
)

func TestPreparePrice(t *testing.T) {
	d := time.Date(2024, 1, 2, 23, 59, 0, 0, time.FixedZone("X", -3600)) // 2024-01-03 00:59 UTC
	for _, tt := range []struct {
		name  string
		p     Price
		asset string
		day   string
		err   string
	}{
		{"normalised", Price{Asset: " xbt ", Day: d, USD: 1, Source: Source{Dataset: "prices:a"}}, "BTC", "2024-01-03", ""},
		{"no asset", Price{Day: d, USD: 1, Source: Source{Dataset: "x"}}, "", "", "asset: missing"},
		{"usd itself", Price{Asset: "usd", Day: d, USD: 1, Source: Source{Dataset: "x"}}, "", "", "asset: USD needs no USD price"},
		{"zero close", Price{Asset: "ETH", Day: d, USD: 0, Source: Source{Dataset: "x"}}, "", "", "usd: the close must be a finite number above 0, not 0"},
		{"no day", Price{Asset: "ETH", USD: 1, Source: Source{Dataset: "x"}}, "", "", "day: missing"},
		{"no source", Price{Asset: "ETH", Day: d, USD: 1}, "", "", "sources[0]: dataset is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			err := PreparePrice(&p)
			switch {
			case tt.err != "":
				if err == nil || err.Error() != tt.err || ErrorCode(err) != CodeInvalid {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			case p.Asset != tt.asset || p.Day.Format(time.RFC3339) != tt.day+"T00:00:00Z" || p.Source.Confidence != ConfidenceUnknown:
				t.Fatalf("prepared %+v", p)
			}
		})
	}
}

// TestMergePrice: the kept close depends on neither order nor job.
func TestMergePrice(t *testing.T) {
	d := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	mk := func(usd float64, ds string, conf int, illus bool, job string, at time.Time) Price {
		p := Price{Asset: "ETH", Day: d, USD: usd, Source: Source{Dataset: ds, Record: "ETH:2024-01-02", Confidence: conf, Illustrative: illus, Job: job, RetrievedAt: at}}
		if err := PreparePrice(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	later := d.Add(time.Hour)
	for _, tt := range []struct {
		name string
		a, b Price
		want Price // the one kept
	}{
		{"more confident", mk(1, "prices:a", 50, false, "", d), mk(2, "prices:b", 60, false, "", d), mk(2, "prices:b", 60, false, "", d)},
		{"real over illustrative", mk(1, "prices:a", 60, true, "", d), mk(2, "prices:b", 60, false, "", d), mk(2, "prices:b", 60, false, "", d)},
		{"retrieved later", mk(1, "prices:a", 60, false, "", later), mk(2, "prices:a", 60, false, "", d), mk(1, "prices:a", 60, false, "", later)},
		{"smaller dataset", mk(1, "prices:b", 60, false, "", d), mk(2, "prices:a", 60, false, "", d), mk(2, "prices:a", 60, false, "", d)},
		{"smaller close", mk(3, "prices:a", 60, false, "", d), mk(2, "prices:a", 60, false, "", d), mk(2, "prices:a", 60, false, "", d)},
		{"earlier job", mk(2, "prices:a", 60, false, "j2", d), mk(2, "prices:a", 60, false, "j1", d), mk(2, "prices:a", 60, false, "j1", d)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, pair := range [][2]Price{{tt.a, tt.b}, {tt.b, tt.a}} {
				kept, changed := MergePrice(pair[0], pair[1])
				if kept.USD != tt.want.USD || kept.Source != tt.want.Source {
					t.Errorf("merging %v into %v kept %v (%s)", pair[1].USD, pair[0].USD, kept.USD, kept.Source.Dataset)
				}
				if changed != (kept.Source != pair[0].Source || kept.USD != pair[0].USD) {
					t.Errorf("changed %v", changed)
				}
				if again, ch := MergePrice(kept, pair[1]); ch || again != kept {
					t.Errorf("merging again changed it")
				}
			}
		})
	}
}
