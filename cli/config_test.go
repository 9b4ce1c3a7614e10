package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// parseServe parses serve's real flags with args, env and (when file is
// not empty) a configuration file holding file, and returns the settings.
func parseServe(t *testing.T, args []string, env map[string]string, file string) (map[string]setting, error) {
	t.Helper()
	if file != "" {
		path := filepath.Join(t.TempDir(), "redthread.conf")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	m := Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	fs := m.newFlagSet("serve")
	m.serveFlags(fs)
	err := m.parse(fs, args)
	out := map[string]setting{}
	for _, s := range settings(fs) {
		out[s.Name] = s
	}
	return out, err
}

func TestConfigPrecedence(t *testing.T) {
	const file = "# a deployment\naddr = \"10.0.0.1:1\"\nquery-timeout = 3s\n\nmax-complexity = 1000 # cheaper\nneo4j-uri = bolt://file:7687\nneo4j-password = \"p#ss\"\n"
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		file       string
		key        string
		want, from string
	}{
		{name: "default", key: "addr", want: "127.0.0.1:8080", from: "default"},
		{name: "file over default", file: file, key: "addr", want: "10.0.0.1:1", from: "file *:2"},
		{name: "env over file", file: file, env: map[string]string{"REDTHREAD_ADDR": "10.0.0.2:2"}, key: "addr", want: "10.0.0.2:2", from: "env REDTHREAD_ADDR"},
		{name: "flag over env", file: file, args: []string{"--addr", "10.0.0.3:3"}, env: map[string]string{"REDTHREAD_ADDR": "10.0.0.2:2"}, key: "addr", want: "10.0.0.3:3", from: "flag"},
		{name: "comment after a bare value", file: file, key: "max-complexity", want: "1000", from: "file *:5"},
		{name: "duration from the file", file: file, key: "query-timeout", want: "3s", from: "file *:3"},
		{name: "legacy env name", file: file, env: map[string]string{"NEO4J_URI": "bolt://legacy:7687"}, key: "neo4j-uri", want: "bolt://legacy:7687", from: "env NEO4J_URI"},
		{name: "new env name over the legacy one", env: map[string]string{"NEO4J_URI": "bolt://legacy:7687", "REDTHREAD_NEO4J_URI": "bolt://new:7687"}, key: "neo4j-uri", want: "bolt://new:7687", from: "env REDTHREAD_NEO4J_URI"},
		{name: "secret from the file is masked", file: file, key: "neo4j-password", want: "****", from: "file *:7"},
		{name: "admin token from the environment is masked", env: map[string]string{"REDTHREAD_ADMIN_TOKEN": "0123456789abcdef0123456789abcdef"}, key: "admin-token", want: "****", from: "env REDTHREAD_ADMIN_TOKEN"},
		{name: "unset secret shows empty", key: "metrics-token", want: "", from: "default"},
		{name: "bool from the environment", env: map[string]string{"REDTHREAD_SECURE_COOKIES": "true"}, key: "secure-cookies", want: "true", from: "env REDTHREAD_SECURE_COOKIES"},
		{name: "size from the environment", env: map[string]string{"REDTHREAD_MAX_UPLOAD_SIZE": "2MiB"}, key: "max-upload-size", want: "2 MiB", from: "env REDTHREAD_MAX_UPLOAD_SIZE"},
		{name: "config file from the environment", file: file, env: map[string]string{"REDTHREAD_CONFIG": "@file"}, key: "addr", want: "10.0.0.1:1", from: "file *:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, file, args := tt.env, tt.file, tt.args
			if env["REDTHREAD_CONFIG"] == "@file" {
				// The file named by the environment, not by --config.
				path := filepath.Join(t.TempDir(), "env.conf")
				if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
					t.Fatal(err)
				}
				env = map[string]string{"REDTHREAD_CONFIG": path}
				file = ""
			}
			got, err := parseServe(t, args, env, file)
			if err != nil {
				t.Fatal(err)
			}
			s := got[tt.key]
			from := s.From
			if i := strings.Index(from, "file "); i == 0 {
				from = "file *" + from[strings.LastIndexByte(from, ':'):]
			}
			if s.Value != tt.want || from != tt.from {
				t.Errorf("%s = %q from %q; want %q from %q", tt.key, s.Value, s.From, tt.want, tt.from)
			}
		})
	}
}

