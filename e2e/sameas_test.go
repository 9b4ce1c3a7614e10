package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestReportsSameActors: `redthread ingest` ends its report with the
// same-actor candidates the job's entities take part in, and merges nothing.
func TestIngestReportsSameActors(t *testing.T) {
	bin := binary(t)
	data, in := t.TempDir(), t.TempDir()
	files := map[string]string{
		"mitre.jsonl": `{"type":"node","kind":"THREAT_GROUP","key":"lazarus-group","label":"Lazarus Group","aliases":["HIDDEN COBRA"],"sources":[{"dataset":"mitre"}]}`,
		"ofac.jsonl": `{"type":"node","kind":"ORGANIZATION","key":"ofac-sdn-27307","label":"LAZARUS GROUP","aliases":["HIDDEN COBRA"],"sources":[{"dataset":"ofac"}]}` + "\n" +
			`{"type":"node","kind":"ORGANIZATION","key":"ofac-sdn-44437","label":"SINBAD","sources":[{"dataset":"ofac"}]}`,
		"tags.jsonl": `{"type":"node","kind":"SERVICE","key":"sinbad.io","label":"sinbad.io","sources":[{"dataset":"tagpack"}]}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(in, name), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ file, want string }{
		{"mitre.jsonl", ""},
		{"ofac.jsonl", "1 same-actor candidate to review (LAZARUS GROUP ↔ Lazarus Group): see sameAsCandidates"},
		{"tags.jsonl", "1 same-actor candidate to review (SINBAD ↔ sinbad.io)"},
	} {
		code, out := ingest(t, bin, data, filepath.Join(in, tt.file))
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", tt.file, code, out)
		}
		if tt.want == "" && strings.Contains(out, "same-actor") || !strings.Contains(out, tt.want) {
			t.Errorf("%s: the report should say %q:\n%s", tt.file, tt.want, out)
		}
	}
	s := serve(t, bin, data)
	if got := s.stats(); got.Edges != 0 || got.Nodes != 4 {
		t.Errorf("stats %+v: a report merges nothing and writes no SAME_AS", got)
	}
}
