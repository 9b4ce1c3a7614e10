package boltstore

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/redthread-dev/redthread/graph"
)

// TestPropsMatchEncodingJSON: appendProps writes what json.Marshal writes.
func TestPropsMatchEncodingJSON(t *testing.T) {
	type custom struct{ A int }
	for i, p := range []graph.Props{
		{"valueRaw": "6314395900610000000000", "tokenAddress": "0xdac17f958d2ee523a2206206994597c13d831ec7", "logIndex": 30},
		{"s": "", "q": `quo"te\back`, "html": "<a&b>", "ctl": "tab\tnew\nline\x01", "kr": "한국어 ✓", "bad": "bad\xffutf8", "sep": "a\u2028b"},
		{"f": 0.1, "g": 1e-7, "h": 1e21, "i": 123456789.123456, "j": 5e-324, "k": math.MaxFloat64, "l": -2.5e-10, "m": 0.0, "n": math.Copysign(0, -1)},
		{"b": true, "c": false, "nil": nil, "i64": int64(-7), "list": []any{"a", 1.0, nil, []any{}, map[string]any{}},
			"nested": map[string]any{"z": true, "a": []any{map[string]any{"y": 1.5}}}, "nilList": []any(nil), "nilMap": map[string]any(nil)},
		{"custom": custom{A: 1}, "strs": []string{"x", "y"}, "u8": uint8(3)},
		{"": "empty key", "é": "non-ASCII key"},
	} {
		got, err := appendProps(nil, p)
		if err != nil {
			t.Fatalf("props %d: %v", i, err)
		}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("props %d:\n got %s\nwant %s", i, got, want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(-1)} {
		if _, err := appendProps(nil, graph.Props{"x": []any{bad}}); err == nil {
			t.Errorf("%v encoded", bad)
		}
	}
}