// TestConfigSecretsNeverPrinted: no secret's value appears anywhere in
// the settings, whichever way it was given.
func TestConfigSecretsNeverPrinted(t *testing.T) {
	const secretValue = "very-secret-value-0123456789abcdef"
	got, err := parseServe(t, []string{"--metrics-token", secretValue},
		map[string]string{"REDTHREAD_ADMIN_TOKEN": secretValue, "NEO4J_PASSWORD": secretValue}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if strings.Contains(s.Value, secretValue) {
			t.Errorf("%s shows its secret value", s.Name)
		}
	}
	for _, k := range []string{"admin-token", "metrics-token", "neo4j-password"} {
		if got[k].Value != "****" {
			t.Errorf("%s = %q, want ****", k, got[k].Value)
		}
	}
}

func TestConfigHostileFiles(t *testing.T) {
	huge := strings.Repeat("# padding padding padding padding\n", maxConfigBytes/30)
	tests := []struct {
		name string
		file string
		env  map[string]string
		want string // in the error
	}{
		{name: "unknown key names file and line", file: "addr = 127.0.0.1:0\n\nno-such-flag = 1\n", want: ":3: unknown key \"no-such-flag\""},
		{name: "wrong type", file: "max-complexity = lots\n", want: ":1: invalid value for max-complexity"},
		{name: "wrong duration", file: "query-timeout = 10\n", want: ":1: invalid value for query-timeout"},
		{name: "wrong bool", file: "secure-cookies = maybe\n", want: ":1: invalid value for secure-cookies"},
		{name: "bad size", file: "max-upload-size = -1GiB\n", want: ":1: invalid value for max-upload-size"},
		{name: "wrong env type", env: map[string]string{"REDTHREAD_QUERY_TIMEOUT": "soon"}, want: "$REDTHREAD_QUERY_TIMEOUT: invalid value for --query-timeout"},
		{name: "huge", file: huge, want: "larger than"},
		{name: "long line", file: "addr = " + strings.Repeat("x", maxConfigLine) + "\n", want: ":1: line longer than"},
		{name: "binary", file: "addr = 1\n\x00\x01\x02\xff\xfe", want: ":2: not text"},
		{name: "invalid UTF-8", file: "cors-origins = \"\xc3\x28\"\n", want: ":1: not text"},
		{name: "no equals", file: "addr 127.0.0.1:0\n", want: ":1: want key = value"},
		{name: "empty key", file: " = 1\n", want: ":1: want key = value"},
		{name: "duplicate key", file: "addr = a:1\naddr = b:2\n", want: ":2: addr set again (first on line 1)"},
		{name: "section", file: "[server]\naddr = a:1\n", want: ":1: sections are not supported"},
		{name: "unterminated string", file: "addr = \"127.0.0.1:0\n", want: ":1: addr: unterminated string"},
		{name: "junk after string", file: "addr = \"a:1\" b\n", want: ":1: addr: unexpected"},
		{name: "list", file: "allowed-hosts = [\"a\", \"b\"]\n", want: "lists and tables are not supported"},
		{name: "config names another file", file: "config = /etc/passwd\n", want: ":1: config cannot name another file"},
		{name: "missing file", env: map[string]string{"REDTHREAD_CONFIG": "/nonexistent/redthread.conf"}, want: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseServe(t, nil, tt.env, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if _, ok := err.(usageError); !ok {
				t.Errorf("err is %T, want a usage error (exit status 2)", err)
			}
		})
	}
}

// TestConfigNotARegularFile: a directory or a FIFO given as the file is
// refused without reading (a FIFO would block the start for ever).
func TestConfigNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{dir, fifo} {
		_, err := parseServe(t, []string{"--config", path}, nil, "")
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("--config %s: err = %v", path, err)
		}
	}
}

// TestConfigSharedByCommands: a file written for serve serves an admin
// command too, which ignores serve's other keys and takes its store ones;
// a key no command knows is still an error.
func TestConfigSharedByCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redthread.conf")
	data := filepath.Join(dir, "data")
	if err := os.WriteFile(path, []byte("addr = 127.0.0.1:0\nmax-complexity = 5\ndata = "+data+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	m := Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if code := m.Run(t.Context(), []string{"agency", "add", "--config", path, "fiu"}); code != ExitOK {
		t.Fatalf("agency add with serve's file: exit %d\n%s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, "redthread.db")); err != nil {
		t.Errorf("the file's data directory was not used: %v", err)
	}
	if err := os.WriteFile(path, []byte("data = "+data+"\nbogus = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	if code := m.Run(t.Context(), []string{"agency", "list", "--config", path}); code != ExitUsage || !strings.Contains(stderr.String(), ":2: unknown key \"bogus\"") {
		t.Errorf("unknown key: exit %d, stderr %q", code, stderr.String())
	}
}
