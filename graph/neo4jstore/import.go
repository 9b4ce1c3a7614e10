package neo4jstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// ImportWriter writes batches as CSV files for Neo4j's offline importer
// (neo4j-admin database import full), the fastest way to fill a new, empty
// database: scripts/neo4j.sh import DIR runs it. It is a graph.Store's
// Write without the database: the same validation, merges, counts and
// rejections as Write on a store that started empty, and rows holding the
// very properties Write would store (nodeProps, edgeProps).
//
// Records are appended to the files as they come; only a 16-byte hash and
// the file offset of each ID stay in memory. A record written again is
// read back from its file, merged, and appended anew; Close leaves its old
// row out.
type ImportWriter struct {
	dir    string
	nodes  *csvTable
	edges  *csvTable
	closed bool
	// class holds the class strings of the nodes whose last row is not
	// public, by hash, and vx the relationships marked vx (vis.go), by
	// hash: what Write's statements read from the endpoints in Cypher;
	// Close marks the nodes they touch vmix with their degree tables
	// (visdeg.go).
	class map[[2]uint64]string
	vx    map[[2]uint64]vxEdge
}

// vxEdge is what the degree tables need of a vx relationship.
type vxEdge struct{ from, to, class string }

// Files of an import directory. importArgs holds the importer's options,
// one per line, for picocli's @file expansion.
const (
	importNodes  = "nodes.csv"
	importEdges  = "edges.csv"
	importSchema = "schema.csv"
	importArgs   = "import.args"
)

// The CSV columns: Neo4j's header syntax, name:type. Strings are always
// quoted, so an empty string stays one; an empty field is a missing
// property. IDs share one ID space, Node, which the id column also stores
// as the property id.
var (
	nodeColumns = []string{"id:ID(Node)", ":LABEL", "kind", "label", "marking", "vpub:boolean", "vk:string[]", "vpart:boolean", "vmix:boolean",
		"vdp:string[]", "vdc:long[]", "search_text", "search_tokens", "seen:long", "d"}
	edgeColumns = []string{":START_ID(Node)", ":END_ID(Node)", ":TYPE", "id", "marking", "vpub:boolean", "vk:string[]", "vpart:boolean", "vx:boolean",
		"asset", "amount:double", "valueUSD:double", "time:datetime", "seen:long", "d"}
)

// NewImportWriter creates the CSV files in dir, which must not hold an
// import already.
func NewImportWriter(dir string) (*ImportWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("import directory: %w", err)
	}
	for _, name := range []string{importNodes, importEdges, importSchema, importArgs} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return nil, fmt.Errorf("import directory %s already holds %s: choose an empty directory", dir, name)
		}
	}
	w := &ImportWriter{dir: dir, class: map[[2]uint64]string{}, vx: map[[2]uint64]vxEdge{}}
	var err error
	if w.nodes, err = newCSVTable(filepath.Join(dir, importNodes), nodeColumns); err != nil {
		return nil, err
	}
	if w.edges, err = newCSVTable(filepath.Join(dir, importEdges), edgeColumns); err != nil {
		return nil, errors.Join(err, w.nodes.f.Close())
	}
	return w, nil
}

