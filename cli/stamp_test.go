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

// TestIngestStamp: redthread ingest --agency --user --marking stamps every
// source, over what the file claims; bad flags are usage errors naming the
// flag, before anything is written.
func TestIngestStamp(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "db")
	in := filepath.Join(dir, "n.jsonl")
	lines := `{"type":"node","kind":"PERSON","key":"p1","sources":[{"dataset":"t"}]}
{"type":"node","kind":"PERSON","key":"p2","sources":[{"dataset":"t","agency":"cyber","marking":"TLP:RED"}]}
`
	if err := os.WriteFile(in, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		var stderr bytes.Buffer
		m := Main{Stdout: io.Discard, Stderr: &stderr, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }}
		return m.Run(context.Background(), args), stderr.String()
	}
	if code, out := run("agency", "add", "--data", data, "fiu"); code != ExitOK {
		t.Fatalf("agency add: %d %s", code, out)
	}
	if code, out := run("user", "add", "--data", data, "--agency", "fiu", "--role", "analyst", "ana@fiu.example"); code != ExitOK {
		t.Fatalf("user add: %d %s", code, out)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--marking", "purple"}, "--marking: marking \"purple\""},
		{[]string{"--agency", "Not A Slug"}, "--agency: agency"},
		{[]string{"--agency", "nosuch"}, `--agency "nosuch": no such agency`},
		{[]string{"--user", "ana@fiu.example"}, "--user needs --agency"},
		{[]string{"--agency", "fiu", "--user", "bo@fiu.example"}, "--user: no user with that email"},
	}
	for _, tt := range bad {
		args := append([]string{"ingest", "--data", data, "--checkpoint", "none"}, tt.args...)
		if code, out := run(append(args, in)...); code != ExitUsage || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", tt.args, code, ExitUsage, tt.want, out)
		}
	}
	if code, out := run("ingest", "--data", data, "--checkpoint", "none", "--agency", "fiu", "--user", "ana@fiu.example", "--marking", "green", in); code != ExitOK {
		t.Fatalf("ingest: %d %s", code, out)
	}
	st, err := boltstore.Open(t.Context(), data, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, marking := range map[string]graph.Marking{"person:p1": graph.TLPGreen, "person:p2": graph.TLPRed} {
		n, err := st.Node(t.Context(), id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if len(n.Sources) != 1 {
			t.Fatalf("%s: sources %+v", id, n.Sources)
		}
		s := n.Sources[0]
		if s.Agency != "fiu" || s.User == "" || s.Marking != marking {
			t.Errorf("%s: source %+v, want agency fiu, ana's user ID, %s", id, s, marking)
		}
	}
}
