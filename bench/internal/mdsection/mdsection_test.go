package mdsection

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReplace(t *testing.T) {
	tests := []struct {
		name, doc, section, body, want string
	}{
		{"new file", "", "baseline", "B1\n", "<!-- load:baseline -->\nB1\n<!-- /load:baseline -->\n"},
		{"appended after the text", "# Load\nintro", "baseline", "B1",
			"# Load\nintro\n\n<!-- load:baseline -->\nB1\n<!-- /load:baseline -->\n"},
		{"replaced in place, the rest kept",
			"# Load\n<!-- load:baseline -->\nold\n<!-- /load:baseline -->\nnotes\n<!-- load:after -->\nA\n<!-- /load:after -->\n",
			"baseline", "new",
			"# Load\n<!-- load:baseline -->\nnew\n<!-- /load:baseline -->\nnotes\n<!-- load:after -->\nA\n<!-- /load:after -->\n"},
		{"another section left alone",
			"<!-- load:after -->\nA\n<!-- /load:after -->\n", "soak", "S",
			"<!-- load:after -->\nA\n<!-- /load:after -->\n\n<!-- load:soak -->\nS\n<!-- /load:soak -->\n"},
		{"a prefix of a name is another name",
			"<!-- load:after2 -->\nX\n<!-- /load:after2 -->\n", "after", "A",
			"<!-- load:after2 -->\nX\n<!-- /load:after2 -->\n\n<!-- load:after -->\nA\n<!-- /load:after -->\n"},
		{"another namespace is another section",
			"<!-- bench:after -->\nX\n<!-- /bench:after -->\n", "after", "A",
			"<!-- bench:after -->\nX\n<!-- /bench:after -->\n\n<!-- load:after -->\nA\n<!-- /load:after -->\n"},
	}
	for _, tt := range tests {
		if got := Replace(tt.doc, "load", tt.section, tt.body); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "R.md")
	if err := Update(path, "bench", "a", "one"); err != nil {
		t.Fatal(err)
	}
	if err := Update(path, "bench", "a", "two"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<!-- bench:a -->\ntwo\n<!-- /bench:a -->\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{"", "a--b", "a b", "-a", "a:b", "x -->"} {
		if err := Update(path, "bench", bad, "x"); err == nil {
			t.Errorf("section %q accepted", bad)
		}
	}
}
