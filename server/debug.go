package server

import (
	"bufio"
	"bytes"
	"errors"
	"expvar"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// DebugHandler serves the process's runtime figures for operators and load
// tests: expvar's /debug/vars (cmdline and memstats) with two more vars,
// goroutines and rss_bytes (null where the OS does not report it), and
// net/http/pprof under /debug/pprof/. It belongs on a listener of its own,
// on loopback: never on the public mux. Its mux is private: the
// registrations expvar and pprof make on http.DefaultServeMux are never
// served, since no Redthread listener uses that mux.
func DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/vars", debugVars)
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also serves the named profiles (heap, goroutine, ...)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// debugVars writes expvar's variables, as expvar.Handler does, and the
// extra ones. They are computed per request rather than published with
// expvar.Publish, which would be process-wide state (and panics on a second
// registration).
func debugVars(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	b.WriteString("{\n")
	expvar.Do(func(kv expvar.KeyValue) {
		fmt.Fprintf(&b, "%q: %s,\n", kv.Key, kv.Value)
	})
	fmt.Fprintf(&b, "%q: %d,\n", "goroutines", runtime.NumGoroutine())
	rss := "null"
	if n, err := readRSS("/proc/self/status"); err == nil {
		rss = strconv.FormatInt(n, 10)
	}
	fmt.Fprintf(&b, "%q: %s\n}\n", "rss_bytes", rss)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

var errNoRSS = errors.New("no VmRSS line")

// readRSS returns the resident set size in bytes from a Linux
// /proc/PID/status file (its VmRSS line, in kB).
func readRSS(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	defer f.Close() //nolint:errcheck // read only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("rss: VmRSS %q: %w", rest, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("rss: %w", err)
	}
	return 0, fmt.Errorf("rss: %s: %w", path, errNoRSS)
}
