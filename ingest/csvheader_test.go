package ingest

import "testing"

func TestCSVHeader(t *testing.T) {
	h := ParseCSVHeader([]string{"\ufeffDate ", "Asset", "usd_close", "asset"})
	row := []string{" 2024-01-02 ", "BTC", "42000.5", "ETH"}
	for _, tc := range []struct {
		name, col, want string
	}{
		{"byte-order mark and case dropped", "date", "2024-01-02"},
		{"the first of two columns counts", "asset", "BTC"},
		{"plain", "usd_close", "42000.5"},
		{"absent column", "source", ""},
	} {
		if got := h.Get(row, tc.col); got != tc.want {
			t.Errorf("%s: Get(%q) = %q, want %q", tc.name, tc.col, got, tc.want)
		}
	}
	if got := h.Get([]string{"2024-01-02"}, "asset"); got != "" {
		t.Errorf("short row: %q", got)
	}
	if got := h.Missing("date", "asset", "source"); got != "source" {
		t.Errorf("Missing = %q", got)
	}
	if got := h.Missing("date"); got != "" {
		t.Errorf("Missing = %q", got)
	}
	if got, want := h.Name(2), "usd_close"; got != want {
		t.Errorf("Name(2) = %q", got)
	}
	if got := h.Name(3); got != "" {
		t.Errorf("Name(3) of a shadowed duplicate = %q", got)
	}
}
