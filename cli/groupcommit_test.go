package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/graph/boltstore"
)

// TestIngestGroupCommitFlag: --group-commit takes 0 to maxGroupCommit;
// anything else is a usage error naming the flag, and a job with group
// commit loads what one without does.
func TestIngestGroupCommitFlag(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "n.jsonl")
	var lines strings.Builder
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		lines.WriteString(`{"type":"node","kind":"PERSON","key":"` + k + `","sources":[{"dataset":"t"}]}` + "\n")
	}
	if err := os.WriteFile(in, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tt := range []struct {
		value string
		code  int
		say   string
	}{
		{"0", ExitOK, ""},
		{"2", ExitOK, ""},
		{"1000", ExitOK, ""},
		{"-1", ExitUsage, "--group-commit must be 0 to 1000"},
		{"1001", ExitUsage, "--group-commit must be 0 to 1000"},
		{"99999999999999999999", ExitUsage, "group-commit"},
		{"two", ExitUsage, "group-commit"},
	} {
		var stderr bytes.Buffer
		m := Main{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}
		data := filepath.Join(dir, "db", tt.value)
		code := m.Run(context.Background(), []string{"ingest", "--data", data, "--batch-size", "2",
			"--checkpoint", filepath.Join(dir, "ck"+strings.Repeat("x", i)), "--group-commit", tt.value, in})
		if code != tt.code || !strings.Contains(stderr.String(), tt.say) {
			t.Errorf("--group-commit %s: exit %d, want %d saying %q:\n%s", tt.value, code, tt.code, tt.say, stderr.String())
		}
		if tt.code == ExitOK {
			checkPersons(t, data, "a", "b", "c", "d", "e")
		}
	}
}

// checkPersons checks that the embedded store in dir holds the persons keys.
func checkPersons(t *testing.T, dir string, keys ...string) {
	t.Helper()
	ctx := context.Background()
	s, err := boltstore.Open(ctx, dir, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	for _, k := range keys {
		id, _, err := graph.NodeID(graph.KindPerson, k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Node(ctx, id); err != nil {
			t.Errorf("%s: %s: %v", dir, id, err)
		}
	}
}
