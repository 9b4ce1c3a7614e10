package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redthread-dev/redthread/graph"
	"github.com/redthread-dev/redthread/ingest/jobs"
)

// maxPartHeaderBytes bounds the framing read while looking for the next
// part: its boundary line, its headers and, before the first part, the
// preamble. mime/multipart allows 10 MiB of headers per part.
const maxPartHeaderBytes = 16 << 10

// The shapes the two JSON parts must have, quoted in refusals.
const (
	operationsShape = `a JSON object {"query": "...", "variables": {...}, "operationName": "..."}`
	mapShape        = `a JSON object from each file's part name to the variables it fills, such as {"0": ["variables.uploads.0"]}`
)

var errFramingTooLarge = errors.New("multipart framing larger than allowed")

// partReader reads a multipart body part by part and turns whatever goes
// wrong into a refusal naming the part and the reason: the text of
// mime/multipart, encoding/json or the network never reaches the client.
type partReader struct {
	mr       *multipart.Reader
	src      *framing
	body     *pacedBody   // its refusal, once tripped, wins
	tooLarge *uploadError // the answer past the body's limit
	parts    int          // found so far
	maxJSON  int64        // the largest operations or map part
}

func newPartReader(r io.Reader, boundary string, body *pacedBody, tooLarge *uploadError, maxJSON int64) *partReader {
	src := newFraming(r, boundary)
	return &partReader{mr: multipart.NewReader(src, boundary), src: src, body: body, tooLarge: tooLarge, maxJSON: maxJSON}
}

// framing counts the bytes read and fails past stop, which next sets
// while the multipart reader looks for a part. It keeps the last bytes
// read, to tell the closing boundary from a body cut after a boundary
// line: the multipart reader answers both with io.EOF.
type framing struct {
	r       io.Reader
	n       int64
	stop    int64
	tripped bool   // past stop once: what the multipart reader made of it is moot
	ended   bool   // the body ended (io.EOF or io.ErrUnexpectedEOF)
	tail    []byte // the last bytes read, at most cap(tail)
	final   []byte // the closing boundary, "--" boundary "--"
}

// newFraming keeps as many bytes as the multipart reader buffers (4 KiB)
// plus the closing boundary: when that reader sees the closing boundary,
// it is among the last bytes read.
func newFraming(r io.Reader, boundary string) *framing {
	final := []byte("--" + boundary + "--")
	return &framing{r: r, stop: math.MaxInt64, final: final, tail: make([]byte, 0, 4<<10+len(final)+8)}
}

func (f *framing) Read(p []byte) (int, error) {
	if f.n >= f.stop {
		f.tripped = true
		return 0, errFramingTooLarge
	}
	p = p[:min(int64(len(p)), f.stop-f.n)]
	n, err := f.r.Read(p)
	f.n += int64(n)
	f.keep(p[:n])
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		f.ended = true
	}
	return n, err
}

func (f *framing) keep(b []byte) {
	size := cap(f.tail)
	if len(b) >= size {
		f.tail = append(f.tail[:0], b[len(b)-size:]...)
		return
	}
	if over := len(f.tail) + len(b) - size; over > 0 {
		f.tail = f.tail[:copy(f.tail, f.tail[over:])]
	}
	f.tail = append(f.tail, b...)
}

// closed reports whether the multipart reader's io.EOF is the closing
// boundary: it did not come from the end of the body, or the closing
// boundary was among the last bytes.
func (f *framing) closed() bool {
	return !f.ended || bytes.Contains(f.tail, f.final)
}

// next returns the next part, or io.EOF after the closing boundary; at
// names the part looked for, for refusals. The bound covers the headers
// plus what the multipart reader's buffer (4 KiB) read ahead.
func (m *partReader) next(at string) (*multipart.Part, error) {
	m.src.stop = m.src.n + maxPartHeaderBytes + 4<<10
	part, err := m.mr.NextPart()
	m.src.stop = math.MaxInt64
	switch {
	case err == io.EOF && m.src.closed():
		return nil, io.EOF
	case err == io.EOF: // cut after a boundary line or a part's header lines
		return nil, m.refusal(io.ErrUnexpectedEOF, at)
	case err != nil && m.parts == 0 && m.body.err == nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		return nil, refuse(http.StatusBadRequest, graph.CodeBadRequest,
			"multipart request: no part begins with the boundary the Content-Type header names")
	case err != nil:
		return nil, m.refusal(err, at)
	}
	m.parts++
	return part, nil
}

