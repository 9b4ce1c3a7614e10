package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaxValueSizeFlag(t *testing.T) {
	tests := []struct {
		env  string
		args []string
		want int
		err  bool
	}{
		{"", nil, 64 << 10, false},
		{"1MiB", nil, 1 << 20, false},
		{"1MiB", []string{"--max-value-size", "2k"}, 2 << 10, false},
		{"", []string{"--max-value-size", "0"}, -1, false},
		{"lots", nil, 0, true},
	}
	for _, tt := range tests {
		m := Main{Stderr: io.Discard, Getenv: func(k string) string {
			if k == "REDTHREAD_MAX_VALUE_SIZE" {
				return tt.env
			}
			return ""
		}}
		fs := m.newFlagSet("ingest")
		v := m.maxValueSizeFlag(fs)
		err := m.parse(fs, tt.args)
		got := 0
		if err == nil {
			got, err = v.limit()
		}
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("env %q, args %q: %d, %v; want %d (error %v)", tt.env, tt.args, got, err, tt.want, tt.err)
		}
	}
}

// TestIngestMaxValueSize: redthread ingest rejects a record over
// --max-value-size, says where and why, and exits with ExitRejected.
func TestIngestMaxValueSize(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "n.jsonl")
	line := `{"type":"node","kind":"PERSON","key":"p","label":"` + strings.Repeat("l", 2000) + `","sources":[{"dataset":"t"}]}` + "\n"
	if err := os.WriteFile(in, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		size string
		code int
	}{{"1KiB", ExitRejected}, {"64KiB", ExitOK}} {
		var stderr bytes.Buffer
		m := Main{Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" }}
		code := m.Run(context.Background(), []string{"ingest", "--data", filepath.Join(dir, "db-"+tt.size), "--checkpoint", "none", "--max-value-size", tt.size, in})
		if code != tt.code {
			t.Errorf("--max-value-size %s: exit %d, want %d:\n%s", tt.size, code, tt.code, stderr.String())
		}
		if want := `n.jsonl:1: field "label": the value is 2.0 KiB (2000 bytes), over the limit of 1 KiB`; tt.code == ExitRejected && !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}
