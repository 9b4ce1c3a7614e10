package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	ts := httptest.NewServer(New(nil, DefaultConfig(), nil).Handler())
	defer ts.Close()
	tests := []struct {
		name, sent string
		keep       bool
	}{
		{"none sent: one is made", "", false},
		{"well-formed: kept", "nb-42.run_7", true},
		{"too long: replaced", strings.Repeat("a", 65), false},
		{"newline injection: replaced", "a\tb", false},
		{"quote: replaced", `a"b`, false},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/healthz/nothing", nil)
			if tt.sent != "" {
				req.Header.Set(requestIDHeader, tt.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			got := resp.Header.Get(requestIDHeader)
			if !validRequestID(got) {
				t.Fatalf("X-Request-Id %q is not well-formed", got)
			}
			if tt.keep != (got == tt.sent) {
				t.Fatalf("sent %q, got %q; want kept=%v", tt.sent, got, tt.keep)
			}
			if !tt.keep && seen[got] {
				t.Fatalf("ID %q given twice", got)
			}
			seen[got] = true
		})
	}
}
