package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run runs the binary with args and env (on top of the test's) and
// returns its exit code, stdout and stderr.
func run(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return code, stdout.String(), stderr.String()
}

// flagLine is a flag's heading in a command's help.
var flagLine = regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`)

// TestHelpOfEveryCommand reads the real binary's help: each command's
// usage line, description and flags with their environment variables,
// the same by "help CMD" and "CMD --help"; unknown commands and flags
// exit 2 with a clear message.
func TestHelpOfEveryCommand(t *testing.T) {
	bin := binary(t)
	commands := [][]string{
		{"serve"}, {"ingest"}, {"generate"}, {"neo4j-import"},
		{"agency", "add"}, {"agency", "list"}, {"user", "add"}, {"user", "list"}, {"user", "role"},
		{"user", "disable"}, {"user", "enable"}, {"user", "link"},
		{"token", "create"}, {"token", "revoke"}, {"token", "list"},
		{"sharekey", "rotate"}, {"sharekey", "list"},
	}
	for _, c := range commands {
		name := strings.Join(c, " ")
		t.Run(name, func(t *testing.T) {
			code, help, stderr := run(t, bin, nil, append([]string{"help"}, c...)...)
			if code != 0 {
				t.Fatalf("help %s: exit %d\n%s", name, code, stderr)
			}
			if !strings.HasPrefix(help, "Usage: redthread "+name) {
				t.Errorf("help %s starts %q", name, help[:min(len(help), 80)])
			}
			para := strings.SplitN(help, "\n\n", 3)
			if len(para) < 3 || len(strings.TrimSpace(para[1])) < 30 {
				t.Errorf("help %s has no description paragraph:\n%s", name, help)
			}
			flags := flagLine.FindAllStringSubmatch(help, -1)
			if len(flags) < 2 {
				t.Fatalf("help %s lists %d flags:\n%s", name, len(flags), help)
			}
			for _, f := range flags {
				env := "$REDTHREAD_" + strings.ToUpper(strings.ReplaceAll(f[1], "-", "_"))
				if !strings.Contains(help, env) {
					t.Errorf("help %s: --%s without %s", name, f[1], env)
				}
			}
			code, same, _ := run(t, bin, nil, append(c, "--help")...)
			if code != 0 || same != help {
				t.Errorf("%s --help: exit %d, differs from help %s", name, code, name)
			}
			code, _, stderr = run(t, bin, nil, append(c, "--no-such-flag")...)
			if code != 2 || !strings.Contains(stderr, "flag provided but not defined: -no-such-flag") || !strings.Contains(stderr, "redthread help") {
				t.Errorf("%s --no-such-flag: exit %d\n%s", name, code, stderr)
			}
		})
	}
	for _, args := range [][]string{{"no-such-command"}, {"help", "no-such-command"}, {"user", "no-such-verb"}, {"serve", "--addr"}, {"serve", "--max-complexity", "lots"}} {
		code, _, stderr := run(t, bin, nil, args...)
		if code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	if code, out, _ := run(t, bin, nil, "--help"); code != 0 || !strings.Contains(out, "redthread help [COMMAND [VERB]]") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

// TestServeConfigurationAndMetrics starts the binary with a config file,
// the environment and flags: the start-up log (JSON: stderr is not a
// terminal) gives each value and its origin with secrets masked and
// nowhere in clear; /metrics refuses anonymous requests on the main
// listener and answers on --metrics-addr.
func TestServeConfigurationAndMetrics(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	const neo4jSecret, metricsSecret = "neo4j-secret-in-the-file", "metrics-secret-0123456789abcdef0123"
	conf := filepath.Join(dir, "redthread.conf")
	if err := os.WriteFile(conf, []byte("# e2e\nmax-complexity = 150000\nneo4j-password = \""+neo4jSecret+"\"\nquery-timeout = 7s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REDTHREAD_CONFIG", conf)
	t.Setenv("REDTHREAD_METRICS_TOKEN", metricsSecret)
	t.Setenv("REDTHREAD_QUERY_TIMEOUT", "8s")
	s := serve(t, bin, filepath.Join(dir, "data"), "--metrics-addr", "127.0.0.1:0")

	var cfgLine map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(s.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == "configuration" {
			cfgLine = m
		}
	}
	if cfgLine == nil {
		t.Fatalf("no configuration line:\n%s", s.logs)
	}
	settings, _ := cfgLine["config"].(map[string]any)
	want := map[string][2]string{
		"max-complexity": {"150000", "file " + conf + ":2"},
		"neo4j-password": {"****", "file " + conf + ":3"},
		"query-timeout":  {"8s", "env REDTHREAD_QUERY_TIMEOUT"},
		"metrics-token":  {"****", "env REDTHREAD_METRICS_TOKEN"},
		"admin-token":    {"****", "env REDTHREAD_ADMIN_TOKEN"},
		"addr":           {"127.0.0.1:0", "flag"},
		"cors-origins":   {"", "default"},
		"config":         {conf, "env REDTHREAD_CONFIG"},
	}
	for k, w := range want {
		got, _ := settings[k].(map[string]any)
		if got["value"] != w[0] || got["from"] != w[1] {
			t.Errorf("config %s = %v, want value %q from %q", k, got, w[0], w[1])
		}
	}
	for _, secret := range []string{neo4jSecret, metricsSecret, adminToken} {
		if strings.Contains(s.logs.String(), secret) {
			t.Errorf("a secret is in the log in clear")
		}
	}

	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous /metrics: %d, want 401", resp.StatusCode)
	}
	s.stats() // one GraphQL request to count
	for _, get := range []func() (*http.Response, error){
		func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, s.url+"/metrics", nil)
			req.Header.Set("Authorization", "Bearer "+metricsSecret)
			return http.DefaultClient.Do(req)
		},
		func() (*http.Response, error) { return http.Get(s.metricsURL(t)) },
	} {
		resp, err := get()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`redthread_http_requests_total{code="200",operation="anonymous",route="graphql"}`)) {
			t.Errorf("/metrics: %d\n%.2000s", resp.StatusCode, body)
		}
	}
	// Request log lines carry the request ID of the X-Request-Id header.
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", strings.NewReader(`{"query":"{ stats { nodes } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "e2e-trace-42")
	if resp, err := authClient.Do(req); err == nil {
		resp.Body.Close()
	}
	// A line logged deep in a request (identity's failed sign-in) carries
	// the request's ID too.
	req, _ = http.NewRequest(http.MethodPost, s.url+"/auth/signin", strings.NewReader(`{"email":"nobody@example.org","password":"wrong wrong wrong"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "e2e-signin-7")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	s.stop()
	found := map[string]string{}
	for l := range strings.SplitSeq(strings.TrimSpace(s.logs.String()), "\n") {
		if strings.Count(l, `"request_id"`) > 1 {
			t.Errorf("request_id given twice: %s", l)
		}
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			if id, _ := m["request_id"].(string); id != "" {
				found[m["msg"].(string)+" "+id] = l
			}
		}
	}
	for _, want := range []string{"http request e2e-trace-42", "sign-in failed e2e-signin-7", "http request e2e-signin-7"} {
		if found[want] == "" {
			t.Errorf("no %q log line with its request ID", want)
		}
	}
}

// metricsURL is the metrics listener's URL, as the server printed it.
func (s *server) metricsURL(t *testing.T) string {
	t.Helper()
	select {
	case u := <-s.metrics:
		s.metrics <- u
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no metrics listener line on stdout")
	}
	return ""
}

// slowRequest sends the headers and half the body of a GraphQL request
// and returns a function that sends the rest and reads the answer.
func slowRequest(t *testing.T, url string) (finish func() (int, string)) {
	t.Helper()
	host := strings.TrimPrefix(url, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	body := `{"query":"query Slow { stats { nodes } }"}`
	half := len(body) / 2
	head := "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer " + adminToken +
		"\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body[:half]
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return func() (int, string) {
		if _, err := io.WriteString(conn, body[half:]); err != nil {
			t.Fatalf("send the rest: %v", err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("read the answer: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
}

// TestGracefulShutdown: on SIGTERM a request in flight completes with
// 200 while new connections are refused, and the process exits 0; a
// second signal exits at once.
func TestGracefulShutdown(t *testing.T) {
	bin := binary(t)
	s := serve(t, bin, t.TempDir())
	finish := slowRequest(t, s.url)
	time.Sleep(100 * time.Millisecond) //nolint:forbidigo // the server reads the headers
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait until the server stops accepting: a new request fails.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts requests 5 s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
	code, body := finish()
	if code != http.StatusOK || !strings.Contains(body, `"stats"`) {
		t.Errorf("request in flight: %d %s", code, body)
	}
	// Exits 0 by itself (s.stop would send a second signal).
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, s.logs)
	}
	if !strings.Contains(s.logs.String(), "shutting down") {
		t.Errorf("no shutdown line:\n%s", s.logs)
	}

	// A second signal while a request holds the shutdown: exit at once.
	s = serve(t, bin, t.TempDir())
	_ = slowRequest(t, s.url)
	time.Sleep(100 * time.Millisecond) //nolint:forbidigo // the server reads the headers
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond) //nolint:forbidigo // the first signal is handled
	start := time.Now()
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	err := s.cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 || time.Since(start) > 3*time.Second {
		t.Errorf("second signal: %v after %v, want exit 130 at once\n%s", err, time.Since(start), s.logs)
	}
}

// TestServeRefusesBadSettings: a bad value from a flag, the environment or
// the configuration file stops serve before it listens, with exit status 2
// and a message naming the setting (and the file's line).
func TestServeRefusesBadSettings(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(conf, []byte("addr = 127.0.0.1:0\nwrite-stall = forever\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin2 := filepath.Join(dir, "binary.conf")
	if err := os.WriteFile(bin2, []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"short metrics token", nil, []string{"--metrics-token", "short"}, "--metrics-token: at least 32 characters"},
		{"zero shutdown timeout", []string{"REDTHREAD_SHUTDOWN_TIMEOUT=0s"}, nil, "--shutdown-timeout must be positive"},
		{"metrics address", nil, []string{"--metrics-addr", "nonsense"}, "--metrics-addr"},
		{"env of the wrong type", []string{"REDTHREAD_PER_CLIENT=many"}, nil, "$REDTHREAD_PER_CLIENT: invalid value for --per-client"},
		{"file of the wrong type", nil, []string{"--config", conf}, conf + ":2: invalid value for write-stall"},
		{"binary file", []string{"REDTHREAD_CONFIG=" + bin2}, nil, bin2 + ":1: not text"},
		{"log format", nil, []string{"--log-format", "xml"}, "--log-format \"xml\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}, tt.args...)
			code, stdout, stderr := run(t, bin, tt.env, args...)
			if code != 2 || !strings.Contains(stderr, tt.want) || strings.Contains(stdout, "listening") {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and %q", code, stderr, stdout, tt.want)
			}
		})
	}
}
