package server_test

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// The documentation's examples are fenced blocks of README.md and
// docs/**/*.md. Their info string says how the test runs them:
//
//	```graphql                     each operation runs as the analyst of the demo case
//	```graphql as=admin            … as the deployment administrator (as=partner: an analyst of agency fiu)
//	```graphql expect-error=CODE   … and must fail with extensions.code CODE
//	```graphql capture=name:path   … keeps data.path of its answer as variable `name` for later examples
//	```json                        right after a graphql block: its variables
//	```sh                          run with bash when it calls curl: $TOKEN, $ADMIN_TOKEN and captures set
//	```sh files=DIR/a.csv,b.csv    … with those files (paths from the repository root) in its directory
//	```sh expect=TEXT              … and its output (headers with -i) must hold TEXT (URL-escaped)
//	```python                      run with python (requests) when it calls the API, TOKEN set, each requests.post checked

// docBlock is one fenced block of a documentation file.
type docBlock struct {
	file  string // relative to the repository root
	line  int    // line of the opening fence
	lang  string
	attrs map[string]string
	text  string
	vars  string // the json block that follows a graphql block
}

func (b docBlock) where() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

// docOp is one GraphQL operation of a block.
type docOp struct {
	block docBlock
	line  int // line of the operation in the file
	text  string
	op    *ast.OperationDefinition
}

func (o docOp) where() string { return fmt.Sprintf("%s:%d", o.block.file, o.line) }

// docFiles are README.md and every Markdown file under docs/.
func docFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"README.md"}
	err := filepath.WalkDir("../docs", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			files = append(files, strings.TrimPrefix(filepath.ToSlash(p), "../"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// readBlocks returns the fenced blocks of file, json variables attached
// to the graphql block before them.
func readBlocks(t *testing.T, root, file string) []docBlock {
	t.Helper()
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []docBlock
	var cur *docBlock
	var body strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			fields := strings.Fields(strings.TrimPrefix(trimmed, "```"))
			cur = &docBlock{file: file, line: n, attrs: map[string]string{}}
			if len(fields) > 0 {
				cur.lang = fields[0]
			}
			for _, a := range fields[min(1, len(fields)):] {
				k, v, _ := strings.Cut(a, "=")
				cur.attrs[k] = v
			}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.text = body.String()
			if cur.lang == "json" && len(blocks) > 0 && blocks[len(blocks)-1].lang == "graphql" && blocks[len(blocks)-1].vars == "" {
				blocks[len(blocks)-1].vars = cur.text
			} else {
				blocks = append(blocks, *cur)
			}
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s: unclosed block", cur.where())
	}
	return blocks
}

// operations splits a graphql block into its operations, each with its
// own text (the comments before the next one included).
func operations(t *testing.T, b docBlock) []docOp {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Name: b.file, Input: b.text})
	if err != nil {
		t.Errorf("%s: example does not parse: %v", b.where(), err)
		return nil
	}
	if len(doc.Fragments) > 0 {
		t.Errorf("%s: fragments in examples are not supported by this test", b.where())
	}
	runes := []rune(b.text)
	ops := make([]docOp, 0, len(doc.Operations))
	for i, op := range doc.Operations {
		end := len(runes)
		if i+1 < len(doc.Operations) {
			end = doc.Operations[i+1].Position.Start
		}
		ops = append(ops, docOp{block: b, line: b.line + op.Position.Line, text: string(runes[op.Position.Start:end]), op: op})
	}
	return ops
}

// rootFields are the top-level fields an operation asks, as "Query.x".
func rootFields(o docOp) []string {
	root := map[ast.Operation]string{ast.Query: "Query", ast.Mutation: "Mutation", ast.Subscription: "Subscription"}[o.op.Operation]
	var out []string
	for _, s := range o.op.SelectionSet {
		if f, ok := s.(*ast.Field); ok && !strings.HasPrefix(f.Name, "__") {
			out = append(out, root+"."+f.Name)
		}
	}
	return out
}

// allDocBlocks reads every documentation file's blocks.
func allDocBlocks(t *testing.T) []docBlock {
	t.Helper()
	var all []docBlock
	for _, f := range docFiles(t) {
		all = append(all, readBlocks(t, "..", f)...)
	}
	return all
}

// isCurlBlock: a shell block that calls the API.
func isCurlBlock(b docBlock) bool {
	return (b.lang == "sh" || b.lang == "bash") && strings.Contains(b.text, "curl ") && strings.Contains(b.text, "127.0.0.1:8080")
}

// TestDocBlocksParse: the reader finds blocks, attributes and variables.
func TestDocBlocksParse(t *testing.T) {
	dir := t.TempDir()
	md := "# x\n\n```graphql as=admin capture=id:saveCase.id\n{ a }\n# two\nquery Q($x: ID!) { b(id: $x) }\n```\n\nvars:\n\n```json\n{\"x\": \"1\"}\n```\n\n```sh\ncurl http://127.0.0.1:8080/graphql\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "t.md"), []byte(md), 0o600); err != nil {
		t.Fatal(err)
	}
	blocks := readBlocks(t, dir, "t.md")
	if len(blocks) != 2 || blocks[0].attrs["as"] != "admin" || blocks[0].attrs["capture"] != "id:saveCase.id" || blocks[0].vars != "{\"x\": \"1\"}\n" || !isCurlBlock(blocks[1]) {
		t.Fatalf("blocks: %+v", blocks)
	}
	ops := operations(t, blocks[0])
	if len(ops) != 2 || ops[0].line != 4 || ops[1].line != 6 || !strings.HasPrefix(ops[1].text, "query Q") || !slices.Equal(rootFields(ops[1]), []string{"Query.b"}) {
		t.Fatalf("ops: %+v", ops)
	}
}
