package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/ingest/jobs"
	"github.com/redthread-dev/redthread/server"
)

const hostileBoundary = "RedthreadHostile"

// goText is text of Go's libraries or of the server's files that must
// never reach a client.
var goText = []string{"multipart:", "json:", "strconv", "EOF", "NextPart", "MIME header", "textproto", "/tmp", ".go", "bufio", "graphql.RawParams"}

// noGoText fails the test if the response carries any of goText.
func noGoText(t *testing.T, raw string) {
	t.Helper()
	for _, s := range goText {
		if strings.Contains(raw, s) {
			t.Errorf("response carries %q: %s", s, raw)
		}
	}
}

// mpPart is one part of a hand-built multipart body.
func mpPart(name, content string) string {
	return "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + content + "\r\n"
}

func mpFile(name, content string) string {
	return "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"f.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n"
}

const mpEnd = "--" + hostileBoundary + "--\r\n"

// A valid request's parts: one upload in the list variable u.
const (
	hostileMutation = `mutation($u: [Upload!]) { startIngest(format: "native", uploads: $u) { id } }`
	hostileOps      = `{"query": "mutation($u: [Upload!]) { startIngest(format: \"native\", uploads: $u) { id } }", "variables": {"u": [null]}}`
	hostileMap      = `{"0": ["variables.u.0"]}`
	hostileLine     = `{"type":"node","kind":"PERSON","key":"h","sources":[{"dataset":"api"}]}`
)

// postRaw sends body as it is with the multipart content type ctype and
// the preflight header, and returns the status and the raw answer.
func postRaw(t *testing.T, ts *httptest.Server, ctype string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, ts.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("GraphQL-Require-Preflight", "1")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(raw)
}

// noStaging polls until the staging area under state holds no file.
func noStaging(t *testing.T, state string) {
	t.Helper()
	dir := filepath.Join(state, "jobs", "uploads", ".incoming")
	for deadline := time.Now().Add(5 * time.Second); ; {
		left := files(t, dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("files left after a refused upload: %q", left)
		}
		time.Sleep(5 * time.Millisecond) //nolint:forbidigo // polling interval, bounded by the deadline
	}
}