// maxEpilogueBytes bounds what may follow the closing boundary.
const maxEpilogueBytes = 4 << 10

// finish reads what follows the closing boundary to the end of the body,
// under the same pace as the rest: left unread, the HTTP server would
// read it after the answer to reuse the connection, at whatever pace the
// client sends it.
func (m *partReader) finish() error {
	n, err := io.Copy(io.Discard, io.LimitReader(m.src, maxEpilogueBytes+1))
	switch {
	case err != nil:
		return m.refusal(err, "after the closing boundary")
	case n > maxEpilogueBytes:
		return refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: more than %d KiB after the closing boundary", maxEpilogueBytes>>10)
	}
	return nil
}

// readJSON decodes the next part, which must be name, at most
// maxJSON bytes of JSON of the given shape.
func (m *partReader) readJSON(name string, v any, shape string) error {
	at := "at the " + name + " part"
	part, err := m.next(at)
	if err == io.EOF {
		return refuse(http.StatusBadRequest, graph.CodeBadRequest,
			"multipart request: no %s part: the GraphQL multipart request spec wants the parts operations, map, then the files", name)
	}
	if err != nil {
		return err
	}
	defer part.Close() //nolint:errcheck // it only drains what is left of the part
	if got := part.FormName(); got != name {
		return refuse(http.StatusBadRequest, graph.CodeBadRequest,
			"multipart request: part %s where the %s part belongs: the GraphQL multipart request spec wants the parts operations, map, then the files", quoted(got), name)
	}
	data, err := io.ReadAll(io.LimitReader(part, m.maxJSON+1))
	if err != nil {
		return m.refusal(err, "in the "+name+" part")
	}
	if int64(len(data)) > m.maxJSON {
		return refuse(http.StatusRequestEntityTooLarge, graph.CodeLimit, "multipart request: the %s part is larger than the limit of %s (the server's --max-body-bytes)", name, jobs.FormatBytes(m.maxJSON))
	}
	if problem := decodePart(data, v); problem != "" {
		if name == "operations" && bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
			return refuse(http.StatusBadRequest, graph.CodeInvalid, "multipart request: batched operations are not supported")
		}
		return refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: the %s part %s: want %s", name, problem, shape)
	}
	return nil
}

// refusal maps an error reading the body, at (or in) a part.
func (m *partReader) refusal(err error, at string) error {
	if m.body.err != nil { // too slow: whatever the layers above made of it
		return m.body.err
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return m.tooLarge
	}
	if m.src.tripped || errors.Is(err, errFramingTooLarge) {
		return refuse(http.StatusRequestEntityTooLarge, graph.CodeLimit,
			"multipart request: more than %d KiB of part headers (or of text before the first part) %s", maxPartHeaderBytes>>10, at)
	}
	if _, ok := errors.AsType[*uploadError](err); ok {
		return err
	}
	if _, ok := errors.AsType[textproto.ProtocolError](err); ok {
		return refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: malformed part headers %s: want lines of \"Name: value\"", at)
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: the connection failed %s", at)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: the body is truncated %s: it ends before the closing boundary", at)
	}
	return refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: malformed body %s: want a boundary line between the parts", at)
}

// decodePart decodes one JSON value from data into v and says what is
// wrong with it, in words of its own ("" when nothing is).
func decodePart(data []byte, v any) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return "has more after its JSON value"
		}
		return ""
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("is not valid JSON (at byte %d)", se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		kind, _, _ := strings.Cut(te.Value, " ") // "number 1e999"
		if te.Field == "" {
			return "is a JSON " + kind
		}
		return fmt.Sprintf("has a JSON %s at %s", kind, quoted(te.Field))
	}
	switch {
	case errors.Is(err, io.EOF):
		return "is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "is truncated JSON"
	}
	return "is not valid JSON"
}

