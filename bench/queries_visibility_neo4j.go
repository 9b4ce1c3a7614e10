package main

// The Neo4j side of -queries -visibility: the same marked graph (markBatch)
// loaded the offline way into a Neo4j of the bench's own (or, with
// -neo4j-uri, one that holds it already), and the same queries as the
// same viewers see it (visRows), in a table of its own whose ratios are
// against Neo4j's unfiltered reference.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/redthread-dev/redthread/graph/neo4jstore"
	"github.com/redthread-dev/redthread/graph/synth"
	"github.com/redthread-dev/redthread/graph/visibility"
)

// runVisibilityNeo4j measures the viewers on Neo4j and prints their table.
func runVisibilityNeo4j(ctx context.Context, out io.Writer, c config, dir string, gen *synth.Gen, want graphMark,
	viewers []visViewer, pairs [][2]string) (err error) {
	quiet := slog.New(slog.DiscardHandler)
	want.Visibility = true
	r := &qreport{}
	neo, stop, err := openMarkedNeo4j(ctx, r, c, dir, gen, want, quiet)
	if stop != nil {
		defer stop()
	}
	if err != nil {
		return fmt.Errorf("neo4j: %w", err)
	}
	defer closeInto(&err, "neo4j", neo)
	n := len(pairs)
	if c.q.neo4jN > 0 && c.q.neo4jN < n {
		n = c.q.neo4jN
	}
	var rows []*qrow
	for _, vq := range visQueries(neo, pairs[:n], c) {
		// As for the embedded store: a warm-up pass, then each pair asked
		// by every viewer in turn.
		warm := newRow(vq.query, "warm-up", "", vq.sizeOf, 0)
		for i := range min(n, 50) {
			warm.run(ctx, c.q.timeout, i, vq.f)
		}
		qrows := make([]*qrow, len(viewers))
		for v, vw := range viewers {
			qrows[v] = newRow("neo4j "+vq.query, vw.name, vq.impl, vq.sizeOf, n)
		}
		for i := range n {
			for v, vw := range viewers {
				vctx := ctx
				if !vw.trusted {
					vctx = visibility.WithViewer(ctx, vw.v)
				}
				qrows[v].run(vctx, c.q.timeout, i, vq.f)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, r := range qrows {
			r.done()
		}
		rows = append(rows, qrows...)
	}
	fmt.Fprintf(out, "\nNeo4j: the same graph, viewers and queries, the first %d pairs; ratios against Neo4j's unfiltered engine\n\n", n)
	return printVisibility(out, r, rows)
}

// openMarkedNeo4j gives a Neo4j holding the marked graph: the one at
// -neo4j-uri (which must hold it already), else the bench's own in
// dir/neo4j-vis-data, loaded with the offline importer unless a previous
// run left it there.
func openMarkedNeo4j(ctx context.Context, r *qreport, c config, dir string, gen *synth.Gen, want graphMark, quiet *slog.Logger) (*neo4jstore.Store, func(), error) {
	if c.neo4jURI != "" {
		neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: c.neo4jURI, Logger: quiet, ConnectTimeout: time.Minute})
		if err != nil {
			return nil, nil, err
		}
		if err := checkNeo4j(ctx, neo, want); err != nil {
			return nil, nil, errors.Join(fmt.Errorf("%s: %w (-neo4j-uri names a database that holds the marked graph already)", c.neo4jURI, err), neo.Close())
		}
		return neo, nil, nil
	}
	data, markPath := filepath.Join(dir, "neo4j-vis-data"), filepath.Join(dir, "neo4j-vis.json")
	env := []string{"NEO4J_DATA_DIR=" + data, "NEO4J_TMP_DATA=0", "NEO4J_PORT=" + strconv.Itoa(c.q.neo4jPort)}
	if m, ok := readMark(markPath); !ok || m != want {
		if err := removeMark(markPath); err != nil {
			return nil, nil, err
		}
		csvDir := filepath.Join(dir, "neo4j-vis-csv")
		if err := os.RemoveAll(csvDir); err != nil {
			return nil, nil, err
		}
		defer removeTemp(csvDir)
		start := time.Now()
		if err := writeMarkedCSV(ctx, csvDir, c.seed, gen); err != nil {
			return nil, nil, err
		}
		if err := neo4jScript(dir, "neo4j-vis", append(slices.Clone(env), "NEO4J_IMPORT_OVERWRITE=1"), "import", csvDir); err != nil {
			return nil, nil, err
		}
		r.shot("build the marked graph", "neo4j (offline import)", time.Since(start), "")
	} else {
		r.notes = append(r.notes, "neo4j: reused the marked database in "+data)
	}
	start := time.Now()
	stop, uri, err := startNeo4j(dir, "neo4j-vis", env)
	if err != nil {
		return nil, nil, err
	}
	neo, err := neo4jstore.Open(ctx, neo4jstore.Config{URI: uri, Logger: quiet, ConnectTimeout: time.Minute})
	if err != nil {
		return nil, stop, err
	}
	r.shot("start Neo4j on its database", "neo4j", time.Since(start), "indexes online")
	if err := checkNeo4j(ctx, neo, want); err != nil {
		return nil, stop, errors.Join(err, neo.Close())
	}
	if err := writeMark(markPath, want); err != nil {
		return nil, stop, errors.Join(err, neo.Close())
	}
	return neo, stop, nil
}

// writeMarkedCSV writes the marked graph for Neo4j's importer.
func writeMarkedCSV(ctx context.Context, dir string, seed int64, gen *synth.Gen) error {
	w, err := neo4jstore.NewImportWriter(dir)
	if err != nil {
		return err
	}
	caseFacts := &visCase{facts: map[string]struct{}{}}
	for b := range gen.Batches(10_000) {
		markBatch(seed, b, caseFacts)
		if res, err := w.Write(ctx, b); err != nil || len(res.Rejected) > 0 {
			_ = w.Close() // the CSV files are incomplete whatever Close says
			return fmt.Errorf("CSV: %v %v", err, res.Rejected)
		}
	}
	return w.Close()
}