// TestUploadHostileBodies sends malformed and hostile multipart bodies:
// each is refused with its status, a coded error whose message names the
// part and the reason, no Go error text, and nothing left staged.
func TestUploadHostileBodies(t *testing.T) {
	store := openStore(t)
	state := t.TempDir()
	ts, _ := uploadServer(t, store, jobs.Config{StateDir: state})
	ctype := "multipart/form-data; boundary=" + hostileBoundary
	manyParts := mpPart("operations", hostileOps) + mpPart("map", hostileMap) + mpFile("0", hostileLine) + strings.Repeat(mpFile("x", "1"), 5000) + mpEnd
	bigMap := map[string][]string{}
	for i := range 5000 {
		bigMap[fmt.Sprint(i)] = []string{fmt.Sprintf("variables.u.%d", i)}
	}
	bigMapJSON, _ := json.Marshal(bigMap)
	tests := []struct {
		name   string
		ctype  string
		body   string
		status int
		code   string
		says   string // in the message
	}{
		{"no boundary in the content type", "multipart/form-data", mpPart("operations", hostileOps) + mpEnd, 400, "BAD_REQUEST", "boundary"},
		{"a boundary the body does not use", "multipart/form-data; boundary=other", mpPart("operations", hostileOps) + mpEnd, 400, "BAD_REQUEST", "no part begins with the boundary"},
		{"empty body", ctype, "", 400, "BAD_REQUEST", "no part begins with the boundary"},
		{"only the closing boundary", ctype, mpEnd, 400, "BAD_REQUEST", "no operations part"},
		{"truncated in operations", ctype, "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\"", 400, "BAD_REQUEST", "truncated in the operations part"},
		{"truncated in the operations part's end", ctype, mpPart("operations", hostileOps), 400, "BAD_REQUEST", "truncated in the operations part"},
		{"truncated after the map part's headers", ctype, mpPart("operations", hostileOps) + "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"map\"\r\n", 400, "BAD_REQUEST", "truncated at the map part"},
		{"truncated in a header line", ctype, mpPart("operations", hostileOps) + "--" + hostileBoundary + "\r\nContent-Disp", 400, "BAD_REQUEST", "malformed part headers at the map part"},
		{"truncated in a file", ctype, mpPart("operations", hostileOps) + mpPart("map", hostileMap) + "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a\"\r\n\r\n" + hostileLine, 400, "BAD_REQUEST", `truncated in file "0"`},
		{"truncated after the files", ctype, mpPart("operations", hostileOps) + mpPart("map", hostileMap) + mpFile("0", hostileLine) + "--" + hostileBoundary + "\r\n", 400, "BAD_REQUEST", "truncated after the last file"},
		{"malformed part header line", ctype, "--" + hostileBoundary + "\r\nContent-Disposition form-data; name=\"operations\"\r\n\r\n" + hostileOps + "\r\n" + mpEnd, 400, "BAD_REQUEST", "malformed part headers at the operations part"},
		{"malformed header line in the second part", ctype, mpPart("operations", hostileOps) + "--" + hostileBoundary + "\r\nContent-Disposition=form-data\r\n\r\n" + hostileMap + "\r\n" + mpEnd, 400, "BAD_REQUEST", "malformed part headers at the map part"},
		{"a part without a name", ctype, mpPart("operations", hostileOps) + "--" + hostileBoundary + "\r\nContent-Type: text/plain\r\n\r\n" + hostileMap + "\r\n" + mpEnd, 400, "BAD_REQUEST", `part "" where the map part belongs`},
		{"huge part header", ctype, "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"operations\"\r\nX-Junk: " + strings.Repeat("a", 200<<10) + "\r\n\r\n" + hostileOps + "\r\n" + mpEnd, 413, "LIMIT_EXCEEDED", "16 KiB of part headers"},
		{"thousands of header lines", ctype, "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"operations\"\r\n" + strings.Repeat("X-A: b\r\n", 9000) + "\r\n" + hostileOps + "\r\n" + mpEnd, 413, "LIMIT_EXCEEDED", "16 KiB of part headers"},
		{"huge preamble", ctype, strings.Repeat("preamble line\r\n", 20000) + mpPart("operations", hostileOps) + mpEnd, 413, "LIMIT_EXCEEDED", "text before the first part"},
		{"a file part before operations", ctype, mpFile("0", hostileLine) + mpPart("operations", hostileOps) + mpPart("map", hostileMap) + mpEnd, 400, "BAD_REQUEST", `part "0" where the operations part belongs`},
		{"map before operations", ctype, mpPart("map", hostileMap) + mpPart("operations", hostileOps) + mpEnd, 400, "BAD_REQUEST", `part "map" where the operations part belongs`},
		{"operations not JSON", ctype, mpPart("operations", "query { x }") + mpEnd, 400, "BAD_REQUEST", "operations part is not valid JSON (at byte 1)"},
		{"operations empty", ctype, mpPart("operations", "") + mpEnd, 400, "BAD_REQUEST", "operations part is empty"},
		{"operations truncated JSON", ctype, mpPart("operations", `{"query": "{`) + mpEnd, 400, "BAD_REQUEST", "operations part is truncated JSON"},
		{"operations variables a list", ctype, mpPart("operations", `{"query": "{ stats { nodes } }", "variables": [1]}`) + mpEnd, 400, "BAD_REQUEST", `has a JSON array at "variables"`},
		{"operations query a number", ctype, mpPart("operations", `{"query": 1e999}`) + mpEnd, 400, "BAD_REQUEST", `has a JSON number at "query"`},
		{"operations a string", ctype, mpPart("operations", `"{ stats { nodes } }"`) + mpEnd, 400, "BAD_REQUEST", "operations part is a JSON string"},
		{"operations with trailing data", ctype, mpPart("operations", hostileOps+" {}") + mpEnd, 400, "BAD_REQUEST", "has more after its JSON value"},
		{"operations batched", ctype, mpPart("operations", "["+hostileOps+"]") + mpEnd, 400, "INVALID_ARGUMENT", "batched"},
		{"operations larger than a request may be", ctype, mpPart("operations", `{"query": "`+strings.Repeat(" ", 16<<20)+`"}`) + mpEnd, 413, "LIMIT_EXCEEDED", "operations part is larger than"},
		{"map missing", ctype, mpPart("operations", hostileOps) + mpEnd, 400, "BAD_REQUEST", "no map part"},
		{"map not JSON", ctype, mpPart("operations", hostileOps) + mpPart("map", "{0: 1}") + mpEnd, 400, "BAD_REQUEST", "map part is not valid JSON (at byte 2)"},
		{"map of strings", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": "variables.u.0"}`) + mpEnd, 400, "BAD_REQUEST", `map part has a JSON string at "0"`},
		{"map of lists of numbers", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": [1]}`) + mpEnd, 400, "BAD_REQUEST", `map part has a JSON number in the list of "0"`},
		{"map a list", ctype, mpPart("operations", hostileOps) + mpPart("map", `[["variables.u.0"]]`) + mpEnd, 400, "BAD_REQUEST", "map part is a JSON array"},
		{"map to a missing variable", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": ["variables.nope.0"]}`) + mpFile("0", hostileLine) + mpEnd, 400, "INVALID_ARGUMENT", `nothing at "nope"`},
		{"map past the list", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": ["variables.u.7"]}`) + mpFile("0", hostileLine) + mpEnd, 400, "INVALID_ARGUMENT", `nothing at "u.7"`},
		{"map into a number index", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": ["variables.u.99999999999999999999"]}`) + mpFile("0", hostileLine) + mpEnd, 400, "INVALID_ARGUMENT", "nothing at"},
		{"map outside the variables", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": ["query"]}`) + mpEnd, 400, "INVALID_ARGUMENT", "files go into variables"},
		{"two files into one variable", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": ["variables.u.0"], "1": ["variables.u.0"]}`) + mpFile("0", hostileLine) + mpFile("1", hostileLine) + mpEnd, 400, "INVALID_ARGUMENT", `want null at "u.0"`},
		{"a file twice", ctype, mpPart("operations", hostileOps) + mpPart("map", hostileMap) + mpFile("0", hostileLine) + mpFile("0", hostileLine) + mpEnd, 400, "INVALID_ARGUMENT", `file "0" comes twice`},
		{"a file the map names is missing", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": ["variables.u.0"], "1": ["variables.u.1"]}`) + mpFile("0", hostileLine) + mpEnd, 400, "INVALID_ARGUMENT", `names file "1"`},
		{"thousands of parts", ctype, manyParts, 400, "INVALID_ARGUMENT", `part "x" is not in the map`},
		{"a part name of 100 KB", ctype, mpPart("operations", hostileOps) + mpPart("map", hostileMap) + mpFile(strings.Repeat("n", 100<<10), "1") + mpEnd, 413, "LIMIT_EXCEEDED", "16 KiB of part headers"},
		{"100 KB after the closing boundary", ctype, mpPart("operations", hostileOps) + mpPart("map", hostileMap) + mpFile("0", hostileLine) + mpEnd + strings.Repeat("epilogue\r\n", 10_000), 400, "BAD_REQUEST", "more than 4 KiB after the closing boundary"},
		{"thousands of files in the map", ctype, mpPart("operations", hostileOps) + mpPart("map", string(bigMapJSON)) + mpEnd, 400, "LIMIT_EXCEEDED", "5000 files: a request carries at most"},
		{"thousands of paths for one file", ctype, mpPart("operations", hostileOps) + mpPart("map", `{"0": [`+strings.Repeat(`"variables.u.0",`, 5000)+`"variables.u.0"]}`) + mpEnd, 400, "LIMIT_EXCEEDED", "variable paths"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := postRaw(t, ts, tt.ctype, []byte(tt.body))
			var r gqlResponse
			if err := json.Unmarshal([]byte(raw), &r); err != nil {
				t.Fatalf("status %d, answer not JSON: %s", status, raw)
			}
			if status != tt.status || r.code() != tt.code || !strings.Contains(r.Errors[0].Message, tt.says) {
				t.Errorf("status %d, errors %+v; want %d %s saying %q", status, r.Errors, tt.status, tt.code, tt.says)
			}
			t.Logf("%d %s", status, r.Errors[0].Message)
			noGoText(t, raw)
			noStaging(t, state)
		})
	}
	// A short epilogue is allowed, as the spec of multipart says.
	status, raw := postRaw(t, ts, ctype, []byte(mpPart("operations", hostileOps)+mpPart("map", hostileMap)+mpFile("0", hostileLine)+mpEnd+"that was all\r\n"))
	if status != http.StatusOK || !strings.Contains(raw, `"startIngest":{"id":`) {
		t.Errorf("with an epilogue: %d %s", status, raw)
	}
	// The server goes on answering uploads.
	status, r := uploadRequest(t, ts, hostileMutation, map[string]any{"u": []any{nil}}, []upFile{{"u.0", "ok.jsonl", strings.NewReader(hostileLine + "\n")}}, nil, false)
	if status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("an upload after the hostile ones: %d %+v", status, r.Errors)
	}
}

// TestUploadTruncatedConnection: a client that declares more bytes than
// it sends, then shuts its side, gets a coded refusal naming the part
// (read over the raw connection), and nothing stays staged.
func TestUploadTruncatedConnection(t *testing.T) {
	store := openStore(t)
	state := t.TempDir()
	ts, _ := uploadServer(t, store, jobs.Config{StateDir: state})
	body := mpPart("operations", hostileOps) + mpPart("map", hostileMap) + "--" + hostileBoundary + "\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a\"\r\n\r\n" + hostileLine
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /graphql HTTP/1.1\r\nHost: " + ts.Listener.Addr().String() + "\r\nContent-Type: multipart/form-data; boundary=" + hostileBoundary +
		"\r\nGraphQL-Require-Preflight: 1\r\nAuthorization: Bearer " + server.TestAdminToken + "\r\nContent-Length: " + fmt.Sprint(len(body)+10000) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head+body); err != nil {
		t.Fatal(err)
	}
	_ = conn.(*net.TCPConn).CloseWrite()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	_ = json.Unmarshal(raw, &r)
	if resp.StatusCode != http.StatusBadRequest || r.code() != "BAD_REQUEST" || !strings.Contains(string(raw), `truncated in file \"0\"`) {
		t.Errorf("status %d: %s; want 400 BAD_REQUEST, truncated in file \"0\"", resp.StatusCode, raw)
	}
	noGoText(t, string(raw))
	noStaging(t, state)
}

// TestUploadVariableAsJSON: an Upload variable sent as a JSON value in a
// plain POST is the client's mistake, INVALID_ARGUMENT saying how to send
// a file, not INTERNAL.
func TestUploadVariableAsJSON(t *testing.T) {
	store := openStore(t)
	ts, _ := uploadServer(t, store, jobs.Config{StateDir: t.TempDir()})
	tests := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"a string in the list", hostileMutation, map[string]any{"u": []any{"x"}}},
		{"an object in the list", hostileMutation, map[string]any{"u": []any{map[string]any{"File": "/etc/passwd"}}}},
		{"a single Upload variable", `mutation($f: Upload!) { startIngest(format: "native", uploads: [$f]) { id } }`, map[string]any{"f": "x"}},
		{"a number coerced to a list", hostileMutation, map[string]any{"u": 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, r := post(t, ts, "application/json", map[string]any{"query": tt.query, "variables": tt.vars})
			if r.code() != "INVALID_ARGUMENT" || !strings.Contains(r.Errors[0].Message, "multipart request") {
				t.Errorf("status %d, errors %+v; want INVALID_ARGUMENT saying to send a multipart request", resp.StatusCode, r.Errors)
			}
			raw, _ := json.Marshal(r)
			noGoText(t, string(raw))
		})
	}
}