// Write adds a batch, with graph.Store's semantics on a store that holds
// exactly what was written before.
func (w *ImportWriter) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	if w.closed {
		return graph.WriteResult{}, graph.Errorf(graph.CodeUnavailable, "the import writer is closed")
	}
	if err := ctx.Err(); err != nil {
		return graph.WriteResult{}, timeout(err)
	}
	p := prepare(b, func(id string) bool { _, ok := w.nodes.pos[w.nodes.hash(id)]; return ok })
	res := graph.WriteResult{Rejected: slices.DeleteFunc(slices.Clone(p.rejected), func(r graph.Rejection) bool { return r.Price })}
	for i := range b.Prices {
		// The importer's CSVs hold the graph; a price table goes in
		// through Write once the database runs.
		res.Rejected = append(res.Rejected, graph.Rejection{Price: true, Index: i, ID: "price:" + b.Prices[i].Asset,
			Err: graph.Errorf(graph.CodeInvalid, "the offline importer takes no prices: ingest the price table into the running database")})
	}
	for _, n := range p.nodes {
		old, err := w.nodes.lookup(n.ID, func(m map[string]any) (any, error) { return decodeNode(m) })
		if err != nil {
			return graph.WriteResult{}, err
		}
		rec := n
		if old != nil {
			if rec, err = graph.MergeNode(old.(*graph.Node), n); err != nil {
				return graph.WriteResult{}, internal(err, "merge node")
			}
			if same, err := sameRecord(rec, old); err != nil || same {
				res.NodesUnchanged++
				if err != nil {
					return graph.WriteResult{}, internal(err, "encode node")
				}
				continue
			}
			res.NodesUpdated++
		} else {
			res.NodesCreated++
		}
		props, err := nodeProps(rec)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode node")
		}
		props[":LABEL"] = "Node;" + nodeLabels[rec.Kind]
		if err := w.nodes.put(rec.ID, props); err != nil {
			return graph.WriteResult{}, err
		}
		if h := w.nodes.hash(rec.ID); restricted(props) {
			w.class[h] = classString(props)
		} else {
			delete(w.class, h)
		}
	}
	edges, edgeIdx, edgeRej := p.foldEdges()
	for j, e := range edges {
		if missing := w.missingEndpoint(e); missing != "" {
			err := graph.Errorf(graph.CodeNotFound, "edge %s: node %q exists neither in the store nor in the batch", e.ID, missing)
			for _, i := range edgeIdx[j] {
				edgeRej = append(edgeRej, graph.Rejection{Edge: true, Index: i, ID: e.ID, Err: err})
			}
			continue
		}
		old, err := w.edges.lookup(e.ID, func(m map[string]any) (any, error) {
			return decodeEdge(m[":TYPE"].(string), m[":START_ID(Node)"].(string), m[":END_ID(Node)"].(string), m)
		})
		if err != nil {
			return graph.WriteResult{}, err
		}
		rec := e
		if old != nil {
			if rec, err = graph.MergeEdge(old.(*graph.Edge), e); err != nil {
				return graph.WriteResult{}, internal(err, "merge edge")
			}
			if same, err := sameRecord(rec, old); err != nil || same {
				res.EdgesUnchanged++
				if err != nil {
					return graph.WriteResult{}, internal(err, "encode edge")
				}
				continue
			}
			res.EdgesUpdated++
		} else {
			res.EdgesCreated++
		}
		props, err := edgeProps(rec)
		if err != nil {
			return graph.WriteResult{}, internal(err, "encode edge")
		}
		props[":START_ID(Node)"], props[":END_ID(Node)"], props[":TYPE"] = rec.From, rec.To, relTypes[rec.Kind]
		_, wasVX := w.vx[w.edges.hash(rec.ID)]
		_, fromR := w.class[w.nodes.hash(rec.From)]
		_, toR := w.class[w.nodes.hash(rec.To)]
		if wasVX || restricted(props) || fromR || toR { // vx is never cleared, as in Write
			props["vx"] = true
			w.vx[w.edges.hash(rec.ID)] = vxEdge{rec.From, rec.To, classString(props)}
		}
		if err := w.edges.put(rec.ID, props); err != nil {
			return graph.WriteResult{}, err
		}
	}
	slices.SortStableFunc(edgeRej, func(a, b graph.Rejection) int { return a.Index - b.Index })
	res.Rejected = append(res.Rejected, edgeRej...)
	return res, nil
}

func (w *ImportWriter) missingEndpoint(e *graph.Edge) string {
	for _, id := range []string{e.From, e.To} {
		if _, ok := w.nodes.pos[w.nodes.hash(id)]; !ok {
			return id
		}
	}
	return ""
}

