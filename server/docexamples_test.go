package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/redthread-dev/redthread/audit"
	"github.com/redthread-dev/redthread/cases"
	"github.com/redthread-dev/redthread/cases/shares"
	"github.com/redthread-dev/redthread/identity"
	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

// showDocAnswers logs every example's answer (go test ./server -run TestDocExamples -v -args -docs.show),
// for whoever writes an example.
var showDocAnswers = flag.Bool("docs.show", false, "log the answer of every documentation example")

// docWorld is the server the examples of one file run against: the demo
// case in a real embedded store, with cases, shares, audit and ingest
// jobs (import directory examples/demo), served over real HTTP.
type docWorld struct {
	ts      *httptest.Server
	tokens  map[string]string // as= → bearer token
	capture map[string]any
}

func newDocWorld(t *testing.T) *docWorld {
	t.Helper()
	st := demoServer(t)
	ids, err := identity.New(st.State(), identity.Options{Argon2: server.CheapArgon2})
	if err != nil {
		t.Fatal(err)
	}
	if err := ids.Bootstrap(t.Context(), server.TestAdminToken); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.EnsureDemo(t.Context()); err != nil {
		t.Fatal(err)
	}
	demoUser, err := ids.UserByEmail(t.Context(), identity.DemoEmail)
	if err != nil {
		t.Fatal(err)
	}
	_, analyst, err := ids.CreateToken(t.Context(), identity.LocalAgency, demoUser.ID, []identity.Scope{identity.ScopeRead, identity.ScopeWrite, identity.ScopeIngest}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	partner := server.NewTestToken(t, ids, "fiu", "ana@fiu.example", identity.RoleAnalyst, identity.ScopeRead, identity.ScopeWrite)
	cs, err := cases.Open(t.Context(), st.State(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	importDir, err := filepath.Abs("../examples/demo")
	if err != nil {
		t.Fatal(err)
	}
	jm, err := jobs.New(st, jobs.Config{ImportDir: importDir, StateDir: t.TempDir(), SameAs: st})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(jm.Close)
	cfg := server.DefaultConfig()
	cfg.Identity, cfg.Cases, cfg.Jobs = ids, cs, jm
	cfg.Shares = shares.New(st.State(), cs, ids, shares.Options{})
	cfg.Audit = audit.New(st.State(), nil, nil)
	cfg.MetricsToken = docMetricsToken
	return &docWorld{
		ts:      start(t, st, cfg),
		tokens:  map[string]string{"": analyst, "analyst": analyst, "admin": server.TestAdminToken, "partner": partner},
		capture: map[string]any{},
	}
}

// docAnswer is a GraphQL answer as the examples are judged on it.
type docAnswer struct {
	Data       map[string]json.RawMessage `json:"data"`
	Errors     []gqlError                 `json:"errors"`
	Extensions map[string]json.RawMessage `json:"extensions"`
}

// runOp runs one example operation and reports what is wrong with its
// answer, naming the file and line.
func (w *docWorld) runOp(t *testing.T, o docOp) {
	t.Helper()
	token, ok := w.tokens[o.block.attrs["as"]]
	if !ok {
		t.Errorf("%s: unknown as=%q", o.where(), o.block.attrs["as"])
		return
	}
	vars := map[string]any{}
	if o.block.vars != "" && len(o.op.VariableDefinitions) > 0 {
		if err := json.Unmarshal([]byte(o.block.vars), &vars); err != nil {
			t.Errorf("%s: variables block: %v", o.where(), err)
			return
		}
	}
	// The operation's own variables: captured values win over the shown ones.
	own := map[string]any{}
	for _, v := range o.op.VariableDefinitions {
		if x, ok := vars[v.Variable]; ok {
			own[v.Variable] = x
		}
		if c, ok := w.capture[v.Variable]; ok {
			own[v.Variable] = c
		}
	}
	vars = own
	b, _ := json.Marshal(map[string]any{"query": o.text, "variables": vars})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, w.ts.URL+"/graphql", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if *showDocAnswers {
		t.Logf("%s: %.2000s", o.where(), raw)
	}
	var ans docAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		t.Errorf("%s: HTTP %d, not JSON: %.300s", o.where(), resp.StatusCode, raw)
		return
	}
	if want := o.block.attrs["expect-error"]; want != "" {
		if !slices.ContainsFunc(ans.Errors, func(e gqlError) bool { return e.Extensions["code"] == want }) {
			t.Errorf("%s: expected error %s, got %.400s", o.where(), want, raw)
		}
		return
	}
	switch {
	case len(ans.Errors) > 0:
		t.Errorf("%s: example fails: %.600s", o.where(), raw)
	case ans.Data == nil:
		t.Errorf("%s: data is null: %.300s", o.where(), raw)
	case len(ans.Extensions["warnings"]) > 0 && string(ans.Extensions["warnings"]) != "null":
		t.Errorf("%s: example is clamped: %s", o.where(), ans.Extensions["warnings"])
	}
	for k, v := range ans.Data {
		if string(v) == "null" {
			t.Errorf("%s: %s answers null (nothing found?)", o.where(), k)
		}
	}
	w.keep(t, o, ans)
}

// keep stores the captures an operation's block asks for.
func (w *docWorld) keep(t *testing.T, o docOp, ans docAnswer) {
	t.Helper()
	spec := o.block.attrs["capture"]
	if spec == "" {
		return
	}
	for _, c := range strings.Split(spec, ",") {
		name, path, _ := strings.Cut(c, ":")
		root, rest, _ := strings.Cut(path, ".")
		v, ok := ans.Data[root]
		if !ok {
			continue // another operation of the block answers it
		}
		var cur any
		_ = json.Unmarshal(v, &cur)
		for _, p := range strings.Split(rest, ".") {
			if p == "" {
				continue
			}
			switch x := cur.(type) {
			case map[string]any:
				cur = x[p]
			case []any:
				i, err := strconv.Atoi(p)
				if err != nil || i < 0 || i >= len(x) {
					t.Errorf("%s: capture %s: no %s", o.where(), name, path)
					return
				}
				cur = x[i]
			}
		}
		if cur == nil {
			t.Errorf("%s: capture %s: %s is missing", o.where(), name, path)
			continue
		}
		w.capture[name] = cur
	}
}

// runSh runs a curl block with bash (a Python block with python) in a directory of its own, the
// server's URL in place of 127.0.0.1:8080 and the tokens and captures in
// the environment; its output must hold no GraphQL error (or the one it
// expects).
func (w *docWorld) runSh(t *testing.T, b docBlock, python string) {
	t.Helper()
	dir := t.TempDir()
	if files := b.attrs["files"]; files != "" {
		for _, f := range strings.Split(files, ",") {
			data, err := os.ReadFile("../" + f)
			if err != nil {
				t.Fatalf("%s: files: %v", b.where(), err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	script := strings.ReplaceAll(b.text, "http://127.0.0.1:8080", w.ts.URL)
	cmd := exec.CommandContext(t.Context(), "bash", "-e", "-o", "pipefail", "-c", script)
	if b.lang == "python" {
		cmd = exec.CommandContext(t.Context(), python, "-c", pythonPrelude+script)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TOKEN="+w.tokens[""], "ADMIN_TOKEN="+server.TestAdminToken, "PARTNER_TOKEN="+w.tokens["partner"],
		"REDTHREAD_METRICS_TOKEN="+docMetricsToken)
	for k, v := range w.capture {
		if s, ok := v.(string); ok {
			cmd.Env = append(cmd.Env, k+"="+s)
		}
	}
	out, err := cmd.CombinedOutput()
	if *showDocAnswers {
		t.Logf("%s: %.2000s", b.where(), out)
	}
	if err != nil {
		t.Errorf("%s: %v\n%s", b.where(), err, out)
		return
	}
	if want := b.attrs["expect-error"]; want != "" {
		if !bytes.Contains(out, []byte(`"code":"`+want+`"`)) {
			t.Errorf("%s: expected error %s, got\n%s", b.where(), want, out)
		}
		return
	}
	// expect=TEXT: the output holds TEXT (URL-escaped: %20 is a space), case aside.
	want, err := url.PathUnescape(b.attrs["expect"])
	if err != nil {
		t.Errorf("%s: expect=: %v", b.where(), err)
	}
	if want != "" && !bytes.Contains(bytes.ToLower(out), []byte(strings.ToLower(want))) {
		t.Errorf("%s: output lacks %q:\n%s", b.where(), want, out)
	}
	// A block that calls the GraphQL API must get data and no error.
	graphQL := strings.Contains(b.text, "/graphql")
	if b.lang != "python" && graphQL && (bytes.Contains(out, []byte(`"errors"`)) || !bytes.Contains(out, []byte(`"data"`))) {
		t.Errorf("%s: example fails:\n%s", b.where(), out)
	}
	w.keepSh(t, b, out)
}

// keepSh stores captures of a curl block from its first JSON answer.
func (w *docWorld) keepSh(t *testing.T, b docBlock, out []byte) {
	t.Helper()
	if b.attrs["capture"] == "" {
		return
	}
	i := bytes.IndexByte(out, '{')
	var ans docAnswer
	if i < 0 || json.NewDecoder(bytes.NewReader(out[i:])).Decode(&ans) != nil {
		t.Errorf("%s: no JSON answer to capture from", b.where())
		return
	}
	w.keep(t, docOp{block: b, line: b.line}, ans)
}

// docMetricsToken is the examples' server's --metrics-token, in the
// environment as README's scraper example reads it.
const docMetricsToken = "doc-metrics-token-0123456789abcdef0123"

// pythonPrelude runs before a Python example: TOKEN as the example's
// reader sets it, and every requests.post checked for errors and null data.
const pythonPrelude = `import os, requests
TOKEN = os.environ["TOKEN"]
_post = requests.post
def _checked(*args, **kwargs):
    r = _post(*args, **kwargs)
    body = r.json()
    if body.get("errors") or body.get("data") is None:
        raise SystemExit("example fails: HTTP %d %s" % (r.status_code, r.text[:600]))
    return r
requests.post = _checked
`

// exampleRunners finds curl, and a Python with requests for the Python
// examples (make pyenv's .venv has it): missing under CI, or curl
// anywhere, fails; a missing Python elsewhere skips them, saying so.
func exampleRunners(t *testing.T) (python string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed to run the documentation's curl examples")
	}
	venv, err := filepath.Abs("../.venv/bin/python") // a block runs in a directory of its own
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{venv, "python3"} {
		if exec.CommandContext(t.Context(), p, "-c", "import requests").Run() == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Python with requests for the documentation's Python examples: make pyenv")
	}
	t.Log("the documentation's Python examples are not run: no Python with requests (make pyenv)")
	return ""
}

// isPythonBlock: a Python block that calls the API over requests. One
// that uses the redthread client is run by the client's own tests
// (clients/python/tests/test_investigation.py), where it is installed.
func isPythonBlock(b docBlock) bool {
	client := strings.Contains(b.text, "from redthread") || strings.Contains(b.text, "import redthread")
	return b.lang == "python" && strings.Contains(b.text, "127.0.0.1:8080") && !client
}

// TestDocExamples runs every example of README.md and docs/**/*.md
// against the demo case, file by file, each file on a fresh server and in
// the order it is written (a mutation's effect is what the next example
// sees).
func TestDocExamples(t *testing.T) {
	python := exampleRunners(t)
	for _, file := range docFiles(t) {
		blocks := readBlocks(t, "..", file)
		if !slices.ContainsFunc(blocks, func(b docBlock) bool { return b.lang == "graphql" || isCurlBlock(b) }) {
			continue
		}
		t.Run(file, func(t *testing.T) {
			w := newDocWorld(t)
			for _, b := range blocks {
				switch {
				case b.lang == "graphql":
					for _, o := range operations(t, b) {
						w.runOp(t, o)
					}
				case isCurlBlock(b):
					w.runSh(t, b, "")
				case isPythonBlock(b) && python != "":
					w.runSh(t, b, python)
				}
			}
		})
	}
}

// TestDocCoverage: every Query and Mutation field of schema.graphqls has
// an example in the documentation (which TestDocExamples runs).
func TestDocCoverage(t *testing.T) {
	src, err := os.ReadFile("../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	seen := map[string]bool{}
	for _, b := range allDocBlocks(t) {
		if b.lang != "graphql" {
			continue
		}
		for _, o := range operations(t, b) {
			for _, f := range rootFields(o) {
				seen[f] = true
			}
		}
	}
	var missing []string
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation} {
		for _, f := range root.Fields {
			if !strings.HasPrefix(f.Name, "__") && !seen[root.Name+"."+f.Name] {
				missing = append(missing, root.Name+"."+f.Name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d fields of schema.graphqls have no example in README.md or docs/ (add one to docs/api.md): %s", len(missing), strings.Join(missing, ", "))
	}
}
