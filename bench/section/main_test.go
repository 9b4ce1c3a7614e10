package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redthread-dev/redthread/bench/internal/results"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "R.md")
	if err := os.WriteFile(md, []byte("# Results\n\nprose kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, sec, command, began string
		wantErr                       string
	}{
		{"written", "a  b\n1  2\n", "browser", "node x.mjs", "2026-12-07T19:00:00Z", ""},
		{"no command", "t", "browser", "", "", "want -out"},
		{"bad section", "t", "a--b", "c", "", "want -out"},
		{"empty table", "", "browser", "c", "", "no table"},
		{"bad time", "t", "browser", "c", "yesterday", "RFC 3339"},
		{"oversized", strings.Repeat("x", maxTable+1), "browser", "c", "", "over"},
	}
	for _, tt := range tests {
		err := run(strings.NewReader(tt.in), results.Write, md, tt.sec, "", tt.command, tt.began)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	got, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"prose kept", "<!-- bench:browser -->", "### browser", "`node x.mjs` — 2026-12-07 19:00 UTC", "```text\na  b\n1  2\n```", "<!-- /bench:browser -->"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("file lacks %q:\n%s", want, got)
		}
	}
}

func TestRunMarkdown(t *testing.T) {
	md := filepath.Join(t.TempDir(), "R.md")
	if err := run(strings.NewReader("| a |\n| --- |\n| 1 |\n"), results.WriteMarkdown, md, "browser", "", "node x.mjs", ""); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "\n| a |\n| --- |\n| 1 |\n<!-- /bench:browser -->") || strings.Contains(string(got), "```") {
		t.Errorf("the markdown table is not written as it is:\n%s", got)
	}
}