// Close finishes the files: rows replaced by merges are left out, the
// schema marker is written, and the importer's options go to import.args.
func (w *ImportWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.markMixed(); err != nil {
		return err
	}
	errN := w.nodes.finish()
	errE := w.edges.finish()
	if err := errors.Join(errN, errE); err != nil {
		return err
	}
	schema := fmt.Sprintf("name:ID(%s),version:long,vis:boolean,gen:long,:LABEL\n\"graph\",%d,true,0,%s\n", schemaLabel, schemaVersion, schemaLabel)
	if err := os.WriteFile(filepath.Join(w.dir, importSchema), []byte(schema), 0o644); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	args := []string{
		"--nodes=" + filepath.Join(w.dir, importSchema),
		"--nodes=" + w.nodes.path,
		"--relationships=" + w.edges.path,
		"--id-type=string",
		"--array-delimiter=" + string(arrayDelimiter),
		"--bad-tolerance=0",
		// Every string is quoted; a newline inside one needs the slower
		// multi-line parser, so it is asked for only when there is one.
		"--multiline-fields=" + strconv.FormatBool(w.nodes.multiline || w.edges.multiline),
	}
	if err := os.WriteFile(filepath.Join(w.dir, importArgs), []byte(strings.Join(args, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// markMixed rewrites the rows of the nodes with a vx relationship with
// vmix and their degree tables (visdeg.go), in ID order (a deterministic
// file): the tables Write's statement computes, from the final classes.
func (w *ImportWriter) markMixed() error {
	pairs := map[string]map[string]int64{}
	add := func(id, pair string) {
		if pairs[id] == nil {
			pairs[id] = map[string]int64{}
		}
		pairs[id][pair]++
	}
	for _, e := range w.vx {
		add(e.from, e.class+"#"+w.class[w.nodes.hash(e.to)])
		add(e.to, e.class+"#"+w.class[w.nodes.hash(e.from)])
	}
	for _, id := range slices.Sorted(maps.Keys(pairs)) {
		rec, err := w.nodes.lookup(id, func(m map[string]any) (any, error) { return decodeNode(m) })
		if err != nil {
			return err
		}
		n := rec.(*graph.Node)
		props, err := nodeProps(n)
		if err != nil {
			return internal(err, "encode node")
		}
		ps := slices.Sorted(maps.Keys(pairs[id]))
		cs := make([]int64, len(ps))
		for i, p := range ps {
			cs[i] = pairs[id][p]
		}
		props[":LABEL"], props["vmix"], props["vdp"], props["vdc"] = "Node;"+nodeLabels[n.Kind], true, ps, cs
		if err := w.nodes.put(id, props); err != nil {
			return err
		}
	}
	return nil
}

// arrayDelimiter separates the items of a list property (vk; visKey
// escapes it).
const arrayDelimiter = ';'

// csvTable is one CSV file of rows keyed by record ID.
type csvTable struct {
	path      string
	columns   []string
	f         *os.File
	w         *bufio.Writer
	size      int64 // bytes written so far
	seeds     [2]maphash.Seed
	pos       map[[2]uint64]int64 // ID hash → offset of its live row
	dead      map[int64]bool      // offsets of rows replaced by a later one
	multiline bool
	buf       []byte
}

func newCSVTable(path string, columns []string) (*csvTable, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	t := &csvTable{path: path, columns: columns, f: f, w: bufio.NewWriterSize(f, 1<<20), seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, pos: map[[2]uint64]int64{}, dead: map[int64]bool{}}
	header := strings.Join(columns, ",") + "\n"
	if _, err := t.w.WriteString(header); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	t.size = int64(len(header))
	return t, nil
}

// hash keys the in-memory index: two 64-bit hashes under random seeds
// (unknown to whoever wrote the input) make a collision among billions of
// IDs vanishingly unlikely, at a fraction of a cryptographic hash's cost.
func (t *csvTable) hash(id string) [2]uint64 {
	return [2]uint64{maphash.String(t.seeds[0], id), maphash.String(t.seeds[1], id)}
}

// lookup returns the record stored under id, decoded from its row, or nil.
func (t *csvTable) lookup(id string, decode func(map[string]any) (any, error)) (any, error) {
	off, ok := t.pos[t.hash(id)]
	if !ok {
		return nil, nil
	}
	if err := t.w.Flush(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	row, err := readRow(bufio.NewReader(io.NewSectionReader(t.f, off, t.size-off)), t.columns)
	if err != nil {
		return nil, internal(err, "import: read back "+id)
	}
	rec, err := decode(row)
	if err != nil {
		return nil, internal(err, "import: decode "+id)
	}
	return rec, nil
}

// put appends the row of id, replacing the one written before.
func (t *csvTable) put(id string, props map[string]any) error {
	b := t.buf[:0]
	for i, c := range t.columns {
		if i > 0 {
			b = append(b, ',')
		}
		name, typ, _ := strings.Cut(c, ":")
		if name == "" { // :LABEL, :TYPE, :START_ID(Node), :END_ID(Node)
			name = c
		}
		if strings.HasPrefix(typ, "ID(") {
			typ = ""
		}
		var err error
		if b, err = appendField(b, props[name], typ); err != nil {
			return fmt.Errorf("import: record %s, %s: %w", id, name, err)
		}
	}
	if bytes.ContainsAny(b, "\n\r") {
		t.multiline = true
	}
	b = append(b, '\n')
	t.buf = b
	h := t.hash(id)
	if old, ok := t.pos[h]; ok {
		t.dead[old] = true
	}
	t.pos[h] = t.size
	n, err := t.w.Write(b)
	t.size += int64(n)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

func appendField(b []byte, v any, typ string) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return b, nil
	case string:
		return appendQuoted(b, v), nil
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case time.Time:
		// The zone ID, not only the offset: Write stores Go's UTC times as
		// datetimes in the zone UTC, and the rows must give the same values.
		return append(v.UTC().AppendFormat(b, time.RFC3339Nano), "[UTC]"...), nil
	case []int64:
		var parts []string
		for _, x := range v {
			parts = append(parts, strconv.FormatInt(x, 10))
		}
		return appendQuoted(b, strings.Join(parts, string(arrayDelimiter))), nil
	case []string:
		for _, s := range v {
			if strings.ContainsRune(s, arrayDelimiter) {
				return nil, fmt.Errorf("list item %q contains the importer's array delimiter %q", s, arrayDelimiter)
			}
		}
		return appendQuoted(b, strings.Join(v, string(arrayDelimiter))), nil
	}
	return nil, fmt.Errorf("no CSV form for %T (column type %q)", v, typ)
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// readRow parses one row written by put back into properties.
func readRow(r *bufio.Reader, columns []string) (map[string]any, error) {
	m := make(map[string]any, len(columns))
	for i, c := range columns {
		name, typ, _ := strings.Cut(c, ":")
		if name == "" {
			name = c
		}
		var field []byte
		quoted := false
		ch, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if ch == '"' {
			quoted = true
			for {
				ch, err = r.ReadByte()
				if err != nil {
					return nil, err
				}
				if ch == '"' {
					if ch, err = r.ReadByte(); err != nil {
						return nil, err
					}
					if ch != '"' {
						break
					}
				}
				field = append(field, ch)
			}
		} else {
			for ch != ',' && ch != '\n' {
				field = append(field, ch)
				if ch, err = r.ReadByte(); err != nil {
					return nil, err
				}
			}
		}
		if last := i == len(columns)-1; last && ch != '\n' || !last && ch != ',' {
			return nil, fmt.Errorf("column %s: malformed row", c)
		}
		if !quoted && len(field) == 0 {
			continue
		}
		s := string(field)
		switch typ {
		case "long":
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c, err)
			}
			m[name] = i
		case "boolean":
			m[name] = s == "true"
		case "long[]":
			var l []any
			for _, x := range strings.Split(s, string(arrayDelimiter)) {
				i, err := strconv.ParseInt(x, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", c, err)
				}
				l = append(l, i)
			}
			m[name] = l
		case "double":
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c, err)
			}
			m[name] = f
		case "datetime":
			t, err := time.Parse(time.RFC3339Nano, strings.TrimSuffix(s, "[UTC]"))
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", c, err)
			}
			m[name] = t
		case "string[]":
			var l []any
			for _, x := range strings.Split(s, string(arrayDelimiter)) {
				l = append(l, x)
			}
			m[name] = l
		default:
			m[name] = s
		}
	}
	return m, nil
}

