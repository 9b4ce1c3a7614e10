package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDebugHandler(t *testing.T) {
	srv := httptest.NewServer(DebugHandler())
	t.Cleanup(srv.Close)

	t.Run("vars", func(t *testing.T) {
		res, err := http.Get(srv.URL + "/debug/vars")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("status %d, content type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var vars struct {
			Goroutines int              `json:"goroutines"`
			RSS        *int64           `json:"rss_bytes"`
			Memstats   *json.RawMessage `json:"memstats"`
			Cmdline    []string         `json:"cmdline"`
		}
		if err := json.NewDecoder(res.Body).Decode(&vars); err != nil {
			t.Fatalf("not JSON: %v", err)
		}
		if vars.Goroutines < 1 {
			t.Errorf("goroutines = %d", vars.Goroutines)
		}
		if vars.Memstats == nil || len(vars.Cmdline) == 0 {
			t.Errorf("expvar's own vars missing: memstats %v, cmdline %v", vars.Memstats, vars.Cmdline)
		}
		if runtime.GOOS == "linux" && (vars.RSS == nil || *vars.RSS < 1<<20) {
			t.Errorf("rss_bytes = %v, want the process's resident set", vars.RSS)
		}
	})

	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"pprof index", http.MethodGet, "/debug/pprof/", http.StatusOK, "goroutine"},
		{"named profile", http.MethodGet, "/debug/pprof/goroutine?debug=1", http.StatusOK, "goroutine profile:"},
		{"cmdline", http.MethodGet, "/debug/pprof/cmdline", http.StatusOK, ""},
		{"vars is read-only", http.MethodPost, "/debug/vars", http.StatusMethodNotAllowed, ""},
		{"nothing else", http.MethodGet, "/graphql", http.StatusNotFound, ""},
		{"not the default mux", http.MethodGet, "/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.200s", res.StatusCode, tt.status, b)
			}
			if !strings.Contains(string(b), tt.body) {
				t.Errorf("body lacks %q: %.200s", tt.body, b)
			}
		})
	}
}

func TestReadRSS(t *testing.T) {
	tests := []struct {
		name, status string
		want         int64
		wantErr      bool
		errIs        error
	}{
		{"kB", "Name:\tredthread\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t9\n", 123456 * 1024, false, nil},
		{"no unit", "VmRSS: 10\n", 10 * 1024, false, nil},
		{"no line (kernel thread)", "Name:\tkthreadd\nThreads:\t1\n", 0, true, errNoRSS},
		{"malformed", "VmRSS:\tmany kB\n", 0, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "status")
			if err := os.WriteFile(path, []byte(tt.status), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := readRSS(path)
			if (err != nil) != tt.wantErr || (tt.errIs != nil && !errors.Is(err, tt.errIs)) || got != tt.want {
				t.Errorf("readRSS = %d, %v; want %d (error: %v, %v)", got, err, tt.want, tt.wantErr, tt.errIs)
			}
		})
	}
	if _, err := readRSS(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