// fileMapOf reads the map part, decoded as any JSON object, and refuses a
// map that cannot be followed: values other than lists of paths, more
// files or paths than a job reads, a file going nowhere, a path outside
// the variables.
func fileMapOf(raw map[string]any) (map[string][]string, error) {
	fileMap := make(map[string][]string, len(raw))
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		list, ok := raw[key].([]any)
		if !ok {
			return nil, refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: the map part has %s at %s: want %s", jsonKind(raw[key]), quoted(key), mapShape)
		}
		paths := make([]string, len(list))
		for i, p := range list {
			if paths[i], ok = p.(string); !ok {
				return nil, refuse(http.StatusBadRequest, graph.CodeBadRequest, "multipart request: the map part has %s in the list of %s: want %s", jsonKind(p), quoted(key), mapShape)
			}
		}
		fileMap[key] = paths
	}
	return fileMap, checkMap(fileMap)
}

// jsonKind names the kind of a decoded JSON value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a JSON string"
	case json.Number, float64:
		return "a JSON number"
	case bool:
		return "a JSON boolean"
	case []any:
		return "a JSON array"
	}
	return "a JSON object"
}

func checkMap(fileMap map[string][]string) error {
	if len(fileMap) > jobs.MaxFiles {
		return refuse(http.StatusBadRequest, graph.CodeLimit, "map: %d files: a request carries at most %d", len(fileMap), jobs.MaxFiles)
	}
	paths := 0
	for _, key := range slices.Sorted(maps.Keys(fileMap)) {
		paths += len(fileMap[key])
		switch {
		case len(fileMap[key]) == 0:
			return refuse(http.StatusBadRequest, graph.CodeInvalid, "map: file %s goes nowhere", quoted(key))
		case paths > jobs.MaxFiles:
			return refuse(http.StatusBadRequest, graph.CodeLimit, "map: more than %d variable paths: a request carries at most %d files", jobs.MaxFiles, jobs.MaxFiles)
		}
		for _, p := range fileMap[key] {
			if !strings.HasPrefix(p, "variables.") {
				return refuse(http.StatusBadRequest, graph.CodeInvalid, "map: path %s of file %s: files go into variables (variables.NAME)", quoted(p), quoted(key))
			}
		}
	}
	return nil
}

// setVariable puts v at path ("uploads.0", "file") in vars, where the
// client left null. Its errors are messages for the client.
func setVariable(vars map[string]any, path string, v any) error {
	keys := strings.Split(path, ".")
	var cur any = vars
	for i, k := range keys {
		last := i == len(keys)-1
		here := strings.Join(keys[:i+1], ".")
		switch c := cur.(type) {
		case map[string]any:
			x, ok := c[k]
			switch {
			case !ok:
				return fmt.Errorf("the variables have nothing at %s", quoted(here))
			case last && x != nil:
				return fmt.Errorf("want null at %s, where the file goes", quoted(here))
			case last:
				c[k] = v
				return nil
			}
			cur = x
		case []any:
			n, err := strconv.Atoi(k)
			switch {
			case err != nil || n < 0 || n >= len(c):
				return fmt.Errorf("the variables have nothing at %s", quoted(here))
			case last && c[n] != nil:
				return fmt.Errorf("want null at %s, where the file goes", quoted(here))
			case last:
				c[n] = v
				return nil
			}
			cur = c[n]
		default:
			return fmt.Errorf("the variables have nothing at %s", quoted(here))
		}
	}
	return errors.New("empty path")
}

// copyPart copies a part into its staging file, telling a failure to
// read the request from one to write the file.
func copyPart(dst io.Writer, src io.Reader) (n int64, readErr, writeErr error) {
	r := &readRecorder{r: src}
	n, err := io.Copy(dst, r)
	if err != nil && r.err != nil {
		return n, r.err, nil
	}
	return n, nil, err
}

type readRecorder struct {
	r   io.Reader
	err error
}

func (r *readRecorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// quoted quotes a name the client chose, cut to 64 bytes.
func quoted(s string) string {
	const most = 64
	if len(s) <= most {
		return strconv.Quote(s)
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