// finish flushes the table and, when merges replaced rows, rewrites it
// without them.
func (t *csvTable) finish() error {
	if err := t.w.Flush(); err != nil {
		return errors.Join(fmt.Errorf("import: %w", err), t.f.Close())
	}
	if len(t.dead) == 0 {
		return t.f.Close()
	}
	tmp := t.path + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		return errors.Join(fmt.Errorf("import: %w", err), t.f.Close())
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	r := bufio.NewReaderSize(io.NewSectionReader(t.f, 0, t.size), 1<<20)
	header, err := r.ReadString('\n')
	if err == nil {
		_, err = bw.WriteString(header)
	}
	off := int64(len(header))
	for err == nil && off < t.size {
		var row []byte
		row, err = readRawRow(r)
		if err == nil && !t.dead[off] {
			_, err = bw.Write(row)
		}
		off += int64(len(row))
	}
	if err == nil {
		err = bw.Flush()
	}
	err = errors.Join(err, out.Close(), t.f.Close())
	if err == nil {
		err = os.Rename(tmp, t.path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("import: leave out replaced rows: %w", err), os.Remove(tmp))
	}
	return nil
}

// readRawRow returns the bytes of one row, newline included; a newline
// inside quotes belongs to the row.
func readRawRow(r *bufio.Reader) ([]byte, error) {
	var row []byte
	inQuotes := false
	for {
		line, err := r.ReadBytes('\n')
		row = append(row, line...)
		if err != nil {
			return row, err
		}
		for _, c := range line {
			if c == '"' {
				inQuotes = !inQuotes
			}
		}
		if !inQuotes {
			return row, nil
		}
	}
}
